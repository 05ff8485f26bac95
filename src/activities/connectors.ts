/**
 * CRM and email activities: one generic activity that runs a named connector for one identifier.
 * Which connectors exist is the worker's configuration; the workflow records the plan it was given.
 */
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { FailureTypes } from '../failures';
import { eraseInProcess } from '../connectors/erase-in-process';
import type {
  AnyConnector,
  ConnectorContext,
  ConnectorDescriptor,
  ConnectorOutcome,
  DeleteReport,
  ErasureConnector,
  ExternalOrderResult,
  ExternalStatus,
  ExternalSystemConnector,
  FoundPage,
  SweepSummary,
} from '../connectors/types';
import { mailboxRef, subjectRef } from '../security/subject-ref';
import { parseErasureWorkflowId } from '../temporal/names';
import type { Identifier } from '../subject/identifiers';
import { resolveSettings } from '../workflows/settings';
import type { ErasureSettings } from '../workflows/types';

export interface ErasurePlan {
  connectors: ConnectorDescriptor[];
  /** This deployment's waits and queues; a request's own settings override them. */
  settings: Partial<ErasureSettings>;
  /** Keyed hashes of the identifiers, in the order given: what receipts and progress show. */
  subjectRefs: string[];
}

/** Heartbeats (counts only) and the previous attempt's last heartbeat, for long vendor calls. */
function activityContext(): ConnectorContext {
  const ctx = Context.current();
  return { heartbeat: (details) => ctx.heartbeat(details), resumeFrom: ctx.info.heartbeatDetails };
}

export interface ConnectorActivityDeps {
  connectors: AnyConnector[];
  settings?: Partial<ErasureSettings>;
  /** HMAC key for subject references; only workers hold it. */
  subjectHashKey: Buffer;
}

export function createConnectorActivities({ connectors, settings = {}, subjectHashKey }: ConnectorActivityDeps) {
  const byId = new Map(connectors.map((c) => [c.id, c]));
  const lookup = (id: string, scope: 'identifier' | 'subject'): AnyConnector => {
    const c = byId.get(id);
    if (!c || (c.scope ?? 'identifier') !== scope) {
      throw ApplicationFailure.nonRetryable(`connector ${id} is not configured on this worker`, FailureTypes.config);
    }
    return c;
  };
  const perIdentifier = (id: string) => lookup(id, 'identifier') as ErasureConnector;
  const external = (id: string) => lookup(id, 'subject') as ExternalSystemConnector;
  return {
    async planErasure(identifiers: Identifier[]): Promise<ErasurePlan> {
      return {
        connectors: connectors.map((c) => ({
          id: c.id,
          step: c.step,
          displayName: c.displayName,
          kinds: c.kinds,
          scope: c.scope ?? 'identifier',
          ...(c.scope !== 'subject' && c.listMailboxes && { mailboxes: true }),
        })),
        // Fully resolved here, so the history records every value the workflow branches on.
        settings: resolveSettings(settings),
        subjectRefs: identifiers.map((identifier) => subjectRef(subjectHashKey, identifier)),
      };
    },

    /**
     * Erasures started before find-then-delete schedule this one activity per connector and
     * identifier: it runs the same sweep in one attempt. New erasures use the four below.
     */
    async eraseWithConnector(connectorId: string, identifier: Identifier): Promise<ConnectorOutcome> {
      return eraseInProcess(perIdentifier(connectorId), identifier, activityContext());
    },

    /** The mailboxes a mail connector searches, each with its keyed hash (what progress shows). */
    async listConnectorMailboxes(connectorId: string, identifier: Identifier) {
      const connector = perIdentifier(connectorId);
      if (!connector.listMailboxes) return { mailboxes: [], unreachable: 0 };
      const listed = await connector.listMailboxes(identifier, activityContext());
      return {
        mailboxes: listed.mailboxes.map((address) => ({ address, ref: mailboxRef(subjectHashKey, address) })),
        unreachable: listed.unreachable ?? 0,
      };
    },

    /** Read-only: one page of what holds the identifier. Its result is the ledger's record. */
    async findWithConnector(
      connectorId: string,
      identifier: Identifier,
      mailbox: string | undefined,
      cursor: string | undefined,
    ): Promise<FoundPage> {
      return perIdentifier(connectorId).find(identifier, mailbox, cursor, activityContext());
    },

    /** Deletes exactly the ids a find recorded; idempotent (gone counts as deleted). */
    async deleteWithConnector(
      connectorId: string,
      identifier: Identifier,
      mailbox: string | undefined,
      ids: string[],
    ): Promise<DeleteReport> {
      return perIdentifier(connectorId).deleteFound(identifier, mailbox, ids, activityContext());
    },

    /** The connector's last call for the identifier, and the receipt's method sentence. */
    async finishWithConnector(connectorId: string, identifier: Identifier, summary: SweepSummary): Promise<string> {
      const connector = perIdentifier(connectorId);
      await connector.finish?.(identifier, activityContext());
      return connector.method(identifier, summary);
    },

    /**
     * Sends (or re-sends: the other system deduplicates by source and request id) the order for the request. The
     * source is read from the workflow id, so workflows already running need no new argument.
     */
    async orderExternalErasure(
      connectorId: string,
      requestId: string,
      attempt: number,
      identifiers: Identifier[],
    ): Promise<ExternalOrderResult> {
      const owner = parseErasureWorkflowId(Context.current().info.workflowExecution?.workflowId ?? '')?.owner;
      return external(connectorId).order(requestId, attempt, identifiers, owner);
    },

    async checkExternalErasure(connectorId: string, statusUrl: string): Promise<ExternalStatus> {
      return external(connectorId).status(statusUrl);
    },
  };
}
