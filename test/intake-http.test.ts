/**
 * What the intake API answers before any route handler runs, over real sockets: the framework's and Node's own
 * refusals (bad percent-encoding, a too-long path parameter, an unknown route, oversized headers, bytes that are
 * not HTTP) in our Error schema, without echo, with an access-log line; credentials checked before a body is read;
 * failed authentication limited per client address. Nothing here reaches Temporal, so the client is a stand-in.
 */
import type { Client } from '@temporalio/client';
import { signatureHeader } from '../src/callbacks/signature';
import { ConfigError, parseEnv } from '../src/config';
import { AuthFailureLimiter } from '../src/intake/auth-guard';
import { intakeEnvSchema } from '../src/intake/config';
import { API_KEY, rawRequest, startIntake, WEBHOOK_SECRET } from './helpers/intake';

const NO_TEMPORAL = { client: {} as Client, taskQueue: 'never-used' };
const AUTH = `Authorization: Bearer ${API_KEY}\r\n`;
const ERROR_SCHEMA = { error: { code: expect.any(String), message: expect.any(String) } };

type Intake = Awaited<ReturnType<typeof startIntake>>;

/** The access-log lines written since `from`, parsed. */
function logLines(intake: Intake, from = 0): Record<string, unknown>[] {
  return intake.lines
    .slice(from)
    .map((l) => JSON.parse(l) as Record<string, unknown>)
    .filter((l) => l.msg === 'request');
}

describe('answers the framework and Node would write', () => {
  let intake: Intake;
  beforeAll(async () => {
    intake = await startIntake(NO_TEMPORAL, { DSR_INTAKE_AUTH_FAILURE_LIMIT: '100000' });
  });
  afterAll(() => intake.close());

  const get = (path: string, headers = '') =>
    rawRequest(intake.url, `GET ${path} HTTP/1.1\r\nHost: x\r\n${headers}Connection: close\r\n\r\n`);

  test('a malformed percent-encoding: our Error schema, no echo, a key needed, a log line', async () => {
    const path = '/v1/erasures/jane.doe%E0%A4%A';
    const from = intake.lines.length;
    const res = await get(path, AUTH);
    expect(res.status).toBe(400);
    expect(JSON.parse(res.body)).toEqual({
      error: { code: 'invalid_request', message: 'the URL path is not valid (malformed percent-encoding)' },
    });
    expect(res.body).not.toMatch(/jane|%E0|E0%A4/);
    const anonymous = await get(path);
    expect(anonymous.status).toBe(401);
    expect(JSON.parse(anonymous.body)).toMatchObject({ error: { code: 'unauthorized' } });
    expect(logLines(intake, from)).toEqual([
      expect.objectContaining({ method: 'GET', route: '(no route)', status: 400, caller: 'intake-test' }),
      expect.objectContaining({ method: 'GET', route: '(no route)', status: 401 }),
    ]);
    expect(logLines(intake, from)[0]!.ms).toEqual(expect.any(Number));
    expect(intake.lines.slice(from).join('\n')).not.toMatch(/jane|%E0/);
  });

  test('a path parameter over 200 characters: 400 like any too-long id, without echo', async () => {
    const id = 'jane.doe-example.com-'.repeat(12); // 252 characters
    const from = intake.lines.length;
    for (const path of [`/v1/erasures/${id}`, `/v1/erasures/${id}/retry`]) {
      const res = await get(path, AUTH);
      expect(res.status).toBe(400);
      expect(JSON.parse(res.body)).toEqual({
        error: { code: 'invalid_request', message: 'a path segment is longer than 200 characters' },
      });
      expect(res.body).not.toContain('jane');
    }
    expect((await get(`/v1/erasures/${id}`)).status).toBe(401);
    expect(logLines(intake, from).map((l) => [l.route, l.status])).toEqual([
      ['(no route)', 400],
      ['(no route)', 400],
      ['(no route)', 401],
    ]);
    expect(intake.lines.slice(from).join('\n')).not.toContain('jane');
  });

  test('an unknown route: 404 in our schema with a key, 401 without, logged without the path', async () => {
    const from = intake.lines.length;
    const res = await get('/v1/jane.doe@example.com', AUTH);
    expect(res.status).toBe(404);
    expect(JSON.parse(res.body)).toEqual({ error: { code: 'not_found', message: 'no such route' } });
    expect((await get('/v1/jane.doe@example.com')).status).toBe(401);
    expect(logLines(intake, from).map((l) => [l.route, l.status])).toEqual([
      ['(no route)', 404],
      ['(no route)', 401],
    ]);
    expect(intake.lines.slice(from).join('\n')).not.toContain('jane');
  });

  test('headers over Node’s limit: 431 in our schema, nothing echoed, a log line', async () => {
    const from = intake.lines.length;
    const res = await get('/healthz', `X-Note: ${'jane.doe@example.com;'.repeat(1000)}\r\n${AUTH}`);
    expect(res.status).toBe(431);
    expect(JSON.parse(res.body)).toEqual({
      error: { code: 'headers_too_large', message: expect.stringMatching(/^the request line and headers exceed/) },
    });
    expect(res.body).not.toContain('jane');
    expect(res.closed).toBe(true);
    await new Promise((r) => setImmediate(r));
    expect(logLines(intake, from)).toEqual([
      expect.objectContaining({ method: 'GET', route: '(no route)', status: 431, ms: expect.any(Number) }),
    ]);
    expect(intake.lines.slice(from).join('\n')).not.toContain('jane');
  });

  test.each([
    ['not HTTP at all', 'jane.doe@example.com\r\n\r\n'],
    ['a header line without a colon', `GET /healthz HTTP/1.1\r\nHost: x\r\njane.doe@example.com\r\n\r\n`],
    [
      'a broken chunked body',
      `POST /v1/erasures HTTP/1.1\r\nHost: x\r\n${AUTH}Transfer-Encoding: chunked\r\n\r\nzz\r\n`,
    ],
  ])('malformed HTTP (%s): 400 in our schema, a log line', async (_what, bytes) => {
    const from = intake.lines.length;
    const res = await rawRequest(intake.url, bytes);
    expect(res.status).toBe(400);
    expect(JSON.parse(res.body)).toEqual(ERROR_SCHEMA);
    expect(res.body).not.toContain('jane');
    await new Promise((r) => setImmediate(r));
    expect(logLines(intake, from)).toEqual([expect.objectContaining({ route: '(no route)', status: 400 })]);
  });
});

describe('credentials before the body', () => {
  let intake: Intake;
  beforeAll(async () => {
    intake = await startIntake(NO_TEMPORAL, { DSR_INTAKE_AUTH_FAILURE_LIMIT: '100000' });
  });
  afterAll(() => intake.close());

  /** Headers announcing a 60 KB JSON body, and only its first bytes: a server reading the body never answers. */
  const unfinished = (path: string, headers: string) =>
    rawRequest(
      intake.url,
      `POST ${path} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 60000\r\n${headers}\r\n{"requestId":"r-1",`,
    );

  test.each([
    ['no key', '/v1/erasures', '', /^missing credentials/],
    ['a wrong key', '/v1/erasures', 'Authorization: Bearer wrong-key-0123456789abcdef\r\n', /^invalid API key/],
    ['a wrong key, Ketch', '/v1/ketch/dsr', 'Authorization: Bearer wrong-key-0123456789abcdef\r\n', /^invalid API key/],
    ['no signature', '/v1/webhooks/erasures', '', /^missing X-DSR-Signature/],
    ['a malformed signature', '/v1/webhooks/erasures', 'X-DSR-Signature: v1=abc\r\n', /^malformed X-DSR-Signature/],
    [
      'an expired signature',
      '/v1/webhooks/erasures',
      `X-DSR-Signature: ${signatureHeader(WEBHOOK_SECRET, '{}', Date.now() - 10 * 60_000)}\r\n`,
      /^signature timestamp outside/,
    ],
  ])('%s: 401 while the body is still arriving, and the connection is closed', async (_what, path, headers, why) => {
    const res = await unfinished(path, headers);
    expect(res.status).toBe(401);
    expect((JSON.parse(res.body) as { error: { message: string } }).error.message).toMatch(why);
    expect(res.closed).toBe(true);
  });

  test('a well-formed, timely signature header gets the body read, and a wrong signature is then refused', async () => {
    const sent = '{"requestId":"r-1","emails":["a@example.com"]}';
    const res = await rawRequest(
      intake.url,
      `POST /v1/webhooks/erasures HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${sent.length}\r\n` +
        `X-DSR-Signature: ${signatureHeader(WEBHOOK_SECRET, '{"other":1}')}\r\nConnection: close\r\n\r\n${sent}`,
    );
    expect(res.status).toBe(401);
    expect(JSON.parse(res.body)).toEqual({ error: { code: 'unauthorized', message: 'signature does not match' } });
  });

  test('invalid JSON without a key is 401, not 400; a body over the limit without a key is 401, not 413', async () => {
    expect((await intake.call('POST', '/v1/erasures', { key: null, raw: '{"emails":["jane.doe@' })).status).toBe(401);
    expect((await intake.call('POST', '/v1/erasures', { key: 'wrong-key-0123456789abcdef', raw: '{' })).status).toBe(
      401,
    );
    const big = await intake.call('POST', '/v1/erasures', { key: null, raw: `{"pad":"${'x'.repeat(100_000)}"}` });
    expect(big.status).toBe(401);
    // With a key, the body is read and judged as before.
    expect((await intake.call('POST', '/v1/erasures', { raw: '{"emails":["jane.doe@' })).status).toBe(400);
  });
});

describe('failed authentication is limited per client address', () => {
  test('30 wrong keys with the limit at 5: five 401s, then 429 with Retry-After, for any credential from there', async () => {
    const intake = await startIntake(NO_TEMPORAL, { DSR_INTAKE_AUTH_FAILURE_LIMIT: '5' });
    try {
      const answers = [];
      for (let i = 0; i < 30; i++)
        answers.push(await intake.call('GET', '/v1/erasures/r-1', { key: `wrong-key-${i}-0123456789abcdef` }));
      expect(answers.map((a) => a.status)).toEqual([...Array(5).fill(401), ...Array(25).fill(429)]);
      const limited = answers[29]!;
      expect(Number(limited.headers['retry-after'])).toBeGreaterThanOrEqual(1);
      expect(Number(limited.headers['retry-after'])).toBeLessThanOrEqual(60);
      expect(limited.json).toEqual({ error: { code: 'rate_limited', message: expect.stringMatching(/failed auth/) } });
      // Refused before the credential is looked at, so the answer does not tell a right key from a wrong one.
      expect((await intake.call('GET', '/v1/nothing-here')).status).toBe(429);
      // Signed webhooks, and requests the router refuses, count against the same address.
      expect((await intake.call('POST', '/v1/webhooks/erasures', { key: null, raw: '{}' })).status).toBe(429);
      expect(
        (await rawRequest(intake.url, 'GET /v1/%E0 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n')).status,
      ).toBe(429);
      // Routes without credentials are not limited by it.
      expect((await intake.call('GET', '/healthz', { key: null })).status).toBe(200);
      // X-Forwarded-For is not trusted unless DSR_INTAKE_TRUST_PROXY says so: no way around the limit.
      const forwarded = await intake.call('GET', '/v1/nothing-here', { headers: { 'x-forwarded-for': '203.0.113.9' } });
      expect(forwarded.status).toBe(429);
      expect(intake.lines.join('\n')).not.toContain('wrong-key');
    } finally {
      await intake.close();
    }
  });

  test('behind a trusted proxy each forwarded client has its own budget', async () => {
    const intake = await startIntake(NO_TEMPORAL, {
      DSR_INTAKE_AUTH_FAILURE_LIMIT: '2',
      DSR_INTAKE_TRUST_PROXY: '127.0.0.1',
    });
    try {
      const from = (address: string, key?: string) =>
        intake.call('GET', '/v1/nothing-here', { key, headers: { 'x-forwarded-for': address } });
      const attacker = [];
      for (let i = 0; i < 4; i++) attacker.push((await from('203.0.113.7', 'wrong-key-0123456789abcdef')).status);
      expect(attacker).toEqual([401, 401, 429, 429]);
      expect((await from('203.0.113.8')).status).toBe(404); // another client, a valid key
      // IPv6 clients are counted by /64, so rotating addresses inside one allocation does not help.
      for (const a of ['2001:db8::1', '2001:db8::2']) await from(a, 'wrong-key-0123456789abcdef');
      expect((await from('2001:db8::ffff')).status).toBe(429);
      expect((await from('2001:db8:0:1::1')).status).toBe(404);
    } finally {
      await intake.close();
    }
  });

  test('the window: counted from the first failure, Retry-After counts down, then the address may try again', () => {
    let t = 1_000_000;
    const limiter = new AuthFailureLimiter(3, () => t);
    for (let i = 0; i < 3; i++) {
      expect(limiter.retryAfterSeconds('198.51.100.1')).toBe(0);
      limiter.recordFailure('198.51.100.1');
      t += 1000;
    }
    expect(limiter.retryAfterSeconds('198.51.100.1')).toBe(57);
    expect(limiter.retryAfterSeconds('::ffff:198.51.100.1')).toBe(57); // the same client, IPv4-mapped
    expect(limiter.retryAfterSeconds('198.51.100.2')).toBe(0);
    t += 56_500;
    expect(limiter.retryAfterSeconds('198.51.100.1')).toBe(1);
    t += 500;
    expect(limiter.retryAfterSeconds('198.51.100.1')).toBe(0);
  });

  test('memory is bounded however many addresses fail', () => {
    let t = 0;
    const limiter = new AuthFailureLimiter(1, () => t, 60_000, 100);
    for (let i = 0; i < 1000; i++) limiter.recordFailure(`10.0.${i >> 8}.${i & 255}`);
    expect(limiter.size).toBe(100);
    expect(limiter.retryAfterSeconds('10.0.3.231')).toBe(60); // the newest are kept
    t += 60_000;
    limiter.recordFailure('10.9.9.9');
    expect(limiter.size).toBe(1); // expired windows are swept
  });
});

describe('configuration', () => {
  test('the failure limit defaults to 10 a minute; proxies are addresses or CIDR blocks, named without echo', () => {
    const config = parseEnv(intakeEnvSchema, {});
    expect(config.DSR_INTAKE_AUTH_FAILURE_LIMIT).toBe(10);
    expect(config.DSR_INTAKE_TRUST_PROXY).toEqual([]);
    expect(
      parseEnv(intakeEnvSchema, { DSR_INTAKE_TRUST_PROXY: '10.0.0.0/8, 127.0.0.1,fd00::/8,loopback' })
        .DSR_INTAKE_TRUST_PROXY,
    ).toEqual(['10.0.0.0/8', '127.0.0.1', 'fd00::/8', 'loopback']);
    for (const bad of ['10.0.0.0/33', 'proxy.internal', 'true', '1']) {
      expect(() => parseEnv(intakeEnvSchema, { DSR_INTAKE_TRUST_PROXY: bad })).toThrow(ConfigError);
    }
    expect(() => parseEnv(intakeEnvSchema, { DSR_INTAKE_AUTH_FAILURE_LIMIT: '0' })).toThrow(ConfigError);
  });
});
