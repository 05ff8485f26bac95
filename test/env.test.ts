/** One rule for every environment variable (src/env.ts): blank means unset. */
import { loadServiceConfig, parseEnv } from '../src/config';
import { commaList, envValue } from '../src/env';
import { intakeEnvSchema } from '../src/intake/config';
import { loadSecurityConfig } from '../src/security/keys';
import { graphClientFromEnv } from '../src/vendors/msgraph/client';
import { salesforceClientFromEnv } from '../src/vendors/salesforce/client';

const KEYS = { DSR_PAYLOAD_KEYS: `k1:${Buffer.alloc(32, 1).toString('base64')}` };

test('envValue: trimmed value, undefined when unset or blank', () => {
  expect(envValue({ A: ' x ' }, 'A')).toBe('x');
  expect(envValue({ A: '  ' }, 'A')).toBeUndefined();
  expect(envValue({}, 'A')).toBeUndefined();
});

test('commaList: entries trimmed, blanks and repeats dropped', () => {
  expect(commaList(' b@x.example, a@x.example,,b@x.example ')).toEqual(['b@x.example', 'a@x.example']);
  expect(commaList(undefined)).toEqual([]);
});

test('service settings: a blank variable takes its default', () => {
  const config = loadServiceConfig({
    DSR_TASK_QUEUE: '',
    GONG_RATE_LIMIT_PER_SECOND: ' ',
    DSR_WORKER_ROLES: '',
    DSR_VERIFY_INITIAL_WAIT: '',
    DSR_CALLBACK_SIGNING_SECRET: '',
  });
  expect(config).toMatchObject({ GONG_RATE_LIMIT_PER_SECOND: 3, DSR_WORKER_ROLES: ['main', 'gong'] });
  expect(config.DSR_TASK_QUEUE).toBe(loadServiceConfig({}).DSR_TASK_QUEUE);
  expect(config.DSR_VERIFY_INITIAL_WAIT).toBeUndefined();
  expect(config.DSR_CALLBACK_SIGNING_SECRET).toBeUndefined();
});

test('intake settings: a blank port or host is the default, not port 0 or every interface', () => {
  expect(
    parseEnv(intakeEnvSchema, { DSR_INTAKE_PORT: '', DSR_INTAKE_HOST: ' ', DSR_INTAKE_PUBLIC_URL: '' }),
  ).toMatchObject({ DSR_INTAKE_PORT: 8080, DSR_INTAKE_HOST: '127.0.0.1', DSR_INTAKE_PUBLIC_URL: undefined });
});

test('keys: a blank DSR_PAYLOAD_KEYS is missing, a blank DSR_SUBJECT_HASH_KEY unset', () => {
  expect(() => loadSecurityConfig({ DSR_PAYLOAD_KEYS: ' ' })).toThrow(/DSR_PAYLOAD_KEYS: is required/);
  expect(loadSecurityConfig({ ...KEYS, DSR_SUBJECT_HASH_KEY: '' }).subjectHashKey).toBeUndefined();
});

test('vendor clients: blank credentials and URLs are unset', () => {
  expect(
    graphClientFromEnv({ M365_TENANT_ID: ' ', M365_CLIENT_ID: '', M365_CLIENT_SECRET: '', GRAPH_BASE_URL: ' ' }),
  ).toBeUndefined();
  expect(
    salesforceClientFromEnv({
      SALESFORCE_LOGIN_URL: '',
      SALESFORCE_CLIENT_ID: ' ',
      SALESFORCE_CLIENT_SECRET: '',
      SALESFORCE_HARD_DELETE: '',
    }),
  ).toBeUndefined();
});
