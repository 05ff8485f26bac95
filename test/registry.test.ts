/** Choosing connectors by configuration alone, with clear errors for missing or contradictory settings. */
import { ConfigError, loadServiceConfig } from '../src/config';
import { connectorsFromEnv } from '../src/connectors/registry';

const HUBSPOT = { HUBSPOT_ACCESS_TOKEN: 'pat-test' };
const M365 = { M365_TENANT_ID: 't', M365_CLIENT_ID: 'c', M365_CLIENT_SECRET: 's' };
const WAREHOUSE = {
  HTTP_CONNECTOR_WAREHOUSE_URL: 'https://dw.internal.example/erasures',
  HTTP_CONNECTOR_WAREHOUSE_SECRET: 'x'.repeat(32),
};

function build(env: Record<string, string>) {
  return connectorsFromEnv(loadServiceConfig(env), env).map((c) => [c.id, c.step, c.scope ?? 'identifier']);
}

function error(env: Record<string, string>): string {
  try {
    build(env);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as Error).message;
  }
  throw new Error('expected a configuration error');
}

test('defaults: HubSpot for the CRM step, Microsoft 365 for email', () => {
  expect(build({ ...HUBSPOT, ...M365 })).toEqual([
    ['hubspot', 'crm', 'identifier'],
    ['m365', 'email', 'identifier'],
  ]);
});

test('several connectors per step, including HTTP connectors in either step', () => {
  const env = {
    ...HUBSPOT,
    ...M365,
    ...WAREHOUSE,
    DSR_CRM_CONNECTORS: 'hubspot,http:warehouse',
    DSR_EMAIL_CONNECTORS: 'm365',
  };
  expect(build(env)).toEqual([
    ['hubspot', 'crm', 'identifier'],
    ['http:warehouse', 'crm', 'subject'],
    ['m365', 'email', 'identifier'],
  ]);
});

test('"none" states a step is deliberately empty', () => {
  expect(build({ ...M365, DSR_CRM_CONNECTORS: 'none' })).toEqual([['m365', 'email', 'identifier']]);
});

test.each([
  [{ ...M365 }, 'DSR_CRM_CONNECTORS lists hubspot, but HUBSPOT_ACCESS_TOKEN is not set'],
  [{ ...HUBSPOT, M365_TENANT_ID: 't' }, 'M365_CLIENT_ID'],
  [{ ...HUBSPOT, ...M365, DSR_CRM_CONNECTORS: 'pipedrive' }, 'unknown connector "pipedrive"'],
  [
    { ...HUBSPOT, ...M365, DSR_CRM_CONNECTORS: 'none', DSR_EMAIL_CONNECTORS: 'hubspot' },
    'hubspot is a crm connector, not email',
  ],
  [{ ...HUBSPOT, ...M365, DSR_CRM_CONNECTORS: '' }, 'DSR_CRM_CONNECTORS is empty'],
  [{ ...HUBSPOT, ...M365, DSR_CRM_CONNECTORS: 'hubspot,none' }, 'cannot be combined'],
  [{ ...HUBSPOT, ...M365, DSR_CRM_CONNECTORS: 'hubspot,hubspot' }, 'listed more than once'],
  [{ ...HUBSPOT, ...M365, DSR_CRM_CONNECTORS: 'hubspot,http:warehouse' }, 'HTTP_CONNECTOR_WAREHOUSE_URL is not set'],
  [{ ...HUBSPOT, ...M365, DSR_CRM_CONNECTORS: 'http:Bad_Name' }, 'unknown connector'],
  [{ ...HUBSPOT, ...M365, HUBSPOT_BASE_URL: 'http://api.hubapi.com' }, 'must be an https URL'],
  [
    {
      ...HUBSPOT,
      ...M365,
      ...WAREHOUSE,
      HTTP_CONNECTOR_WAREHOUSE_URL: 'http://dw.internal.example/erasures',
      DSR_CRM_CONNECTORS: 'http:warehouse',
    },
    'must be an https URL',
  ],
])('rejects %j: %s', (env, message) => {
  expect(error(env)).toContain(message);
});

test('errors never print secrets', () => {
  const message = error({
    ...M365,
    HUBSPOT_ACCESS_TOKEN: 'pat-secret-123',
    DSR_CRM_CONNECTORS: 'hubspot,http:dw',
    HTTP_CONNECTOR_DW_URL: 'https://x',
    HTTP_CONNECTOR_DW_SECRET: 'too-short-secret',
  });
  expect(message).not.toContain('too-short-secret');
  expect(message).not.toContain('pat-secret-123');
});
