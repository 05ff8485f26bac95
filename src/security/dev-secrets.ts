/**
 * Development secrets for `npm start`: generated on first start and kept (mode 0600, in a 0700
 * directory) in .dsr-erasure/dev-secrets.json, so histories stay readable across restarts. The CLI falls back to
 * them when DSR_PAYLOAD_KEYS is unset, so `npx dsr-erasure` works beside `npm start` as is.
 * Never for production: there, keys come from the environment (a secret manager).
 */
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { generateKey } from './keys';

export interface DevSecrets {
  DSR_PAYLOAD_KEYS: string;
  DSR_SUBJECT_HASH_KEY: string;
  codecToken: string;
  /** The intake API key `npm start` configures (its hash) as `dev`: submit, read, operate in source `dev`. */
  intakeApiKey: string;
  /** The intake API key `npm start` configures as `dev-operator`: the operator scope, across sources. */
  intakeOperatorKey: string;
  /** Signs status callbacks in development. */
  callbackSigningSecret: string;
}

export const DEV_STATE_DIR = '.dsr-erasure';
export const DEV_SECRETS_FILE = 'dev-secrets.json';
const FILE = DEV_SECRETS_FILE;

/**
 * A key id of its own for each generated key (date plus random suffix), so a payload from another
 * checkout's `npm start` fails naming a key id this ring lacks, rather than two keys sharing an id
 * and the payload failing as if tampered with.
 */
export function devPayloadKeyId(now = new Date()): string {
  return `dev-${now.toISOString().slice(0, 10)}-${randomBytes(4).toString('hex')}`;
}

export function readDevSecrets(cwd = process.cwd()): DevSecrets | undefined {
  const file = join(cwd, DEV_STATE_DIR, FILE);
  return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as DevSecrets) : undefined;
}

/**
 * The state directory (keys, the Temporal database with encrypted histories), readable by its
 * owner only. Modes given at creation do not change what exists: one created by an earlier
 * version, or under a looser umask, is tightened here.
 */
export function ensurePrivateStateDir(cwd = process.cwd()): string {
  const dir = join(cwd, DEV_STATE_DIR);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  chmodSync(dir, 0o700);
  return dir;
}

export function loadOrCreateDevSecrets(cwd = process.cwd()): DevSecrets {
  const dir = ensurePrivateStateDir(cwd);
  const file = join(dir, FILE);
  const existing = readDevSecrets(cwd);
  // Files from before a field existed get the new field added; existing keys are kept.
  if (existing?.intakeApiKey && existing.callbackSigningSecret && existing.intakeOperatorKey) {
    chmodSync(file, 0o600);
    return existing;
  }
  const token = () => generateKey(24).replace(/[+/=]/g, 'x');
  const secrets: DevSecrets = {
    DSR_PAYLOAD_KEYS: `${devPayloadKeyId()}:${generateKey()}`,
    DSR_SUBJECT_HASH_KEY: generateKey(),
    codecToken: token(),
    intakeApiKey: `dev-${token()}`,
    intakeOperatorKey: `dev-operator-${token()}`,
    callbackSigningSecret: token() + token(),
    ...existing,
  };
  writeFileSync(file, JSON.stringify(secrets, null, 2), { mode: 0o600 });
  chmodSync(file, 0o600); // `mode` applies only to a file writeFileSync creates
  return secrets;
}
