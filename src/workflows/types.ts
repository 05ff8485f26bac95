/** The erasure workflow's input, progress and receipt. Types only: imported by workflow code. */
import type { ErasureSettings } from '../settings-schema';
import type { Preapproval } from './approval';
import type { ConnectorDescriptor, ConnectorOutcome } from '../connectors/types';
import type { Identifier, IdentifierRef, SubjectIdentifiers } from '../subject/identifiers';
import type { GongEraseResult, GongReferenceSummary } from '../vendors/gong/types';

/** Described (and checked at the client) by the zod schema in src/settings-schema.ts. */
export type { ErasureSettings };

export interface ErasureWorkflowInput {
  requestId: string;
  subject: SubjectIdentifiers;
  settings?: Partial<ErasureSettings>;
  /** Where the request came from; shown in progress and the receipt. */
  intake?: IntakeRecord;
  /** Told when the request completes or needs an operator. Held only in encrypted history. */
  callbacks?: StatusCallback[];
  /** Counts the intake system approved in advance (src/workflows/approval.ts); `by` is its credential. */
  preapproval?: Preapproval;
}

/** How a request arrived. No personal data: these fields are shown to anyone who can read status. */
export interface IntakeRecord {
  source: 'api' | 'webhook' | 'ketch' | 'cli' | 'csv-import';
  /**
   * The source the request belongs to (the credential's source, `cli`, `ketch`): its workflow id is in this source's
   * namespace and only it (or an operator) can see and steer it. Absent on requests from before ids were namespaced.
   */
  owner?: string;
  /** The API key or webhook secret's name, for the audit trail. */
  submittedBy?: string;
  /** e.g. `gdpr`, `ccpa`, as the intake system names it. */
  regulation?: string;
  /** When the data subject's request was received (ISO 8601); legal deadlines run from here. */
  receivedAt?: string;
  /** When the intake system says the request must be done by (ISO 8601). */
  dueAt?: string;
}

/** A receiver of status events: our own signed format, or Ketch's forwarder protocol. */
export interface StatusCallback {
  protocol: 'dsr-erasure' | 'ketch';
  url: string;
  /** Headers the receiver asked for (Ketch sends its own Authorization with each request). */
  headers?: Record<string, string>;
  /** Ketch: the request metadata to echo back in each DeleteStatusEvent. */
  ketch?: { uid: string; tenant: string };
}

/** What a status callback says. Counts, states and keyed hashes only. */
export interface StatusEvent {
  /** Unique per event, so receivers can drop duplicates of a retried delivery. */
  eventId: string;
  event: 'action_required' | 'completed';
  requestId: string;
  status: ErasureStatusValue;
  step: StepName;
  at: string;
  outcome?: ErasureReceipt['outcome'];
  actionRequired?: ActionRequired;
}

export interface NotificationRecord {
  eventId: string;
  event: StatusEvent['event'];
  protocol: StatusCallback['protocol'];
  /** Only the host: a callback URL may carry a token in its path or query. */
  host: string;
  state: 'pending' | 'delivered' | 'failed';
  at: string;
  error?: string;
}

export type StepName = 'crm' | 'email' | 'gong-erase' | 'gong-verify' | 'done';
export type ErasureStatusValue = 'Running' | 'WaitingForGong' | 'ActionRequired' | 'Completed';

export interface ActionRequired {
  step: StepName;
  /** Set when a sweep found more than the thresholds allow: `approve` or `skip`, not `retry`. */
  approval?: PendingApproval;
  /** What failed, e.g. `hubspot email#1`: connector and identifier position, never the value. */
  item: string;
  reason: string;
  errorType?: string;
  since: string;
}

/** What a sweep's first find saw, waiting for an operator's `approve`. Counts only. */
export interface PendingApproval {
  connector: string;
  identifier: IdentifierRef;
  records: number;
  mailboxes: number;
  /** A search stopped at its cap: `records` is a lower bound. */
  capped: boolean;
  /** e.g. `612 records (approval above 500)`. */
  exceeded: string[];
}

export interface SkippedItem {
  step: StepName;
  item: string;
  /** The reason code (src/workflows/skip-reasons.ts); free text for skips recorded before codes. */
  reason: string;
  /** The operator's note, checked to hold nothing personal. */
  note?: string;
  failure: string;
  at: string;
  /** Who skipped it (credential name or `cli`), when known. */
  by?: string;
}

/** A vendor result as the receipt keeps it: the identifier replaced by its keyed hash. */
export type Referenced<T extends { identifier: Identifier }> = Omit<T, 'identifier'> & { identifier: IdentifierRef };

/** A system reached through the HTTP connector protocol: one order for the request. */
export interface ExternalSystemRecord {
  connector: string;
  identifiers: IdentifierRef[];
  state: 'completed' | 'not_found';
  /** How completion arrived. */
  via: 'response' | 'status-url' | 'callback';
  deleted?: number;
  /** The other system's own reference for the erasure. */
  reference?: string;
  /** `callback`: the credential's name (or `cli`) that reported it. */
  reportedBy?: string;
  orderedAt: string;
  completedAt: string;
}

export interface ConnectorStepRecord {
  connectors: ConnectorDescriptor[];
  startedAt?: string;
  completedAt?: string;
  outcomes: Referenced<ConnectorOutcome>[];
  external: ExternalSystemRecord[];
}

/** The `connectorCallback` update: an HTTP connector reporting that an accepted order finished. */
export interface ConnectorCallback extends Actor {
  connector: string;
  state: 'completed' | 'not_found' | 'failed';
  deleted?: number;
  reference?: string;
}

export interface VerificationCheck {
  at: string;
  remaining: number;
  summaries: Referenced<GongReferenceSummary>[];
}

export interface GongRecord {
  startedAt?: string;
  /** What Gong held before erasure (counts only). */
  before: Referenced<GongReferenceSummary>[];
  erasures: Referenced<GongEraseResult>[];
  verification: {
    outcome: 'pending' | 'verified' | 'skipped';
    checks: VerificationCheck[];
    verifiedAt?: string;
  };
}

export interface ErasureProgress {
  requestId: string;
  status: ErasureStatusValue;
  step: StepName;
  startedAt: string;
  actionRequired?: ActionRequired;
  crm: ConnectorStepRecord;
  email: ConnectorStepRecord;
  gong: GongRecord;
  skipped: SkippedItem[];
  intake?: IntakeRecord;
  /** Status callbacks sent (or being retried) for this request. */
  notifications?: NotificationRecord[];
  operatorActions: {
    action: 'retry' | 'skip' | 'approve';
    step: StepName;
    item: string;
    at: string;
    /** A skip's reason code (free text for skips recorded before codes) and the operator's note. */
    reason?: string;
    note?: string;
    /** The credential's name (or `cli`); absent for actions taken before it was recorded. */
    by?: string;
  }[];
}

/**
 * Proof of the erasure that can be kept for years: systems, counts, timestamps and vendor request
 * ids, with the person identified only by keyed hashes (src/security/subject-ref.ts).
 */
export interface ErasureReceipt extends ErasureProgress {
  completedAt: string;
  /** `erased` when every step succeeded; `erased-with-exceptions` when an operator skipped something. */
  outcome: 'erased' | 'erased-with-exceptions';
  subject: IdentifierRef[];
}

/**
 * Who sent an operator action or a connector callback: the intake credential's name, or `cli`.
 * Recorded in progress and the receipt. A name from configuration, never personal data.
 */
export interface Actor {
  by?: string;
}

/** The `retry` update. */
export type RetryRequest = Actor;

/** The `approve` update: deletes what a sweep found above the thresholds. The note is checked like a skip's. */
export interface ApproveRequest extends Actor {
  note?: string;
}

/**
 * The `skip` update: a reason code from a documented list, and optional free text checked like
 * vendor text (nothing personal). `reason` alone is what skips sent before reason codes carried;
 * histories recorded then still replay with it.
 */
export interface SkipRequest extends Actor {
  code?: string;
  note?: string;
  reason?: string;
}

/** A preview (src/workflows/preview.ts): what an erasure would find, deleting nothing. */
export interface PreviewWorkflowInput {
  requestId: string;
  subject: SubjectIdentifiers;
  settings?: Partial<ErasureSettings>;
  intake?: IntakeRecord;
}

/** One connector and identifier in a preview. Counts and keyed hashes only. */
export interface PreviewSystem {
  connector: string;
  step: 'crm' | 'email';
  identifier: IdentifierRef;
  /** Records (CRM) or messages (mail) matching now. */
  records: number;
  /** Mailboxes holding matches. */
  mailboxes: number;
  /** A search stopped at its cap: `records` is a lower bound. */
  capped: boolean;
  mailboxesSearched?: number;
  /** Matches per mailbox, mailboxes by keyed hash; only those holding any. */
  perMailbox?: { mailbox: string; found: number }[];
  /** Thresholds the erasure would stop at for approval; empty when it would go ahead. */
  exceeded: string[];
  /** Why this system could not be previewed (credentials refused, retries exhausted). */
  error?: string;
}

export interface PreviewResult {
  requestId: string;
  startedAt: string;
  completedAt: string;
  subject: IdentifierRef[];
  systems: PreviewSystem[];
  /** Systems reached by order, which have no dry run. */
  notPreviewed: { connector: string; reason: string }[];
  /** What Gong references per identifier, per list; or why it could not be read. */
  gong: (Referenced<GongReferenceSummary> | { identifier: IdentifierRef; error: string })[];
  /** An erasure of this person would stop for approval somewhere. */
  approvalNeeded: boolean;
}
