/**
 * Microsoft 365 mail: sweep each mailbox for messages from/to/cc/bcc the subject and permanently
 * delete them. A tenant-wide sweep is long, so progress is heartbeated and a retry resumes from it
 * (the sweep itself is shared with Gmail: ../mailbox-sweep.ts).
 */
import { ApplicationFailure } from '@temporalio/common';
import type { ErasureConnector } from '../../connectors/types';
import { FailureTypes } from '../http';
import {
  countAlreadyGone,
  countDeleted,
  emailOf,
  NEW_SWEEP,
  sweepMailboxes,
  sweepOutcome,
  sweepProgressSchema,
  type SweepProgress,
} from '../mailbox-sweep';
import { GRAPH_SEARCH_RESULT_CAP, MAILBOX_NOT_FOUND, type GraphClient } from './client';

/** Heartbeat details; `skippedMailboxes` counts users in the tenant without an Exchange Online mailbox. */
export type M365Progress = SweepProgress;

/** Heartbeat inside a big mailbox too, so the heartbeat timeout doesn't fire mid-mailbox. */
const HEARTBEAT_EVERY_MESSAGES = 25;

export function createM365Connector(client: GraphClient, mailboxes?: string[]): ErasureConnector {
  return {
    id: 'm365',
    step: 'email',
    displayName: 'Microsoft 365 (Exchange Online)',
    kinds: ['email'],
    async erase(identifier, ctx) {
      const email = emailOf('m365', identifier);
      const p = await sweepMailboxes(mailboxes ?? (await client.listMailboxes()), ctx, {
        progress: sweepProgressSchema,
        initial: NEW_SWEEP,
        sweepMailbox: (mailbox, progress, beat) => sweepMailbox(client, mailbox, email, progress, beat),
        onMailboxFailure(err, mailbox) {
          if (!(err instanceof ApplicationFailure && err.type === MAILBOX_NOT_FOUND)) throw err;
          // A user without a mailbox holds no mail; a configured mailbox that doesn't exist is a setup error.
          if (mailboxes) {
            throw ApplicationFailure.create({
              type: FailureTypes.config,
              nonRetryable: true,
              message: `${err.message}; it is entry ${mailboxes.indexOf(mailbox) + 1} of M365_MAILBOXES`,
            });
          }
        },
      });
      return sweepOutcome(
        'm365',
        identifier,
        p,
        'Graph permanentDelete (moved to Recoverable Items Purges; purged unless a hold applies)',
      );
    },
  };
}

async function sweepMailbox(
  client: GraphClient,
  mailbox: string,
  email: string,
  p: M365Progress,
  beat: () => void,
): Promise<void> {
  const seen = new Set<string>();
  for (;;) {
    const ids = await client.findMessages(mailbox, email);
    const fresh = ids.filter((id) => !seen.has(id));
    // Sequential: Outlook allows 4 concurrent requests per mailbox anyway, and order keeps progress exact.
    for (const id of fresh) {
      seen.add(id);
      if ((await client.permanentDelete(mailbox, id)) === 'deleted') countDeleted(p, [id]);
      else countAlreadyGone(p);
      if (p.found % HEARTBEAT_EVERY_MESSAGES === 0) beat();
    }
    // A full page of hits may hide more beyond $search's cap; search again now these are gone.
    // Stop when nothing new shows up, in case the search index still lists what we deleted.
    if (ids.length < GRAPH_SEARCH_RESULT_CAP || fresh.length === 0) return;
  }
}
