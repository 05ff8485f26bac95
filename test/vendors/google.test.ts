/**
 * Gmail connector + Google Workspace client against the Google simulator over real HTTP (no Temporal server).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent, request } from 'undici';
import {
  createAssertion,
  DIRECTORY_SCOPE,
  GMAIL_SCOPE,
  googleClientFromEnv,
  GoogleWorkspaceClient,
  JWT_BEARER_GRANT,
  type GoogleWorkspaceClientOptions,
} from '../../src/vendors/google/client';
import {
  createGmailConnector,
  GMAIL_METHOD,
  gmailMethod,
  type GmailProgress,
} from '../../src/vendors/google/connector';
import {
  createGoogleSimulator,
  createTestServiceAccount,
  googleError,
  type GoogleSimOptions,
  type GoogleSimulator,
} from '../../src/vendors/google/simulator';
import { failureOf, recordingContext } from '../helpers/vendor';

const EMAIL = 'jane.doe@customer.example';
const subject = { kind: 'email', value: EMAIL } as const;
const ADMIN = 'admin@corp.example'; // seeded by the simulator as the super admin
const A = 'alice@corp.example';
const B = 'bob@corp.example';
const C = 'carol@corp.example';
const D = 'dora@corp.example'; // seeded suspended where used
const ADDRESSES = [EMAIL, ADMIN, A, B, C, D];

let sim: GoogleSimulator;
let agent: Agent;

async function start(opts: GoogleSimOptions = {}, users: string[] = [A, B, C]): Promise<GoogleSimulator> {
  sim = createGoogleSimulator(opts);
  for (const u of users) sim.seedUser(u);
  await sim.start();
  return sim;
}

function client(overrides: Partial<GoogleWorkspaceClientOptions> = {}): GoogleWorkspaceClient {
  return new GoogleWorkspaceClient({
    serviceAccount: sim.serviceAccount,
    adminUser: ADMIN,
    tokenUrl: sim.tokenUrl,
    gmailBaseUrl: sim.url,
    directoryBaseUrl: sim.url,
    dispatcher: agent,
    ...overrides,
  });
}

const context = (resumeFrom?: unknown, onBeat?: (d: GmailProgress) => void) =>
  recordingContext<GmailProgress>(resumeFrom, onBeat);

const failure = (p: Promise<unknown>) => failureOf(p, ADDRESSES);

const ops = (name: string) => sim.controls.log.filter((r) => r.operation === name);
const listsOf = (user: string) =>
  ops('list-messages').filter((r) => decodeURIComponent(r.path) === `/gmail/v1/users/${user}/messages`);
const expectNoTrash = () => {
  expect(ops('trash')).toHaveLength(0);
  expect(sim.controls.log.filter((r) => r.path.includes('/trash') || r.method === 'DELETE')).toHaveLength(0);
};

/** The simulator's token endpoint's answer to a well-formed assertion for `user`. */
async function tokenRequest(user: string, scope = GMAIL_SCOPE): Promise<{ status: number; body: unknown }> {
  const assertion = createAssertion(sim.serviceAccount, {
    iss: sim.serviceAccount.client_email,
    sub: user,
    scope,
    aud: sim.tokenUrl,
  });
  const res = await request(sim.tokenUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: JWT_BEARER_GRANT, assertion }).toString(),
    dispatcher: agent,
  });
  return { status: res.statusCode, body: await res.body.json() };
}

/** A token straight from the simulator's token endpoint, for calls the client would never make. */
async function rawToken(user: string, scope = GMAIL_SCOPE): Promise<string> {
  return ((await tokenRequest(user, scope)).body as { access_token: string }).access_token;
}

async function rawGet(path: string, token: string): Promise<{ status: number; body: unknown }> {
  const res = await request(`${sim.url}${path}`, { headers: { authorization: `Bearer ${token}` }, dispatcher: agent });
  return { status: res.statusCode, body: await res.body.json() };
}

beforeEach(() => {
  agent = new Agent();
});
afterEach(async () => {
  await sim.stop();
  await agent.close();
});

describe('Gmail connector', () => {
  it('deletes mail from/to/cc/bcc the address in every mailbox, Spam and Trash included, and leaves other mail alone', async () => {
    await start();
    const hits = [
      sim.seedMessage(A, { from: EMAIL, to: [A] }),
      sim.seedMessage(A, { from: A, to: ['Jane.Doe@Customer.example'], labels: ['SPAM'] }),
      sim.seedMessage(B, { from: B, to: [C], cc: [EMAIL], labels: ['TRASH'] }),
      sim.seedMessage(C, { from: C, to: [B], bcc: [EMAIL], labels: ['SENT'] }),
    ];
    const keepA = sim.seedMessage(A, { from: 'xjane.doe@customer.example', to: [A] });
    const keepB = sim.seedMessage(B, { from: B, to: ['jane.doe@customer.example.org'], labels: ['SPAM'] });

    const ctx = context();
    const outcome = await createGmailConnector(client()).erase(subject, ctx);

    expect(outcome).toMatchObject({ connector: 'gmail', found: 4, deleted: 4, alreadyGone: 0, method: GMAIL_METHOD });
    expect(outcome.method).toMatch(/batchDelete \(permanent; Google Vault/);
    expect([...outcome.deletedIds].sort()).toEqual([...hits].sort());
    expect(sim.messages(A).map((m) => m.id)).toEqual([keepA]);
    expect(sim.messages(B).map((m) => m.id)).toEqual([keepB]);
    expect(sim.messages(C)).toEqual([]);
    expect(ctx.beats.at(-1)).toMatchObject({ mailboxIndex: 4, lastMailbox: C, deleted: 4 });
    expect(ops('list-messages')[0]?.query).toMatchObject({
      q: `from:"${EMAIL}" OR to:"${EMAIL}" OR cc:"${EMAIL}" OR bcc:"${EMAIL}"`,
      includeSpamTrash: 'true',
      maxResults: '500',
    });
    expect(ops('list-users')[0]?.query).toMatchObject({ customer: 'my_customer', maxResults: '500' });
    expectNoTrash();
  });

  it('is idempotent: a rerun finds nothing and succeeds', async () => {
    await start();
    sim.seedMessage(A, { from: EMAIL });
    const connector = createGmailConnector(client(), [A]);
    expect(await connector.erase(subject, context())).toMatchObject({ found: 1, deleted: 1 });
    expect(await connector.erase(subject, context())).toMatchObject({
      found: 0,
      deleted: 0,
      alreadyGone: 0,
      deletedIds: [],
    });
    expect(ops('batch-delete')).toHaveLength(1); // nothing to delete, nothing sent
  });

  it('pages through Directory users and Gmail results, listing again from the start after each delete', async () => {
    const users = ['u1', 'u2', 'u3', 'u4', 'u5'].map((u) => `${u}@corp.example`);
    await start({ usersPageSize: 2, messagesPageSize: 100, ratePerSecond: 0 }, users);
    for (let i = 0; i < 260; i++)
      sim.seedMessage('u3@corp.example', { from: EMAIL, labels: i % 2 ? ['TRASH'] : ['INBOX'] });
    for (let i = 0; i < 3; i++) sim.seedMessage('u3@corp.example', { from: 'someone@else.example' });

    const outcome = await createGmailConnector(client()).erase(subject, context());
    expect(outcome.deleted).toBe(260);
    expect(outcome.deletedIds).toHaveLength(200); // receipt cap; the count stays exact
    expect(sim.messages('u3@corp.example')).toHaveLength(3);
    expect(ops('list-users')).toHaveLength(3); // admin + 5 users, 2 a page
    expect(listsOf('u3@corp.example').map((r) => r.query.pageToken)).toEqual([undefined, undefined, undefined]); // 100, 100, 60
    expect(ops('batch-delete')).toHaveLength(3);
    expect(listsOf('u1@corp.example')).toHaveLength(1);
  });

  it('handles full 500-message pages and chunks batchDelete at 1,000 ids', async () => {
    await start({ ratePerSecond: 0 });
    const ids = Array.from({ length: 1_200 }, () => sim.seedMessage(A, { from: A, to: [EMAIL] }));
    const outcome = await createGmailConnector(client(), [A]).erase(subject, context());
    expect(outcome).toMatchObject({ found: 1_200, deleted: 1_200 });
    expect(listsOf(A)).toHaveLength(3); // 500, 500, 200

    // Directly: 1,000 real ids plus 500 the mailbox never had (ignored, as Gmail does) -> two calls.
    const more = Array.from({ length: 1_000 }, () => sim.seedMessage(B, { from: EMAIL }));
    sim.controls.log.length = 0;
    await client().batchDelete(B, [...more, ...ids.slice(0, 500)]);
    expect(ops('batch-delete').map((r) => r.status)).toEqual([204, 204]);
    expect(sim.messages(B)).toEqual([]);
    expectNoTrash();
  }, 60_000);

  it('sweeps only the configured mailboxes, without listing users', async () => {
    await start();
    sim.seedMessage(A, { from: EMAIL });
    sim.seedMessage(B, { from: EMAIL });
    expect(await createGmailConnector(client({ adminUser: undefined }), [B]).erase(subject, context())).toMatchObject({
      deleted: 1,
    });
    expect(sim.messages(A)).toHaveLength(1);
    expect(sim.messages(B)).toHaveLength(0);
    expect(ops('list-users')).toHaveLength(0);
    expect(sim.vendor.issued.map((t) => t.sub)).toEqual([B]);
  });

  it('skips Directory users without Gmail; a configured one is a setup error', async () => {
    await start();
    sim.seedUser('nomail@corp.example', { gmail: false });
    sim.seedMessage(A, { from: EMAIL });
    const ctx = context();
    expect(await createGmailConnector(client()).erase(subject, ctx)).toMatchObject({ deleted: 1 });
    expect(ctx.beats.at(-1)).toMatchObject({ skippedMailboxes: 1, mailboxIndex: 5 });

    const f = await failure(createGmailConnector(client(), [A, 'nomail@corp.example']).erase(subject, context()));
    expect(f).toMatchObject({ type: 'ConnectorMisconfigured', nonRetryable: true });
    expect(f.message).toContain('entry 2 of GOOGLE_MAILBOXES');
    expect(f.message).not.toContain('nomail');
  });

  it('leaves suspended Directory users out of the sweep (Google refuses their tokens) and counts them in the method', async () => {
    await start();
    sim.seedUser(D, { suspended: true });
    sim.seedUser('erin@corp.example', { suspended: true });
    const unreached = [
      sim.seedMessage(D, { from: EMAIL }),
      sim.seedMessage('erin@corp.example', { to: [EMAIL], from: 'erin@corp.example' }),
    ];
    sim.seedMessage(A, { from: EMAIL });

    const outcome = await createGmailConnector(client()).erase(subject, context());
    expect(outcome).toMatchObject({ found: 1, deleted: 1, method: gmailMethod(2) });
    expect(outcome.method).toContain('; the mailboxes of 2 suspended users not searched');
    expect(gmailMethod(1)).toContain('; the mailbox of 1 suspended user not searched');
    expect([...sim.messages(D), ...sim.messages('erin@corp.example')].map((m) => m.id)).toEqual(unreached);
    expect(sim.vendor.issued.map((t) => t.sub)).not.toContain(D);
    expect(ops('token').map((r) => r.status)).not.toContain(400);

    // As Google does: no token for a suspended user, with the same answer as for an unknown one.
    const refused = { status: 400, body: { error: 'invalid_grant' } };
    expect(await tokenRequest(D)).toMatchObject(refused);
    expect(await tokenRequest('nobody@corp.example')).toMatchObject(refused);
  });

  it('a suspended user in GOOGLE_MAILBOXES is a setup error naming its position, never its address', async () => {
    await start();
    sim.seedUser(D, { suspended: true });
    sim.seedMessage(A, { from: EMAIL });
    sim.seedMessage(D, { from: EMAIL });

    const f = await failure(createGmailConnector(client(), [A, D]).erase(subject, context()));
    expect(f).toMatchObject({ type: 'ConnectorMisconfigured', nonRetryable: true });
    expect(f.message).toContain('invalid_grant');
    expect(f.message).toContain('the user is suspended');
    expect(f.message).toContain('entry 2 of GOOGLE_MAILBOXES');
    expect(ops('get-user').map((r) => r.status)).toEqual([200]); // the Directory tells suspended from unknown
    expect(sim.messages(A)).toEqual([]);
    expect(sim.messages(D)).toHaveLength(1);

    // Without GOOGLE_ADMIN_USER the Directory cannot be asked: Google's invalid_grant, with the hint and the position.
    const g = await failure(createGmailConnector(client({ adminUser: undefined }), [D]).erase(subject, context()));
    expect(g).toMatchObject({ type: 'VendorAuthFailed', nonRetryable: true });
    expect(g.message).toContain('does not exist or is suspended');
    expect(g.message).toContain('entry 1 of GOOGLE_MAILBOXES');
  });

  it('a user suspended during a Directory sweep fails retryably; the retry lists users again and counts it', async () => {
    await start();
    sim.seedMessage(A, { from: EMAIL });
    sim.seedMessage(B, { from: EMAIL });
    sim.seedMessage(C, { from: EMAIL });
    const first = context(undefined, (d) => {
      if (d.lastMailbox === A) sim.suspend(B);
    });
    const f = await failure(createGmailConnector(client()).erase(subject, first));
    expect(f).toMatchObject({ type: 'GoogleUserSuspended', nonRetryable: false });
    expect(f.message).toContain('user 3 of 4 active users');
    const last = first.beats.at(-1);
    expect(last).toMatchObject({ lastMailbox: A, deleted: 1 });

    const outcome = await createGmailConnector(client()).erase(subject, context(JSON.parse(JSON.stringify(last))));
    expect(outcome).toMatchObject({ found: 2, deleted: 2, method: gmailMethod(1) });
    expect(sim.messages(B)).toHaveLength(1);
    expect(sim.messages(C)).toEqual([]);
  });

  it('resumes from heartbeat details: finished mailboxes are not listed again, deleted pages are gone', async () => {
    await start({ messagesPageSize: 2 });
    sim.seedMessage(A, { from: EMAIL });
    for (let i = 0; i < 5; i++) sim.seedMessage(B, { cc: [EMAIL], from: B });
    sim.seedMessage(C, { bcc: [EMAIL], from: C });
    const connector = createGmailConnector(client(), [C, A, B]);

    // Crash (connection lost) on B's second delete: A done, B's first page deleted.
    const first = context(undefined, (d) => {
      if (d.mailbox === B && d.pages === 1) sim.controls.inject({ kind: 'drop' }, { operation: 'batch-delete' });
    });
    const f = await failure(connector.erase(subject, first));
    expect(f).toMatchObject({ type: 'VendorUnavailable', nonRetryable: false });
    const last = first.beats.at(-1);
    expect(last).toMatchObject({ mailboxIndex: 1, lastMailbox: A, mailbox: B, pages: 1, deleted: 3 });
    expect(last?.pageToken).toBeUndefined(); // after a delete, B continues from its first page

    sim.controls.log.length = 0;
    const outcome = await connector.erase(subject, context(JSON.parse(JSON.stringify(last))));
    expect(outcome).toMatchObject({ found: 7, deleted: 7, alreadyGone: 0 });
    expect(outcome.deletedIds).toHaveLength(7);
    expect(listsOf(A)).toHaveLength(0);
    expect(listsOf(B)).toHaveLength(2); // the 2 whose delete was lost, then the last 1
    expect(listsOf(C)).toHaveLength(1);
    expect(sim.messages(B)).toEqual([]);
  });

  it('goes past a page of already-deleted ids via nextPageToken, and heartbeats that token', async () => {
    await start({ messagesPageSize: 2 });
    const ids = [0, 1, 2].map(() => sim.seedMessage(A, { from: EMAIL }));
    const c = client();
    const find = c.findMessages.bind(c);
    let calls = 0;
    // The second listing pretends the search index still shows the two just deleted.
    c.findMessages = async (...args) =>
      ++calls === 2 ? { ids: ids.slice(0, 2), nextPageToken: Buffer.from('0').toString('base64url') } : find(...args);
    const ctx = context();
    expect(await createGmailConnector(c, [A]).erase(subject, ctx)).toMatchObject({ found: 3, deleted: 3 });
    expect(ctx.beats.map((b) => b.pageToken)).toEqual([undefined, 'MA', undefined, undefined]);
    expect(sim.messages(A)).toEqual([]);
  });

  it('resumes from a heartbeat page token, and from the first page when Google no longer accepts it', async () => {
    await start();
    sim.seedMessage(A, { from: EMAIL });
    const resume = {
      mailboxIndex: 0,
      mailbox: A,
      pageToken: 'bm90LWEtdG9rZW4',
      pages: 3,
      found: 2,
      deleted: 2,
      alreadyGone: 0,
      deletedIds: ['x', 'y'],
    };
    const outcome = await createGmailConnector(client(), [A]).erase(subject, context(resume));
    expect(outcome).toMatchObject({ found: 3, deleted: 3 });
    expect(listsOf(A).map((r) => [r.status, r.query.pageToken])).toEqual([
      [400, 'bm90LWEtdG9rZW4'],
      [200, undefined],
    ]);
  });

  it('ignores unreadable resume details and starts over', async () => {
    await start();
    sim.seedMessage(A, { from: EMAIL });
    expect(await createGmailConnector(client(), [A]).erase(subject, context({ nonsense: true }))).toMatchObject({
      deleted: 1,
    });
  });
});

describe('Google auth (service account, domain-wide delegation)', () => {
  it('signs an RS256 JWT per impersonated user and caches one token per user and scope', async () => {
    await start({ ratePerSecond: 0 });
    for (const m of [A, B, C]) {
      sim.seedMessage(m, { from: EMAIL });
      sim.seedMessage(m, { to: [EMAIL], from: m });
    }
    const c = client();
    await createGmailConnector(c).erase(subject, context());
    await createGmailConnector(c).erase(subject, context()); // second run: all tokens cached
    expect(sim.controls.log.length).toBeGreaterThan(10);
    expect(ops('token')).toHaveLength(5);
    expect(sim.vendor.issued.map((t) => `${t.sub} ${t.scope}`).sort()).toEqual(
      [
        `${ADMIN} ${DIRECTORY_SCOPE}`,
        `${ADMIN} ${GMAIL_SCOPE}`,
        `${A} ${GMAIL_SCOPE}`,
        `${B} ${GMAIL_SCOPE}`,
        `${C} ${GMAIL_SCOPE}`,
      ].sort(),
    );
    for (const t of sim.vendor.issued) {
      expect(t.exp - t.iat).toBe(3_600);
      expect(t.kid).toBe(sim.serviceAccount.private_key_id);
    }
  });

  it('a token acts only as its own user, and Spam/Trash stay hidden unless includeSpamTrash', async () => {
    await start();
    sim.seedMessage(A, { from: EMAIL, labels: ['SPAM'] });
    sim.seedMessage(A, { from: EMAIL });
    const tokenA = await rawToken(A);
    const q = `q=${encodeURIComponent(`from:${EMAIL}`)}`;
    const denied = await rawGet(`/gmail/v1/users/${B}/messages?${q}`, tokenA);
    expect(denied).toMatchObject({
      status: 403,
      body: { error: { status: 'PERMISSION_DENIED', errors: [{ reason: 'forbidden' }] } },
    });
    expect((await rawGet(`/gmail/v1/users/${A}/messages?${q}`, tokenA)).body).toMatchObject({ resultSizeEstimate: 1 });
    expect((await rawGet(`/gmail/v1/users/me/messages?${q}&includeSpamTrash=true`, tokenA)).body).toMatchObject({
      resultSizeEstimate: 2,
    });
    // The directory needs its own scope, not just any token of the admin.
    expect((await rawGet('/admin/directory/v1/users?customer=my_customer', await rawToken(ADMIN))).status).toBe(403);
  });

  it('takes a fresh token once after a 401, and fails non-retryably on a second', async () => {
    await start();
    sim.seedMessage(A, { from: EMAIL });
    const c = client();
    await c.findMessages(A, EMAIL);
    sim.expireTokens();
    expect((await c.findMessages(A, EMAIL)).ids).toHaveLength(1);
    expect(listsOf(A).map((r) => r.status)).toEqual([200, 401, 200]);
    expect(ops('token')).toHaveLength(2);

    sim.controls.inject({ kind: 'status', status: 401 }, { operation: 'list-messages', times: 2 });
    const f = await failure(c.findMessages(A, EMAIL));
    expect(f).toMatchObject({ type: 'VendorAuthFailed', nonRetryable: true });
    expect(f.message).toContain('UNAUTHENTICATED');
    expect(ops('token')).toHaveLength(3);
  });

  it('delegation not granted -> non-retryable VendorAuthFailed naming the variables and the Admin console step', async () => {
    await start();
    sim.vendor.delegationGranted = false;
    for (const connector of [createGmailConnector(client()), createGmailConnector(client(), [A])]) {
      const f = await failure(connector.erase(subject, context()));
      expect(f).toMatchObject({ type: 'VendorAuthFailed', nonRetryable: true });
      expect(f.message).toContain('unauthorized_client');
      expect(f.message).toContain('GOOGLE_SERVICE_ACCOUNT_JSON');
      expect(f.message).toContain('Manage Domain Wide Delegation');
    }
    expect(ops('token').map((r) => r.status)).toEqual([401, 401]);
  });

  it.each([
    ['a mailbox outside the domain', {}, [A, 'nobody@elsewhere.example'], 'invalid_grant'],
    [
      'a key Google does not know',
      {
        serviceAccount: {
          ...createTestServiceAccount(),
          client_email: 'dsr-erasure@sim-project.iam.gserviceaccount.com',
        },
      },
      [A],
      'invalid_grant',
    ],
    ['a scope the delegation lacks', {}, undefined, 'unauthorized_client'],
  ] as const)('%s -> non-retryable VendorAuthFailed', async (_name, overrides, mailboxes, code) => {
    await start({ grantedScopes: mailboxes ? undefined : [GMAIL_SCOPE] });
    sim.seedMessage(A, { from: EMAIL });
    const f = await failure(
      createGmailConnector(client(overrides), mailboxes && [...mailboxes]).erase(subject, context()),
    );
    expect(f).toMatchObject({ type: 'VendorAuthFailed', nonRetryable: true });
    expect(f.message).toContain(code);
    expect(f.message).not.toContain('nobody');
    if (mailboxes) expect(f.message).toContain(`entry ${mailboxes.length} of GOOGLE_MAILBOXES`);
  });

  it('a GOOGLE_ADMIN_USER who is not an admin -> 403, non-retryable', async () => {
    await start();
    const f = await failure(client({ adminUser: A }).listUsers());
    expect(f).toMatchObject({ type: 'VendorAuthFailed', nonRetryable: true });
    expect(f.message).toContain('PERMISSION_DENIED,forbidden');
  });
});

describe('Google failures', () => {
  it('403 userRateLimitExceeded / rateLimitExceeded -> retryable VendorRateLimited with backoff', async () => {
    await start();
    sim.seedMessage(A, { from: EMAIL });
    for (const [reason, operation] of [
      ['userRateLimitExceeded', 'list-messages'],
      ['rateLimitExceeded', 'batch-delete'],
    ] as const) {
      const body = googleError(403, `User-rate limit exceeded for ${A}`, reason);
      sim.controls.inject({ kind: 'status', status: 403, body }, { operation });
      const f = await failure(createGmailConnector(client(), [A]).erase(subject, context()));
      expect(f).toMatchObject({ type: 'VendorRateLimited', nonRetryable: false });
      expect(f.message).toContain(reason);
      expect(f.nextRetryDelay).toBeUndefined(); // the activity's exponential backoff applies
    }
  });

  it('429 -> retryable VendorRateLimited, after Retry-After when Google sends one', async () => {
    await start({ ratePerSecond: 2, rateLimitRetryAfterSeconds: 3 });
    for (let i = 0; i < 5; i++) sim.seedMessage(A, { from: EMAIL });
    const limited = await failure(createGmailConnector(client(), [A, B, C]).erase(subject, context()));
    expect(limited).toMatchObject({ type: 'VendorRateLimited', nonRetryable: false });
    expect(limited.message).toContain('RESOURCE_EXHAUSTED,rateLimitExceeded');
    expect(Number(limited.nextRetryDelay)).toBeGreaterThanOrEqual(3_000);
    expect(sim.controls.rateLimited).toBeGreaterThan(0);

    sim.controls.options.ratePerSecond = 0;
    sim.controls.inject({ kind: 'status', status: 429 }, { operation: 'list-messages' });
    const noHeader = await failure(client().findMessages(A, EMAIL));
    expect(noHeader).toMatchObject({ type: 'VendorRateLimited', nonRetryable: false });
    expect(noHeader.nextRetryDelay).toBeUndefined();
  });

  it('other 403s (e.g. Delegation denied) -> non-retryable VendorAuthFailed', async () => {
    await start();
    sim.controls.inject(
      { kind: 'status', status: 403, body: googleError(403, `Delegation denied for ${A}`, 'forbidden') },
      { operation: 'batch-delete' },
    );
    const f = await failure(client().batchDelete(A, ['18c2f0a1b2c3d4e5']));
    expect(f).toMatchObject({ type: 'VendorAuthFailed', nonRetryable: true });
    expect(f.message).toContain('forbidden');
  });

  it.each([
    ['500 from Gmail', { kind: 'status', status: 500 }, 'list-messages'],
    ['503 from the token endpoint', { kind: 'status', status: 503 }, 'token'],
    ['a dropped connection', { kind: 'drop' }, 'batch-delete'],
    ['a delete done but never answered', { kind: 'drop-after-effect' }, 'batch-delete'],
  ] as const)('%s -> retryable VendorUnavailable', async (_name, fault, operation) => {
    await start();
    sim.seedMessage(A, { from: EMAIL });
    sim.controls.inject(fault, { operation });
    const f = await failure(createGmailConnector(client(), [A]).erase(subject, context()));
    expect(f).toMatchObject({ type: 'VendorUnavailable', nonRetryable: false });
    // The retry converges either way: batchDelete is safe to repeat.
    expect(await createGmailConnector(client(), [A]).erase(subject, context())).toBeDefined();
    expect(sim.messages(A)).toEqual([]);
  });

  it('never quotes Google error messages, which can contain the address', async () => {
    await start();
    const body = googleError(400, `Invalid query from:"${EMAIL}" for ${A}`, 'invalidArgument');
    sim.controls.inject({ kind: 'status', status: 400, body }, { operation: 'list-messages' });
    const f = await failure(client().findMessages(A, EMAIL));
    expect(f).toMatchObject({ type: 'VendorRejectedRequest', nonRetryable: true });
    expect(f.message).toContain('INVALID_ARGUMENT,invalidArgument');
  });

  it('refuses an address that cannot be quoted in a Gmail search, without calling Google', async () => {
    await start();
    const f = await failure(client().findMessages(A, 'a"b OR from:*@customer.example'));
    expect(f).toMatchObject({ type: 'VendorRejectedRequest', nonRetryable: true });
    expect(sim.controls.log).toHaveLength(0);
  });
});

describe('googleClientFromEnv', () => {
  const key = createTestServiceAccount();
  const creds = { GOOGLE_SERVICE_ACCOUNT_JSON: JSON.stringify(key), GOOGLE_ADMIN_USER: ADMIN };
  const secret = key.private_key.split('\n')[1] as string;
  const thrown = (env: Record<string, string>): string => {
    try {
      googleClientFromEnv(env);
    } catch (err) {
      const message = (err as Error).message;
      expect(message).not.toContain(secret);
      return message;
    }
    throw new Error('expected googleClientFromEnv to throw');
  };

  it('is undefined when nothing is configured', () => {
    expect(googleClientFromEnv({})).toBeUndefined();
    expect(googleClientFromEnv({ GOOGLE_SERVICE_ACCOUNT_JSON: ' ', GOOGLE_CUSTOMER: 'C0123' })).toBeUndefined();
  });

  it('names the variables when partly configured or invalid, never printing the key', () => {
    expect(thrown({ GOOGLE_ADMIN_USER: ADMIN })).toMatch(
      /GOOGLE_ADMIN_USER set but neither GOOGLE_SERVICE_ACCOUNT_JSON nor GOOGLE_SERVICE_ACCOUNT_FILE/,
    );
    expect(thrown({ GOOGLE_SERVICE_ACCOUNT_JSON: creds.GOOGLE_SERVICE_ACCOUNT_JSON })).toMatch(
      /set GOOGLE_ADMIN_USER .* or GOOGLE_MAILBOXES/,
    );
    expect(thrown({ ...creds, GOOGLE_SERVICE_ACCOUNT_FILE: '/x.json' })).toMatch(/not both/);
    expect(thrown({ ...creds, GOOGLE_SERVICE_ACCOUNT_JSON: `{"private_key": "${secret}"` })).toBe(
      'GOOGLE_SERVICE_ACCOUNT_JSON: not valid JSON (expected a service-account key file)',
    );
    expect(
      thrown({
        ...creds,
        GOOGLE_SERVICE_ACCOUNT_JSON: JSON.stringify({ ...key, type: 'authorized_user', client_email: undefined }),
      }),
    ).toMatch(/check type, client_email/);
    const broken = key.private_key.replace(secret, 'AAAA' + secret.slice(4, 20));
    expect(thrown({ ...creds, GOOGLE_SERVICE_ACCOUNT_JSON: JSON.stringify({ ...key, private_key: broken }) })).toMatch(
      /private_key is not a readable PEM/,
    );
    expect(thrown({ ...creds, GMAIL_BASE_URL: 'not a url', GOOGLE_ADMIN_USER: 'admin' })).toMatch(
      /invalid: GOOGLE_ADMIN_USER, GMAIL_BASE_URL/,
    );
    expect(thrown({ ...creds, GOOGLE_MAILBOXES: `${A}, bob` })).toMatch(
      /GOOGLE_MAILBOXES: entry 2 is not an email address/,
    );
    expect(thrown({ GOOGLE_SERVICE_ACCOUNT_FILE: '/nonexistent/key.json', GOOGLE_ADMIN_USER: ADMIN })).toMatch(
      /GOOGLE_SERVICE_ACCOUNT_FILE: cannot read the file \(ENOENT\)/,
    );
  });

  it('builds a working client from inline JSON or a key file, with the mailbox list', async () => {
    await start();
    sim.seedMessage(B, { from: EMAIL });
    const urls = { GOOGLE_TOKEN_URL: sim.tokenUrl, GMAIL_BASE_URL: sim.url, GOOGLE_DIRECTORY_BASE_URL: sim.url };
    const dir = mkdtempSync(join(tmpdir(), 'gsa-'));
    try {
      const file = join(dir, 'key.json');
      writeFileSync(file, JSON.stringify(sim.serviceAccount));
      const fromFile = googleClientFromEnv(
        { GOOGLE_SERVICE_ACCOUNT_FILE: file, GOOGLE_MAILBOXES: ` ${B}, ${A},,${B}`, ...urls },
        { dispatcher: agent },
      );
      expect(fromFile?.mailboxes).toEqual([B, A]);
      const inline = googleClientFromEnv(
        { GOOGLE_SERVICE_ACCOUNT_JSON: JSON.stringify(sim.serviceAccount), GOOGLE_ADMIN_USER: ADMIN, ...urls },
        { dispatcher: agent },
      );
      expect(inline?.mailboxes).toBeUndefined();
      expect(await (inline as NonNullable<typeof inline>).client.listUsers()).toEqual(
        [ADMIN, A, B, C].map((email) => ({ email, suspended: false })),
      );
      const outcome = await createGmailConnector(fromFile?.client as GoogleWorkspaceClient, fromFile?.mailboxes).erase(
        subject,
        context(),
      );
      expect(outcome).toMatchObject({ deleted: 1 });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
