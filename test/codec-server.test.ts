/** The codec server over real HTTP: what the Web UI calls to show decrypted payloads. */
import { defaultPayloadConverter } from '@temporalio/common';
import type { FastifyInstance } from 'fastify';
import { EncryptionCodec } from '../src/security/codec';
import { createCodecServer } from '../src/security/codec-server';
import { generateKey } from '../src/security/keys';

const TOKEN = 'a-codec-token-of-enough-length-0001';
const UI = 'http://localhost:8233';
let app: FastifyInstance;
let url: string;
let codec: EncryptionCodec;

beforeAll(async () => {
  codec = await EncryptionCodec.create([{ id: 'k1', raw: Buffer.from(generateKey(), 'base64') }]);
  app = await createCodecServer({ codec, corsOrigins: [UI], tokens: [TOKEN] });
  await app.listen({ host: '127.0.0.1', port: 0 });
  url = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;
});

afterAll(async () => {
  await app.close();
});

const asJson = (p: { metadata?: Record<string, Uint8Array | null> | null; data?: Uint8Array | null }) => ({
  metadata: Object.fromEntries(
    Object.entries(p.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v!).toString('base64')]),
  ),
  data: Buffer.from(p.data!).toString('base64'),
});

async function post(path: string, body: unknown, headers: Record<string, string> = {}) {
  const res = await fetch(`${url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-namespace': 'default', ...headers },
    body: JSON.stringify(body),
  });
  return {
    status: res.status,
    body: (await res.json()) as { payloads: { metadata: Record<string, string>; data: string }[]; error?: string },
  };
}

test('decodes what the workers encrypted, with a bearer token or the capability URL', async () => {
  const plain = defaultPayloadConverter.toPayload({ emails: ['someone@example.com'] });
  const [encrypted] = await codec.encode([plain]);
  const body = { payloads: [asJson(encrypted!)] };
  for (const [path, headers] of [
    ['/decode', { authorization: `Bearer ${TOKEN}` }],
    [`/t/${TOKEN}/decode`, {}],
  ] as const) {
    const res = await post(path, body, headers);
    expect(res.status).toBe(200);
    expect(Buffer.from(res.body.payloads[0]!.data, 'base64').toString()).toBe('{"emails":["someone@example.com"]}');
  }
});

test('encodes, so the UI can send encrypted signal and update arguments', async () => {
  const res = await post(
    '/encode',
    { payloads: [asJson(defaultPayloadConverter.toPayload('x'))] },
    { authorization: `Bearer ${TOKEN}` },
  );
  expect(res.status).toBe(200);
  expect(Buffer.from(res.body.payloads[0]!.metadata.encoding!, 'base64').toString()).toBe('binary/encrypted');
});

test.each([
  ['no credentials', '/decode', {}],
  ['a wrong token', '/decode', { authorization: 'Bearer wrong-token-of-enough-length-00000' }],
  ['a wrong capability URL', '/t/wrong-token-of-enough-length-00000/decode', {}],
])('refuses %s with 401', async (_name, path, headers) => {
  const res = await post(path, { payloads: [] }, headers);
  expect(res.status).toBe(401);
});

test('rejects bodies that are not payloads with 400, and unknown keys without quoting content', async () => {
  expect((await post('/decode', { payloads: [{ data: '***' }] }, { authorization: `Bearer ${TOKEN}` })).status).toBe(
    400,
  );
  const other = await EncryptionCodec.create([{ id: 'other-key', raw: Buffer.from(generateKey(), 'base64') }]);
  const [foreign] = await other.encode([defaultPayloadConverter.toPayload('secret@example.com')]);
  const res = await post('/decode', { payloads: [asJson(foreign!)] }, { authorization: `Bearer ${TOKEN}` });
  expect(res.status).toBe(400);
  expect(res.body.error).toContain('other-key');
  expect(JSON.stringify(res.body)).not.toContain('secret@example.com');
});

test('CORS lets the Web UI origin call it, and no other origin', async () => {
  const preflight = (origin: string) =>
    fetch(`${url}/decode`, {
      method: 'OPTIONS',
      headers: {
        origin,
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'content-type,x-namespace,authorization',
      },
    });
  const ok = await preflight(UI);
  expect(ok.headers.get('access-control-allow-origin')).toBe(UI);
  expect(ok.headers.get('access-control-allow-headers')).toContain('x-namespace');
  const evil = await preflight('http://evil.example');
  expect(evil.headers.get('access-control-allow-origin')).toBeNull();
});

test('refuses to start without a strong token', async () => {
  await expect(createCodecServer({ codec, corsOrigins: [UI], tokens: [] })).rejects.toThrow(/DSR_CODEC_TOKENS/);
  await expect(createCodecServer({ codec, corsOrigins: [UI], tokens: ['short'] })).rejects.toThrow(/24 or more/);
});
