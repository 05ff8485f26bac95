/**
 * The OAuth access-token cache every vendor client shares (Microsoft Graph, Salesforce, Google).
 *
 * - Tokens are renewed early: 5 minutes before they expire, or halfway for tokens living under 10
 *   minutes, so no call sets off with a token about to lapse. A token issued without a lifetime
 *   (Salesforce states none) is kept until the vendor says it is stale.
 * - Concurrent callers that need a token for the same key share one token request.
 * - `withToken` sends a call once more with a fresh token when the vendor answers that the token is
 *   stale (revoked or expired early: a 401 with the vendor's expired-token code). Once only: a second
 *   refusal is the vendor's answer, for the caller to classify.
 * - Keys separate tokens that act for different principals (Google: one per impersonated mailbox
 *   and scope), so a token is only ever used for the principal it was issued to.
 */

export interface IssuedToken<T> {
  token: T;
  /** Lifetime the token endpoint stated (`expires_in`); undefined: until the vendor refuses it. */
  expiresInSeconds?: number;
}

export interface TokenCacheOptions<T, K> {
  /** Requests a new token for `key` from the vendor's token endpoint. */
  fetch: (key: K) => Promise<IssuedToken<T>>;
  /** Cache key of `key`; default String(key). */
  id?: (key: K) => string;
  /** Past this many entries, expired ones are dropped (a domain-wide sweep touches every mailbox once). */
  maxEntries?: number;
  now?: () => number;
}

/** Renew this long before expiry (capped at half the lifetime). */
export const EARLY_REFRESH_MS = 5 * 60_000;

interface Entry<T> {
  token: T;
  /** Epoch ms from which the token is renewed before use. */
  refreshAt: number;
}

export class TokenCache<T, K = string> {
  private readonly entries = new Map<string, Entry<T>>();
  private readonly pending = new Map<string, Promise<Entry<T>>>();
  private readonly now: () => number;
  private readonly id: (key: K) => string;

  constructor(private readonly options: TokenCacheOptions<T, K>) {
    this.now = options.now ?? Date.now;
    this.id = options.id ?? String;
  }

  /** A token for `key`: the cached one unless it is due for renewal, else one shared fresh request. */
  async get(key: K): Promise<T> {
    const id = this.id(key);
    const cached = this.entries.get(id);
    if (cached && this.now() < cached.refreshAt) return cached.token;
    let pending = this.pending.get(id);
    if (!pending) {
      pending = this.issue(key).finally(() => this.pending.delete(id));
      this.pending.set(id, pending);
    }
    return (await pending).token;
  }

  /**
   * Forgets `token` for `key`, if it is still the cached one: a concurrent caller may already have
   * replaced it with a fresh token, which must be kept.
   */
  invalidate(key: K, token: T): void {
    const id = this.id(key);
    if (this.entries.get(id)?.token === token) this.entries.delete(id);
  }

  /**
   * `send` with a token for `key`; when `isStale` says the vendor refused that token as expired or
   * revoked, the token is forgotten and `send` runs once more with a fresh one (`retry` true).
   */
  async withToken<R>(
    key: K,
    send: (token: T, retry: boolean) => Promise<R>,
    isStale: (result: R) => boolean,
  ): Promise<R> {
    const token = await this.get(key);
    const first = await send(token, false);
    if (!isStale(first)) return first;
    this.invalidate(key, token);
    return send(await this.get(key), true);
  }

  private async issue(key: K): Promise<Entry<T>> {
    const issued = await this.options.fetch(key);
    const lifetimeMs = issued.expiresInSeconds === undefined ? undefined : issued.expiresInSeconds * 1_000;
    const entry: Entry<T> = {
      token: issued.token,
      refreshAt:
        lifetimeMs === undefined ? Infinity : this.now() + lifetimeMs - Math.min(EARLY_REFRESH_MS, lifetimeMs / 2),
    };
    this.entries.set(this.id(key), entry);
    const max = this.options.maxEntries;
    if (max !== undefined && this.entries.size > max) {
      for (const [id, e] of this.entries) if (e.refreshAt <= this.now()) this.entries.delete(id);
    }
    return entry;
  }
}
