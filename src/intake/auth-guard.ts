/**
 * What the intake API decides about a caller before it reads a body: whether the address has failed to
 * authenticate too often lately, and whether a webhook's X-DSR-Signature header can be right at all (present,
 * well-formed, timely). Signature and key checks themselves are in auth.ts; the body is only read for a request
 * that got past this.
 */
import { normalizeIP } from '@fastify/rate-limit';
import type { IncomingMessage } from 'node:http';
import { verifySignature } from '../callbacks/signature';
import { AuthError, SIGNATURE_REFUSALS } from './auth';

export const AUTH_FAILURE_WINDOW_MS = 60_000;
/** Addresses remembered at once; beyond it the oldest window is dropped, so a flood of addresses cannot grow memory. */
const MAX_ADDRESSES = 10_000;
/** fastify's request.ip is undefined once the socket is gone; such requests share one count. */
const addressKey = (address: string | undefined) => normalizeIP(address || 'unknown');

/**
 * Failed authentication attempts per client address (IPv6 by /64, as @fastify/rate-limit groups them): after `max`
 * failures in a window of a minute (from the first failure), the address is refused with 429 until the window ends,
 * whatever credential it sends next, so the answer never tells a guess that would have been right.
 *
 * Not @fastify/rate-limit: it counts every request that reaches its hook, and whether one failed is known only
 * after the hook ran; this counts failures alone, in one process (each replica keeps its own count).
 */
export class AuthFailureLimiter {
  /** Insertion order is window order (every window is as long), so expired windows are always at the front. */
  private readonly windows = new Map<string, { failures: number; endsAt: number }>();

  constructor(
    private readonly max: number,
    private readonly now: () => number = Date.now,
    private readonly windowMs = AUTH_FAILURE_WINDOW_MS,
    private readonly maxAddresses = MAX_ADDRESSES,
  ) {}

  /** Seconds until the address may try again (for Retry-After), or 0 when it may now. */
  retryAfterSeconds(address: string): number {
    const w = this.live(addressKey(address));
    return w && w.failures >= this.max ? Math.max(1, Math.ceil((w.endsAt - this.now()) / 1000)) : 0;
  }

  recordFailure(address: string): void {
    const key = addressKey(address);
    const w = this.live(key);
    if (w) {
      w.failures++;
      return;
    }
    this.sweep();
    if (this.windows.size >= this.maxAddresses) this.windows.delete(this.windows.keys().next().value!);
    this.windows.set(key, { failures: 1, endsAt: this.now() + this.windowMs });
  }

  /** Addresses currently remembered (for tests of the memory bound). */
  get size(): number {
    return this.windows.size;
  }

  private live(key: string) {
    const w = this.windows.get(key);
    if (w && w.endsAt <= this.now()) {
      this.windows.delete(key);
      return undefined;
    }
    return w;
  }

  private sweep(): void {
    const t = this.now();
    for (const [key, w] of this.windows) {
      if (w.endsAt > t) break;
      this.windows.delete(key);
    }
  }
}

/**
 * The part of a webhook signature check that needs no body: the same parse and clock check as the full one
 * (verifySignature with no secret stops at `mismatch` for a header that is well-formed and timely), with its
 * messages. A service without webhook secrets refuses every signature here.
 */
export function signatureHeaderPrecheck(haveSecrets: boolean, now: () => number = Date.now) {
  return (header: string | undefined): void => {
    const check = verifySignature([], header, '', now());
    if (check.ok) return; // cannot happen without secrets; here for the type
    // Without the body only the header can be judged; a mismatch is final only when no secret could ever match.
    if (check.reason !== 'mismatch' || !haveSecrets) throw new AuthError(SIGNATURE_REFUSALS[check.reason]);
  };
}

/** Whether the request says a body follows (so refusing it early should also close the connection). */
export function announcesBody(req: IncomingMessage): boolean {
  const length = req.headers['content-length'];
  return req.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
}
