/** The OAuth token cache shared by the Graph, Salesforce and Google clients (src/vendors/token-cache.ts). */
import { EARLY_REFRESH_MS, TokenCache, type IssuedToken } from '../src/vendors/token-cache';

/** A token endpoint that numbers its tokens, with a settable clock. */
function setup(expiresInSeconds?: number, maxEntries?: number) {
  let now = 1_000_000;
  const issued: string[] = [];
  let release: (() => void) | undefined;
  let hold = false;
  const cache = new TokenCache<string, { user: string; scope: string }>({
    fetch: async ({ user, scope }): Promise<IssuedToken<string>> => {
      if (hold) await new Promise<void>((r) => (release = r));
      const token = `${scope}/${user}#${issued.length + 1}`;
      issued.push(token);
      return { token, expiresInSeconds };
    },
    id: (k) => `${k.scope} ${k.user.toLowerCase()}`,
    maxEntries,
    now: () => now,
  });
  return {
    cache,
    issued,
    advance: (ms: number) => (now += ms),
    holdFetches: () => (hold = true),
    releaseFetch: () => release?.(),
  };
}

const alice = { user: 'alice@corp.example', scope: 'mail' };

test('a token is reused until 5 minutes before it expires, then renewed', async () => {
  const t = setup(3_600);
  expect(await t.cache.get(alice)).toBe('mail/alice@corp.example#1');
  t.advance(3_600_000 - EARLY_REFRESH_MS - 1);
  expect(await t.cache.get(alice)).toBe('mail/alice@corp.example#1');
  t.advance(1);
  expect(await t.cache.get(alice)).toBe('mail/alice@corp.example#2');
});

test('a short-lived token is renewed halfway through its lifetime', async () => {
  const t = setup(120);
  await t.cache.get(alice);
  t.advance(59_999);
  expect(await t.cache.get(alice)).toMatch(/#1$/);
  t.advance(1);
  expect(await t.cache.get(alice)).toMatch(/#2$/);
});

test('a token issued without a lifetime is kept until it is invalidated', async () => {
  const t = setup(undefined);
  const first = await t.cache.get(alice);
  t.advance(365 * 24 * 3_600_000);
  expect(await t.cache.get(alice)).toBe(first);
  t.cache.invalidate(alice, first);
  expect(await t.cache.get(alice)).toMatch(/#2$/);
});

test('concurrent callers share one token request', async () => {
  const t = setup(3_600);
  t.holdFetches();
  const waiting = Promise.all([
    t.cache.get(alice),
    t.cache.get(alice),
    t.cache.get({ ...alice, user: 'ALICE@corp.example' }),
  ]);
  await new Promise((r) => setImmediate(r));
  t.releaseFetch();
  expect(new Set(await waiting).size).toBe(1);
  expect(t.issued).toHaveLength(1);
});

test('keys separate principals: one token per user and scope', async () => {
  const t = setup(3_600);
  const a = await t.cache.get(alice);
  const b = await t.cache.get({ user: 'bob@corp.example', scope: 'mail' });
  const c = await t.cache.get({ ...alice, scope: 'directory' });
  expect(new Set([a, b, c]).size).toBe(3);
});

test('invalidate forgets only the token named, not a fresher one a concurrent caller fetched', async () => {
  const t = setup(3_600);
  const stale = await t.cache.get(alice);
  t.cache.invalidate(alice, stale);
  const fresh = await t.cache.get(alice);
  t.cache.invalidate(alice, stale);
  expect(await t.cache.get(alice)).toBe(fresh);
});

test('withToken retries once with a fresh token when the answer says the token is stale', async () => {
  const t = setup(3_600);
  const sent: [string, boolean][] = [];
  const result = await t.cache.withToken(
    alice,
    async (token, retry) => {
      sent.push([token, retry]);
      return sent.length === 1 ? 401 : 200;
    },
    (status) => status === 401,
  );
  expect(result).toBe(200);
  expect(sent).toEqual([
    ['mail/alice@corp.example#1', false],
    ['mail/alice@corp.example#2', true],
  ]);
});

test('withToken retries only once: a second stale answer is returned to the caller', async () => {
  const t = setup(3_600);
  let calls = 0;
  const result = await t.cache.withToken(
    alice,
    async () => (calls++, 401),
    (status) => status === 401,
  );
  expect(result).toBe(401);
  expect(calls).toBe(2);
  expect(t.issued).toHaveLength(2);
});

test('concurrent calls refused with the same stale token share one refresh', async () => {
  const t = setup(3_600);
  const stale = await t.cache.get(alice);
  const results = await Promise.all(
    [1, 2, 3].map(() =>
      t.cache.withToken(
        alice,
        async (token) => (token === stale ? 401 : 200),
        (status) => status === 401,
      ),
    ),
  );
  expect(results).toEqual([200, 200, 200]);
  expect(t.issued).toHaveLength(2);
});

test('a failed token request is not cached: the next caller asks again', async () => {
  let calls = 0;
  const cache = new TokenCache<string>({
    fetch: async () => {
      calls += 1;
      if (calls === 1) throw new Error('token endpoint down');
      return { token: 'ok', expiresInSeconds: 3_600 };
    },
  });
  await expect(cache.get('k')).rejects.toThrow('token endpoint down');
  expect(await cache.get('k')).toBe('ok');
});

test('past maxEntries, expired tokens are dropped', async () => {
  const t = setup(600, 2);
  await t.cache.get({ user: 'a', scope: 'mail' });
  await t.cache.get({ user: 'b', scope: 'mail' });
  t.advance(600_000);
  await t.cache.get({ user: 'c', scope: 'mail' });
  t.advance(-600_000); // had a and b been kept, they would be served again now
  await t.cache.get({ user: 'a', scope: 'mail' });
  expect(t.issued).toHaveLength(4);
});
