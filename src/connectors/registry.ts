/**
 * Which connectors form the CRM step and the email step, chosen by configuration:
 *   DSR_CRM_CONNECTORS=hubspot   DSR_EMAIL_CONNECTORS=m365
 *   DSR_CRM_CONNECTORS=salesforce,http:warehouse   (an HTTP connector: HTTP_CONNECTOR_WAREHOUSE_*)
 * A listed connector without credentials is a start-up error, never a silently skipped system:
 * skipping the CRM would let Gong re-import what we erase. `none` states a step is deliberately empty.
 */
import { ConfigError, type ServiceConfig } from '../config';
import { createHubSpotConnector } from '../vendors/hubspot/connector';
import { hubspotClientFromEnv } from '../vendors/hubspot/client';
import { salesforceClientFromEnv } from '../vendors/salesforce/client';
import { createSalesforceConnector } from '../vendors/salesforce/connector';
import { googleClientFromEnv } from '../vendors/google/client';
import { createGmailConnector } from '../vendors/google/connector';
import { createM365Connector } from '../vendors/msgraph/connector';
import { graphClientFromEnv } from '../vendors/msgraph/client';
import { genericHttpClientFromEnv } from '../vendors/generic-http/client';
import { createGenericHttpConnector } from '../vendors/generic-http/connector';
import type { AnyConnector, ConnectorStep, ErasureConnector } from './types';

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
  gmail: {
    step: 'email',
    needs: 'GOOGLE_SERVICE_ACCOUNT_JSON (or _FILE) and GOOGLE_ADMIN_USER (or GOOGLE_MAILBOXES)',
    build: (env) => {
      const google = googleClientFromEnv(env);
      return google && createGmailConnector(google.client, google.mailboxes);
    },
  },
  salesforce: {
    step: 'crm',
    needs: 'SALESFORCE_LOGIN_URL, SALESFORCE_CLIENT_ID and SALESFORCE_CLIENT_SECRET',
    build: (env) => {
      const client = salesforceClientFromEnv(env);
      return client && createSalesforceConnector(client);
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

/** `http:<name>`: a system reached through the HTTP connector protocol, in whichever step lists it. */
const HTTP_CONNECTOR = /^http:([a-z0-9][a-z0-9-]{0,40})$/;

export function connectorsFromEnv(config: ServiceConfig, env: NodeJS.ProcessEnv = process.env): AnyConnector[] {
  const wanted: [string, ConnectorStep, string][] = [
    ...config.DSR_CRM_CONNECTORS.map((id): [string, ConnectorStep, string] => [id, 'crm', 'DSR_CRM_CONNECTORS']),
    ...config.DSR_EMAIL_CONNECTORS.map((id): [string, ConnectorStep, string] => [id, 'email', 'DSR_EMAIL_CONNECTORS']),
  ];
  const connectors: AnyConnector[] = [];
  const seen = new Set<string>();
  for (const [id, step, variable] of wanted) {
    if (id === 'none') continue;
    if (seen.has(id)) throw new ConfigError(`${variable}: ${id} is listed more than once across DSR_CRM_CONNECTORS and DSR_EMAIL_CONNECTORS`);
    seen.add(id);
    const http = HTTP_CONNECTOR.exec(id);
    if (http) {
      try {
        connectors.push(createGenericHttpConnector(http[1]!, step, genericHttpClientFromEnv(http[1]!, env)));
      } catch (err) {
        throw new ConfigError(err instanceof Error ? err.message : String(err));
      }
      continue;
    }
    const factory = CONNECTOR_FACTORIES[id];
    if (!factory) throw new ConfigError(`${variable}: unknown connector "${id}" (known: ${Object.keys(CONNECTOR_FACTORIES).join(', ')}, http:<name>, none)`);
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
    const listed = wanted.filter(([, s]) => s === step).map(([id]) => id);
    if (listed.includes('none') && listed.length > 1) throw new ConfigError(`${variable}: "none" cannot be combined with connectors`);
    if (!connectors.some((c) => c.step === step) && !listed.includes('none')) {
      throw new ConfigError(`${variable} is empty; list at least one connector, or "none" if there is no such system`);
    }
  }
  return connectors;
}
