/** `npm start`'s generated development keys: each has its own key id, so instances' payloads do not mix silently. */
import { chmodSync, mkdirSync, mkdtempSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defaultPayloadConverter } from '@temporalio/common';
import { EncryptionCodec, KEY_ID_METADATA } from '../src/security/codec';
import { loadOrCreateDevSecrets, readDevSecrets, type DevSecrets } from '../src/security/dev-secrets';
import { generateKey, loadSecurityConfig } from '../src/security/keys';

const instance = () => loadOrCreateDevSecrets(mkdtempSync(join(tmpdir(), 'dsr-dev-secrets-')));
const codecOf = async (payloadKeys: string) =>
  EncryptionCodec.create(loadSecurityConfig({ DSR_PAYLOAD_KEYS: payloadKeys }).payloadKeys);

test('each generated development key has a key id of its own', async () => {
  const [a, b] = [instance(), instance()];
  const [idA, idB] = [(await codecOf(a.DSR_PAYLOAD_KEYS)).activeKeyId, (await codecOf(b.DSR_PAYLOAD_KEYS)).activeKeyId];
  expect(idA).toMatch(/^dev-\d{4}-\d{2}-\d{2}-[0-9a-f]{8}$/);
  expect(idA).not.toBe(idB);
});

test('a payload from another instance fails with a message naming its key id', async () => {
  const [a, b] = [await codecOf(instance().DSR_PAYLOAD_KEYS), await codecOf(instance().DSR_PAYLOAD_KEYS)];
  const [payload] = await a.encode([defaultPayloadConverter.toPayload('jane.doe@example.com')]);
  expect(Buffer.from(payload!.metadata![KEY_ID_METADATA]!).toString()).toBe(a.activeKeyId);
  const failure = b.decode([payload!]);
  await expect(failure).rejects.toThrow(`key id "${a.activeKeyId}", which is not in DSR_PAYLOAD_KEYS`);
  await expect(failure).rejects.not.toThrow('jane.doe');
});

test('a payload under a known key id but another key says so, naming the key id', async () => {
  const [a, b] = [await codecOf(`dev-same:${generateKey()}`), await codecOf(`dev-same:${generateKey()}`)];
  const [payload] = await a.encode([defaultPayloadConverter.toPayload('jane.doe@example.com')]);
  await expect(b.decode([payload!])).rejects.toThrow('payload under key id "dev-same" does not decrypt');
});

test('the secrets are kept: a second start reads the same keys', () => {
  const dir = mkdtempSync(join(tmpdir(), 'dsr-dev-secrets-'));
  const first = loadOrCreateDevSecrets(dir);
  expect(loadOrCreateDevSecrets(dir)).toEqual(first);
  expect(readDevSecrets(dir)).toEqual(first);
});

test('a file from before the operator key gets it added; every key it had is kept', () => {
  const dir = mkdtempSync(join(tmpdir(), 'dsr-dev-secrets-'));
  const older: Partial<DevSecrets> = { ...loadOrCreateDevSecrets(dir) };
  delete older.intakeOperatorKey;
  writeFileSync(join(dir, '.dsr-erasure', 'dev-secrets.json'), JSON.stringify(older), { mode: 0o600 });
  const upgraded = loadOrCreateDevSecrets(dir);
  expect(upgraded).toEqual({ ...older, intakeOperatorKey: expect.stringMatching(/^dev-operator-\S{32}$/) });
  expect(upgraded.intakeOperatorKey).not.toBe(upgraded.intakeApiKey);
  expect(readDevSecrets(dir)).toEqual(upgraded);
});

test('the state directory is 0700 and the secrets file 0600, also when they existed with looser modes', () => {
  const mode = (path: string) => statSync(path).mode & 0o777;
  const previous = process.umask(0o022); // a common default: what the modes must not depend on
  try {
    const fresh = mkdtempSync(join(tmpdir(), 'dsr-dev-secrets-'));
    loadOrCreateDevSecrets(fresh);
    expect(mode(join(fresh, '.dsr-erasure'))).toBe(0o700);
    expect(mode(join(fresh, '.dsr-erasure', 'dev-secrets.json'))).toBe(0o600);

    // Left by an earlier version: a world-readable directory and file, complete or missing a field.
    for (const complete of [true, false]) {
      const old = mkdtempSync(join(tmpdir(), 'dsr-dev-secrets-'));
      mkdirSync(join(old, '.dsr-erasure'), { mode: 0o755 });
      const secrets = { ...instance(), ...(complete ? {} : { callbackSigningSecret: undefined }) };
      writeFileSync(join(old, '.dsr-erasure', 'dev-secrets.json'), JSON.stringify(secrets), { mode: 0o644 });
      chmodSync(join(old, '.dsr-erasure'), 0o755);
      loadOrCreateDevSecrets(old);
      expect(mode(join(old, '.dsr-erasure'))).toBe(0o700);
      expect(mode(join(old, '.dsr-erasure', 'dev-secrets.json'))).toBe(0o600);
    }
  } finally {
    process.umask(previous);
  }
});
