/**
 * HMAC-SHA256 signatures over `timestamp.body`, the scheme Stripe and Slack use: the timestamp is
 * signed too, so a captured request cannot be replayed later with a fresh timestamp. One format
 * both ways: intake systems sign webhooks to us with it, and we sign status callbacks with it.
 * (Orders to HTTP connectors sign method and path too, under their own header:
 * src/vendors/generic-http/signature.ts.)
 *
 *   X-DSR-Signature: t=1764000000,v1=<hex hmac-sha256(secret, "1764000000.<raw body>")>
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export const SIGNATURE_HEADER = 'x-dsr-signature';
/** How far a signature's timestamp may be from our clock, either way. */
export const SIGNATURE_TOLERANCE_MS = 5 * 60 * 1000;

export interface NamedSecret {
  name: string;
  secret: string;
}

export function signatureHeader(secret: string, body: string, nowMs = Date.now()): string {
  const t = Math.floor(nowMs / 1000);
  return `t=${t},v1=${hmac(secret, `${t}.${body}`)}`;
}

export type SignatureCheck =
  | { ok: true; name: string; timestamp: number; signature: string }
  | { ok: false; reason: 'missing' | 'malformed' | 'expired' | 'mismatch' };

/** Checks a signature against every configured secret (rotation: old and new both valid for a while). */
export function verifySignature(
  secrets: NamedSecret[],
  header: string | undefined,
  body: string,
  nowMs = Date.now(),
): SignatureCheck {
  if (!header) return { ok: false, reason: 'missing' };
  const parts = new Map(header.split(',').map((kv) => kv.trim().split('=', 2) as [string, string]));
  const t = Number(parts.get('t'));
  const given = parts.get('v1') ?? '';
  if (!Number.isInteger(t) || !/^[0-9a-f]{64}$/.test(given)) return { ok: false, reason: 'malformed' };
  if (Math.abs(nowMs - t * 1000) > SIGNATURE_TOLERANCE_MS) return { ok: false, reason: 'expired' };
  const givenBytes = Buffer.from(given, 'hex');
  let match: NamedSecret | undefined;
  // Every secret is compared (in constant time), so timing does not tell which one nearly matched.
  for (const s of secrets) {
    if (timingSafeEqual(Buffer.from(hmac(s.secret, `${t}.${body}`), 'hex'), givenBytes) && !match) match = s;
  }
  return match ? { ok: true, name: match.name, timestamp: t, signature: given } : { ok: false, reason: 'mismatch' };
}

function hmac(secret: string, data: string): string {
  return createHmac('sha256', secret).update(data).digest('hex');
}
