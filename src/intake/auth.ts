/**
 * Who is calling: an API key (Authorization: Bearer) or, for webhook-style intake, an HMAC
 * signature over timestamp and body (src/callbacks/signature.ts). Either way the caller is known
 * by the name configured for the credential, which goes into the audit trail, and carries the
 * credential's source (whose requests it sees) and scopes (what it may do).
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { SIGNATURE_TOLERANCE_MS, verifySignature } from '../callbacks/signature';
import type { Credential, Scope } from './config';

export interface Principal {
  name: string;
  via: 'api-key' | 'signature';
  /** The source its requests belong to. */
  source: string;
  scopes: readonly Scope[];
}

/**
 * Whether the caller may do what `scope` allows. `operator` includes reading, operating and every connector's
 * callbacks (across sources), but neither submitting nor the Ketch receiver: those make requests in a source.
 */
export function hasScope(principal: Pick<Principal, 'scopes'>, scope: Scope): boolean {
  if (principal.scopes.includes(scope)) return true;
  const operatorIncludes = scope === 'read' || scope === 'operate' || scope.startsWith('callback:');
  return operatorIncludes && principal.scopes.includes('operator');
}

function principalOf(credential: Credential, via: Principal['via']): Principal {
  return { name: credential.name, via, source: credential.source, scopes: credential.scopes };
}

export class AuthError extends Error {
  override name = 'AuthError';
}

/** Lengths a token may have to be compared with the configured keys at all (ours are 47 characters). */
const API_KEY_LENGTH = { min: 16, max: 512 } as const;
const INVALID_KEY = 'invalid API key: it matches none configured for this service';

export function apiKeyVerifier(keys: Credential[]) {
  const hashes = keys.map((k) => ({ credential: k, hash: Buffer.from(k.value, 'hex') }));
  return (authorization: string | undefined): Principal => {
    if (!authorization) throw new AuthError('missing credentials: send Authorization: Bearer <api key>');
    const token = /^Bearer ([\x21-\x7e]+)$/.exec(authorization)?.[1];
    if (!token) throw new AuthError('malformed Authorization header: expected Bearer <api key>');
    // A well-formed header with a token no key could be (too short or long) is a wrong key, not a malformed header.
    if (token.length < API_KEY_LENGTH.min || token.length > API_KEY_LENGTH.max) throw new AuthError(INVALID_KEY);
    const given = createHash('sha256').update(token, 'utf8').digest();
    let match: Credential | undefined;
    // Hashes have equal length, so timingSafeEqual applies; every key is compared, whichever matches.
    for (const k of hashes) if (timingSafeEqual(k.hash, given) && match === undefined) match = k.credential;
    if (match === undefined) throw new AuthError(INVALID_KEY);
    return principalOf(match, 'api-key');
  };
}

/** Why a webhook signature is refused, by verifySignature's reason: one wording for the early and the full check. */
export const SIGNATURE_REFUSALS = {
  missing: 'missing X-DSR-Signature header',
  malformed: 'malformed X-DSR-Signature header: expected t=<unix seconds>,v1=<hex>',
  expired: 'signature timestamp outside the 5-minute window',
  mismatch: 'signature does not match',
} as const;

/**
 * Signed webhooks: a signature is accepted once. Seen signatures are remembered for the tolerance
 * window (after it the timestamp check rejects them anyway). In one process: a replay to another
 * replica is still harmless, because submission is idempotent by request id.
 */
export function signatureVerifier(credentials: Credential[], now: () => number = Date.now) {
  const seen = new Map<string, number>();
  const secrets = credentials.map((c) => ({ name: c.name, secret: c.value }));
  // Names are unique (the configuration refuses duplicates), so the name that matched finds its credential.
  const byName = new Map(credentials.map((c) => [c.name, c]));
  return (header: string | undefined, rawBody: string): Principal => {
    const t = now();
    const check = verifySignature(secrets, header, rawBody, t);
    if (!check.ok) {
      throw new AuthError(SIGNATURE_REFUSALS[check.reason]);
    }
    for (const [sig, expires] of seen) {
      if (expires > t) break; // insertion order is expiry order
      seen.delete(sig);
    }
    if (seen.has(check.signature)) throw new AuthError('signature already used (replayed request)');
    seen.set(check.signature, t + 2 * SIGNATURE_TOLERANCE_MS);
    return principalOf(byName.get(check.name)!, 'signature');
  };
}
