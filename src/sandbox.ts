/**
 * Local stand-ins for every vendor: the simulators on loopback, plus the environment variables that
 * point this service's clients at them. `npm start` uses it for vendors without credentials; tests
 * and the benchmark use it for all of them.
 */
import type { SubjectIdentifiers } from './subject/identifiers';
import { GenericHttpSimulator, type GenericHttpMode } from './vendors/generic-http/simulator';
import { createGongSimulator, GONG_SIM_CREDENTIALS, type GongSimOptions } from './vendors/gong/simulator';
import { createHubSpotSimulator, type HubSpotSimOptions } from './vendors/hubspot/simulator';
import { createGoogleSimulator, type GoogleSimOptions } from './vendors/google/simulator';
import { createSalesforceSimulator, SALESFORCE_SIM_CREDENTIALS, type SalesforceSimOptions } from './vendors/salesforce/simulator';
import { createGraphSimulator, type GraphSimOptions } from './vendors/msgraph/simulator';

const HUBSPOT_TOKEN = 'sim-hubspot-token';
const M365 = { tenantId: 'sim-tenant', clientId: 'sim-client-id', clientSecret: 'sim-client-secret' };
export const SANDBOX_MAILBOXES = ['dpo@sandbox.example', 'sales@sandbox.example', 'support@sandbox.example'];

export type SandboxVendor = 'gong' | 'hubspot' | 'salesforce' | 'm365' | 'gmail';

/** A simulated in-house system behind the HTTP connector protocol, configured as `http:<name>`. */
export interface SandboxHttpSystem {
  name: string;
  mode?: GenericHttpMode;
  pendingPolls?: number;
}

export interface SandboxOptions {
  vendors?: SandboxVendor[];
  http?: SandboxHttpSystem[];
  gong?: GongSimOptions;
  hubspot?: HubSpotSimOptions;
  graph?: GraphSimOptions;
  google?: GoogleSimOptions;
  salesforce?: SalesforceSimOptions;
}

export type Sandbox = Awaited<ReturnType<typeof startSandbox>>;

export async function startSandbox(opts: SandboxOptions = {}) {
  const vendors = new Set(opts.vendors ?? ['gong', 'hubspot', 'm365']);
  const gong = vendors.has('gong') ? createGongSimulator({ ...GONG_SIM_CREDENTIALS, ...opts.gong }) : undefined;
  const hubspot = vendors.has('hubspot') ? createHubSpotSimulator({ accessToken: HUBSPOT_TOKEN, ...opts.hubspot }) : undefined;
  const graph = vendors.has('m365') ? createGraphSimulator({ ...M365, ...opts.graph }) : undefined;
  const salesforce = vendors.has('salesforce') ? createSalesforceSimulator(opts.salesforce) : undefined;
  const google = vendors.has('gmail') ? createGoogleSimulator({ domain: 'sandbox.example', ...opts.google }) : undefined;
  const env: Record<string, string> = {};
  if (salesforce) {
    Object.assign(env, {
      SALESFORCE_LOGIN_URL: await salesforce.start(),
      SALESFORCE_CLIENT_ID: SALESFORCE_SIM_CREDENTIALS.clientId,
      SALESFORCE_CLIENT_SECRET: SALESFORCE_SIM_CREDENTIALS.clientSecret,
    });
  }
  if (google) {
    const url = await google.start();
    Object.assign(env, {
      GOOGLE_SERVICE_ACCOUNT_JSON: JSON.stringify(google.serviceAccount),
      GOOGLE_ADMIN_USER: 'admin@sandbox.example',
      GOOGLE_TOKEN_URL: google.tokenUrl,
      GMAIL_BASE_URL: url,
      GOOGLE_DIRECTORY_BASE_URL: url,
    });
    for (const user of SANDBOX_MAILBOXES) google.seedUser(user);
  }
  const http = new Map<string, GenericHttpSimulator>();
  for (const system of opts.http ?? []) {
    const secret = `sandbox-secret-for-${system.name}-0123456789abcdef`;
    const sim = new GenericHttpSimulator({ secret, mode: system.mode, pendingPolls: system.pendingPolls });
    await sim.start();
    const prefix = `HTTP_CONNECTOR_${system.name.toUpperCase().replace(/-/g, '_')}`;
    env[`${prefix}_URL`] = sim.orderUrl;
    env[`${prefix}_SECRET`] = secret;
    http.set(system.name, sim);
  }
  if (gong) {
    env.GONG_BASE_URL = await gong.start();
    env.GONG_ACCESS_KEY = GONG_SIM_CREDENTIALS.accessKey;
    env.GONG_ACCESS_KEY_SECRET = GONG_SIM_CREDENTIALS.accessKeySecret;
  }
  if (hubspot) {
    env.HUBSPOT_BASE_URL = await hubspot.start();
    env.HUBSPOT_ACCESS_TOKEN = HUBSPOT_TOKEN;
  }
  if (graph) {
    const url = await graph.start();
    Object.assign(env, { GRAPH_BASE_URL: url, GRAPH_LOGIN_URL: url, M365_TENANT_ID: M365.tenantId, M365_CLIENT_ID: M365.clientId, M365_CLIENT_SECRET: M365.clientSecret });
    for (const upn of SANDBOX_MAILBOXES) graph.seedMailbox(upn);
  }

  return {
    gong,
    hubspot,
    graph,
    google,
    salesforce,
    /** HTTP-connector systems by name. */
    http,
    /** Variables that point the service's clients at the simulators. */
    env,
    /** Gives the person a CRM contact, mail in every mailbox and references in Gong. */
    seedSubject(subject: SubjectIdentifiers) {
      const [firstPhone] = subject.phones;
      for (const email of subject.emails) hubspot?.seedContact({ email, phone: firstPhone });
      if (subject.emails.length === 0) for (const phone of subject.phones) hubspot?.seedContact({ phone });
      for (const email of subject.emails) salesforce?.seedContact({ Email: email, Phone: firstPhone });
      for (const phone of subject.phones) salesforce?.seedLead({ MobilePhone: phone });
      for (const email of subject.emails) {
        for (const [i, upn] of SANDBOX_MAILBOXES.entries()) {
          graph?.seedMessage(upn, { from: email, to: [upn] });
          if (i === 0) graph?.seedMessage(upn, { from: upn, to: ['someone@else.example'], cc: [email] });
          google?.seedMessage(upn, { from: email, to: [upn] });
          if (i === 1) google?.seedMessage(upn, { from: upn, to: ['someone@else.example'], bcc: [email], labels: ['SPAM'] });
        }
      }
      gong?.vendor.seedPerson({ emails: subject.emails, phones: subject.phones, emailMessages: 3, calls: 2, meetings: 1 });
      for (const sim of http.values()) for (const value of [...subject.emails, ...subject.phones]) sim.vendor.records.add(value);
    },
    async stop() {
      await Promise.all([gong?.stop(), hubspot?.stop(), salesforce?.stop(), graph?.stop(), google?.stop(), ...[...http.values()].map((sim) => sim.stop())]);
    },
  };
}
