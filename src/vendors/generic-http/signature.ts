/**
 * Request signing for HTTP-connector orders and status polls: `X-DSR-Timestamp` (unix seconds) and
 * `X-DSR-Request-Signature: v1=<hex HMAC-SHA256(secret, "<timestamp>.<METHOD>.<path and query>.<body>")>`.
 * Method and path are signed so a signature cannot be replayed on another endpoint; receivers
 * reject timestamps more than 5 minutes off, which bounds replays of the same request.
 *
 * Not the scheme of webhooks and status callbacks (src/callbacks/signature.ts, `X-DSR-Signature:
 * t=...,v1=...` over timestamp and body only), hence its own header name: a receiver can tell by the
 * header alone which scheme to check.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export const SIGNATURE_HEADER = 'x-dsr-request-signature';
export const TIMESTAMP_HEADER = 'x-dsr-timestamp';
export const MAX_SKEW_SECONDS = 300;

export interface SignedTarget {
  method: string;
  /** Path and query, as sent on the request line. */
  path: string;
  body: string;
}

export function sign(
  secret: string,
  target: SignedTarget,
  timestamp = Math.floor(Date.now() / 1000),
): Record<string, string> {
  const mac = createHmac('sha256', secret)
    .update(`${timestamp}.${target.method.toUpperCase()}.${target.path}.${target.body}`)
    .digest('hex');
  return { [TIMESTAMP_HEADER]: String(timestamp), [SIGNATURE_HEADER]: `v1=${mac}` };
}

export function verify(
  secret: string,
  target: SignedTarget,
  headers: Record<string, string | string[] | undefined>,
  now = Date.now(),
): boolean {
  const timestamp = Number(headers[TIMESTAMP_HEADER]);
  const given = String(headers[SIGNATURE_HEADER] ?? '');
  if (!Number.isInteger(timestamp) || Math.abs(now / 1000 - timestamp) > MAX_SKEW_SECONDS) return false;
  const expected = sign(secret, target, timestamp)[SIGNATURE_HEADER]!;
  return given.length === expected.length && timingSafeEqual(Buffer.from(given), Buffer.from(expected));
}
