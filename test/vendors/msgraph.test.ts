/**
 * Microsoft 365 connector + Graph client against the Graph simulator over real HTTP (no Temporal server).
 */
import { Agent } from 'undici';
import { GraphClient, graphClientFromEnv, type GraphClientOptions } from '../../src/vendors/msgraph/client';
import { createM365Connector, type M365Progress } from '../../src/vendors/msgraph/connector';
import {
  createGraphSimulator,
  graphError,
  type GraphSimOptions,
  type GraphSimulator,
} from '../../src/vendors/msgraph/simulator';
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

const context = (resumeFrom?: unknown, onBeat?: (d: M365Progress) => void) =>
  recordingContext<M365Progress>(resumeFrom, onBeat);

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
  it('deletes mail from/to/cc/bcc the address across mailboxes and leaves other mail alone', async () => {
    await start();
    for (const m of [A, B, C]) sim.seedMailbox(m);
    sim.seedUser('guest@corp.example'); // no mailbox: skipped, not an error
    const hits = [
      sim.seedMessage(A, { from: EMAIL, to: [A] }),
      sim.seedMessage(A, { from: A, to: ['Jane.Doe@Customer.example'] }),
      sim.seedMessage(B, { from: B, to: [C], cc: [EMAIL] }),
      sim.seedMessage(C, { from: C, to: [B], bcc: [EMAIL] }),
    ];
    const keepA = sim.seedMessage(A, { from: 'john@customer.example', to: [A] });
    const keepB = sim.seedMessage(B, { from: B, to: ['jane.doe@other.example'] });

    const ctx = context();
    const outcome = await createM365Connector(client()).erase(subject, ctx);

    expect(outcome).toMatchObject({ connector: 'm365', found: 4, deleted: 4, alreadyGone: 0 });
    expect(outcome.deletedIds.sort()).toEqual([...hits].sort());
    expect(sim.messages(A).map((m) => m.id)).toEqual([keepA]);
    expect(sim.messages(B).map((m) => m.id)).toEqual([keepB]);
    expect(sim.messages(C)).toEqual([]);
    expect(ctx.beats.at(-1)).toMatchObject({ mailboxIndex: 4, skippedMailboxes: 1, deleted: 4 });
    expect(sim.vendor.missingImmutableIdPrefer).toBe(0);
  });

  it('is idempotent: a rerun finds nothing and succeeds', async () => {
    await start();
    sim.seedMailbox(A);
    sim.seedMessage(A, { from: EMAIL });
    const connector = createM365Connector(client());
    expect(await connector.erase(subject, context())).toMatchObject({ found: 1, deleted: 1 });
    expect(await connector.erase(subject, context())).toMatchObject({
      found: 0,
      deleted: 0,
      alreadyGone: 0,
      deletedIds: [],
    });
  });

  it('counts a message gone between search and delete as alreadyGone', async () => {
    await start();
    sim.seedMailbox(A);
    const id = sim.seedMessage(A, { from: EMAIL });
    const c = client();
    const find = c.findMessages.bind(c);
    c.findMessages = async (...args) => {
      const ids = await find(...args);
      sim.vendor.user(A)?.mailbox?.splice(0); // someone else deleted it meanwhile
      return ids;
    };
    expect(await createM365Connector(c).erase(subject, context())).toMatchObject({
      found: 1,
      deleted: 0,
      alreadyGone: 1,
    });
    expect(await c.permanentDelete(A, id)).toBe('not-found');
  });

  it('follows @odata.nextLink for users and messages', async () => {
    await start({ usersPageSize: 2, ratePerSecond: 0 });
    const upns = ['u1', 'u2', 'u3', 'u4', 'u5'].map((u) => `${u}@corp.example`);
    for (const u of upns) sim.seedMailbox(u);
    for (let i = 0; i < 260; i++) sim.seedMessage('u3@corp.example', { from: EMAIL });

    const outcome = await createM365Connector(client()).erase(subject, context());
    expect(outcome.deleted).toBe(260);
    expect(outcome.deletedIds).toHaveLength(200); // receipt cap; the count stays exact
    expect(ops('list-users')).toHaveLength(3);
    const u3 = sim.vendor.user('u3@corp.example')?.id ?? '';
    expect(ops('list-messages').filter((r) => r.path.includes(u3))).toHaveLength(2); // 250 + 10
    expect(ops('list-messages')[0]?.query).toMatchObject({
      $search: `"participants:${EMAIL}"`,
      $top: '250',
      $select: 'id',
    });
  });

  it('searches again when a query hits the 1,000-result $search cap', async () => {
    await start({ ratePerSecond: 0 });
    sim.seedMailbox(A);
    for (let i = 0; i < 1_005; i++) sim.seedMessage(A, { from: A, to: [EMAIL] });
    const outcome = await createM365Connector(client(), [A]).erase(subject, context());
    expect(outcome).toMatchObject({ found: 1_005, deleted: 1_005 });
    expect(sim.messages(A)).toEqual([]);
  }, 60_000);

  it('sweeps only the configured mailboxes, without listing users', async () => {
    await start();
    for (const m of [A, B]) sim.seedMailbox(m);
    sim.seedMessage(A, { from: EMAIL });
    sim.seedMessage(B, { from: EMAIL });
    expect(await createM365Connector(client(), [B]).erase(subject, context())).toMatchObject({ deleted: 1 });
    expect(sim.messages(A)).toHaveLength(1);
    expect(sim.messages(B)).toHaveLength(0);
    expect(ops('list-users')).toHaveLength(0);
  });

  it('fails non-retryably when a configured mailbox does not exist', async () => {
    await start();
    sim.seedMailbox(A);
    const f = await failure(createM365Connector(client(), [A, 'nobody@corp.example']).erase(subject, context()));
    expect(f).toMatchObject({ type: 'ConnectorMisconfigured', nonRetryable: true });
    expect(f.message).toContain('entry 2 of M365_MAILBOXES');
    expect(f.message).not.toContain('nobody');
  });

  it('resumes from heartbeat details, skipping mailboxes already swept', async () => {
    await start();
    for (const m of [A, B, C]) {
      sim.seedMailbox(m);
      sim.seedMessage(m, { from: EMAIL });
    }
    const connector = createM365Connector(client(), [C, A, B]);
    // Crash (connection lost) on the first delete after two mailboxes are done.
    const first = context(undefined, (d) => {
      if (d.mailboxIndex === 2) sim.controls.inject({ kind: 'drop' }, { operation: 'permanent-delete' });
    });
    const f = await failure(connector.erase(subject, first));
    expect(f).toMatchObject({ type: 'VendorUnavailable', nonRetryable: false });
    const last = first.beats.at(-1);
    expect(last).toMatchObject({ mailboxIndex: 2, lastMailbox: B, deleted: 2 });

    sim.controls.log.length = 0;
    const outcome = await connector.erase(subject, context(JSON.parse(JSON.stringify(last))));
    expect(outcome).toMatchObject({ found: 3, deleted: 3, alreadyGone: 0 });
    expect(outcome.deletedIds).toHaveLength(3);
    expect(ops('list-messages').map((r) => decodeURIComponent(r.path))).toEqual([`/v1.0/users/${C}/messages`]);
  });

  it('ignores unreadable resume details and starts over', async () => {
    await start();
    sim.seedMailbox(A);
    sim.seedMessage(A, { from: EMAIL });
    expect(await createM365Connector(client()).erase(subject, context({ nonsense: true }))).toMatchObject({
      deleted: 1,
    });
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
    await createM365Connector(c).erase(subject, context());
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
    const f = await failure(createM365Connector(client(overrides), [A]).erase(subject, context()));
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
    const f = await failure(createM365Connector(client(), [A]).erase(subject, context()));
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
