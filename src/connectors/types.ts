/**
 * A CRM or email system the erasure runs through before Gong. The workflow knows connectors only by
 * id and step; adding Salesforce or Gmail means adding a connector, not touching the workflow.
 */
import type { Identifier, IdentifierKind } from '../subject/identifiers';

export type ConnectorStep = 'crm' | 'email';

export interface ConnectorDescriptor {
  id: string;
  step: ConnectorStep;
  displayName: string;
  /** Identifier kinds the system can be searched by (Microsoft 365 mail: emails only). */
  kinds: IdentifierKind[];
  /**
   * `identifier` (default): the workflow runs the connector once per identifier.
   * `subject`: one order for the whole request, which the system may complete later
   * (ExternalSystemConnector).
   */
  scope?: 'identifier' | 'subject';
  /** Mail systems: searched mailbox by mailbox (the connector implements listMailboxes). */
  mailboxes?: boolean;
}

/**
 * What one connector did for one identifier, as the receipt keeps it. Counted from the request's
 * ledger (what its find phase recorded before deleting), not from what a delete call happened to
 * see, so a retried or resumed delete cannot make it undercount. Record ids are the vendor's.
 */
export interface ConnectorOutcome {
  connector: string;
  identifier: Identifier;
  /** Records/messages the find phase recorded (every round). */
  found: number;
  /**
   * Recorded records confirmed gone by this request's deletes: those a delete call removed plus
   * those already gone when it came (`alreadyGone`; this request found them, so they count).
   */
  deleted: number;
  /** Of `deleted`, those a delete call found already gone (a lost earlier answer, someone else). */
  alreadyGone: number;
  /** Vendor ids of what was deleted, for the receipt (capped; `deleted` is the true count). */
  deletedIds: string[];
  /** How permanent the deletion is, in the vendor's terms (e.g. "GDPR delete, email blocklisted"). */
  method: string;
  completedAt: string;
  /** Mail: how many mailboxes held matches, and the matches per mailbox (mailboxes by keyed hash). */
  mailboxes?: MailboxCount[];
  /** Find rounds run: the first, then a search after each round of deletes until one finds nothing new. */
  rounds?: number;
  /** Who approved an erasure above the deployment's thresholds (src/workflows/approval.ts). */
  approval?: ApprovalRecord;
}

/** Matches in one mailbox; the mailbox (an employee's address) only by keyed hash. */
export interface MailboxCount {
  mailbox: string;
  found: number;
  deleted: number;
}

export interface ApprovalRecord {
  /** `operator`: sent `approve`; `pre-approved`: the intake system allowed up to these counts at submission. */
  via: 'operator' | 'pre-approved';
  /** The credential's name (or `cli`); for `pre-approved`, the submitting credential. */
  by?: string;
  at: string;
  /** The counts approved (what the find phase saw). */
  records: number;
  mailboxes: number;
}

export interface ConnectorContext {
  /** Reports progress so a long call survives a worker crash (activity heartbeat). Counts only. */
  heartbeat(details?: unknown): void;
  /** Details of the last heartbeat of a previous attempt, to resume where it stopped. */
  resumeFrom?: unknown;
}

/**
 * Where a connector searches. Mail: each mailbox, in a fixed order; a CRM searches one place and
 * does not implement listMailboxes.
 */
export interface MailboxList {
  /** Mailbox addresses (the organisation's users), sorted. */
  mailboxes: string[];
  /** Users whose mail cannot be reached (Google: suspended users), for the receipt's method. */
  unreachable?: number;
}

/** One page of what a find returned. Read-only: finding never changes the vendor's data. */
export interface FoundPage {
  /** Vendor record ids matching now: contact/lead ids, or message ids in the mailbox. At most MAX_FOUND_PER_PAGE. */
  ids: string[];
  /** Continues this listing (read-only paging); absent at its end. Stale once anything is deleted. */
  cursor?: string;
  /** The vendor's search stops at a cap: more may match than the listing shows; the next round finds them. */
  capped?: boolean;
  /** The mailbox holds no mail (a user without a mailbox, Gmail not enabled): nothing to erase there. */
  noMailbox?: boolean;
  /** Its mail cannot be reached now (Google: suspended since the listing): counted as not searched. */
  unreachable?: boolean;
}

/** What deleting exactly the found ids did. Every id passed is in `deleted` or `alreadyGone`. */
export interface DeleteReport {
  deleted: string[];
  alreadyGone: string[];
  /** False when the records only went to a recycle bin the vendor empties later (Salesforce without hardDelete). */
  permanent?: boolean;
}

/** What the receipt's method sentence is built from. */
export interface SweepSummary {
  found: number;
  /** Every delete was permanent (see DeleteReport.permanent). */
  permanent: boolean;
  unreachable: number;
}

/**
 * A CRM or email system the workflow erases from in two phases, so the receipt is exact:
 *   find    read-only: what holds the identifier, by the vendor's record ids, a page at a time;
 *           the workflow records each page in its history before deleting anything;
 *   delete  exactly the ids found, idempotently: an id already gone counts as deleted.
 * The workflow repeats find and delete until a find returns nothing new (src/workflows/sweep.ts).
 * A refusal the vendor will not change its mind on (a locked record) deletes the rest of the
 * batch, then throws a typed non-retryable failure that reaches an operator.
 */
export interface ErasureConnector extends ConnectorDescriptor {
  scope?: 'identifier';
  /** Mail connectors: the mailboxes to search. Absent for systems searched as a whole. */
  listMailboxes?(identifier: Identifier, ctx: ConnectorContext): Promise<MailboxList>;
  /** One page of matches; `mailbox` is undefined for systems without mailboxes. */
  find(
    identifier: Identifier,
    mailbox: string | undefined,
    cursor: string | undefined,
    ctx: ConnectorContext,
  ): Promise<FoundPage>;
  /** Deletes exactly `ids` (found by `find` in the same mailbox). */
  deleteFound(
    identifier: Identifier,
    mailbox: string | undefined,
    ids: string[],
    ctx: ConnectorContext,
  ): Promise<DeleteReport>;
  /** After everything found is deleted: a last call (HubSpot: GDPR delete by address, which blocklists it). */
  finish?(identifier: Identifier, ctx: ConnectorContext): Promise<void>;
  /** The receipt's method sentence. Pure: no vendor calls. */
  method(identifier: Identifier, summary: SweepSummary): string;
}

/** Find pages stay this small so each fits Temporal's payload limit and history grows in steps. */
export const MAX_FOUND_PER_PAGE = 1_000;

/** How a system we only reach by order (generic HTTP) answered. `reference` is the system's own id. */
export type ExternalOrderResult =
  | { state: 'completed' | 'not_found'; deleted?: number; reference?: string; at: string }
  | { state: 'failed'; reference?: string; at: string }
  | { state: 'accepted'; statusUrl?: string; reference?: string; at: string };

export type ExternalStatus = { state: 'pending'; at: string } | Exclude<ExternalOrderResult, { state: 'accepted' }>;

/** A system that takes one order per request and may finish later (callback or status URL). */
export interface ExternalSystemConnector extends ConnectorDescriptor {
  scope: 'subject';
  /**
   * Idempotent per (source, request id, attempt): re-sending after a lost response must not erase twice.
   * The attempt grows only when an operator retries after the system answered `failed`. `source` is the
   * request's owner (request ids are unique per source only); absent for requests from before owners.
   */
  order(requestId: string, attempt: number, identifiers: Identifier[], source?: string): Promise<ExternalOrderResult>;
  status(statusUrl: string): Promise<ExternalStatus>;
}

export type AnyConnector = ErasureConnector | ExternalSystemConnector;

/** Receipts keep at most this many ids per outcome; the counts stay exact. */
export const MAX_IDS_IN_RECEIPT = 200;
