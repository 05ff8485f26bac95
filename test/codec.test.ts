/** The payload codec and key configuration, without a server. */
import { defaultPayloadConverter } from '@temporalio/common';
import { ConfigError } from '../src/config';
import { EncryptionCodec, KEY_ID_METADATA } from '../src/security/codec';
import { generateKey, loadSecurityConfig } from '../src/security/keys';
import { subjectRef } from '../src/security/subject-ref';

const key = (id: string) => `${id}:${generateKey()}`;

test('round-trips payloads, metadata included, with a fresh IV each time', async () => {
  const codec = await EncryptionCodec.create(loadSecurityConfig({ DSR_PAYLOAD_KEYS: key('k1') }).payloadKeys);
  const plain = defaultPayloadConverter.toPayload({ email: 'a@b.co' });
  const [x, y] = await codec.encode([plain, plain]);
  expect(Buffer.from(x!.data!).toString('latin1')).not.toContain('a@b.co');
  expect(Buffer.from(x!.data!).equals(Buffer.from(y!.data!))).toBe(false);
  expect(Buffer.from(x!.metadata![KEY_ID_METADATA]!).toString()).toBe('k1');
  const [back] = await codec.decode([x!]);
  expect(defaultPayloadConverter.fromPayload(back!)).toEqual({ email: 'a@b.co' });
});

test('tampering, or relabelling a payload with another key id, is detected', async () => {
  const ring = loadSecurityConfig({ DSR_PAYLOAD_KEYS: `${key('k2')},${key('k1')}` }).payloadKeys;
  const codec = await EncryptionCodec.create(ring);
  const [x] = await codec.encode([defaultPayloadConverter.toPayload('v')]);
  const flipped = Buffer.from(x!.data!);
  flipped[flipped.length - 1]! ^= 1;
  await expect(codec.decode([{ ...x!, data: flipped }])).rejects.toThrow();
  await expect(
    codec.decode([{ ...x!, metadata: { ...x!.metadata, [KEY_ID_METADATA]: Buffer.from('k1') } }]),
  ).rejects.toThrow();
});

test('unencrypted payloads (written before encryption was on) pass through', async () => {
  const codec = await EncryptionCodec.create(loadSecurityConfig({ DSR_PAYLOAD_KEYS: key('k1') }).payloadKeys);
  const plain = defaultPayloadConverter.toPayload('old');
  expect(await codec.decode([plain])).toEqual([plain]);
});

test.each([
  [{}, 'DSR_PAYLOAD_KEYS'],
  [{ DSR_PAYLOAD_KEYS: 'no-colon' }, 'entry 1'],
  [{ DSR_PAYLOAD_KEYS: `k1:${Buffer.alloc(16).toString('base64')}` }, 'exactly 32 bytes'],
  [{ DSR_PAYLOAD_KEYS: `${key('k1')},${key('k1')}` }, 'listed twice'],
  [{ DSR_PAYLOAD_KEYS: `bad id:${generateKey()}` }, 'key ids'],
  [{ DSR_PAYLOAD_KEYS: key('k1'), DSR_SUBJECT_HASH_KEY: 'c2hvcnQ=' }, 'DSR_SUBJECT_HASH_KEY'],
])('rejects key configuration %j naming the problem, never the key', (env, message) => {
  let error: unknown;
  try {
    loadSecurityConfig(env);
  } catch (err) {
    error = err;
  }
  expect(error).toBeInstanceOf(ConfigError);
  expect((error as Error).message).toContain(message);
});

test('subject references are stable, keyed and distinct per kind', () => {
  const k = Buffer.from(generateKey(), 'base64');
  const a = subjectRef(k, { kind: 'email', value: 'a@b.co' });
  expect(a).toMatch(/^hmac-sha256:[0-9a-f]{64}$/);
  expect(subjectRef(k, { kind: 'email', value: 'a@b.co' })).toBe(a);
  expect(subjectRef(Buffer.from(generateKey(), 'base64'), { kind: 'email', value: 'a@b.co' })).not.toBe(a);
  expect(subjectRef(k, { kind: 'phone', value: 'a@b.co' })).not.toBe(a);
});

test('tokens quoted in failure messages are never phone-like digit runs', async () => {
  const { isSafeToken } = await import('../src/vendors/http');
  expect(
    [
      '4al018gzaztcr8nbukw',
      'c0ffee',
      '04f915c1-661b-4a20-a2bd-1fa41af4d51c',
      '04158213-6612-4a20-a2bd-1fa41af4d51c',
      'INVALID_SESSION_ID',
    ].every(isSafeToken),
  ).toBe(true);
  expect(['14255552671', '425-555-2671', '+14255552671', 'jane@example.com', 'a b'].some(isSafeToken)).toBe(false);
});
