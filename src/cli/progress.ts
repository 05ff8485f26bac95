/**
 * The import's progress bar, on stderr and only on a terminal: piped or redirected output gets
 * the summary alone, with no control characters.
 */
import { Presets, SingleBar } from 'cli-progress';
import type { RowOutcome } from './import';

export interface ImportProgress {
  begin(total: number, rejected: number): void;
  row(outcome: RowOutcome): void;
  end(): void;
}

const NONE: ImportProgress = { begin: () => undefined, row: () => undefined, end: () => undefined };

export function importProgress(stream: NodeJS.WritableStream & { isTTY?: boolean }): ImportProgress {
  if (!stream.isTTY) return NONE;
  let bar: SingleBar | undefined;
  const counts = { started: 0, present: 0, rejected: 0 };
  return {
    begin(total, rejected) {
      if (total === 0) return;
      counts.rejected = rejected;
      bar = new SingleBar(
        {
          stream,
          format:
            'importing {bar} {value}/{total} | started {started}, already present {present}, rejected {rejected} | {eta_formatted}',
          hideCursor: true,
          clearOnComplete: true,
        },
        Presets.shades_classic,
      );
      bar.start(total, 0, counts);
    },
    row(outcome) {
      if (outcome === 'started') counts.started++;
      else if (outcome === 'exists') counts.present++;
      else if (outcome === 'conflict') counts.rejected++;
      bar?.increment(1, counts);
    },
    end() {
      bar?.stop();
      bar = undefined;
    },
  };
}
