/** Shared by the vendor tests: a heartbeat-recording connector context, and failure checks. */
import { ApplicationFailure } from '@temporalio/common';
import type { ConnectorContext } from '../../src/connectors/types';

/** A ConnectorContext that records every heartbeat (and resumes from `resumeFrom`). */
export function recordingContext<P>(resumeFrom?: unknown, onBeat?: (details: P) => void): ConnectorContext & { beats: P[] } {
  const beats: P[] = [];
  return {
    beats,
    resumeFrom,
    heartbeat: (details) => {
      beats.push(details as P);
      onBeat?.(details as P);
    },
  };
}

/** The ApplicationFailure a promise rejects with; its message and details may name none of `forbidden`. */
export async function failureOf(p: Promise<unknown>, forbidden: string[] = []): Promise<ApplicationFailure> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(err instanceof ApplicationFailure)) throw new Error(`expected ApplicationFailure, got ${String(err)}`);
  const text = `${err.message} ${JSON.stringify(err.details ?? [])}`.toLowerCase();
  for (const value of forbidden) expect(text).not.toContain(value.toLowerCase());
  return err;
}
