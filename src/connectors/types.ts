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
}

/** What one connector did for one identifier. Record ids are the vendor's, not personal data. */
export interface ConnectorOutcome {
  connector: string;
  identifier: Identifier;
  /** Records/messages that matched when this run searched. */
  found: number;
  /** Records/messages this run deleted permanently. */
  deleted: number;
  /** Matched but gone by the time we deleted (another run or the vendor got there first). */
  alreadyGone: number;
  /** Vendor ids of what was deleted, for the receipt (capped; `deleted` is the true count). */
  deletedIds: string[];
  /** How permanent the deletion is, in the vendor's terms (e.g. "GDPR delete, email blocklisted"). */
  method: string;
  completedAt: string;
}

export interface ConnectorContext {
  /** Reports progress so a long mailbox sweep survives a worker crash (activity heartbeat). */
  heartbeat(details?: unknown): void;
  /** Details of the last heartbeat of a previous attempt, to resume where it stopped. */
  resumeFrom?: unknown;
}

export interface ErasureConnector extends ConnectorDescriptor {
  scope?: 'identifier';
  /** Finds and permanently deletes everything matching the identifier. Must be idempotent. */
  erase(identifier: Identifier, ctx: ConnectorContext): Promise<ConnectorOutcome>;
}

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
