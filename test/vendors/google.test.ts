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
import { createGmailConnector, GMAIL_METHOD, gmailMethod } from '../../src/vendors/google/connector';
import {
  createGoogleSimulator,
  createTestServiceAccount,
  googleError,
  type GoogleSimOptions,
  type GoogleSimulator,
} from '../../src/vendors/google/simulator';
import { eraseInProcess } from '../../src/connectors/erase-in-process';
import { expectExactFindAndDelete, findAll, listMailboxes } from '../helpers/mail';
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

const context = () => recordingContext<Record<string, number>>();

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
  it('finds and deletes mail from/to/cc/bcc the address in every mailbox, Spam and Trash included, and leaves other mail alone', async () => {
    await start();
    const hits = [
      sim.seedMessage(A, { from: EMAIL, to: [A] }),
      sim.seedMessage(A, { from: A, to: ['Jane.Doe@Customer.example'], labels: ['SPAM'] }),
      sim.seedMessage(B, { from: B, to: [C], cc: [EMAIL], labels: ['TRASH'] }),
      sim.seedMessage(C, { from: C, to: [B], bcc: [EMAIL], labels: ['SENT'] }),
    ];
    const keepA = sim.seedMessage(A, { from: 'xjane.doe@customer.example', to: [A] });
    const keepB = sim.seedMessage(B, { from: B, to: ['jane.doe@customer.example.org'], labels: ['SPAM'] });

    const connector = createGmailConnector(client());
    expect(connector).toMatchObject({ id: 'gmail', step: 'email', mailboxes: true, kinds: ['email'] });
    const outcome = await eraseInProcess(connector, subject);

    expect(outcome).toMatchObject({
      connector: 'gmail',
      found: 4,
      deleted: 4,
      alreadyGone: 0,
      rounds: 2,
      method: GMAIL_METHOD,
    });
    expect(outcome.method).toMatch(/batchDelete \(permanent; Google Vault/);
    expect(outcome.mailboxes).toEqual([
      { mailbox: A, found: 2, deleted: 2 },
      { mailbox: B, found: 1, deleted: 1 },
      { mailbox: C, found: 1, deleted: 1 },
    ]);
    expect([...outcome.deletedIds].sort()).toEqual([...hits].sort());
    expect([...sim.controls.deletions].sort()).toEqual([...hits].sort());
    expect(sim.messages(A).map((m) => m.id)).toEqual([keepA]);
    expect(sim.messages(B).map((m) => m.id)).toEqual([keepB]);
    expect(sim.messages(C)).toEqual([]);
    expect(ops('list-messages')[0]?.query).toMatchObject({
      q: `from:"${EMAIL}" OR to:"${EMAIL}" OR cc:"${EMAIL}" OR bcc:"${EMAIL}"`,
      includeSpamTrash: 'true',
      maxResults: '500',
    });
    expect(ops('list-users')[0]?.query).toMatchObject({ customer: 'my_customer', maxResults: '500' });
    expectNoTrash();
  });

  it('find is read-only; deleteFound deletes exactly the ids given', async () => {
    await start();
    const ids = [0, 1, 2].map(() => sim.seedMessage(A, { from: EMAIL }));
    await expectExactFindAndDelete(createGmailConnector(client(), [A]), subject, A, ids, sim, 'batch-delete');
    expectNoTrash();
  });

  it('is idempotent: ids already gone are accepted, and a rerun finds nothing and deletes nothing', async () => {
    await start();
    const id = sim.seedMessage(A, { from: EMAIL });
    const connector = createGmailConnector(client(), [A]);
    expect(await eraseInProcess(connector, subject)).toMatchObject({ found: 1, deleted: 1, deletedIds: [id] });
    expect(await eraseInProcess(connector, subject)).toMatchObject({
      found: 0,
      deleted: 0,
      alreadyGone: 0,
      deletedIds: [],
      rounds: 1,
    });
    expect(ops('batch-delete')).toHaveLength(1); // nothing to delete, nothing sent

    // Gmail does not say which ids still existed: all of them count as deleted (they are gone either way).
    expect(await connector.deleteFound(subject, A, [id, id], context())).toEqual({ deleted: [id], alreadyGone: [] });
    expect(sim.controls.deletions).toEqual([id]);
  });

  it.each([
    ['answered 5xx', { kind: 'status-after-effect', status: 503 }],
    ['never answered', { kind: 'drop-after-effect' }],
  ] as const)(
    'a batchDelete done but %s: the retry with the same ids reports them all, each deleted once',
    async (_name, fault) => {
      await start();
      const ids = Array.from({ length: 5 }, () => sim.seedMessage(A, { from: EMAIL }));
      const connector = createGmailConnector(client(), [A]);
      expect((await connector.find(subject, A, undefined, context())).ids).toEqual(ids);

      sim.controls.inject(fault, { operation: 'batch-delete' });
      const f = await failure(connector.deleteFound(subject, A, ids, context()));
      expect(f).toMatchObject({ type: 'VendorUnavailable', nonRetryable: false });
      expect(sim.controls.deletions).toEqual(ids);

      const retry = await connector.deleteFound(subject, A, ids, context());
      expect([...retry.deleted, ...retry.alreadyGone].sort()).toEqual([...ids].sort());
      expect(sim.controls.deletions).toEqual(ids);
      expect(sim.messages(A)).toEqual([]);
    },
  );

  it('pages through Directory users and Gmail results: a find is one page, its cursor the next page token', async () => {
    const users = ['u1', 'u2', 'u3', 'u4', 'u5'].map((u) => `${u}@corp.example`);
    await start({ usersPageSize: 2, messagesPageSize: 100, ratePerSecond: 0 }, users);
    const U3 = 'u3@corp.example';
    const seeded = Array.from({ length: 260 }, (_, i) =>
      sim.seedMessage(U3, { from: EMAIL, labels: i % 2 ? ['TRASH'] : ['INBOX'] }),
    );
    for (let i = 0; i < 3; i++) sim.seedMessage(U3, { from: 'someone@else.example' });
    const connector = createGmailConnector(client());

    const ctx = context();
    const listed = await listMailboxes(connector, subject, ctx);
    expect(listed).toEqual({ mailboxes: [ADMIN, ...users].sort(), unreachable: 0 });
    expect(ops('list-users')).toHaveLength(3); // admin + 5 users, 2 a page
    expect(ctx.beats).toEqual([{ users: 2 }, { users: 4 }, { users: 6 }]);

    const { ids, pages } = await findAll(connector, subject, U3);
    expect(ids).toEqual(seeded);
    expect(pages.map((p) => p.ids.length)).toEqual([100, 100, 60]);
    expect(listsOf(U3).map((r) => r.query.pageToken)).toEqual([undefined, pages[0]?.cursor, pages[1]?.cursor]);
    expect(ops('batch-delete')).toHaveLength(0);

    const outcome = await eraseInProcess(connector, subject);
    expect(outcome).toMatchObject({ found: 260, deleted: 260 });
    expect(outcome.deletedIds).toEqual(seeded.slice(0, 200)); // receipt cap; the count stays exact
    expect(sim.controls.deletions).toEqual(seeded);
    expect(sim.messages(U3)).toHaveLength(3);
  });

  it('handles full 500-message pages and chunks batchDelete at 1,000 ids, heartbeating each chunk', async () => {
    await start({ ratePerSecond: 0 });
    const ids = Array.from({ length: 1_200 }, () => sim.seedMessage(A, { from: A, to: [EMAIL] }));
    const connector = createGmailConnector(client(), [A]);
    const { pages } = await findAll(connector, subject, A);
    expect(pages.map((p) => p.ids.length)).toEqual([500, 500, 200]);

    const ctx = context();
    expect(await connector.deleteFound(subject, A, ids, ctx)).toEqual({ deleted: ids, alreadyGone: [] });
    expect(ops('batch-delete').map((r) => r.status)).toEqual([204, 204]);
    expect(ctx.beats).toEqual([{ sent: 1_000 }, { sent: 1_200 }]);
    expect(sim.controls.deletions).toEqual(ids);

    // Directly: 1,000 real ids plus 500 the mailbox never had (ignored, as Gmail does) -> two calls.
    const more = Array.from({ length: 1_000 }, () => sim.seedMessage(B, { from: EMAIL }));
    sim.controls.log.length = 0;
    await client().batchDelete(B, [...more, ...ids.slice(0, 500)]);
    expect(ops('batch-delete').map((r) => r.status)).toEqual([204, 204]);
    expect(sim.messages(B)).toEqual([]);
    expect(sim.controls.deletions).toEqual([...ids, ...more]);
    expectNoTrash();
  }, 60_000);

  it('sweeps only the configured mailboxes, sorted, without listing users', async () => {
    await start();
    sim.seedMessage(A, { from: EMAIL });
    sim.seedMessage(B, { from: EMAIL });
    const connector = createGmailConnector(client({ adminUser: undefined }), [C, B]);
    expect(await listMailboxes(connector, subject)).toEqual({ mailboxes: [B, C], unreachable: 0 });
    expect(await eraseInProcess(connector, subject)).toMatchObject({ found: 1, deleted: 1 });
    expect(sim.messages(A)).toHaveLength(1);
    expect(sim.messages(B)).toHaveLength(0);
    expect(ops('list-users')).toHaveLength(0);
    expect(sim.vendor.issued.map((t) => t.sub)).toEqual([B, C]);
  });

  it('a Directory user without Gmail holds no mail (noMailbox); a configured one is a setup error', async () => {
    await start();
    sim.seedUser('nomail@corp.example', { gmail: false });
    sim.seedMessage(A, { from: EMAIL });
    expect(await eraseInProcess(createGmailConnector(client()), subject)).toMatchObject({ found: 1, deleted: 1 });
    expect(await createGmailConnector(client()).find(subject, 'nomail@corp.example', undefined, context())).toEqual({
      ids: [],
      noMailbox: true,
    });

    const configured = createGmailConnector(client(), [A, 'nomail@corp.example']);
    const f = await failure(configured.find(subject, 'nomail@corp.example', undefined, context()));
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

    const connector = createGmailConnector(client());
    expect(await listMailboxes(connector, subject)).toEqual({ mailboxes: [ADMIN, A, B, C].sort(), unreachable: 2 });
    const outcome = await eraseInProcess(connector, subject);
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

    const f = await failure(eraseInProcess(createGmailConnector(client(), [A, D]), subject));
    expect(f).toMatchObject({ type: 'ConnectorMisconfigured', nonRetryable: true });
    expect(f.message).toContain('invalid_grant');
    expect(f.message).toContain('the user is suspended');
    expect(f.message).toContain('entry 2 of GOOGLE_MAILBOXES');
    expect(ops('get-user').map((r) => r.status)).toEqual([200]); // the Directory tells suspended from unknown
    expect(sim.messages(A)).toHaveLength(1); // the first round deletes only once every mailbox was searched
    expect(sim.messages(D)).toHaveLength(1);

    // Without GOOGLE_ADMIN_USER the Directory cannot be asked: Google's invalid_grant, with the hint and the position.
    const g = await failure(eraseInProcess(createGmailConnector(client({ adminUser: undefined }), [D]), subject));
    expect(g).toMatchObject({ type: 'VendorAuthFailed', nonRetryable: true });
    expect(g.message).toContain('does not exist or is suspended');
    expect(g.message).toContain('entry 1 of GOOGLE_MAILBOXES');
  });

  it('a user suspended during a Directory sweep is counted as not searched, and the sweep goes on', async () => {
    await start();
    sim.seedMessage(A, { from: EMAIL });
    sim.seedMessage(B, { from: EMAIL });
    const connector = createGmailConnector(client());
    expect((await listMailboxes(connector, subject)).mailboxes).toContain(B);
    expect((await connector.find(subject, A, undefined, context())).ids).toHaveLength(1);
    sim.suspend(B);

    expect(await connector.find(subject, B, undefined, context())).toEqual({ ids: [], unreachable: true });
    // Suspended after being found: the delete cannot reach it and an operator decides.
    const found = await connector.find(subject, A, undefined, context());
    sim.suspend(A);
    const f = await failure(connector.deleteFound(subject, A, found.ids, context()));
    expect(f).toMatchObject({ type: 'GoogleUserSuspended', nonRetryable: true });
    expect(f.message).toContain('suspended since their messages were found');
    sim.suspend(A, false);

    expect((await listMailboxes(connector, subject)).mailboxes).not.toContain(B);
    expect(await eraseInProcess(connector, subject)).toMatchObject({ found: 1, deleted: 1, method: gmailMethod(1) });
    expect(sim.messages(B)).toHaveLength(1);
  });

  it('lists from the first page when Google no longer accepts a page token', async () => {
    await start();
    const id = sim.seedMessage(A, { from: EMAIL });
    const page = await createGmailConnector(client(), [A]).find(subject, A, 'bm90LWEtdG9rZW4', context());
    expect(page).toEqual({ ids: [id] });
    expect(listsOf(A).map((r) => [r.status, r.query.pageToken])).toEqual([
      [400, 'bm90LWEtdG9rZW4'],
      [200, undefined],
    ]);
  });

  it('needs an email identifier and a mailbox', async () => {
    await start();
    const connector = createGmailConnector(client());
    const phone = { kind: 'phone', value: '+14155552671' } as const;
    for (const call of [
      connector.find(phone, A, undefined, context()),
      connector.deleteFound(phone, A, ['x'], context()),
      listMailboxes(connector, phone),
      connector.deleteFound(subject, undefined, ['x'], context()),
    ]) {
      expect(await failure(call)).toMatchObject({ type: 'ConnectorMisconfigured', nonRetryable: true });
    }
    expect(sim.controls.log).toHaveLength(0);
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
    await eraseInProcess(createGmailConnector(c), subject);
    await eraseInProcess(createGmailConnector(c), subject); // second run: all tokens cached
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
      const f = await failure(eraseInProcess(connector, subject));
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
      eraseInProcess(createGmailConnector(client(overrides), mailboxes && [...mailboxes]), subject),
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
      const f = await failure(eraseInProcess(createGmailConnector(client(), [A]), subject));
      expect(f).toMatchObject({ type: 'VendorRateLimited', nonRetryable: false });
      expect(f.message).toContain(reason);
      expect(f.nextRetryDelay).toBeUndefined(); // the activity's exponential backoff applies
    }
  });

  it('429 -> retryable VendorRateLimited, after Retry-After when Google sends one', async () => {
    await start({ ratePerSecond: 2, rateLimitRetryAfterSeconds: 3 });
    for (let i = 0; i < 5; i++) sim.seedMessage(A, { from: EMAIL });
    const limited = await failure(eraseInProcess(createGmailConnector(client(), [A, B, C]), subject));
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
    const f = await failure(eraseInProcess(createGmailConnector(client(), [A]), subject));
    expect(f).toMatchObject({ type: 'VendorUnavailable', nonRetryable: false });
    // The retry converges either way: batchDelete is safe to repeat.
    expect(await eraseInProcess(createGmailConnector(client(), [A]), subject)).toBeDefined();
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
      const outcome = await eraseInProcess(
        createGmailConnector(fromFile?.client as GoogleWorkspaceClient, fromFile?.mailboxes),
        subject,
      );
      expect(outcome).toMatchObject({ deleted: 1 });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
