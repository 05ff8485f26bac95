/**
 * Who is calling: an API key (Authorization: Bearer) or, for webhook-style intake, an HMAC
 * signature over timestamp and body (src/callbacks/signature.ts). Either way the caller is known
 * by the name configured for the credential, which goes into the audit trail.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { SIGNATURE_TOLERANCE_MS, verifySignature, type NamedSecret } from '../callbacks/signature';

export interface Principal {
  name: string;
  via: 'api-key' | 'signature';
}

export class AuthError extends Error {
  override name = 'AuthError';
}

/** Lengths a token may have to be compared with the configured keys at all (ours are 47 characters). */
const API_KEY_LENGTH = { min: 16, max: 512 } as const;
const INVALID_KEY = 'invalid API key: it matches none configured for this service';

export function apiKeyVerifier(keys: { name: string; value: string }[]) {
  const hashes = keys.map((k) => ({ name: k.name, hash: Buffer.from(k.value, 'hex') }));
  return (authorization: string | undefined): Principal => {
    if (!authorization) throw new AuthError('missing credentials: send Authorization: Bearer <api key>');
    const token = /^Bearer ([\x21-\x7e]+)$/.exec(authorization)?.[1];
    if (!token) throw new AuthError('malformed Authorization header: expected Bearer <api key>');
    // A well-formed header with a token no key could be (too short or long) is a wrong key, not a malformed header.
    if (token.length < API_KEY_LENGTH.min || token.length > API_KEY_LENGTH.max) throw new AuthError(INVALID_KEY);
    const given = createHash('sha256').update(token, 'utf8').digest();
    let match: string | undefined;
    // Hashes have equal length, so timingSafeEqual applies; every key is compared, whichever matches.
    for (const k of hashes) if (timingSafeEqual(k.hash, given) && match === undefined) match = k.name;
    if (match === undefined) throw new AuthError(INVALID_KEY);
    return { name: match, via: 'api-key' };
  };
}

/**
 * Signed webhooks: a signature is accepted once. Seen signatures are remembered for the tolerance
 * window (after it the timestamp check rejects them anyway). In one process: a replay to another
 * replica is still harmless, because submission is idempotent by request id.
 */
export function signatureVerifier(secrets: NamedSecret[], now: () => number = Date.now) {
  const seen = new Map<string, number>();
  return (header: string | undefined, rawBody: string): Principal => {
    const t = now();
    const check = verifySignature(secrets, header, rawBody, t);
    if (!check.ok) {
      const why = {
        missing: 'missing X-DSR-Signature header',
        malformed: 'malformed X-DSR-Signature header: expected t=<unix seconds>,v1=<hex>',
        expired: 'signature timestamp outside the 5-minute window',
        mismatch: 'signature does not match',
      };
      throw new AuthError(why[check.reason]);
    }
    for (const [sig, expires] of seen) {
      if (expires > t) break; // insertion order is expiry order
      seen.delete(sig);
    }
    if (seen.has(check.signature)) throw new AuthError('signature already used (replayed request)');
    seen.set(check.signature, t + 2 * SIGNATURE_TOLERANCE_MS);
    return { name: check.name, via: 'signature' };
  };
}
