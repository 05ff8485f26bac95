/**
 * Microsoft 365 connector + Graph client against the Graph simulator over real HTTP (no Temporal server).
 */
import { Agent } from 'undici';
import { GraphClient, graphClientFromEnv, type GraphClientOptions } from '../../src/vendors/msgraph/client';
import { createM365Connector, M365_METHOD } from '../../src/vendors/msgraph/connector';
import {
  createGraphSimulator,
  graphError,
  type GraphSimOptions,
  type GraphSimulator,
} from '../../src/vendors/msgraph/simulator';
import { eraseInProcess } from '../../src/connectors/erase-in-process';
import { expectExactFindAndDelete, findAll, listMailboxes } from '../helpers/mail';
import { failureOf, recordingContext } from '../helpers/vendor';

const EMAIL = 'jane.doe@customer.example';
const subject = { kind: 'email', value: EMAIL } as const;
const A = 'alice@corp.example';
const B = 'bob@corp.example';
const C = 'carol@corp.example';

let sim: GraphSimulator;
let agent: Agent;

async function start(opts: GraphSimOptions = {}): Promise<GraphSimulator> {
  sim = createGraphSimulator(opts);
  await sim.start();
  return sim;
}

function client(overrides: Partial<GraphClientOptions> = {}): GraphClient {
  return new GraphClient({
    tenantId: 'sim-tenant',
    clientId: 'sim-client',
    clientSecret: 'sim-secret',
    graphBaseUrl: sim.url,
    loginBaseUrl: sim.url,
    dispatcher: agent,
    ...overrides,
  });
}

const context = (resumeFrom?: unknown) => recordingContext<Record<string, unknown>>(resumeFrom);

const failure = (p: Promise<unknown>) => failureOf(p, [EMAIL]);

const ops = (name: string) => sim.controls.log.filter((r) => r.operation === name);

beforeEach(() => {
  agent = new Agent();
});
afterEach(async () => {
  await sim.stop();
  await agent.close();
});

describe('M365 connector', () => {
  it('finds and deletes mail from/to/cc/bcc the address across mailboxes and leaves other mail alone', async () => {
    await start();
    for (const m of [A, B, C]) sim.seedMailbox(m);
    sim.seedUser('guest@corp.example'); // no mailbox: noMailbox, not an error
    const hits = [
      sim.seedMessage(A, { from: EMAIL, to: [A] }),
      sim.seedMessage(A, { from: A, to: ['Jane.Doe@Customer.example'] }),
      sim.seedMessage(B, { from: B, to: [C], cc: [EMAIL] }),
      sim.seedMessage(C, { from: C, to: [B], bcc: [EMAIL] }),
    ];
    const keepA = sim.seedMessage(A, { from: 'john@customer.example', to: [A] });
    const keepB = sim.seedMessage(B, { from: B, to: ['jane.doe@other.example'] });

    const connector = createM365Connector(client());
    expect(connector).toMatchObject({ id: 'm365', step: 'email', mailboxes: true, kinds: ['email'] });
    const outcome = await eraseInProcess(connector, subject);

    expect(outcome).toMatchObject({
      connector: 'm365',
      found: 4,
      deleted: 4,
      alreadyGone: 0,
      rounds: 2,
      method: M365_METHOD,
    });
    const userId = (upn: string) => sim.vendor.user(upn)?.id ?? '';
    expect(outcome.mailboxes).toEqual(
      [
        { mailbox: userId(A), found: 2, deleted: 2 },
        { mailbox: userId(B), found: 1, deleted: 1 },
        { mailbox: userId(C), found: 1, deleted: 1 },
      ].sort((x, y) => (x.mailbox < y.mailbox ? -1 : 1)),
    );
    expect([...outcome.deletedIds].sort()).toEqual([...hits].sort());
    const guest = sim.vendor.user('guest@corp.example')?.id;
    expect(await connector.find(subject, guest, undefined, context())).toEqual({ ids: [], noMailbox: true });
    expect([...sim.controls.deletions].sort()).toEqual([...hits].sort());
    expect(sim.messages(A).map((m) => m.id)).toEqual([keepA]);
    expect(sim.messages(B).map((m) => m.id)).toEqual([keepB]);
    expect(sim.messages(C)).toEqual([]);
    expect(sim.vendor.missingImmutableIdPrefer).toBe(0);
  });

  it('find is read-only; deleteFound deletes exactly the ids given', async () => {
    await start();
    sim.seedMailbox(A);
    const ids = [0, 1, 2].map(() => sim.seedMessage(A, { from: EMAIL }));
    await expectExactFindAndDelete(createM365Connector(client(), [A]), subject, A, ids, sim, 'permanent-delete');
  });

  it('is idempotent: a message already gone is alreadyGone, and a rerun finds nothing', async () => {
    await start();
    sim.seedMailbox(A);
    const id = sim.seedMessage(A, { from: EMAIL });
    const gone = sim.seedMessage(A, { from: EMAIL });
    const connector = createM365Connector(client());
    const { ids } = await findAll(connector, subject, A);
    expect(ids).toEqual([id, gone]);
    sim.vendor.user(A)?.mailbox?.splice(1); // someone else deleted one meanwhile

    // Twice (an id passed twice is reported once).
    expect(await connector.deleteFound(subject, A, [...ids, gone], context())).toEqual({
      deleted: [id],
      alreadyGone: [gone],
    });
    expect(await connector.deleteFound(subject, A, ids, context())).toEqual({ deleted: [], alreadyGone: ids });
    expect(sim.controls.deletions).toEqual([id]);
    expect(await eraseInProcess(connector, subject)).toMatchObject({
      found: 0,
      deleted: 0,
      alreadyGone: 0,
      deletedIds: [],
      rounds: 1,
    });
  });

  it('a delete done and then answered 5xx: the retry with the same ids reports them all, each deleted once', async () => {
    await start({ ratePerSecond: 0 });
    sim.seedMailbox(A);
    const ids = Array.from({ length: 5 }, () => sim.seedMessage(A, { from: EMAIL }));
    const connector = createM365Connector(client(), [A]);
    expect((await connector.find(subject, A, undefined, context())).ids).toEqual(ids);

    // Two deletes go through, the third happens and then Graph answers 503: the attempt fails after deleting three.
    sim.controls.inject({ kind: 'delay', ms: 0 }, { operation: 'permanent-delete', times: 2 });
    sim.controls.inject({ kind: 'status-after-effect', status: 503 }, { operation: 'permanent-delete' });
    const f = await failure(connector.deleteFound(subject, A, ids, context()));
    expect(f).toMatchObject({ type: 'VendorUnavailable', nonRetryable: false });
    expect(sim.controls.deletions).toEqual(ids.slice(0, 3));

    const retry = await connector.deleteFound(subject, A, ids, context());
    expect(retry).toEqual({ deleted: ids.slice(3), alreadyGone: ids.slice(0, 3) });
    expect([...retry.deleted, ...retry.alreadyGone].sort()).toEqual([...ids].sort());
    expect(sim.controls.deletions).toEqual(ids);
    expect(sim.messages(A)).toEqual([]);
  });

  it('a retried batch goes on from the last heartbeat instead of deleting from the start again', async () => {
    await start({ ratePerSecond: 0 });
    sim.seedMailbox(A);
    const ids = Array.from({ length: 5 }, () => sim.seedMessage(A, { from: EMAIL }));
    sim.controls.inject({ kind: 'delay', ms: 0 }, { operation: 'permanent-delete', times: 2 });
    sim.controls.inject({ kind: 'status', status: 503 }, { operation: 'permanent-delete' });
    const first = context();
    await failure(createM365Connector(client(), [A]).deleteFound(subject, A, ids, first));
    expect(first.beats.at(-1)).toMatchObject({ done: 2, alreadyGone: [] });

    sim.controls.log.length = 0;
    const retry = await createM365Connector(client(), [A]).deleteFound(subject, A, ids, context(first.beats.at(-1)));
    expect(retry).toEqual({ deleted: ids, alreadyGone: [] });
    expect(sim.controls.log.filter((r) => r.operation === 'permanent-delete')).toHaveLength(3);
    expect(sim.controls.deletions).toEqual(ids);
  });

  it('pages users and messages: a find is one page of at most 250, its cursor continues the query', async () => {
    await start({ usersPageSize: 2, ratePerSecond: 0 });
    const upns = ['u1', 'u2', 'u3', 'u4', 'u5'].map((u) => `${u}@corp.example`);
    for (const u of upns) sim.seedMailbox(u);
    const seeded = Array.from({ length: 260 }, () => sim.seedMessage('u3@corp.example', { from: EMAIL }));
    const connector = createM365Connector(client());

    const ctx = context();
    const { mailboxes } = await listMailboxes(connector, subject, ctx);
    expect(mailboxes).toHaveLength(5);
    expect(ops('list-users')).toHaveLength(3);
    expect(ctx.beats).toEqual([{ users: 2 }, { users: 4 }, { users: 5 }]);

    const u3 = sim.vendor.user('u3@corp.example')?.id ?? '';
    const first = await connector.find(subject, u3, undefined, context());
    expect(first.ids).toEqual(seeded.slice(0, 250));
    expect(first.capped).toBeUndefined();
    const second = await connector.find(subject, u3, first.cursor, context());
    expect(second).toEqual({ ids: seeded.slice(250) });
    expect(ops('list-messages')).toHaveLength(2);
    expect(ops('list-messages')[0]?.query).toMatchObject({
      $search: `"participants:${EMAIL}"`,
      $top: '250',
      $select: 'id',
    });
    expect(ops('list-messages')[1]?.query).toMatchObject({ $skip: '250' });

    // A cursor this version cannot read lists from the first page again (always right: the workflow drops repeats).
    expect((await connector.find(subject, u3, 'not a cursor', context())).ids).toEqual(seeded.slice(0, 250));
    expect(ops('permanent-delete')).toHaveLength(0);
  });

  it('marks the page where a query reaches the 1,000-hit $search cap; the next round finds the rest', async () => {
    await start({ ratePerSecond: 0 });
    sim.seedMailbox(A);
    for (let i = 0; i < 1_005; i++) sim.seedMessage(A, { from: A, to: [EMAIL] });
    const connector = createM365Connector(client(), [A]);
    const { ids, pages } = await findAll(connector, subject, A);
    expect(ids).toHaveLength(1_000);
    expect(pages.map((p) => [p.ids.length, p.capped ?? false])).toEqual([
      [250, false],
      [250, false],
      [250, false],
      [250, true],
    ]);

    sim.controls.log.length = 0;
    const outcome = await eraseInProcess(connector, subject);
    expect(outcome).toMatchObject({ found: 1_005, deleted: 1_005, alreadyGone: 0, rounds: 3 });
    expect(outcome.deletedIds).toHaveLength(200); // receipt cap; the count stays exact
    expect(sim.controls.deletions).toHaveLength(1_005);
    expect(sim.messages(A)).toEqual([]);
  }, 60_000);

  it('sweeps only the configured mailboxes, sorted, without listing users', async () => {
    await start();
    for (const m of [A, B, C]) sim.seedMailbox(m);
    sim.seedMessage(A, { from: EMAIL });
    sim.seedMessage(B, { from: EMAIL });
    const connector = createM365Connector(client(), [C, B]);
    expect(await listMailboxes(connector, subject)).toEqual({ mailboxes: [B, C] });
    expect(await eraseInProcess(connector, subject)).toMatchObject({ found: 1, deleted: 1 });
    expect(sim.messages(A)).toHaveLength(1);
    expect(sim.messages(B)).toHaveLength(0);
    expect(ops('list-users')).toHaveLength(0);
  });

  it('a configured mailbox that does not exist (or stops existing) is a setup error naming its position', async () => {
    await start();
    sim.seedMailbox(A);
    sim.seedMailbox(B);
    const f = await failure(
      createM365Connector(client(), [A, 'nobody@corp.example']).find(
        subject,
        'nobody@corp.example',
        undefined,
        context(),
      ),
    );
    expect(f).toMatchObject({ type: 'ConnectorMisconfigured', nonRetryable: true });
    expect(f.message).toContain('entry 2 of M365_MAILBOXES');
    expect(f.message).not.toContain('nobody');

    const id = sim.seedMessage(B, { from: EMAIL });
    const user = sim.vendor.user(B);
    if (user) user.mailbox = undefined; // the mailbox went away between find and delete
    const g = await failure(createM365Connector(client(), [A, B]).deleteFound(subject, B, [id], context()));
    expect(g).toMatchObject({ type: 'ConnectorMisconfigured', nonRetryable: true });
    expect(g.message).toContain('entry 2 of M365_MAILBOXES');
    expect(g.message).not.toContain('bob');
  });

  it('needs an email identifier and a mailbox', async () => {
    await start();
    const connector = createM365Connector(client());
    const phone = { kind: 'phone', value: '+14155552671' } as const;
    for (const call of [
      connector.find(phone, A, undefined, context()),
      connector.deleteFound(phone, A, ['x'], context()),
      connector.find(subject, undefined, undefined, context()),
    ]) {
      expect(await failure(call)).toMatchObject({ type: 'ConnectorMisconfigured', nonRetryable: true });
    }
    expect(sim.controls.log).toHaveLength(0);
  });

  it('refuses a cursor whose nextLink points away from Graph (the bearer token would follow it)', async () => {
    await start();
    sim.seedMailbox(A);
    const cursor = JSON.stringify({ next: 'https://attacker.example/v1.0/users/x/messages?$skip=250', hits: 250 });
    const f = await failure(createM365Connector(client(), [A]).find(subject, A, cursor, context()));
    expect(f).toMatchObject({ type: 'VendorResponseInvalid', nonRetryable: true });
    expect(sim.controls.log).toHaveLength(0);
  });
});

describe('Graph client auth', () => {
  it('caches the token across many calls and refreshes it once after expiry', async () => {
    await start();
    for (const m of [A, B, C]) {
      sim.seedMailbox(m);
      sim.seedMessage(m, { from: EMAIL });
      sim.seedMessage(m, { to: [EMAIL], from: m });
    }
    const c = client();
    await eraseInProcess(createM365Connector(c), subject);
    expect(sim.controls.log.length).toBeGreaterThan(10);
    expect(ops('token')).toHaveLength(1);

    sim.expireTokens();
    expect(await c.listMailboxes()).toHaveLength(3);
    expect(ops('token')).toHaveLength(2);
    expect(ops('list-users').map((r) => r.status)).toEqual([200, 401, 200]);
  });

  it('a second 401 InvalidAuthenticationToken is VendorAuthFailed', async () => {
    await start();
    sim.seedMailbox(A);
    sim.controls.inject({ kind: 'status', status: 401 }, { operation: 'list-messages', times: 2 });
    const f = await failure(client().findMessages(A, EMAIL));
    expect(f).toMatchObject({ type: 'VendorAuthFailed', nonRetryable: true });
    expect(f.message).toContain('InvalidAuthenticationToken');
    expect(ops('token')).toHaveLength(2);
  });

  it.each([
    ['wrong secret', { clientSecret: 'nope' }, 'invalid_client'],
    ['wrong client id', { clientId: 'nope' }, 'unauthorized_client'],
    ['wrong tenant', { tenantId: 'nope' }, 'invalid_request'],
  ])('%s -> non-retryable VendorAuthFailed naming the variables', async (_name, overrides, code) => {
    await start();
    sim.seedMailbox(A);
    const f = await failure(eraseInProcess(createM365Connector(client(overrides), [A]), subject));
    expect(f).toMatchObject({ type: 'VendorAuthFailed', nonRetryable: true });
    expect(f.message).toContain(code);
    expect(f.message).toContain('M365_CLIENT_SECRET');
    expect(f.message).not.toContain('nope');
  });
});

describe('Graph client failures', () => {
  it('429 from the rate limiter -> VendorRateLimited with nextRetryDelay >= Retry-After', async () => {
    await start({ ratePerSecond: 2, rateLimitRetryAfterSeconds: 3 });
    sim.seedMailbox(A);
    for (let i = 0; i < 5; i++) sim.seedMessage(A, { from: EMAIL });
    const f = await failure(eraseInProcess(createM365Connector(client(), [A]), subject));
    expect(f).toMatchObject({ type: 'VendorRateLimited', nonRetryable: false });
    expect(f.message).toContain('ApplicationThrottled');
    expect(Number(f.nextRetryDelay)).toBeGreaterThanOrEqual(3_000);
    expect(sim.controls.rateLimited).toBeGreaterThan(0);
  });

  it('503 -> retryable VendorUnavailable', async () => {
    await start();
    sim.seedMailbox(A);
    sim.controls.inject({ kind: 'status', status: 503 }, { operation: 'list-messages' });
    const f = await failure(client().findMessages(A, EMAIL));
    expect(f).toMatchObject({ type: 'VendorUnavailable', nonRetryable: false });
    expect(f.message).toMatch(/ServiceUnavailable; vendor request id [0-9a-f-]{36}/);
  });

  it('dropped connection -> retryable VendorUnavailable', async () => {
    await start();
    sim.seedMailbox(A);
    sim.controls.inject({ kind: 'drop' }, { operation: 'list-users' });
    expect(await failure(client().listMailboxes())).toMatchObject({ type: 'VendorUnavailable', nonRetryable: false });
  });

  it('never quotes Graph error messages, which can contain the address', async () => {
    await start();
    sim.seedMailbox(A);
    const body = graphError('BadRequest', `Invalid $search "participants:${EMAIL}"`);
    sim.controls.inject({ kind: 'status', status: 400, body }, { operation: 'list-messages' });
    const f = await failure(client().findMessages(A, EMAIL));
    expect(f).toMatchObject({ type: 'VendorRejectedRequest', nonRetryable: true });
    expect(f.message).toContain('BadRequest');
  });

  it('refuses a nextLink pointing away from Graph (the bearer token would follow it)', async () => {
    await start();
    sim.seedMailbox(A);
    const body = { value: [], '@odata.nextLink': 'https://attacker.example/v1.0/users?$skiptoken=x' };
    sim.controls.inject({ kind: 'status', status: 200, body }, { operation: 'list-users' });
    expect(await failure(client().listMailboxes())).toMatchObject({
      type: 'VendorResponseInvalid',
      nonRetryable: true,
    });
  });
});

describe('graphClientFromEnv', () => {
  const creds = { M365_TENANT_ID: 't', M365_CLIENT_ID: 'c', M365_CLIENT_SECRET: 's' };

  it('is undefined when nothing is configured', () => {
    expect(graphClientFromEnv({})).toBeUndefined();
    expect(graphClientFromEnv({ M365_TENANT_ID: '' })).toBeUndefined();
  });

  it('names the missing variables when partly configured', () => {
    expect(() => graphClientFromEnv({ M365_TENANT_ID: 't' })).toThrow(/set M365_CLIENT_ID, M365_CLIENT_SECRET/);
    expect(() => graphClientFromEnv({ M365_MAILBOXES: A })).toThrow(/M365_MAILBOXES is set/);
    expect(() => graphClientFromEnv({ ...creds, GRAPH_BASE_URL: 'not a url' })).toThrow(/GRAPH_BASE_URL/);
  });

  it('builds a client and the mailbox list', () => {
    const all = graphClientFromEnv(creds);
    expect(all?.client).toBeInstanceOf(GraphClient);
    expect(all?.mailboxes).toBeUndefined();
    expect(graphClientFromEnv({ ...creds, M365_MAILBOXES: ` ${A}, ${B},,${A}` })?.mailboxes).toEqual([A, B]);
  });
});
