/**
 * CRM and email activities: one generic activity that runs a named connector for one identifier.
 * Which connectors exist is the worker's configuration; the workflow records the plan it was given.
 */
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import type { ConnectorDescriptor, ConnectorOutcome, ErasureConnector } from '../connectors/types';
import { subjectRef } from '../security/subject-ref';
import type { Identifier } from '../subject/identifiers';
import type { ErasureSettings } from '../workflows/types';

export interface ErasurePlan {
  connectors: ConnectorDescriptor[];
  /** This deployment's waits and queues; a request's own settings override them. */
  settings: Partial<ErasureSettings>;
  /** Keyed hashes of the identifiers, in the order given: what receipts and progress show. */
  subjectRefs: string[];
}

export interface ConnectorActivityDeps {
  connectors: ErasureConnector[];
  settings?: Partial<ErasureSettings>;
  /** HMAC key for subject references; only workers hold it. */
  subjectHashKey: Buffer;
}

export function createConnectorActivities({ connectors, settings = {}, subjectHashKey }: ConnectorActivityDeps) {
  const byId = new Map(connectors.map((c) => [c.id, c]));
  return {
    async planErasure(identifiers: Identifier[]): Promise<ErasurePlan> {
      return {
        connectors: connectors.map(({ id, step, displayName, kinds }) => ({ id, step, displayName, kinds })),
        settings,
        subjectRefs: identifiers.map((identifier) => subjectRef(subjectHashKey, identifier)),
      };
    },

    async eraseWithConnector(connectorId: string, identifier: Identifier): Promise<ConnectorOutcome> {
      const connector = byId.get(connectorId);
      if (!connector) {
        throw ApplicationFailure.nonRetryable(`connector ${connectorId} is not configured on this worker`, 'ConnectorMisconfigured');
      }
      const ctx = Context.current();
      return connector.erase(identifier, {
        heartbeat: (details) => ctx.heartbeat(details),
        resumeFrom: ctx.info.heartbeatDetails,
      });
    },
  };
}
