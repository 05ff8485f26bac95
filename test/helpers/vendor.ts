/** Shared by the vendor tests: a heartbeat-recording connector context, a find listing, and failure checks. */
import { ApplicationFailure } from '@temporalio/common';
import {
  MAX_FOUND_PER_PAGE,
  type ConnectorContext,
  type DeleteReport,
  type ErasureConnector,
  type FoundPage,
} from '../../src/connectors/types';
import type { Identifier } from '../../src/subject/identifiers';

/** A ConnectorContext that records every heartbeat (and resumes from `resumeFrom`). */
export function recordingContext<P>(
  resumeFrom?: unknown,
  onBeat?: (details: P) => void,
): ConnectorContext & { beats: P[] } {
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

/** Every page of one find listing, following the cursor as the workflow does while nothing is deleted. */
export async function findPages(
  connector: ErasureConnector,
  identifier: Identifier,
  mailbox?: string,
  ctx: ConnectorContext = recordingContext(),
): Promise<FoundPage[]> {
  const pages: FoundPage[] = [];
  let cursor: string | undefined;
  do {
    const page = await connector.find(identifier, mailbox, cursor, ctx);
    expect(page.ids.length).toBeLessThanOrEqual(MAX_FOUND_PER_PAGE);
    pages.push(page);
    cursor = page.cursor;
  } while (cursor !== undefined);
  return pages;
}

/**
 * Calls deleteFound as Temporal retries an activity: after each failed attempt, again with the last
 * heartbeat it sent, until one succeeds (at most 100 attempts).
 */
export async function deleteUntilDone(
  connector: ErasureConnector,
  identifier: Identifier,
  mailbox: string | undefined,
  ids: string[],
): Promise<{ report: DeleteReport | undefined; attempts: number }> {
  let resumeFrom: unknown;
  let report: DeleteReport | undefined;
  let attempts = 0;
  while (!report && attempts++ < 100) {
    const attempt = recordingContext(resumeFrom);
    report = await connector.deleteFound(identifier, mailbox, ids, attempt).catch(() => undefined);
    resumeFrom = attempt.beats.at(-1) ?? resumeFrom;
  }
  return { report, attempts };
}

/** What a vendor failure must be, beyond being an ApplicationFailure that quotes none of `forbidden`. */
export interface ExpectedFailure {
  type?: string;
  nonRetryable?: boolean;
}

/**
 * The ApplicationFailure a promise rejects with (the one check every vendor test makes): of the
 * expected type and retryability when given, and naming none of `forbidden` (the identifiers, in
 * every form they could leak) in its message or details.
 */
export async function failureOf(
  p: Promise<unknown>,
  forbidden: string[] = [],
  expected: ExpectedFailure = {},
): Promise<ApplicationFailure> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(err instanceof ApplicationFailure)) throw new Error(`expected ApplicationFailure, got ${String(err)}`);
  if (expected.type !== undefined) expect(err.type).toBe(expected.type);
  if (expected.nonRetryable !== undefined) expect(err.nonRetryable).toBe(expected.nonRetryable);
  const text = `${err.message} ${JSON.stringify(err.details ?? [])}`.toLowerCase();
  for (const value of forbidden) expect(text).not.toContain(value.toLowerCase());
  return err;
}
