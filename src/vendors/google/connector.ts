/**
 * Gmail (Google Workspace): sweep each mailbox for messages from/to/cc/bcc the subject, Spam and Trash
 * included, and permanently delete them with batchDelete. A domain-wide sweep is long, so progress is
 * heartbeated after every page and a retry resumes from it.
 *
 * Paging while deleting: once a page's messages are deleted the next list starts again from the first
 * page instead of following nextPageToken. Gmail doesn't document what a page token means after the
 * result set shrinks; if it is an offset, following it would skip as many matches as we just deleted.
 * Listing from the start cannot skip anything, since deleted messages no longer match, and costs one
 * list call (5 quota units) per 500 deletions. nextPageToken is followed only past a page that held
 * nothing new (a search index still showing what we deleted), and that token is what the heartbeat
 * carries; after a deletion the heartbeat's pageToken is empty, and a resumed attempt re-lists the
 * mailbox from its first page, which now starts with the messages the crashed attempt had not reached.
 *
 * The sweep over mailboxes (order, heartbeats, resuming, counts) is shared with Microsoft 365
 * (../mailbox-sweep.ts); this file adds the paging above and Google's suspended users.
 *
 * Suspended users: Google issues no delegated token for them (invalid_grant), so their mail cannot be
 * reached. A Directory sweep leaves them out and the receipt's method counts them; a suspended user
 * listed in GOOGLE_MAILBOXES is a setup error.
 */
import { ApplicationFailure } from '@temporalio/common';
import { z } from 'zod';
import type { ErasureConnector } from '../../connectors/types';
import { FailureTypes } from '../http';
import { countDeleted, emailOf, NEW_SWEEP, sweepMailboxes, sweepOutcome, sweepProgressSchema } from '../mailbox-sweep';
import { GMAIL_NOT_ENABLED, GOOGLE_USER_SUSPENDED, type GoogleWorkspaceClient, type MessagePage } from './client';

export const GMAIL_METHOD = 'Gmail batchDelete (permanent; Google Vault retention may still hold copies)';

/** The receipt's method; `suspended` Directory users were left out, so mail in their mailboxes was not reached. */
export function gmailMethod(suspended: number): string {
  if (suspended === 0) return GMAIL_METHOD;
  const whose = suspended === 1 ? 'the mailbox of 1 suspended user' : `the mailboxes of ${suspended} suspended users`;
  return `${GMAIL_METHOD}; ${whose} not searched (Google allows no access while a user is suspended)`;
}

/**
 * Heartbeat details: the shared sweep's, plus where the listing of the mailbox in progress continues.
 * `deleted` counts ids sent to batchDelete: Gmail doesn't say which still existed, so `alreadyGone`
 * stays 0. `skippedMailboxes` counts Directory users without Gmail.
 */
const progressSchema = sweepProgressSchema.extend({
  /** The mailbox in progress and where its listing continues (undefined: from the first page). */
  mailbox: z.string().optional(),
  pageToken: z.string().optional(),
  /** Pages handled in the mailbox in progress. */
  pages: z.number().int().nonnegative().default(0),
});
export type GmailProgress = z.infer<typeof progressSchema>;

export function createGmailConnector(client: GoogleWorkspaceClient, mailboxes?: string[]): ErasureConnector {
  return {
    id: 'gmail',
    step: 'email',
    displayName: 'Google Workspace (Gmail)',
    kinds: ['email'],
    async erase(identifier, ctx) {
      const email = emailOf('gmail', identifier);
      // Google issues no token for a suspended user: sweep the others, count these for the receipt.
      // Counted from this attempt's listing, so a user suspended or reactivated since is counted right.
      const users = mailboxes ? undefined : await client.listUsers();
      const suspended = users?.filter((u) => u.suspended).length ?? 0;
      const p = await sweepMailboxes(mailboxes ?? (users ?? []).filter((u) => !u.suspended).map((u) => u.email), ctx, {
        progress: progressSchema,
        initial: { ...NEW_SWEEP, pages: 0 },
        sweepMailbox: (mailbox, progress, beat) => sweepMailbox(client, mailbox, email, progress, beat),
        beforeMailbox(mailbox, progress) {
          // A page token only means something for the mailbox it was issued for.
          if (progress.mailbox !== mailbox) Object.assign(progress, { mailbox, pageToken: undefined, pages: 0 });
        },
        afterMailbox: (progress) => Object.assign(progress, { mailbox: undefined, pageToken: undefined, pages: 0 }),
        onMailboxFailure(err, mailbox, position, total) {
          const where = mailboxes
            ? `entry ${mailboxes.indexOf(mailbox) + 1} of GOOGLE_MAILBOXES`
            : `user ${position} of ${total} active users listed by the Directory (sorted by address)`;
          if (!(err instanceof ApplicationFailure && err.nonRetryable)) throw err;
          if (err.type === GOOGLE_USER_SUSPENDED && !mailboxes) {
            // Suspended since the listing: a retry lists the users again and counts it with the others.
            throw ApplicationFailure.create({
              type: GOOGLE_USER_SUSPENDED,
              message: `${err.message}; mailbox: ${where}, suspended since the listing; retrying lists the users again`,
            });
          }
          // A Directory user without Gmail holds no mail; a configured mailbox without Gmail, or suspended, is a setup
          // error.
          if (err.type === GMAIL_NOT_ENABLED && !mailboxes) return;
          const setup = err.type === GMAIL_NOT_ENABLED || err.type === GOOGLE_USER_SUSPENDED;
          const type = setup ? FailureTypes.config : (err.type ?? FailureTypes.unexpected);
          // Position, not address: mailbox owners are people too, and failures are stored by Temporal.
          throw ApplicationFailure.create({ type, nonRetryable: true, message: `${err.message}; mailbox: ${where}` });
        },
      });
      return sweepOutcome('gmail', identifier, p, gmailMethod(suspended));
    },
  };
}

async function sweepMailbox(
  client: GoogleWorkspaceClient,
  mailbox: string,
  email: string,
  p: GmailProgress,
  beat: () => void,
): Promise<void> {
  const seen = new Set<string>();
  let resumedToken = p.pageToken !== undefined;
  for (;;) {
    let page: MessagePage;
    try {
      page = await client.findMessages(mailbox, email, p.pageToken);
    } catch (err) {
      // A token from a previous attempt may have expired; the first page is always valid.
      if (!(resumedToken && err instanceof ApplicationFailure && err.type === FailureTypes.rejected)) throw err;
      p.pageToken = undefined;
      resumedToken = false;
      continue;
    }
    resumedToken = false;
    const fresh = page.ids.filter((id) => !seen.has(id));
    if (fresh.length) {
      await client.batchDelete(mailbox, fresh);
      // Counted once deleted: a crash before this line leaves them to be found again, not counted twice.
      for (const id of fresh) seen.add(id);
      countDeleted(p, fresh);
    }
    p.pages += 1;
    // See the file comment: after deleting, list from the first page; otherwise go past this one.
    p.pageToken = fresh.length ? undefined : page.nextPageToken;
    beat();
    // No next page: everything that matched was on this one (and is now deleted, or was already seen).
    if (page.nextPageToken === undefined) return;
  }
}
