/**
 * Microsoft 365 mail: in each mailbox, find the messages from/to/cc/bcc the subject with Graph's
 * $search, a page at a time, and permanently delete exactly the ids found. The workflow sweeps the
 * mailboxes and searches again after deleting (src/workflows/sweep.ts), which is also how matches
 * beyond Graph's 1,000-hit cap are reached.
 */
import { ApplicationFailure } from '@temporalio/common';
import { z } from 'zod';
import type { DeleteReport, ErasureConnector, FoundPage } from '../../connectors/types';
import {
  configuredMailboxFailure,
  emailOf,
  mailboxOf,
  mailboxWithoutMail,
  sortedMailboxes,
  type ConfiguredMailboxes,
} from '../mailbox-sweep';
import { deleteOneByOne } from '../batch-progress';
import { GRAPH_SEARCH_RESULT_CAP, MAILBOX_NOT_FOUND, type GraphClient } from './client';

export const M365_METHOD = 'Graph permanentDelete (moved to Recoverable Items Purges; purged unless a hold applies)';

/**
 * A find cursor: Graph's nextLink, and the hits the query returned before it, so the page that
 * reaches the cap says so. The nextLink quotes the $search term (the address): the cursor lives only
 * in the workflow's encrypted payloads.
 */
const cursorSchema = z.object({ next: z.string().min(1), hits: z.number().int().nonnegative() });
type Cursor = z.infer<typeof cursorSchema>;

/** Undefined (list from the first page, which is always right) for a cursor this version cannot read. */
function readCursor(cursor: string | undefined): Cursor | undefined {
  if (cursor === undefined) return undefined;
  try {
    const parsed = cursorSchema.safeParse(JSON.parse(cursor));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

const isMailboxNotFound = (err: unknown): err is ApplicationFailure =>
  err instanceof ApplicationFailure && err.type === MAILBOX_NOT_FOUND;

export function createM365Connector(client: GraphClient, mailboxes?: string[]): ErasureConnector {
  const configured: ConfiguredMailboxes = { variable: 'M365_MAILBOXES', list: mailboxes };
  return {
    id: 'm365',
    step: 'email',
    displayName: 'Microsoft 365 (Exchange Online)',
    kinds: ['email'],
    mailboxes: true,

    async listMailboxes(identifier, ctx) {
      emailOf('m365', identifier);
      const all = mailboxes ?? (await client.listMailboxes((users) => ctx.heartbeat({ users })));
      return { mailboxes: sortedMailboxes(all) };
    },

    async find(identifier, mailbox, cursor): Promise<FoundPage> {
      const email = emailOf('m365', identifier);
      const box = mailboxOf('m365', mailbox);
      const from = readCursor(cursor);
      let page;
      try {
        page = await client.findMessages(box, email, from?.next);
      } catch (err) {
        if (isMailboxNotFound(err)) return mailboxWithoutMail(err, configured, box);
        throw err;
      }
      const hits = (from?.hits ?? 0) + page.ids.length;
      return {
        ids: page.ids,
        ...(page.nextLink ? { cursor: JSON.stringify({ next: page.nextLink, hits } satisfies Cursor) } : {}),
        ...(hits >= GRAPH_SEARCH_RESULT_CAP ? { capped: true } : {}),
      };
    },

    async deleteFound(identifier, mailbox, ids, ctx): Promise<DeleteReport> {
      emailOf('m365', identifier);
      const box = mailboxOf('m365', mailbox);
      // Sequential: Outlook allows 4 concurrent requests per mailbox anyway.
      return deleteOneByOne(ids, ctx, async (id) => {
        try {
          return await client.permanentDelete(box, id);
        } catch (err) {
          // The mailbox went away since the find: a configured one is a setup error; a tenant user's stays
          // GraphMailboxNotFound, since the messages found there were not confirmed deleted.
          if (isMailboxNotFound(err) && mailboxes) throw configuredMailboxFailure(err, configured, box);
          throw err;
        }
      });
    },

    method: () => M365_METHOD,
  };
}
