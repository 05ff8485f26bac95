/** The mailbox sweep shared by the Microsoft 365 and Gmail connectors (src/vendors/mailbox-sweep.ts). */
import { ApplicationFailure } from '@temporalio/common';
import {
  countAlreadyGone,
  countDeleted,
  NEW_SWEEP,
  sweepMailboxes,
  sweepProgressSchema,
  type SweepProgress,
} from '../src/vendors/mailbox-sweep';
import { recordingContext } from './helpers/vendor';

const NO_MAILBOX = 'NoMailbox';

/** A sweep where each mailbox holds the listed message ids; `missing` mailboxes fail with NO_MAILBOX. */
function sweepOf(messages: Record<string, string[]>, missing: string[] = []) {
  const swept: string[] = [];
  return {
    swept,
    sweep: {
      progress: sweepProgressSchema,
      initial: NEW_SWEEP,
      async sweepMailbox(mailbox: string, p: SweepProgress, beat: () => void) {
        swept.push(mailbox);
        if (missing.includes(mailbox)) throw ApplicationFailure.create({ type: NO_MAILBOX, nonRetryable: true });
        for (const id of messages[mailbox] ?? []) {
          if (id.startsWith('gone')) countAlreadyGone(p);
          else countDeleted(p, [id]);
          beat();
        }
      },
      onMailboxFailure(err: unknown) {
        if (!(err instanceof ApplicationFailure && err.type === NO_MAILBOX)) throw err;
      },
    },
  };
}

test('sweeps mailboxes in sorted order, counting deleted, already gone and skipped mailboxes', async () => {
  const { swept, sweep } = sweepOf({ b: ['b1', 'gone-b2'], a: ['a1'] }, ['c']);
  const ctx = recordingContext<SweepProgress>();
  const p = await sweepMailboxes(['c', 'b', 'a'], ctx, sweep);
  expect(swept).toEqual(['a', 'b', 'c']);
  expect(p).toMatchObject({
    mailboxIndex: 3,
    lastMailbox: 'c',
    found: 3,
    deleted: 2,
    alreadyGone: 1,
    skippedMailboxes: 1,
    deletedIds: ['a1', 'b1'],
  });
  // Each heartbeat is a snapshot, not the live object.
  expect(ctx.beats.map((b) => b.deletedIds)).toEqual([
    ['a1'],
    ['a1'],
    ['a1', 'b1'],
    ['a1', 'b1'],
    ['a1', 'b1'],
    ['a1', 'b1'],
  ]);
});

test('resumes after the last mailbox finished, by name, even when a mailbox was added before it since', async () => {
  const { swept, sweep } = sweepOf({ a: ['a1'], b: ['b1'], c: ['c1'] });
  const resumeFrom: SweepProgress = {
    ...NEW_SWEEP,
    mailboxIndex: 1,
    lastMailbox: 'b',
    found: 1,
    deleted: 1,
    deletedIds: ['b1'],
  };
  const p = await sweepMailboxes(['a', 'b', 'c', 'aa'], recordingContext(resumeFrom), sweep);
  expect(swept).toEqual(['c']);
  expect(p).toMatchObject({ mailboxIndex: 4, found: 2, deletedIds: ['b1', 'c1'] });
});

test('a failure the connector does not accept stops the sweep; a fresh sweep never shares state with an earlier one', async () => {
  const { sweep } = sweepOf({ a: ['a1'] });
  const failing = { ...sweep, sweepMailbox: async () => Promise.reject(new Error('boom')) };
  await expect(sweepMailboxes(['a'], recordingContext(), failing)).rejects.toThrow('boom');
  const p = await sweepMailboxes(['a'], recordingContext(), sweep);
  expect(p.deletedIds).toEqual(['a1']);
  expect(NEW_SWEEP.deletedIds).toEqual([]);
});
