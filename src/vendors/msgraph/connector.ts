/**
 * Microsoft 365 mail: sweep each mailbox for messages from/to/cc/bcc the subject and permanently
 * delete them. A tenant-wide sweep is long, so progress is heartbeated and a retry resumes from it.
 */
import { ApplicationFailure } from '@temporalio/common';
import { z } from 'zod';
import { MAX_IDS_IN_RECEIPT, type ConnectorContext, type ConnectorOutcome, type ErasureConnector } from '../../connectors/types';
import type { Identifier } from '../../subject/identifiers';
import { FailureTypes } from '../http';
import { GRAPH_SEARCH_RESULT_CAP, MAILBOX_NOT_FOUND, type GraphClient } from './client';

/** Heartbeat details. Counts include the mailbox in progress; `lastMailbox` is the last one finished. */
const progressSchema = z.object({
  mailboxIndex: z.number().int().nonnegative(),
  /** Skip by name, not index: a user deleted between attempts would otherwise shift an unswept mailbox past the index. */
  lastMailbox: z.string().optional(),
  found: z.number().int().nonnegative(),
  deleted: z.number().int().nonnegative(),
  alreadyGone: z.number().int().nonnegative(),
  /** Users in the tenant without an Exchange Online mailbox (nothing to erase there). */
  skippedMailboxes: z.number().int().nonnegative().default(0),
  deletedIds: z.array(z.string()).default([]),
});
export type M365Progress = z.infer<typeof progressSchema>;

/** Heartbeat inside a big mailbox too, so the heartbeat timeout doesn't fire mid-mailbox. */
const HEARTBEAT_EVERY_MESSAGES = 25;

export function createM365Connector(client: GraphClient, mailboxes?: string[]): ErasureConnector {
  return {
    id: 'm365',
    step: 'email',
    displayName: 'Microsoft 365 (Exchange Online)',
    kinds: ['email'],
    async erase(identifier: Identifier, ctx: ConnectorContext): Promise<ConnectorOutcome> {
      if (identifier.kind !== 'email') {
        throw ApplicationFailure.create({ type: FailureTypes.config, nonRetryable: true, message: `m365 connector searches email identifiers only, got ${identifier.kind}` });
      }
      const configured = mailboxes !== undefined;
      // Sorted so the order (and so "done so far") is the same on every attempt.
      const all = [...(mailboxes ?? (await client.listMailboxes()))].sort();
      const resumed = progressSchema.safeParse(ctx.resumeFrom);
      const p: M365Progress = resumed.success
        ? resumed.data
        : { mailboxIndex: 0, found: 0, deleted: 0, alreadyGone: 0, skippedMailboxes: 0, deletedIds: [] };
      const start = p.lastMailbox !== undefined ? all.filter((m) => m <= (p.lastMailbox as string)).length : p.mailboxIndex;

      for (let i = start; i < all.length; i++) {
        const mailbox = all[i] as string;
        try {
          await sweepMailbox(client, mailbox, identifier.value, p, () => ctx.heartbeat({ ...p }));
        } catch (err) {
          if (!(err instanceof ApplicationFailure && err.type === MAILBOX_NOT_FOUND)) throw err;
          // A user without a mailbox holds no mail; a configured mailbox that doesn't exist is a setup error.
          if (configured) {
            throw ApplicationFailure.create({
              type: FailureTypes.config,
              nonRetryable: true,
              message: `${err.message}; it is entry ${(mailboxes ?? []).indexOf(mailbox) + 1} of M365_MAILBOXES`,
            });
          }
          p.skippedMailboxes += 1;
        }
        p.mailboxIndex = i + 1;
        p.lastMailbox = mailbox;
        ctx.heartbeat({ ...p });
      }

      return {
        connector: 'm365',
        identifier,
        found: p.found,
        deleted: p.deleted,
        alreadyGone: p.alreadyGone,
        deletedIds: p.deletedIds,
        method: 'Graph permanentDelete (moved to Recoverable Items Purges; purged unless a hold applies)',
        completedAt: new Date().toISOString(),
      };
    },
  };
}

async function sweepMailbox(client: GraphClient, mailbox: string, email: string, p: M365Progress, beat: () => void): Promise<void> {
  const seen = new Set<string>();
  for (;;) {
    const ids = await client.findMessages(mailbox, email);
    const fresh = ids.filter((id) => !seen.has(id));
    // Sequential: Outlook allows 4 concurrent requests per mailbox anyway, and order keeps progress exact.
    for (const id of fresh) {
      seen.add(id);
      const result = await client.permanentDelete(mailbox, id);
      p.found += 1;
      if (result === 'deleted') {
        p.deleted += 1;
        if (p.deletedIds.length < MAX_IDS_IN_RECEIPT) p.deletedIds.push(id);
      } else p.alreadyGone += 1;
      if (p.found % HEARTBEAT_EVERY_MESSAGES === 0) beat();
    }
    // A full page of hits may hide more beyond $search's cap; search again now these are gone.
    // Stop when nothing new shows up, in case the search index still lists what we deleted.
    if (ids.length < GRAPH_SEARCH_RESULT_CAP || fresh.length === 0) return;
  }
}
