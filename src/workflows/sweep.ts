/**
 * One connector's erasure of one identifier, kept as a ledger so the receipt is exact:
 *
 *   find     every page of every mailbox (or the whole CRM), read-only; each page is an activity
 *            result, so what was found is in the (encrypted) history before anything is deleted
 *   approve  after the first round's find, if the counts exceed the deployment's thresholds
 *   delete   exactly what was found, batch by batch; an id already gone counts as deleted
 *   again    a later round of find and delete catches what arrived meanwhile (or hid beyond a
 *            search cap), until a round finds nothing new
 *   finish   the connector's last call (HubSpot's blocklist) and the receipt's method sentence
 *
 * Counts come from what was recorded, so a delete that is retried after a 5xx, a lost answer or a
 * killed worker cannot make the receipt undercount. The state is plain data and every step starts
 * from it, so the sweep can stop at any step (a failure for an operator, an approval, a history
 * that grew too long) and resume elsewhere: later in this workflow, in a child workflow, or after
 * continue-as-new. Workflow-safe and free of Temporal imports, so it also runs in one process
 * (src/connectors/erase-in-process.ts).
 */
import type { ConnectorOutcome, DeleteReport, FoundPage, MailboxCount, SweepSummary } from '../connectors/types';
import type { Identifier } from '../subject/identifiers';
import { MAX_IDS_IN_RECEIPT } from '../connectors/types';
import type { ApprovalCounts, ApprovalDecision } from './approval';

/**
 * Ids held between find and delete. Before the first round is approved nothing may be deleted, so
 * matches beyond this are counted (for the approval) but not kept; the next round finds them.
 */
export const PENDING_CAP = 2_000;

export interface SweepMailbox {
  /** The address the connector is called with; absent for a system without mailboxes. */
  address?: string;
  /** Its keyed hash: how progress, receipts and previews name it. */
  ref?: string;
}

export interface SweepState {
  phase: 'list' | 'find' | 'approve' | 'delete' | 'finish' | 'done';
  mailboxes: SweepMailbox[];
  /** Users whose mail cannot be reached (Google: suspended), and mailboxes that hold no mail. */
  unreachable: number;
  /** Mailboxes whose mail could not be reached when searched (counted once, with `unreachable`). */
  unreachableAt?: number[];
  withoutMail: number;
  round: number;
  /** find: the mailbox being listed, and where its listing continues. */
  mailboxAt: number;
  cursor?: string;
  /** delete: the pending batch being deleted; `thenFind` resumes the round's find afterwards. */
  batchAt: number;
  thenFind: boolean;
  /** Recorded by find, not yet deleted. `mailbox` indexes `mailboxes`. */
  pending: { mailbox: number; ids: string[] }[];
  newThisRound: number;
  /** Fingerprints (fingerprint.ts) of every id recorded: a search that still lists them does not count them twice. */
  seen: string[];
  /** First round: matches per mailbox, kept or only counted; what approval and previews see. */
  matched: number[];
  capped: boolean;
  found: number;
  deleted: number;
  alreadyGone: number;
  permanent: boolean;
  foundPerMailbox: number[];
  deletedPerMailbox: number[];
  deletedIds: string[];
  approval?: ApprovalDecision;
  method?: string;
}

/** The vendor calls a sweep makes; activities in a workflow, the connector itself in one process. */
export interface SweepOps {
  /** Mail systems only. */
  listMailboxes?(): Promise<{ mailboxes: Required<SweepMailbox>[]; unreachable?: number }>;
  find(mailbox: string | undefined, cursor: string | undefined): Promise<FoundPage>;
  deleteFound(mailbox: string | undefined, ids: string[]): Promise<DeleteReport>;
  /** The connector's last call; returns the receipt's method. */
  finish(summary: SweepSummary): Promise<string>;
}

export interface SweepLimits {
  /** Whether the first round's counts may be deleted: approved (or within thresholds), or an operator must decide. */
  approval(counts: ApprovalCounts): ApprovalDecision | 'ask';
  /** Vendor calls this run may make before it yields (so history stays small); Infinity for no limit. */
  budget: number;
}

export type SweepStop = { stop: 'done' } | { stop: 'approval'; counts: ApprovalCounts } | { stop: 'yield' };

export function newSweep(): SweepState {
  return {
    phase: 'list',
    mailboxes: [],
    unreachable: 0,
    withoutMail: 0,
    round: 1,
    mailboxAt: 0,
    batchAt: 0,
    thenFind: false,
    pending: [],
    newThisRound: 0,
    seen: [],
    matched: [],
    capped: false,
    found: 0,
    deleted: 0,
    alreadyGone: 0,
    permanent: true,
    foundPerMailbox: [],
    deletedPerMailbox: [],
    deletedIds: [],
  };
}

/** What the first round found, for an approval or a preview. */
export function firstRoundCounts(state: SweepState): ApprovalCounts {
  return {
    records: state.matched.reduce((a, b) => a + b, 0),
    mailboxes: state.mailboxes[0]?.address === undefined ? 0 : state.matched.filter((n) => n > 0).length,
    capped: state.capped,
  };
}

/**
 * Runs the sweep from `state` until it is done, needs an approval, or has used its budget.
 * A vendor call that throws leaves `state` at the step it was on, so calling again repeats it.
 */
export async function advanceSweep(
  state: SweepState,
  ops: SweepOps,
  limits: SweepLimits,
  fingerprint: (text: string) => string,
): Promise<SweepStop> {
  const seen = new Set(state.seen);
  let budget = limits.budget;
  const spend = (): boolean => {
    if (budget <= 0) return false;
    budget -= 1;
    return true;
  };
  for (;;) {
    switch (state.phase) {
      case 'list': {
        if (ops.listMailboxes) {
          if (!spend()) return { stop: 'yield' };
          const listed = await ops.listMailboxes();
          state.mailboxes = listed.mailboxes;
          state.unreachable = listed.unreachable ?? 0;
        } else {
          state.mailboxes = [{}];
        }
        const zeros = () => state.mailboxes.map(() => 0);
        Object.assign(state, { matched: zeros(), foundPerMailbox: zeros(), deletedPerMailbox: zeros(), phase: 'find' });
        break;
      }

      case 'find': {
        if (state.mailboxAt >= state.mailboxes.length) {
          state.phase = 'delete';
          state.batchAt = 0;
          if (state.round === 1 && !state.approval) {
            const decision = limits.approval(firstRoundCounts(state));
            if (decision === 'ask') {
              state.phase = 'approve';
              return { stop: 'approval', counts: firstRoundCounts(state) };
            }
            state.approval = decision;
          }
          break;
        }
        if (!spend()) return { stop: 'yield' };
        const at = state.mailboxAt;
        const page = await ops.find(state.mailboxes[at]!.address, state.cursor);
        if (page.noMailbox) state.withoutMail += 1;
        if (page.unreachable && !state.unreachableAt?.includes(at)) (state.unreachableAt ??= []).push(at);
        if (page.capped) state.capped = true;
        const beforeApproval = state.round === 1 && !state.approval;
        const fresh: string[] = [];
        for (const id of page.ids) {
          const print = fingerprint(`${at}:${id}`);
          if (seen.has(print)) continue; // recorded already (a search index that lags, a recycle bin)
          if (beforeApproval) state.matched[at]! += 1;
          // Over the cap before approval: counted for the operator, found again in a later round.
          if (beforeApproval && pendingCount(state) + fresh.length >= PENDING_CAP) continue;
          seen.add(print);
          state.seen.push(print);
          fresh.push(id);
        }
        if (fresh.length) {
          state.pending.push({ mailbox: at, ids: fresh });
          state.found += fresh.length;
          state.foundPerMailbox[at]! += fresh.length;
          state.newThisRound += fresh.length;
        }
        // After the first round's approval, a long listing deletes as it goes; the listing then
        // restarts, since a cursor may not survive deletions (Gmail's may be an offset).
        if (!beforeApproval && pendingCount(state) >= PENDING_CAP) {
          Object.assign(state, { phase: 'delete', batchAt: 0, thenFind: true, cursor: undefined });
          break;
        }
        if (page.cursor !== undefined && !page.noMailbox && !page.unreachable) state.cursor = page.cursor;
        else Object.assign(state, { mailboxAt: at + 1, cursor: undefined });
        break;
      }

      case 'approve':
        // Resumed after an operator approved (the caller set `approval`): delete what was found.
        if (!state.approval) return { stop: 'approval', counts: firstRoundCounts(state) };
        Object.assign(state, { phase: 'delete', batchAt: 0 });
        break;

      case 'delete': {
        const batch = state.pending[state.batchAt];
        if (!batch) {
          state.pending = [];
          state.batchAt = 0;
          if (state.thenFind) {
            state.thenFind = false;
            state.phase = 'find';
          } else if (state.newThisRound === 0) {
            state.phase = 'finish';
          } else {
            Object.assign(state, { round: state.round + 1, newThisRound: 0, mailboxAt: 0, cursor: undefined });
            state.phase = 'find';
          }
          break;
        }
        if (!spend()) return { stop: 'yield' };
        const report = await ops.deleteFound(state.mailboxes[batch.mailbox]!.address, batch.ids);
        countDeletes(state, batch, report);
        state.batchAt += 1;
        break;
      }

      case 'finish': {
        if (!spend()) return { stop: 'yield' };
        state.method = await ops.finish({
          found: state.found,
          permanent: state.permanent,
          unreachable: state.unreachable + (state.unreachableAt?.length ?? 0),
        });
        // Done with deduplicating: the state that travels back to the erasure carries only counts.
        Object.assign(state, { phase: 'done', seen: [], pending: [], cursor: undefined });
        break;
      }

      case 'done':
        return { stop: 'done' };
    }
  }
}

/**
 * A delete that failed for good after deleting part of its batch (Salesforce refusing some records)
 * says what it did; when the operator skips the rest, that part still counts.
 */
export function countPartialDelete(state: SweepState, report: DeleteReport): void {
  const batch = state.phase === 'delete' ? state.pending[state.batchAt] : undefined;
  if (batch) countDeletes(state, batch, report);
}

function pendingCount(state: SweepState): number {
  return state.pending.reduce((n, b) => n + b.ids.length, 0);
}

/** Only ids of the batch count, each once: a connector that reports more (or twice) cannot inflate the receipt. */
function countDeletes(state: SweepState, batch: SweepState['pending'][number], report: DeleteReport): void {
  const asked = new Set(batch.ids);
  const count = (ids: string[], gone: boolean) => {
    for (const id of ids) {
      if (!asked.delete(id)) continue;
      state.deleted += 1;
      if (gone) state.alreadyGone += 1;
      state.deletedPerMailbox[batch.mailbox]! += 1;
      if (state.deletedIds.length < MAX_IDS_IN_RECEIPT) state.deletedIds.push(id);
    }
  };
  count(report.deleted, false);
  count(report.alreadyGone, true);
  if (report.permanent === false) state.permanent = false;
}

/** Matches per mailbox for the receipt: only mailboxes that held any, by keyed hash. */
export function mailboxCounts(state: SweepState): MailboxCount[] | undefined {
  if (state.mailboxes[0]?.address === undefined) return undefined;
  return state.mailboxes
    .map((m, i) => ({
      mailbox: m.ref ?? '',
      found: state.foundPerMailbox[i] ?? 0,
      deleted: state.deletedPerMailbox[i] ?? 0,
    }))
    .filter((m) => m.found > 0);
}

/** The receipt's record of a sweep: counts from the ledger, whoever ran it. */
export function sweepOutcome(
  state: SweepState,
  connector: string,
  identifier: Identifier,
  completedAt: string,
): ConnectorOutcome {
  const mailboxes = mailboxCounts(state);
  const approval = state.approval?.via === 'within-thresholds' ? undefined : state.approval;
  return {
    connector,
    identifier,
    found: state.found,
    deleted: state.deleted,
    alreadyGone: state.alreadyGone,
    deletedIds: state.deletedIds,
    method: state.method ?? NOT_FINISHED_METHOD,
    completedAt,
    ...(mailboxes && { mailboxes }),
    rounds: state.round,
    ...(approval && { approval }),
  };
}

/** A sweep an operator skipped before it finished: what it deleted until then still counts. */
export const NOT_FINISHED_METHOD = 'not finished (skipped by an operator); counts are what was deleted until then';
