/**
 * The sweep both mail connectors run (Microsoft 365, Gmail): every mailbox in a fixed order, the
 * subject's messages found and deleted in each, progress heartbeated so a retry (after a worker crash
 * or a heartbeat timeout) resumes after the last mailbox finished, and the counts for the receipt.
 * Each vendor supplies how to sweep one mailbox and what a failure in one means (a user without a
 * mailbox is skipped; a configured mailbox that cannot be searched is a setup error).
 */
import { ApplicationFailure } from '@temporalio/common';
import { z } from 'zod';
import { MAX_IDS_IN_RECEIPT, type ConnectorContext, type ConnectorOutcome } from '../connectors/types';
import type { Identifier } from '../subject/identifiers';
import { FailureTypes } from './http';

/** Heartbeat details. Counts include the mailbox in progress; `lastMailbox` is the last one finished. */
export const sweepProgressSchema = z.object({
  mailboxIndex: z.number().int().nonnegative(),
  /**
   * Skip by name, not index: a user added or removed between attempts would otherwise shift an unswept mailbox past the
   * index.
   */
  lastMailbox: z.string().optional(),
  found: z.number().int().nonnegative(),
  deleted: z.number().int().nonnegative(),
  alreadyGone: z.number().int().nonnegative(),
  /** Users without a mailbox (nothing to erase there). */
  skippedMailboxes: z.number().int().nonnegative().default(0),
  deletedIds: z.array(z.string()).default([]),
});
export type SweepProgress = z.infer<typeof sweepProgressSchema>;

export const NEW_SWEEP: SweepProgress = {
  mailboxIndex: 0,
  found: 0,
  deleted: 0,
  alreadyGone: 0,
  skippedMailboxes: 0,
  deletedIds: [],
};

export interface MailboxSweep<P extends SweepProgress> {
  /** Schema of the heartbeat details: sweepProgressSchema, or an extension of it. */
  progress: z.ZodType<P>;
  /** Progress of a first attempt. */
  initial: P;
  /** Finds and deletes the subject's messages in `mailbox`, counting them into `p`; `beat` heartbeats `p`. */
  sweepMailbox(mailbox: string, p: P, beat: () => void): Promise<void>;
  /** Sets per-mailbox state before a mailbox is swept (it may be the one a resumed attempt was in). */
  beforeMailbox?(mailbox: string, p: P): void;
  /** Clears per-mailbox state once a mailbox is done. */
  afterMailbox?(p: P): void;
  /**
   * What a failure sweeping mailbox number `position` (1-based, of `total`) means: return to count the
   * mailbox as skipped (it holds no mail), or throw.
   */
  onMailboxFailure(err: unknown, mailbox: string, position: number, total: number): void;
}

/** Sweeps `mailboxes` (resuming from the last heartbeat in `ctx`); returns the final counts. */
export async function sweepMailboxes<P extends SweepProgress>(
  mailboxes: readonly string[],
  ctx: ConnectorContext,
  sweep: MailboxSweep<P>,
): Promise<P> {
  // Sorted so the order (and so "done so far") is the same on every attempt.
  const all = [...mailboxes].sort();
  const resumed = sweep.progress.safeParse(ctx.resumeFrom);
  const p: P = resumed.success ? resumed.data : structuredClone(sweep.initial);
  const last = p.lastMailbox;
  const start = last !== undefined ? all.filter((m) => m <= last).length : p.mailboxIndex;
  // A copy: heartbeats are sent later (throttled), after `p` has moved on.
  const beat = () => ctx.heartbeat({ ...p, deletedIds: [...p.deletedIds] });

  for (let i = start; i < all.length; i++) {
    const mailbox = all[i] as string;
    sweep.beforeMailbox?.(mailbox, p);
    try {
      await sweep.sweepMailbox(mailbox, p, beat);
    } catch (err) {
      sweep.onMailboxFailure(err, mailbox, i + 1, all.length);
      p.skippedMailboxes += 1;
    }
    Object.assign(p, { mailboxIndex: i + 1, lastMailbox: mailbox });
    sweep.afterMailbox?.(p);
    beat();
  }
  return p;
}

/** Counts messages deleted now; their ids go into the receipt up to MAX_IDS_IN_RECEIPT. */
export function countDeleted(p: SweepProgress, ids: readonly string[]): void {
  for (const id of ids) if (p.deletedIds.length < MAX_IDS_IN_RECEIPT) p.deletedIds.push(id);
  p.found += ids.length;
  p.deleted += ids.length;
}

/** Counts a message that matched but was gone by the time we deleted it. */
export function countAlreadyGone(p: SweepProgress): void {
  p.found += 1;
  p.alreadyGone += 1;
}

/** The mail connectors search by email address only; `value` is that address. */
export function emailOf(connector: string, identifier: Identifier): string {
  if (identifier.kind !== 'email') {
    throw ApplicationFailure.create({
      type: FailureTypes.config,
      nonRetryable: true,
      message: `${connector} connector searches email identifiers only, got ${identifier.kind}`,
    });
  }
  return identifier.value;
}

export function sweepOutcome(
  connector: string,
  identifier: Identifier,
  p: SweepProgress,
  method: string,
): ConnectorOutcome {
  return {
    connector,
    identifier,
    found: p.found,
    deleted: p.deleted,
    alreadyGone: p.alreadyGone,
    deletedIds: p.deletedIds,
    method,
    completedAt: new Date().toISOString(),
  };
}
