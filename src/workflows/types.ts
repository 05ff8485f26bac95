/** The erasure workflow's input, progress and receipt. Types only: imported by workflow code. */
import type { Duration } from '@temporalio/common';
import type { ConnectorDescriptor, ConnectorOutcome } from '../connectors/types';
import type { Identifier, IdentifierRef, SubjectIdentifiers } from '../subject/identifiers';
import type { GongEraseResult, GongReferenceSummary } from '../vendors/gong/types';

/** Durations are Temporal duration strings ('4h', '30s') or milliseconds. */
export type { Duration };

export interface ErasureSettings {
  /** First wait after the Gong erase calls; Gong says deletion "may take several hours". */
  verifyInitialWait: Duration;
  /** Each further wait grows by this factor while references remain... */
  verifyBackoffCoefficient: number;
  /** ...up to this interval... */
  verifyMaxInterval: Duration;
  /** ...and after this much waiting in total the request escalates to an operator. */
  verifyMaxTotalWait: Duration;
  /** Attempts per activity for retryable errors (5xx, timeouts, 429) before an operator is asked. */
  activityMaxAttempts: number;
  /** Longest backoff between activity attempts. */
  activityMaxInterval: Duration;
  /** A connector sweep that stops heartbeating this long is retried on another worker. */
  connectorHeartbeatTimeout: Duration;
  connectorStartToCloseTimeout: Duration;
  /** The task queue Gong activities run on; its workers cap it at Gong's per-company rate. */
  gongTaskQueue: string;
  /** How often to poll an HTTP connector's status URL after it accepted an order. */
  externalPollInterval: Duration;
  /** How long to wait for an HTTP connector to finish (poll or callback) before asking an operator. */
  externalMaxWait: Duration;
}

export interface ErasureWorkflowInput {
  requestId: string;
  subject: SubjectIdentifiers;
  settings?: Partial<ErasureSettings>;
}

export type StepName = 'crm' | 'email' | 'gong-erase' | 'gong-verify' | 'done';
export type ErasureStatusValue = 'Running' | 'WaitingForGong' | 'ActionRequired' | 'Completed';

export interface ActionRequired {
  step: StepName;
  /** What failed, e.g. `hubspot email#1`: connector and identifier position, never the value. */
  item: string;
  reason: string;
  errorType?: string;
  since: string;
}

export interface SkippedItem {
  step: StepName;
  item: string;
  reason: string;
  failure: string;
  at: string;
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
export interface ConnectorCallback {
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
  operatorActions: { action: 'retry' | 'skip'; step: StepName; item: string; at: string; reason?: string }[];
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

export interface SkipRequest {
  reason: string;
}
