/**
 * HTTP connectors: any number of in-house systems, each named by the deployment (`http:warehouse`),
 * in whichever step lists it. So unlike VENDORS, one descriptor stands for a family, and each
 * member's id, variables and simulator are derived from its name (names.ts).
 */
import type { ConnectorStep, ExternalSystemConnector } from '../../connectors/types';
import type { SubjectIdentifiers } from '../../subject/identifiers';
import { credentialsSet } from '../descriptor';
import { genericHttpClientFromEnv } from './client';
import { createGenericHttpConnector } from './connector';
import { httpConnectorEnv, httpConnectorId, httpConnectorName, HTTP_CONNECTOR_ID_PATTERN } from './names';
import type { GenericHttpMode, GenericHttpSimulator } from './simulator';

/** A simulated in-house system behind the HTTP connector protocol, configured as `http:<name>`. */
export interface SandboxHttpSystem {
  name: string;
  mode?: GenericHttpMode;
  pendingPolls?: number;
}

export const httpConnectors = {
  idPattern: HTTP_CONNECTOR_ID_PATTERN,
  /** The system's name if `id` names an HTTP connector. */
  nameOf: httpConnectorName,
  idOf: httpConnectorId,
  /** Whether the deployment configured `name` (`npm start` simulates it otherwise). */
  credentialsSet(name: string, env: NodeJS.ProcessEnv): boolean {
    const variables = httpConnectorEnv(name);
    return credentialsSet({ credentials: [variables.url, variables.secret] }, env);
  },
  /** Throws naming the variable that is unset or invalid: an HTTP connector has no "unconfigured" state. */
  fromEnv(name: string, step: ConnectorStep, env: NodeJS.ProcessEnv): ExternalSystemConnector {
    return createGenericHttpConnector(name, step, genericHttpClientFromEnv(name, env));
  },
  simulator: {
    async start(system: SandboxHttpSystem): Promise<{ simulator: GenericHttpSimulator; env: Record<string, string> }> {
      const secret = `sandbox-secret-for-${system.name}-0123456789abcdef`;
      const { GenericHttpSimulator } = await import('./simulator');
      const simulator = new GenericHttpSimulator({ secret, mode: system.mode, pendingPolls: system.pendingPolls });
      await simulator.start();
      const variables = httpConnectorEnv(system.name);
      return { simulator, env: { [variables.url]: simulator.orderUrl, [variables.secret]: secret } };
    },
    /** The system holds a record for each of the person's identifiers. */
    seedSubject(simulator: GenericHttpSimulator, subject: SubjectIdentifiers): void {
      for (const value of [...subject.emails, ...subject.phones]) simulator.vendor.records.add(value);
    },
  },
};
