/**
 * What the two mail connectors (Microsoft 365, Gmail) share. The workflow sweeps their mailboxes
 * (src/workflows/sweep.ts): each connector lists the mailboxes, then finds and deletes in one mailbox
 * at a time. Both search by email address only, take mailboxes either from a configured list or from
 * the whole organisation, and treat a mailbox without mail alike: a user without one is simply
 * skipped on an organisation-wide sweep, a configured one is a setup error.
 */
import { ApplicationFailure } from '@temporalio/common';
import type { FoundPage } from '../connectors/types';
import type { Identifier } from '../subject/identifiers';
import { FailureTypes } from './http';

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

/** Mail connectors are searched mailbox by mailbox; a call without one is a bug in the caller, not worth a retry. */
export function mailboxOf(connector: string, mailbox: string | undefined): string {
  if (mailbox === undefined) {
    throw ApplicationFailure.create({
      type: FailureTypes.config,
      nonRetryable: true,
      message: `${connector} connector searches mailbox by mailbox, but was called without one`,
    });
  }
  return mailbox;
}

/** Where a connector's mailboxes come from: the list in `variable`, or (when `list` is undefined) every user. */
export interface ConfiguredMailboxes {
  /** The setting that lists them, e.g. M365_MAILBOXES. */
  variable: string;
  list?: readonly string[];
}

/** Sorted, so every listing (and so the workflow's order over them) is the same. */
export function sortedMailboxes(mailboxes: readonly string[]): string[] {
  return [...mailboxes].sort();
}

/**
 * A configured mailbox by its position in the setting (1-based), never by address: mailbox owners are
 * people too, and failures are stored by Temporal.
 */
export function configuredEntry(configured: ConfiguredMailboxes, mailbox: string): string {
  return `entry ${(configured.list ?? []).indexOf(mailbox) + 1} of ${configured.variable}`;
}

/** `err` (a failure in a configured mailbox) as a non-retryable setup error naming the mailbox's entry. */
export function configuredMailboxFailure(
  err: ApplicationFailure,
  configured: ConfiguredMailboxes,
  mailbox: string,
  type: string = FailureTypes.config,
): ApplicationFailure {
  return ApplicationFailure.create({
    type,
    nonRetryable: true,
    message: `${err.message}; mailbox: ${configuredEntry(configured, mailbox)}`,
  });
}

/**
 * What finding in a mailbox that holds no mail (no Exchange Online mailbox, Gmail not enabled) means:
 * on an organisation-wide sweep the user simply has none, nothing to erase there (`noMailbox`, counted
 * by the workflow); a mailbox someone configured must hold mail, so that is a setup error.
 */
export function mailboxWithoutMail(
  err: ApplicationFailure,
  configured: ConfiguredMailboxes,
  mailbox: string,
): FoundPage {
  if (configured.list === undefined) return { ids: [], noMailbox: true };
  throw configuredMailboxFailure(err, configured, mailbox);
}
