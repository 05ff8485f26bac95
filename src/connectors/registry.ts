/**
 * Which connectors form the CRM step and the email step, chosen by configuration:
 *   DSR_CRM_CONNECTORS=hubspot   DSR_EMAIL_CONNECTORS=m365
 *   DSR_CRM_CONNECTORS=salesforce,http:warehouse   (an HTTP connector: HTTP_CONNECTOR_WAREHOUSE_*)
 * A listed connector without credentials is a start-up error, never a silently skipped system:
 * skipping the CRM would let Gong re-import what we erase. `none` states a step is deliberately empty.
 */
import { ConfigError, type ServiceConfig } from '../config';
import { connectorVendor, httpConnectors, VENDORS } from '../vendors';
import type { AnyConnector, ConnectorStep } from './types';

/** The error-message list of what may be named, read from the vendor list. */
const KNOWN = [...VENDORS.map((vendor) => vendor.id), httpConnectors.idPattern, 'none'].join(', ');

export function connectorsFromEnv(config: ServiceConfig, env: NodeJS.ProcessEnv = process.env): AnyConnector[] {
  const wanted: [string, ConnectorStep, string][] = [
    ...config.DSR_CRM_CONNECTORS.map((id): [string, ConnectorStep, string] => [id, 'crm', 'DSR_CRM_CONNECTORS']),
    ...config.DSR_EMAIL_CONNECTORS.map((id): [string, ConnectorStep, string] => [id, 'email', 'DSR_EMAIL_CONNECTORS']),
  ];
  const connectors: AnyConnector[] = [];
  const seen = new Set<string>();
  for (const [id, step, variable] of wanted) {
    if (id === 'none') continue;
    if (seen.has(id))
      throw new ConfigError(
        `${variable}: ${id} is listed more than once across DSR_CRM_CONNECTORS and DSR_EMAIL_CONNECTORS`,
      );
    seen.add(id);
    const httpName = httpConnectors.nameOf(id);
    if (httpName) {
      connectors.push(configured(() => httpConnectors.fromEnv(httpName, step, env)));
      continue;
    }
    const vendor = connectorVendor(id);
    if (!vendor) throw new ConfigError(`${variable}: unknown connector "${id}" (known: ${KNOWN})`);
    if (vendor.step !== step) throw new ConfigError(`${variable}: ${id} is a ${vendor.step} connector, not ${step}`);
    const connector = configured(() => vendor.fromEnv(env));
    if (!connector)
      throw new ConfigError(
        `${variable} lists ${id}, but ${vendor.needs} ${vendor.needs.includes(' and ') ? 'are' : 'is'} not set`,
      );
    connectors.push(connector);
  }
  for (const [step, variable] of [
    ['crm', 'DSR_CRM_CONNECTORS'],
    ['email', 'DSR_EMAIL_CONNECTORS'],
  ] as const) {
    const listed = wanted.filter(([, s]) => s === step).map(([id]) => id);
    if (listed.includes('none') && listed.length > 1)
      throw new ConfigError(`${variable}: "none" cannot be combined with connectors`);
    if (!connectors.some((c) => c.step === step) && !listed.includes('none')) {
      throw new ConfigError(`${variable} is empty; list at least one connector, or "none" if there is no such system`);
    }
  }
  return connectors;
}

/** A vendor's own configuration error (which names variables, never values) as a start-up error. */
function configured<T>(build: () => T): T {
  try {
    return build();
  } catch (err) {
    throw new ConfigError(err instanceof Error ? err.message : String(err));
  }
}
