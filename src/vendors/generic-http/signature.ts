/**
 * Request signing, both ways: `X-DSR-Timestamp` (unix seconds) and
 * `X-DSR-Signature: v1=<hex HMAC-SHA256(secret, "<timestamp>.<body>")>`. Receivers reject
 * timestamps more than 5 minutes off, which bounds replays.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export const SIGNATURE_HEADER = 'x-dsr-signature';
export const TIMESTAMP_HEADER = 'x-dsr-timestamp';
export const MAX_SKEW_SECONDS = 300;

export function sign(secret: string, body: string, timestamp = Math.floor(Date.now() / 1000)): Record<string, string> {
  const mac = createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex');
  return { [TIMESTAMP_HEADER]: String(timestamp), [SIGNATURE_HEADER]: `v1=${mac}` };
}

export function verify(secret: string, body: string, headers: Record<string, string | string[] | undefined>, now = Date.now()): boolean {
  const timestamp = Number(headers[TIMESTAMP_HEADER]);
  const given = String(headers[SIGNATURE_HEADER] ?? '');
  if (!Number.isInteger(timestamp) || Math.abs(now / 1000 - timestamp) > MAX_SKEW_SECONDS) return false;
  const expected = sign(secret, body, timestamp)[SIGNATURE_HEADER]!;
  return given.length === expected.length && timingSafeEqual(Buffer.from(given), Buffer.from(expected));
}
