/**
 * Every vendor this service can erase from. Adding one: a folder with its client, connector,
 * simulator and descriptor.ts, then one entry here; the registry, the sandbox and `npm start` read
 * this list. HTTP connectors (configured per deployment) and Gong (the step after these) have
 * descriptors of their own kind.
 */
import type { ConnectorVendor } from './descriptor';
import { gmail } from './google/descriptor';
import { gong } from './gong/descriptor';
import { hubspot } from './hubspot/descriptor';
import { m365 } from './msgraph/descriptor';
import { salesforce } from './salesforce/descriptor';

/** CRM and email connectors, as named in DSR_CRM_CONNECTORS and DSR_EMAIL_CONNECTORS. */
export const VENDORS = [hubspot, salesforce, m365, gmail] as const;

/** Everything the sandbox can simulate by name: Gong and every vendor. */
export const SIMULATED_VENDORS = [gong, ...VENDORS] as const;

export function connectorVendor(id: string): ConnectorVendor | undefined {
  return VENDORS.find((vendor) => vendor.id === id);
}

export { gong } from './gong/descriptor';
export { httpConnectors, type SandboxHttpSystem } from './generic-http/descriptor';
