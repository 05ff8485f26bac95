/**
 * Which connectors form the CRM step and the email step, chosen by configuration:
 *   DSR_CRM_CONNECTORS=hubspot   DSR_EMAIL_CONNECTORS=m365
 * A listed connector without credentials is a start-up error, never a silently skipped system:
 * skipping the CRM would let Gong re-import what we erase. `none` states a step is deliberately empty.
 */
import { ConfigError, type ServiceConfig } from '../config';
import { createHubSpotConnector } from '../vendors/hubspot/connector';
import { hubspotClientFromEnv } from '../vendors/hubspot/client';
import { createM365Connector } from '../vendors/msgraph/connector';
import { graphClientFromEnv } from '../vendors/msgraph/client';
import type { ConnectorStep, ErasureConnector } from './types';

interface ConnectorFactory {
  step: ConnectorStep;
  /** The variables that configure it, for error messages. */
  needs: string;
  build(env: NodeJS.ProcessEnv): ErasureConnector | undefined;
}

export const CONNECTOR_FACTORIES: Record<string, ConnectorFactory> = {
  hubspot: {
    step: 'crm',
    needs: 'HUBSPOT_ACCESS_TOKEN',
    build: (env) => {
      const client = hubspotClientFromEnv(env);
      return client && createHubSpotConnector(client);
    },
  },
  m365: {
    step: 'email',
    needs: 'M365_TENANT_ID, M365_CLIENT_ID and M365_CLIENT_SECRET',
    build: (env) => {
      const graph = graphClientFromEnv(env);
      return graph && createM365Connector(graph.client, graph.mailboxes);
    },
  },
};

export function connectorsFromEnv(config: ServiceConfig, env: NodeJS.ProcessEnv = process.env): ErasureConnector[] {
  const wanted: [string, ConnectorStep, string][] = [
    ...config.DSR_CRM_CONNECTORS.map((id): [string, ConnectorStep, string] => [id, 'crm', 'DSR_CRM_CONNECTORS']),
    ...config.DSR_EMAIL_CONNECTORS.map((id): [string, ConnectorStep, string] => [id, 'email', 'DSR_EMAIL_CONNECTORS']),
  ];
  const connectors: ErasureConnector[] = [];
  for (const [id, step, variable] of wanted) {
    if (id === 'none') continue;
    const factory = CONNECTOR_FACTORIES[id];
    if (!factory) throw new ConfigError(`${variable}: unknown connector "${id}" (known: ${Object.keys(CONNECTOR_FACTORIES).join(', ')}, none)`);
    if (factory.step !== step) throw new ConfigError(`${variable}: ${id} is a ${factory.step} connector, not ${step}`);
    let connector: ErasureConnector | undefined;
    try {
      connector = factory.build(env);
    } catch (err) {
      throw new ConfigError(err instanceof Error ? err.message : String(err));
    }
    if (!connector) throw new ConfigError(`${variable} lists ${id}, but ${factory.needs} ${factory.needs.includes(' and ') ? 'are' : 'is'} not set`);
    connectors.push(connector);
  }
  for (const [step, variable] of [['crm', 'DSR_CRM_CONNECTORS'], ['email', 'DSR_EMAIL_CONNECTORS']] as const) {
    if (!connectors.some((c) => c.step === step) && !wanted.some(([id, s]) => s === step && id === 'none')) {
      throw new ConfigError(`${variable} is empty; list at least one connector, or "none" if there is no such system`);
    }
  }
  return connectors;
}
