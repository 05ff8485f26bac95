/** The HTTP connector protocol: client and connector against a simulated system over real HTTP. */
import { GenericHttpClient, genericHttpClientFromEnv } from '../../src/vendors/generic-http/client';
import { createGenericHttpConnector } from '../../src/vendors/generic-http/connector';
import { sign, verify } from '../../src/vendors/generic-http/signature';
import { GenericHttpSimulator } from '../../src/vendors/generic-http/simulator';
import { failureOf } from '../helpers/vendor';

const SECRET = 'a-shared-secret-of-at-least-32-chars!!';
const EMAIL = 'warehouse.subject@example.com';
const PHONE = '+14255550100';
let sim: GenericHttpSimulator;

beforeEach(async () => {
  sim = new GenericHttpSimulator({ secret: SECRET, pendingPolls: 2 });
  await sim.start();
  sim.vendor.records.add(EMAIL).add(PHONE);
});
afterEach(() => sim.stop());

const connector = (secret = SECRET) =>
  createGenericHttpConnector(
    'warehouse',
    'crm',
    new GenericHttpClient({ name: 'warehouse', url: sim.orderUrl, secret }),
  );
const ids = [
  { kind: 'email' as const, value: EMAIL },
  { kind: 'phone' as const, value: PHONE },
];

const failure = (p: Promise<unknown>) => failureOf(p, [EMAIL, PHONE]);

test('200 completed: one signed order for the whole request', async () => {
  const result = await connector().order('req-1', 1, ids);
  expect(result).toMatchObject({ state: 'completed', deleted: 2, reference: expect.stringMatching(/^sys-/) });
  expect(sim.vendor.erasedValues).toEqual([EMAIL, PHONE]);
  expect(sim.controls.log).toHaveLength(1);
});

test('an order re-sent after a lost response is deduplicated by its Idempotency-Key', async () => {
  sim.controls.inject({ kind: 'drop-after-effect' }, { operation: 'order' });
  const lost = await failure(connector().order('req-2', 1, ids));
  expect(lost.type).toBe('VendorUnavailable');
  expect(lost.nonRetryable).toBe(false);
  expect(await connector().order('req-2', 1, ids)).toMatchObject({ state: 'completed', deleted: 2 });
  expect(sim.vendor.orders.size).toBe(1);
  expect(sim.vendor.erasedValues).toHaveLength(2);
});

test('a new attempt (after the system answered failed) is a new order with its own key', async () => {
  sim.vendor.mode = 'fail';
  await connector().order('req-8', 1, ids);
  await connector().order('req-8', 1, ids);
  expect(sim.vendor.orders.size).toBe(1);
  await connector().order('req-8', 2, ids);
  expect([...sim.vendor.orders.keys()]).toEqual(['req-8:warehouse', 'req-8:warehouse:2']);
});

test('200 not_found counts as done', async () => {
  sim.vendor.records.clear();
  expect(await connector().order('req-3', 1, ids)).toMatchObject({ state: 'not_found' });
});

test('202 with a status URL, polled until it completes', async () => {
  sim.vendor.mode = 'poll';
  const c = connector();
  const accepted = await c.order('req-4', 1, ids);
  expect(accepted.state).toBe('accepted');
  const statusUrl = (accepted as { statusUrl: string }).statusUrl;
  expect(statusUrl.startsWith(sim.url)).toBe(true);
  expect((await c.status(statusUrl)).state).toBe('pending');
  expect((await c.status(statusUrl)).state).toBe('pending');
  expect(await c.status(statusUrl)).toMatchObject({ state: 'completed', deleted: 2 });
});

test('failed: the system’s free-text reason (which quotes the person) is not kept', async () => {
  sim.vendor.mode = 'fail';
  const result = await connector().order('req-5', 1, ids);
  expect(result.state).toBe('failed');
  expect(JSON.stringify(result)).not.toContain(EMAIL);
});

test('a wrong secret is refused by the system: non-retryable auth failure', async () => {
  const err = await failure(connector('another-secret-of-at-least-32-chars!!').order('req-6', 1, ids));
  expect(err.type).toBe('VendorAuthFailed');
  expect(err.nonRetryable).toBe(true);
  expect(err.message).toContain('invalid_signature');
});

test('5xx is retryable; 400 is not; messages never quote the identifiers', async () => {
  sim.controls.inject(
    { kind: 'status', status: 503, body: { code: 'busy', message: `busy with ${EMAIL}` } },
    { operation: 'order' },
  );
  const busy = await failure(connector().order('req-7', 1, ids));
  expect(busy.nonRetryable).toBe(false);
  sim.controls.inject(
    { kind: 'status', status: 400, body: { code: 'bad', message: `no ${EMAIL}` } },
    { operation: 'order' },
  );
  const bad = await failure(connector().order('req-7', 1, ids));
  expect(bad.nonRetryable).toBe(true);
  for (const e of [busy, bad]) expect(e.message).not.toContain(EMAIL);
});

test('an error code that looks personal is withheld from the failure message (and so from operators and receipts)', async () => {
  // What the audit saw reach actionRequired.reason, a status callback, the receipt and a worker log line.
  sim.controls.inject(
    { kind: 'status', status: 400, body: { code: 'err400.li.wei.example.net', message: 'no' } },
    { operation: 'order' },
  );
  const bad = await failure(connector().order('req-10', 1, ids));
  expect(bad.message).toContain('codes (withheld)');
  expect(bad.message).not.toMatch(/example|li\.wei/);
});

test.each([
  ['the digits of a phone number', '4255552671'],
  ['a phone number with separators', '425-555-2671'],
  ['a host name', 'ref.li.wei.example.net'],
])('a reference that is %s is kept as a fixed placeholder', async (_name, reference) => {
  sim.controls.inject(
    { kind: 'status', status: 200, body: { state: 'completed', deleted: 1, reference } },
    { operation: 'order' },
  );
  expect(await connector().order('req-11', 1, ids)).toMatchObject({ state: 'completed', reference: '(withheld)' });
  sim.vendor.mode = 'poll';
  const accepted = (await connector().order('req-12', 1, ids)) as { statusUrl: string };
  sim.controls.inject(
    { kind: 'status', status: 200, body: { state: 'not_found', reference } },
    { operation: 'status' },
  );
  expect(await connector().status(accepted.statusUrl)).toMatchObject({ state: 'not_found', reference: '(withheld)' });
});

test('a 503 with Retry-After is retried no sooner than it says', async () => {
  sim.controls.inject({ kind: 'status', status: 503, retryAfterSeconds: 9 }, { operation: 'order' });
  const err = await failure(connector().order('req-9', 1, ids));
  expect(err.nonRetryable).toBe(false);
  expect(err.nextRetryDelay).toBe(9_000);
});

test('a status URL on another origin is refused, so signed polls never leave the configured host', async () => {
  await expect(connector().status('http://127.0.0.2:1/erasures/x/status')).rejects.toThrow(/another origin/);
});

test('signatures: tampering, another endpoint, another secret and a stale timestamp fail', () => {
  const target = { method: 'POST', path: '/erasures', body: '{"a":1}' };
  const headers = sign(SECRET, target);
  expect(verify(SECRET, target, headers)).toBe(true);
  expect(verify(SECRET, { ...target, body: '{"a":2}' }, headers)).toBe(false);
  expect(verify(SECRET, { ...target, path: '/erasures/x/status' }, headers)).toBe(false);
  expect(verify(SECRET, { ...target, method: 'GET' }, headers)).toBe(false);
  expect(verify('x'.repeat(40), target, headers)).toBe(false);
  expect(verify(SECRET, target, sign(SECRET, target, Math.floor(Date.now() / 1000) - 301))).toBe(false);
});

test('orders are signed under their own header names, not the X-DSR-Signature of webhooks and status callbacks', () => {
  const headers = sign(SECRET, { method: 'POST', path: '/erasures', body: '{}' }, 1_795_459_200);
  expect(Object.keys(headers).sort()).toEqual(['x-dsr-request-signature', 'x-dsr-timestamp']);
  expect(headers['x-dsr-request-signature']).toMatch(/^v1=[0-9a-f]{64}$/);
});

test('configuration names the variables, never their values', () => {
  expect(() => genericHttpClientFromEnv('data-warehouse', {})).toThrow(/HTTP_CONNECTOR_DATA_WAREHOUSE_URL is not set/);
  // Blank means unset, as for every variable.
  expect(() => genericHttpClientFromEnv('dw', { HTTP_CONNECTOR_DW_URL: ' ', HTTP_CONNECTOR_DW_SECRET: '' })).toThrow(
    /HTTP_CONNECTOR_DW_URL is not set; HTTP_CONNECTOR_DW_SECRET is not set/,
  );
  expect(() =>
    genericHttpClientFromEnv('dw', {
      HTTP_CONNECTOR_DW_URL: 'http://x',
      HTTP_CONNECTOR_DW_SECRET: 'short-secret-value',
    }),
  ).toThrow(/HTTP_CONNECTOR_DW_SECRET must be at least 32/);
  let message = '';
  try {
    genericHttpClientFromEnv('dw', {
      HTTP_CONNECTOR_DW_URL: 'not a url',
      HTTP_CONNECTOR_DW_SECRET: 'short-secret-value',
    });
  } catch (e) {
    message = (e as Error).message;
  }
  expect(message).not.toContain('short-secret-value');
});
