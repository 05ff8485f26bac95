/**
 * Gmail (Google Workspace): in each mailbox, find the messages from/to/cc/bcc the subject, Spam and
 * Trash included, a list page at a time, and permanently delete exactly the ids found with
 * batchDelete. The workflow sweeps the mailboxes (src/workflows/sweep.ts); after deleting it lists
 * again from the first page rather than following a page token, since Gmail doesn't document what a
 * token means once the result set shrinks (if it is an offset, following it would skip as many
 * matches as were just deleted).
 *
 * Suspended users: Google issues no delegated token for them (invalid_grant), so their mail cannot be
 * reached. A Directory sweep leaves them out and the receipt's method counts them; a suspended user
 * listed in GOOGLE_MAILBOXES is a setup error.
 */
import { ApplicationFailure } from '@temporalio/common';
import type { DeleteReport, ErasureConnector, FoundPage } from '../../connectors/types';
import { FailureTypes } from '../http';
import {
  configuredMailboxFailure,
  emailOf,
  mailboxOf,
  mailboxWithoutMail,
  sortedMailboxes,
  type ConfiguredMailboxes,
} from '../mailbox-sweep';
import { GMAIL_NOT_ENABLED, GOOGLE_USER_SUSPENDED, type GoogleWorkspaceClient, type MessagePage } from './client';

export const GMAIL_METHOD = 'Gmail batchDelete (permanent; Google Vault retention may still hold copies)';

/** The receipt's method; `suspended` Directory users were left out, so mail in their mailboxes was not reached. */
export function gmailMethod(suspended: number): string {
  if (suspended === 0) return GMAIL_METHOD;
  const whose = suspended === 1 ? 'the mailbox of 1 suspended user' : `the mailboxes of ${suspended} suspended users`;
  return `${GMAIL_METHOD}; ${whose} not searched (Google allows no access while a user is suspended)`;
}

const failureOfType = (err: unknown, type: string): err is ApplicationFailure =>
  err instanceof ApplicationFailure && err.type === type;

export function createGmailConnector(client: GoogleWorkspaceClient, mailboxes?: string[]): ErasureConnector {
  const configured: ConfiguredMailboxes = { variable: 'GOOGLE_MAILBOXES', list: mailboxes };

  /** What a failure in `mailbox` means (besides a Directory user without Gmail, which find answers itself). */
  const failureIn = (err: unknown, mailbox: string): unknown => {
    if (!(err instanceof ApplicationFailure && err.nonRetryable)) return err;
    if (mailboxes) {
      // Without Gmail, or suspended: the setting is wrong. Anything else keeps its type, with the position added.
      const setup = err.type === GMAIL_NOT_ENABLED || err.type === GOOGLE_USER_SUSPENDED;
      return configuredMailboxFailure(
        err,
        configured,
        mailbox,
        setup ? FailureTypes.config : (err.type ?? FailureTypes.unexpected),
      );
    }
    if (err.type === GOOGLE_USER_SUSPENDED) {
      // Suspended between our find and delete: what was found there cannot be deleted now; an operator decides.
      return ApplicationFailure.create({
        type: GOOGLE_USER_SUSPENDED,
        nonRetryable: true,
        message: `${err.message}; mailbox: a user suspended since their messages were found; retry once the user is active, or skip`,
      });
    }
    return err;
  };

  const listPage = async (box: string, email: string, pageToken: string | undefined): Promise<MessagePage> => {
    try {
      return await client.findMessages(box, email, pageToken);
    } catch (err) {
      // A page token the workflow kept for a while may have expired; the first page is always valid (and the
      // workflow drops ids it has seen).
      if (pageToken === undefined || !failureOfType(err, FailureTypes.rejected)) throw err;
      return client.findMessages(box, email, undefined);
    }
  };

  return {
    id: 'gmail',
    step: 'email',
    displayName: 'Google Workspace (Gmail)',
    kinds: ['email'],
    mailboxes: true,

    async listMailboxes(identifier, ctx) {
      emailOf('gmail', identifier);
      if (mailboxes) return { mailboxes: sortedMailboxes(mailboxes), unreachable: 0 };
      // Google issues no token for a suspended user: search the others, count these for the receipt.
      const users = await client.listUsers((listed) => ctx.heartbeat({ users: listed }));
      const active = users.filter((u) => !u.suspended).map((u) => u.email);
      return { mailboxes: sortedMailboxes(active), unreachable: users.length - active.length };
    },

    async find(identifier, mailbox, cursor): Promise<FoundPage> {
      const email = emailOf('gmail', identifier);
      const box = mailboxOf('gmail', mailbox);
      let page: MessagePage;
      try {
        page = await listPage(box, email, cursor);
      } catch (err) {
        if (failureOfType(err, GMAIL_NOT_ENABLED)) return mailboxWithoutMail(err, configured, box);
        // Listed as active, suspended since: its mail cannot be reached; the receipt counts it as not searched.
        if (!mailboxes && failureOfType(err, GOOGLE_USER_SUSPENDED)) return { ids: [], unreachable: true };
        throw failureIn(err, box);
      }
      return { ids: page.ids, ...(page.nextPageToken ? { cursor: page.nextPageToken } : {}) };
    },

    async deleteFound(identifier, mailbox, ids, ctx): Promise<DeleteReport> {
      emailOf('gmail', identifier);
      const box = mailboxOf('gmail', mailbox);
      const unique = [...new Set(ids)];
      try {
        await client.batchDelete(box, unique, (sent) => ctx.heartbeat({ sent }));
      } catch (err) {
        throw failureIn(err, box);
      }
      // batchDelete ignores ids already gone and doesn't say which those were, so every id goes in `deleted`
      // (they are gone now either way); `alreadyGone` stays empty for Gmail.
      return { deleted: unique, alreadyGone: [] };
    },

    method: (_identifier, summary) => gmailMethod(summary.unreachable),
  };
}
