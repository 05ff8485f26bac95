/**
 * The sweep (src/workflows/sweep.ts) on its own, against an in-memory vendor: rounds, what counts,
 * stopping and resuming at any step, approval before any delete, and the cap on ids held.
 */
import type { DeleteReport, FoundPage } from '../src/connectors/types';
import { fingerprint } from '../src/workflows/fingerprint';
import {
  advanceSweep,
  firstRoundCounts,
  newSweep,
  PENDING_CAP,
  sweepOutcome,
  type SweepOps,
  type SweepState,
} from '../src/workflows/sweep';

/** A vendor with mailboxes of message ids; a search returns at most `cap` ids, `pageSize` per page. */
class MemoryVendor {
  readonly boxes = new Map<string, Set<string>>();
  readonly deleted: string[] = [];
  readonly calls: string[] = [];
  /** Ids a search still lists after deletion (a lagging index). */
  readonly ghosts = new Set<string>();
  failNext: 'find' | 'delete-after-effect' | undefined;

  constructor(
    private readonly pageSize = 3,
    private readonly cap = Infinity,
  ) {}

  seed(box: string, ...ids: string[]) {
    const set = this.boxes.get(box) ?? new Set();
    ids.forEach((id) => set.add(id));
    this.boxes.set(box, set);
  }

  ops(mailboxes: boolean): SweepOps {
    return {
      ...(mailboxes && {
        listMailboxes: async () => {
          this.calls.push('list');
          return { mailboxes: [...this.boxes.keys()].sort().map((address) => ({ address, ref: `ref-${address}` })) };
        },
      }),
      find: async (mailbox, cursor): Promise<FoundPage> => {
        this.calls.push('find');
        if (this.failNext === 'find') {
          this.failNext = undefined;
          throw new Error('503');
        }
        const all = [...(this.boxes.get(mailbox ?? '') ?? []), ...this.ghosts].slice(0, this.cap);
        const from = Number(cursor ?? 0);
        const ids = all.slice(from, from + this.pageSize);
        const next = from + this.pageSize < all.length ? String(from + this.pageSize) : undefined;
        return { ids, ...(next && { cursor: next }), ...(all.length >= this.cap && { capped: true }) };
      },
      deleteFound: async (mailbox, ids): Promise<DeleteReport> => {
        this.calls.push('delete');
        const box = this.boxes.get(mailbox ?? '')!;
        const report: DeleteReport = { deleted: [], alreadyGone: [] };
        for (const id of ids) {
          if (box.delete(id)) {
            this.deleted.push(id);
            report.deleted.push(id);
          } else report.alreadyGone.push(id);
        }
        if (this.failNext === 'delete-after-effect') {
          this.failNext = undefined;
          throw new Error('500 after the effect');
        }
        // A vendor that says more than it was asked cannot inflate the receipt.
        return { ...report, deleted: [...report.deleted, 'not-asked'] };
      },
      finish: async (summary) => {
        this.calls.push('finish');
        return `method for ${summary.found}`;
      },
    };
  }
}

const within = { approval: () => ({ via: 'within-thresholds' as const }), budget: Infinity };

async function runToEnd(state: SweepState, ops: SweepOps) {
  for (;;) {
    try {
      return await advanceSweep(state, ops, within, fingerprint);
    } catch {
      // a failure for good: the caller (the operator gate) retries the same step
    }
  }
}

test('finds every page, deletes exactly that, searches again until nothing new, then finishes', async () => {
  const v = new MemoryVendor(3);
  v.seed('', 'a', 'b', 'c', 'd', 'e');
  const state = newSweep();
  expect(await advanceSweep(state, v.ops(false), within, fingerprint)).toEqual({ stop: 'done' });
  // round 1: two pages, then two deletes; round 2: one empty find; finish
  expect(v.calls).toEqual(['find', 'find', 'delete', 'delete', 'find', 'finish']);
  expect(v.deleted.sort()).toEqual(['a', 'b', 'c', 'd', 'e']);
  const outcome = sweepOutcome(state, 'memory', { kind: 'email', value: 'x@example.com' }, 'now');
  expect(outcome).toMatchObject({ found: 5, deleted: 5, alreadyGone: 0, rounds: 2, method: 'method for 5' });
  expect(outcome.deletedIds.sort()).toEqual(['a', 'b', 'c', 'd', 'e']);
});

test('a delete that fails after the effect is repeated and its records still count, once', async () => {
  const v = new MemoryVendor(10);
  v.seed('', 'a', 'b', 'c');
  v.failNext = 'delete-after-effect';
  const state = newSweep();
  await runToEnd(state, v.ops(false));
  expect(state).toMatchObject({ found: 3, deleted: 3, alreadyGone: 3 });
  expect(v.deleted).toHaveLength(3);
});

test('ids a search still lists after deletion are not counted twice; what arrives meanwhile is caught', async () => {
  const v = new MemoryVendor(10);
  v.seed('', 'a', 'b');
  const ops = v.ops(false);
  const state = newSweep();
  const deleteFound = ops.deleteFound;
  ops.deleteFound = async (mailbox, ids) => {
    const report = await deleteFound(mailbox, ids);
    ids.forEach((id) => v.ghosts.add(id)); // the index lags
    v.seed('', 'late'); // a new message arrives while we delete
    return report;
  };
  await advanceSweep(state, ops, within, fingerprint);
  expect(state).toMatchObject({ found: 3, deleted: 3, round: 3 });
  expect(v.deleted.sort()).toEqual(['a', 'b', 'late']);
});

test('stops before any delete when the first round needs approval, and resumes from its state', async () => {
  const v = new MemoryVendor(2);
  v.seed('box-1', 'a', 'b', 'c');
  v.seed('box-2', 'd');
  const state = newSweep();
  const ask = { approval: () => 'ask' as const, budget: Infinity };
  const stop = await advanceSweep(state, v.ops(true), ask, fingerprint);
  expect(stop).toEqual({ stop: 'approval', counts: { records: 4, mailboxes: 2, capped: false } });
  expect(v.calls.filter((c) => c === 'delete')).toEqual([]);
  expect(firstRoundCounts(state)).toEqual({ records: 4, mailboxes: 2, capped: false });

  // Through JSON, as the state travels through history.
  const resumed: SweepState = JSON.parse(JSON.stringify(state));
  resumed.approval = { via: 'operator', by: 'dpo', at: 'now', records: 4, mailboxes: 2 };
  expect(await advanceSweep(resumed, v.ops(true), ask, fingerprint)).toEqual({ stop: 'done' });
  expect(v.deleted.sort()).toEqual(['a', 'b', 'c', 'd']);
  const outcome = sweepOutcome(resumed, 'memory', { kind: 'email', value: 'x@example.com' }, 'now');
  expect(outcome.mailboxes).toEqual([
    { mailbox: 'ref-box-1', found: 3, deleted: 3 },
    { mailbox: 'ref-box-2', found: 1, deleted: 1 },
  ]);
  expect(outcome.approval).toMatchObject({ via: 'operator', by: 'dpo' });
});

test('a budget makes it yield; the same state, resumed in small steps, ends exactly as one run', async () => {
  const v = new MemoryVendor(2);
  v.seed('box-1', 'a', 'b', 'c', 'd', 'e');
  v.seed('box-2', 'f', 'g');
  let state = newSweep();
  let runs = 0;
  for (;;) {
    runs += 1;
    const stop = await advanceSweep(state, v.ops(true), { ...within, budget: 2 }, fingerprint);
    state = JSON.parse(JSON.stringify(state)); // continue-as-new
    if (stop.stop === 'done') break;
    expect(stop).toEqual({ stop: 'yield' });
  }
  expect(runs).toBeGreaterThan(3);
  expect(state).toMatchObject({ found: 7, deleted: 7, alreadyGone: 0 });
  expect(v.deleted).toHaveLength(7);
});

test('before approval at most PENDING_CAP ids are held; the rest are counted, found and deleted later', async () => {
  const v = new MemoryVendor(1_000);
  const ids = Array.from({ length: PENDING_CAP + 500 }, (_, i) => `m${i}`);
  v.seed('', ...ids);
  const state = newSweep();
  const stop = await advanceSweep(state, v.ops(false), { approval: () => 'ask', budget: Infinity }, fingerprint);
  expect(stop).toMatchObject({ stop: 'approval', counts: { records: PENDING_CAP + 500 } });
  expect(state.pending.reduce((n, b) => n + b.ids.length, 0)).toBe(PENDING_CAP);
  state.approval = { via: 'operator', at: 'now', records: PENDING_CAP + 500, mailboxes: 0 };
  await advanceSweep(state, v.ops(false), within, fingerprint);
  expect(state).toMatchObject({ found: PENDING_CAP + 500, deleted: PENDING_CAP + 500 });
  expect(v.deleted).toHaveLength(PENDING_CAP + 500);
});

test('a search capped below the matches is finished by later rounds', async () => {
  const v = new MemoryVendor(2, 4);
  v.seed('', 'a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i');
  const state = newSweep();
  await advanceSweep(state, v.ops(false), within, fingerprint);
  expect(state).toMatchObject({ found: 9, deleted: 9, capped: true });
});

test('a mailbox that cannot be reached is counted once, however many rounds search it', async () => {
  const v = new MemoryVendor(5);
  v.seed('a-box', 'a');
  v.seed('b-box');
  const ops = v.ops(true);
  const find = ops.find;
  ops.find = async (mailbox, cursor) => (mailbox === 'b-box' ? { ids: [], unreachable: true } : find(mailbox, cursor));
  let summary;
  ops.finish = async (s) => {
    summary = s;
    return 'm';
  };
  const state = newSweep();
  await advanceSweep(state, ops, within, fingerprint);
  expect(state.round).toBe(2);
  expect(summary).toEqual({ found: 1, permanent: true, unreachable: 1 });
});

test('fingerprints are fixed-width and differ for different ids', () => {
  const prints = new Set(Array.from({ length: 50_000 }, (_, i) => fingerprint(`0:AAMkAGI2${i}`)));
  expect(prints.size).toBe(50_000);
  expect(fingerprint('x')).toMatch(/^[0-9a-f]{16}$/);
});
