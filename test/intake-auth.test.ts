/** Signatures, API keys, the callback host allow-list and intake configuration, without a server. */
import { isAllowedCallbackUrl } from '../src/callbacks/hosts';
import { signatureHeader, verifySignature } from '../src/callbacks/signature';
import { ConfigError, parseEnv } from '../src/config';
import { apiKeyVerifier, AuthError, hasScope, signatureVerifier } from '../src/intake/auth';
import { hashApiKey, intakeEnvSchema } from '../src/intake/config';

const SECRET = 'a-webhook-secret-of-at-least-32-characters';

describe('signatures', () => {
  const body = '{"requestId":"r-1"}';
  const now = 1_764_000_000_000;

  test('round trip, with the secret that matched named', () => {
    const header = signatureHeader(SECRET, body, now);
    expect(header).toMatch(/^t=1764000000,v1=[0-9a-f]{64}$/);
    expect(
      verifySignature(
        [
          { name: 'old', secret: 'x'.repeat(32) },
          { name: 'portal', secret: SECRET },
        ],
        header,
        body,
        now,
      ),
    ).toMatchObject({ ok: true, name: 'portal' });
  });

  test('the 5-minute window applies both ways', () => {
    const header = signatureHeader(SECRET, body, now);
    expect(verifySignature([{ name: 'p', secret: SECRET }], header, body, now + 299_000).ok).toBe(true);
    expect(verifySignature([{ name: 'p', secret: SECRET }], header, body, now + 301_000)).toEqual({
      ok: false,
      reason: 'expired',
    });
    expect(verifySignature([{ name: 'p', secret: SECRET }], header, body, now - 301_000)).toEqual({
      ok: false,
      reason: 'expired',
    });
  });

  test('a changed body, a changed timestamp or garbage fail', () => {
    const header = signatureHeader(SECRET, body, now);
    expect(verifySignature([{ name: 'p', secret: SECRET }], header, `${body} `, now)).toEqual({
      ok: false,
      reason: 'mismatch',
    });
    expect(
      verifySignature([{ name: 'p', secret: SECRET }], header.replace('t=1764000000', 't=1764000001'), body, now),
    ).toEqual({ ok: false, reason: 'mismatch' });
    expect(verifySignature([{ name: 'p', secret: SECRET }], 'v1=abc', body, now)).toEqual({
      ok: false,
      reason: 'malformed',
    });
    expect(verifySignature([{ name: 'p', secret: SECRET }], undefined, body, now)).toEqual({
      ok: false,
      reason: 'missing',
    });
  });

  test('the intake verifier accepts a signature once', () => {
    let t = now;
    const verify = signatureVerifier([{ name: 'portal', value: SECRET, scopes: ['submit'], source: 'web' }], () => t);
    const header = signatureHeader(SECRET, body, now);
    expect(verify(header, body)).toEqual({ name: 'portal', via: 'signature', source: 'web', scopes: ['submit'] });
    expect(() => verify(header, body)).toThrow(/already used/);
    // Long after, the remembered signature is forgotten, and the timestamp check refuses it instead.
    t = now + 11 * 60_000;
    expect(() => verify(header, body)).toThrow(/5-minute window/);
  });
});

describe('API keys', () => {
  const verify = apiKeyVerifier([
    { name: 'onetrust', value: hashApiKey('key-for-onetrust-0123456789'), scopes: ['submit'], source: 'onetrust' },
    { name: 'ops', value: hashApiKey('key-for-ops-0123456789'), scopes: ['operator'], source: 'ops' },
  ]);

  test('a configured key is known by its name, with its source and scopes', () => {
    expect(verify('Bearer key-for-ops-0123456789')).toEqual({
      name: 'ops',
      via: 'api-key',
      source: 'ops',
      scopes: ['operator'],
    });
  });

  test('operator includes read, operate and every callback, but neither submit nor ketch', () => {
    const operator = { scopes: ['operator'] as const };
    for (const scope of ['read', 'operate', 'callback:http:warehouse'] as const)
      expect(hasScope(operator, scope)).toBe(true);
    for (const scope of ['submit', 'ketch'] as const) expect(hasScope(operator, scope)).toBe(false);
    const warehouse = { scopes: ['callback:http:warehouse'] as const };
    expect(hasScope(warehouse, 'callback:http:warehouse')).toBe(true);
    expect(hasScope(warehouse, 'callback:http:crm')).toBe(false);
    expect(hasScope(warehouse, 'read')).toBe(false);
  });

  test.each([undefined, '', 'key-for-ops-0123456789', 'Bearer wrong-key-0123456789', 'Basic a2V5', 'Bearer short'])(
    'refuses %p',
    (header) => {
      expect(() => verify(header)).toThrow(AuthError);
    },
  );

  // "malformed" only for a header that is not `Bearer <token>`; a wrong key of any length is a wrong key.
  test.each([
    [undefined, /^missing credentials/],
    ['', /^missing credentials/],
    ['key-for-ops-0123456789', /^malformed Authorization header/],
    ['Basic a2V5', /^malformed Authorization header/],
    ['Bearer ', /^malformed Authorization header/],
    ['Bearer short', /^invalid API key/],
    ['Bearer wrong-key-0123456789', /^invalid API key/],
    [`Bearer ${'k'.repeat(600)}`, /^invalid API key/],
  ])('says why %p is refused, without quoting it', (header, reason) => {
    let message = '';
    try {
      verify(header);
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toMatch(reason);
    for (const token of ['short', 'wrong-key', 'a2V5', 'kkkk']) expect(message).not.toContain(token);
  });
});

describe('callback hosts', () => {
  // Entries carry their port (443 unless given); `:*` (any port) is for loopback only.
  const allowed = ['hooks.example.com', '*.privacy.example.org', '127.0.0.1:*'];
  test.each([
    ['https://hooks.example.com/dsr', true],
    ['https://a.privacy.example.org/x?token=1', true],
    ['https://privacy.example.org/x', false], // the wildcard is for subdomains
    ['https://hooks.example.com.evil.net/', false],
    ['http://hooks.example.com/dsr', false], // https only
    ['http://127.0.0.1:9000/cb', true], // loopback may be http
    ['https://hooks.example.com:6379/', false], // another port than the entry's (443)
    ['https://user:pw@hooks.example.com/', false],
    ['not a url', false],
    ['https://evil.example/', false],
  ])('%s -> %p', (url, ok) => {
    expect(isAllowedCallbackUrl(url, allowed)).toBe(ok);
  });
});

describe('intake configuration', () => {
  test('keys are name:sha256; a bad entry is named without echoing it', () => {
    const good = parseEnv(intakeEnvSchema, { DSR_INTAKE_API_KEYS: `a:${hashApiKey('k')}` });
    expect(good.DSR_INTAKE_API_KEYS).toEqual([
      { name: 'a', value: hashApiKey('k'), scopes: ['submit', 'read', 'operate'], source: 'a' },
    ]);
    let error: unknown;
    try {
      parseEnv(intakeEnvSchema, { DSR_INTAKE_API_KEYS: 'ops:plain-text-key-not-a-hash' });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toMatch(/DSR_INTAKE_API_KEYS: entry 1 .*SHA-256/);
    expect((error as Error).message).not.toContain('plain-text-key');
  });

  test('entries carry scopes and a source; defaults are submit+read+operate in a source named like the credential', () => {
    const config = parseEnv(intakeEnvSchema, {
      DSR_INTAKE_API_KEYS: [
        `onetrust:${hashApiKey('a')}`,
        `ketch-in:${hashApiKey('b')};scopes=ketch`,
        ` ops:${hashApiKey('c')};scopes=operator;source=ops-team `,
        `warehouse:${hashApiKey('d')};source=dw;scopes=callback:http:warehouse+callback:http:crm+read`,
      ].join(','),
      DSR_INTAKE_WEBHOOK_SECRETS: `portal:${SECRET};scopes=submit+read`,
    });
    expect(config.DSR_INTAKE_API_KEYS.map(({ name, scopes, source }) => ({ name, scopes, source }))).toEqual([
      { name: 'onetrust', scopes: ['submit', 'read', 'operate'], source: 'onetrust' },
      { name: 'ketch-in', scopes: ['ketch'], source: 'ketch-in' },
      { name: 'ops', scopes: ['operator'], source: 'ops-team' },
      { name: 'warehouse', scopes: ['callback:http:warehouse', 'callback:http:crm', 'read'], source: 'dw' },
    ]);
    expect(config.DSR_INTAKE_WEBHOOK_SECRETS).toEqual([
      { name: 'portal', value: SECRET, scopes: ['submit', 'read'], source: 'portal' },
    ]);
  });

  test.each([
    [`DSR_INTAKE_API_KEYS`, `a:${hashApiKey('k')};scopes=submit+admin`, /entry 1 is invalid: scope 2 is unknown/],
    [`DSR_INTAKE_API_KEYS`, `a:${hashApiKey('k')};scopes=callback:warehouse`, /entry 1 is invalid: scope 1 is unknown/],
    [`DSR_INTAKE_API_KEYS`, `a:${hashApiKey('k')};scopes=`, /entry 1 is invalid: scope 1 is unknown/],
    [`DSR_INTAKE_API_KEYS`, `a:${hashApiKey('k')};role=operator`, /entry 1 is invalid: unknown option/],
    [
      `DSR_INTAKE_API_KEYS`,
      `a:${hashApiKey('k')};scopes=read;scopes=operator`,
      /entry 1 is invalid: scopes is given twice/,
    ],
    [`DSR_INTAKE_API_KEYS`, `a:${hashApiKey('k')};source=a/b`, /entry 1 is invalid: bad source/],
    [
      `DSR_INTAKE_API_KEYS`,
      `a:${hashApiKey('k')},a:${hashApiKey('j')}`,
      /entry 2 is invalid: the name is already used/,
    ],
    [
      `DSR_INTAKE_API_KEYS`,
      `a:${hashApiKey('k')};source=ketch`,
      /entry 1 is invalid: sources cli and ketch are reserved/,
    ],
    [`DSR_INTAKE_API_KEYS`, `cli:${hashApiKey('k')}`, /entry 1 is invalid: sources cli and ketch are reserved/],
    [`DSR_INTAKE_API_KEYS`, `:${hashApiKey('k')}`, /entry 1 is invalid: must be name:value/],
    [`DSR_INTAKE_WEBHOOK_SECRETS`, `p:${SECRET};scopes=operator;x`, /entry 1 is invalid: unknown option/],
  ])('%s: case %# is refused, naming entry and problem, never the value', (variable, value, message) => {
    let error: unknown;
    try {
      parseEnv(intakeEnvSchema, { [variable]: value });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toMatch(new RegExp(`${variable}: ${message.source}`));
    expect((error as Error).message).not.toContain(hashApiKey('k'));
    expect((error as Error).message).not.toContain(SECRET);
  });

  test('a name is one credential across API keys and webhook secrets', () => {
    expect(() =>
      parseEnv(intakeEnvSchema, {
        DSR_INTAKE_API_KEYS: `p:${hashApiKey('k')}`,
        DSR_INTAKE_WEBHOOK_SECRETS: `p:${SECRET}`,
      }),
    ).toThrow(
      /DSR_INTAKE_WEBHOOK_SECRETS: entry 1 is invalid: the name is already used by an entry of DSR_INTAKE_API_KEYS/,
    );
    // The Ketch receiver's source may be read from a credential configured for it, not submitted into.
    expect(
      parseEnv(intakeEnvSchema, { DSR_INTAKE_API_KEYS: `k:${hashApiKey('k')};scopes=ketch+read;source=ketch` })
        .DSR_INTAKE_API_KEYS[0],
    ).toMatchObject({ scopes: ['ketch', 'read'], source: 'ketch' });
  });

  test('webhook secrets must be long', () => {
    expect(() => parseEnv(intakeEnvSchema, { DSR_INTAKE_WEBHOOK_SECRETS: 'portal:short' })).toThrow(/at least 32/);
  });
});
