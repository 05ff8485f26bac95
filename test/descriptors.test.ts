/**
 * A vendor is its folder plus one line in src/vendors/index.ts: the registry, the sandbox and
 * `npm start` (toSimulate) all read that list, and each descriptor's simulator configures its client.
 */
import { ConfigError, loadServiceConfig } from '../src/config';
import { connectorsFromEnv } from '../src/connectors/registry';
import { startSandbox, toSimulate, type Sandbox } from '../src/sandbox';
import { gong, httpConnectors, SIMULATED_VENDORS, VENDORS } from '../src/vendors';
import { credentialsSet } from '../src/vendors/descriptor';
import { httpConnectorEnv } from '../src/vendors/generic-http/names';

const SUBJECT = { emails: ['jane.doe@example.com'], phones: ['+14255552671'] };

let sandbox: Sandbox;
beforeAll(async () => {
  sandbox = await startSandbox({
    vendors: SIMULATED_VENDORS.map((vendor) => vendor.id),
    http: [{ name: 'legacy-crm', mode: 'sync' }],
  });
});
afterAll(() => sandbox?.stop());

test('the sandbox runs one simulator per descriptor, under its key', () => {
  for (const vendor of SIMULATED_VENDORS) expect(sandbox[vendor.simulator.key]).toBeDefined();
  expect([...sandbox.http.keys()]).toEqual(['legacy-crm']);
});

test.each(VENDORS.map((vendor) => [vendor.id, vendor] as const))(
  "%s: its connector is built from its simulator's env",
  (_id, vendor) => {
    expect(credentialsSet(vendor, sandbox.env)).toBe(true);
    expect(credentialsSet(vendor, {})).toBe(false);
    expect(vendor.fromEnv({})).toBeUndefined();
    const connector = vendor.fromEnv(sandbox.env);
    expect(connector && { id: connector.id, step: connector.step, displayName: connector.displayName }).toEqual({
      id: vendor.id,
      step: vendor.step,
      displayName: vendor.displayName,
    });
  },
);

test("gong: its client is built from its simulator's env", () => {
  expect(credentialsSet(gong, sandbox.env)).toBe(true);
  expect(gong.fromEnv({})).toBeUndefined();
  expect(gong.fromEnv(sandbox.env)).toBeDefined();
});

test('the registry builds every listed vendor, and names exactly the descriptors as known', () => {
  const crm = VENDORS.filter((vendor) => vendor.step === 'crm').map((vendor) => vendor.id);
  const email = VENDORS.filter((vendor) => vendor.step === 'email').map((vendor) => vendor.id);
  const env = {
    ...sandbox.env,
    DSR_CRM_CONNECTORS: [...crm, 'http:legacy-crm'].join(','),
    DSR_EMAIL_CONNECTORS: email.join(','),
  };
  expect(connectorsFromEnv(loadServiceConfig(env), env).map((connector) => connector.id)).toEqual([
    ...crm,
    'http:legacy-crm',
    ...email,
  ]);

  const unknown = { ...env, DSR_CRM_CONNECTORS: 'pipedrive' };
  expect(() => connectorsFromEnv(loadServiceConfig(unknown), unknown)).toThrow(ConfigError);
  expect(() => connectorsFromEnv(loadServiceConfig(unknown), unknown)).toThrow(
    `DSR_CRM_CONNECTORS: unknown connector "pipedrive" (known: ${[...VENDORS.map((vendor) => vendor.id), 'http:<name>', 'none'].join(', ')})`,
  );
});

test('seedSubject reaches every simulator, each through its descriptor', async () => {
  sandbox.seedSubject(SUBJECT);
  expect(sandbox.hubspot!.contacts()).toHaveLength(1);
  expect(sandbox.salesforce!.records()).toHaveLength(2);
  expect(sandbox.graph!.messages('dpo@sandbox.example')).toHaveLength(2);
  expect(sandbox.google!.messages('sales@sandbox.example')).toHaveLength(2);
  const references = await gong.fromEnv(sandbox.env)!.references({ kind: 'email', value: SUBJECT.emails[0]! });
  expect(references.total).toBeGreaterThan(0);
  expect([...sandbox.http.get('legacy-crm')!.vendor.records]).toEqual([...SUBJECT.emails, ...SUBJECT.phones]);
});

test('one rule names an HTTP connector and its variables', () => {
  expect(httpConnectors.nameOf('http:legacy-crm')).toBe('legacy-crm');
  expect(httpConnectors.nameOf('http:Bad_Name')).toBeUndefined();
  expect(httpConnectors.nameOf('hubspot')).toBeUndefined();
  expect(httpConnectorEnv('legacy-crm')).toEqual({
    url: 'HTTP_CONNECTOR_LEGACY_CRM_URL',
    secret: 'HTTP_CONNECTOR_LEGACY_CRM_SECRET',
  });
  expect(Object.keys(sandbox.env)).toEqual(
    expect.arrayContaining(['HTTP_CONNECTOR_LEGACY_CRM_URL', 'HTTP_CONNECTOR_LEGACY_CRM_SECRET']),
  );
});

describe('npm start simulates what has no credentials', () => {
  test('by default: Gong and the default connectors', () => {
    expect(toSimulate({})).toEqual({
      vendors: ['gong', 'hubspot', 'm365'],
      http: [],
      ids: ['gong', 'hubspot', 'm365'],
    });
  });

  test('the configured connectors, HTTP ones included', () => {
    const env = { DSR_CRM_CONNECTORS: 'salesforce,http:legacy-crm', DSR_EMAIL_CONNECTORS: 'gmail' };
    expect(toSimulate(env)).toEqual({
      vendors: ['gong', 'salesforce', 'gmail'],
      http: [{ name: 'legacy-crm', mode: 'poll' }],
      ids: ['gong', 'salesforce', 'gmail', 'http:legacy-crm'],
    });
  });

  test('nothing that has credentials, and nothing half-configured (that fails at start-up instead)', () => {
    const env = { DSR_CRM_CONNECTORS: 'salesforce,http:legacy-crm', DSR_EMAIL_CONNECTORS: 'gmail,m365' };
    expect(toSimulate({ ...env, ...sandbox.env })).toEqual({ vendors: [], http: [], ids: [] });
    expect(
      toSimulate({ ...env, M365_CLIENT_ID: 'set', GONG_ACCESS_TOKEN: 'set', HTTP_CONNECTOR_LEGACY_CRM_SECRET: 'set' })
        .ids,
    ).toEqual(['salesforce', 'gmail']);
    // Blank is unset.
    expect(toSimulate({ HUBSPOT_ACCESS_TOKEN: ' ' }).vendors).toContain('hubspot');
  });
});

test('by default the sandbox simulates what a default configuration needs', async () => {
  const defaults = await startSandbox();
  try {
    expect(
      Object.keys(defaults).filter((key) => SIMULATED_VENDORS.some((vendor) => vendor.simulator.key === key)),
    ).toEqual(['gong', 'hubspot', 'graph']);
    expect(toSimulate(defaults.env)).toEqual({ vendors: [], http: [], ids: [] });
  } finally {
    await defaults.stop();
  }
});
