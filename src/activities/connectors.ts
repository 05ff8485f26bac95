/**
 * CRM and email activities: one generic activity that runs a named connector for one identifier.
 * Which connectors exist is the worker's configuration; the workflow records the plan it was given.
 */
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { FailureTypes } from '../failures';
import type {
  AnyConnector,
  ConnectorDescriptor,
  ConnectorOutcome,
  ErasureConnector,
  ExternalOrderResult,
  ExternalStatus,
  ExternalSystemConnector,
} from '../connectors/types';
import { subjectRef } from '../security/subject-ref';
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
        connectors: connectors.map(({ id, step, displayName, kinds, scope }) => ({
          id,
          step,
          displayName,
          kinds,
          scope: scope ?? 'identifier',
        })),
        // Fully resolved here, so the history records every value the workflow branches on.
        settings: resolveSettings(settings),
        subjectRefs: identifiers.map((identifier) => subjectRef(subjectHashKey, identifier)),
      };
    },

    async eraseWithConnector(connectorId: string, identifier: Identifier): Promise<ConnectorOutcome> {
      const ctx = Context.current();
      return perIdentifier(connectorId).erase(identifier, {
        heartbeat: (details) => ctx.heartbeat(details),
        resumeFrom: ctx.info.heartbeatDetails,
      });
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
