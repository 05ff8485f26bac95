/**
 * GongClient against the Gong simulator over real HTTP (no Temporal server needed).
 * Every failure is checked for type, retryability and for not quoting the identifier.
 */
import { Agent, request } from 'undici';
import type { Identifier } from '../../src/subject/identifiers';
import { createGongActivities } from '../../src/vendors/gong/activities';
import { Pacer } from '../../src/vendors/gong/pacer';
import { countReferences, GongClient, gongClientFromEnv, type GongAuth } from '../../src/vendors/gong/client';
import {
  createGongSimulator,
  GONG_SIM_CREDENTIALS,
  type GongSimOptions,
  type GongSimulator,
} from '../../src/vendors/gong/simulator';
import { basicAuth, FailureTypes } from '../../src/vendors/http';
import type { SimServer } from '../../src/vendors/sim/server';
import { failureOf } from '../helpers/vendor';

const EMAIL = 'ada.lovelace@example.com';
const PHONE = '+14255552671';
const email: Identifier = { kind: 'email', value: EMAIL };
const phone: Identifier = { kind: 'phone', value: PHONE };
const REQUEST_ID = /^[a-z0-9]{19}$/;
const basic: GongAuth = { kind: 'basic', ...GONG_SIM_CREDENTIALS };
const bearer: GongAuth = { kind: 'bearer', token: GONG_SIM_CREDENTIALS.token };
const PATH = '/v2/data-privacy';

let sim: SimServer<GongSimulator>;
let gong: GongSimulator;
const agents: Agent[] = [];

async function startSim(options: GongSimOptions = { ratePerSecond: 0 }): Promise<void> {
  sim = createGongSimulator(options);
  gong = sim.vendor;
  await sim.start();
}

function client(opts: { auth?: GongAuth; baseUrl?: string; timeoutMs?: number } = {}): GongClient {
  const dispatcher = new Agent();
  agents.push(dispatcher);
  return new GongClient({
    baseUrl: opts.baseUrl ?? sim.url,
    auth: opts.auth ?? basic,
    timeoutMs: opts.timeoutMs,
    dispatcher,
  });
}

const IDENTIFIER_FORMS = [EMAIL, encodeURIComponent(EMAIL), 'ada.lovelace', PHONE, '14255552671', '5552671'];
const expectFailure = (promise: Promise<unknown>, type: string, nonRetryable: boolean) =>
  failureOf(promise, IDENTIFIER_FORMS, { type, nonRetryable });

beforeEach(() => startSim());
afterEach(async () => {
  await Promise.all(agents.splice(0).map((a) => a.destroy()));
  await sim.stop();
});

const seedAda = () =>
  gong.seedPerson({
    emails: [EMAIL, 'ada@work.example'],
    phones: ['+1 (425) 555-2671'],
    emailMessages: 4,
    calls: 2,
    meetings: 1,
    engagements: 1,
  });

describe('references and erase', () => {
  it('counts every list Gong returns, undocumented ones too, and not the lookup echo', () => {
    const counts = countReferences({
      requestId: 'r1',
      emails: [{}, {}],
      calls: [{}],
      matchingPhoneNumbers: ['x'],
      emailAddresses: ['y'],
      // A list Gong might add: still data about the person, so verification must not pass over it.
      whatsappMessages: [{}, {}, {}],
    } as unknown as Parameters<typeof countReferences>[0]);
    expect(counts).toEqual({
      emails: 2,
      calls: 1,
      meetings: 0,
      customerDataObjects: 0,
      customerEngagement: 0,
      other: 3,
    });
  });

  it('sees references vanish only after the deletion delay (email)', async () => {
    seedAda();
    gong.setDeletionDelay(500);
    const act = createGongActivities(client());

    const before = await act.gongReferences(email);
    // 4 messages round-robin over 2 addresses: 2 reference this one.
    expect(before.counts).toEqual({ emails: 2, calls: 2, meetings: 1, customerDataObjects: 1, customerEngagement: 1 });
    expect(before.total).toBe(7);
    expect(before.identifier).toEqual(email);
    expect(before.gongRequestId).toMatch(REQUEST_ID);
    expect(JSON.stringify(before)).not.toContain('work.example'); // counts only, never Gong's payload

    const erased = await act.gongErase(email);
    expect(erased.gongRequestId).toMatch(REQUEST_ID);
    expect(erased.identifier).toEqual(email);

    expect((await act.gongReferences(email)).total).toBe(7); // accepted, not yet done
    expect(gong.erasureRequests().map((e) => e.state)).toEqual(['pending']);
    await new Promise((r) => setTimeout(r, 600));
    expect((await act.gongReferences(email)).total).toBe(0);
    expect(gong.erasedIdentifiers()).toEqual([email]);

    expect(sim.controls.log.map((l) => `${l.method} ${l.path} ${l.status}`)).toEqual([
      `GET ${PATH}/data-for-email-address 200`,
      `POST ${PATH}/erase-data-for-email-address 200`,
      `GET ${PATH}/data-for-email-address 200`,
      `GET ${PATH}/data-for-email-address 200`,
    ]);
    expect(sim.controls.log.every((l) => l.query.emailAddress === EMAIL)).toBe(true);
  });

  it('sends the phone number URL-encoded and Gong matches it by digits', async () => {
    seedAda();
    const c = client();
    const refs = await c.references(phone);
    expect(refs.counts).toEqual({ emails: 4, calls: 2, meetings: 0, customerDataObjects: 1, customerEngagement: 0 });

    // `+` left the client as %2B and the server decoded it back to `+`.
    expect(gong.receivedQueries.at(-1)).toEqual({
      operation: 'data-for-phone-number',
      rawQuery: 'phoneNumber=%2B14255552671',
    });
    expect(sim.controls.log.at(-1)?.query.phoneNumber).toBe(PHONE);

    await c.erase(phone);
    expect(gong.receivedQueries.at(-1)?.rawQuery).toBe('phoneNumber=%2B14255552671');
    expect(gong.erasedIdentifiers()).toEqual([phone]);
    expect((await c.references(phone)).total).toBe(0);
    // The phone erase took the contact, its messages and calls; meetings are only erased by email.
    expect((await c.references(email)).counts).toEqual({
      emails: 0,
      calls: 0,
      meetings: 1,
      customerDataObjects: 0,
      customerEngagement: 1,
    });
  });

  it('answers 400 to a raw unencoded `+` (decoded as a space) or a missing param, 401 without auth', async () => {
    const authorization = basicAuth(GONG_SIM_CREDENTIALS.accessKey, GONG_SIM_CREDENTIALS.accessKeySecret);
    const raw = await request(`${sim.url}${PATH}/data-for-phone-number?phoneNumber=+14255552671`, {
      headers: { authorization },
    });
    expect(raw.statusCode).toBe(400);
    const body = (await raw.body.json()) as { requestId: string; errors: string[] };
    expect(body.requestId).toMatch(REQUEST_ID);
    expect(body.errors).toHaveLength(1);
    expect(sim.controls.log.at(-1)?.query.phoneNumber).toBe(' 14255552671');

    const rawErase = await request(`${sim.url}${PATH}/erase-data-for-phone-number?phoneNumber=+14255552671`, {
      method: 'POST',
      headers: { authorization },
    });
    expect(rawErase.statusCode).toBe(400);
    await rawErase.body.dump();
    expect(gong.erasureRequests()).toEqual([]);

    const missing = await request(`${sim.url}${PATH}/data-for-email-address`, { headers: { authorization } });
    expect(missing.statusCode).toBe(400);
    await missing.body.dump();
    const unauthenticated = await request(`${sim.url}${PATH}/data-for-phone-number?phoneNumber=%2B14255552671`);
    expect(unauthenticated.statusCode).toBe(401);
    expect(await unauthenticated.body.json()).toEqual({
      requestId: expect.stringMatching(REQUEST_ID),
      errors: [expect.any(String)],
    });

    const encoded = await request(`${sim.url}${PATH}/data-for-phone-number?phoneNumber=%2B14255552671`, {
      headers: { authorization },
    });
    expect(encoded.statusCode).toBe(200);
    await encoded.body.dump();
  });

  it('is idempotent: erasing twice, or erasing what Gong does not know, is 200', async () => {
    seedAda();
    const c = client();
    const first = await c.erase(email);
    const second = await c.erase(email);
    expect(second.gongRequestId).not.toBe(first.gongRequestId);
    expect((await c.references(email)).total).toBe(0);
    await expect(c.erase({ kind: 'email', value: 'nobody@example.org' })).resolves.toMatchObject({
      gongRequestId: expect.stringMatching(REQUEST_ID),
    });
    await expect(c.erase({ kind: 'phone', value: '+442079460000' })).resolves.toBeDefined();
  });

  it('keeps references while deletion is stuck; a later erase completes', async () => {
    seedAda();
    gong.setStuckDeletion(true);
    const c = client();
    await c.erase(email);
    gong.completePendingDeletions();
    expect((await c.references(email)).total).toBe(7);
    expect(gong.erasureRequests().map((e) => e.state)).toEqual(['stuck']);

    gong.setStuckDeletion(false);
    await c.erase(email);
    expect((await c.references(email)).total).toBe(0);
  });

  it('rejects malformed identifiers with 400 -> non-retryable VendorRejectedRequest', async () => {
    const c = client();
    await expectFailure(c.references({ kind: 'phone', value: '14255552671' }), FailureTypes.rejected, true);
    await expectFailure(c.erase({ kind: 'email', value: 'ada.lovelace' }), FailureTypes.rejected, true);
  });
});

describe('authentication', () => {
  it('accepts Basic and Bearer', async () => {
    seedAda();
    expect((await client({ auth: basic }).references(email)).total).toBe(7);
    expect((await client({ auth: bearer }).references(email)).total).toBe(7);
  });

  it('maps wrong credentials to non-retryable VendorAuthFailed with Gong request id', async () => {
    const wrongSecret = client({ auth: { ...basic, accessKeySecret: 'nope' } });
    const failure = await expectFailure(wrongSecret.references(email), FailureTypes.auth, true);
    expect(failure.message).toMatch(/HTTP 401 \(vendor request id [a-z0-9]{19}\)/);
    await expectFailure(client({ auth: { kind: 'bearer', token: 'nope' } }).erase(phone), FailureTypes.auth, true);
    expect(gong.erasureRequests()).toEqual([]);
  });
});

describe('failure classification', () => {
  it('429 with Retry-After 7 -> retryable VendorRateLimited, next retry >= 7 s', async () => {
    sim.controls.inject({ kind: 'status', status: 429, retryAfterSeconds: 7 });
    const failure = await expectFailure(client().erase(email), FailureTypes.rateLimited, false);
    expect(failure.nextRetryDelay).toBeDefined();
    expect(failure.nextRetryDelay).toBeGreaterThanOrEqual(7_000);
  });

  it('500 -> retryable VendorUnavailable', async () => {
    sim.controls.inject({ kind: 'status', status: 500 });
    const failure = await expectFailure(client().references(email), FailureTypes.unavailable, false);
    expect(failure.message).toMatch(/vendor request id [a-z0-9]{19}/);
  });

  it('error free text never reaches the failure message', async () => {
    sim.controls.inject({
      kind: 'status',
      status: 400,
      body: { requestId: 'abc123', errors: [`Invalid email ${EMAIL}`] },
    });
    const failure = await expectFailure(client().erase(email), FailureTypes.rejected, true);
    expect(failure.message).toContain('abc123');
  });

  it('a request id that looks personal is kept (in the receipt, in operator messages) as a placeholder', async () => {
    sim.controls.inject(
      { kind: 'status', status: 200, body: { requestId: '14255552671' } },
      { operation: 'erase-data-for-email-address' },
    );
    expect((await client().erase(email)).gongRequestId).toBe('(withheld)');
    sim.controls.inject(
      { kind: 'status', status: 200, body: { requestId: 'req.li.wei.example.net', emails: [] } },
      { operation: 'data-for-email-address' },
    );
    expect((await client().references(email)).gongRequestId).toBe('(withheld)');
    sim.controls.inject(
      { kind: 'status', status: 404, body: { requestId: '425-555-2671', errors: ['none'] } },
      { operation: 'data-for-email-address' },
    );
    expect(await client().references(email)).toMatchObject({ total: 0, gongRequestId: '(withheld)' });
  });

  it('dropped connection -> retryable VendorUnavailable; an erase done before the drop can be repeated', async () => {
    seedAda();
    const c = client();
    sim.controls.inject({ kind: 'drop' });
    await expectFailure(c.references(email), FailureTypes.unavailable, false);

    sim.controls.inject({ kind: 'drop-after-effect' }, { operation: 'erase-data-for-email-address' });
    await expectFailure(c.erase(email), FailureTypes.unavailable, false);
    expect(gong.erasureRequests()).toHaveLength(1); // Gong acted; we never heard
    await c.erase(email); // Temporal's retry
    expect((await c.references(email)).total).toBe(0);
  });

  it('timeout -> retryable VendorUnavailable', async () => {
    // undici's timers are coarse (about 1 s resolution), so the delay must clearly exceed that.
    sim.controls.inject({ kind: 'delay', ms: 2_000 });
    await expectFailure(client({ timeoutMs: 100 }).references(phone), FailureTypes.unavailable, false);
  });

  it("Gong's own 404 means no references; a bare 404 (wrong base URL) is a non-retryable failure", async () => {
    sim.controls.inject({ kind: 'status', status: 404 }, { operation: 'data-for-email-address' });
    const refs = await client().references(email);
    expect(refs).toMatchObject({ total: 0, gongRequestId: expect.stringMatching(REQUEST_ID) });

    const wrongBase = client({ baseUrl: `${sim.url}/api` });
    await expectFailure(wrongBase.references(email), FailureTypes.unexpected, true);
  });

  it('reads lenient payloads: numeric ids and timestamps, nulls, unknown fields', async () => {
    const body = {
      requestId: 'r1',
      emails: [{ id: 'm1', extra: true }],
      calls: [{ id: 'NUMERIC_ID', status: 'COMPLETED' }, { id: '1' }],
      meetings: null,
      customerData: [{ system: 'SomeNewCrm', objects: [{ id: 123, objectType: 'Lead' }, {}] }, { system: 'HubSpot' }],
      customerEngagement: [{ eventType: 'contentViewed', timestamp: 1656590400000 }],
      somethingNew: { nested: 1 },
    };
    // Raw JSON so the 20-digit id reaches the client as a JSON number, as Gong may send it.
    sim.controls.inject({
      kind: 'status',
      status: 200,
      body: JSON.stringify(body).replace('"NUMERIC_ID"', '7782342274025937895'),
    });
    const refs = await client().references(email);
    expect(refs.counts).toEqual({ emails: 1, calls: 2, meetings: 0, customerDataObjects: 2, customerEngagement: 1 });
    expect(refs.total).toBe(6);
  });

  it('invalid 200 bodies -> non-retryable VendorResponseInvalid', async () => {
    sim.controls.inject({ kind: 'status', status: 200, body: {} }, { operation: 'erase-data-for-email-address' });
    await expectFailure(client().erase(email), FailureTypes.invalidResponse, true);
    sim.controls.inject({ kind: 'status', status: 200, body: { emails: 'not a list' } });
    await expectFailure(client().references(email), FailureTypes.invalidResponse, true);
  });
});

describe('rate limit', () => {
  it('answers 429 beyond 3 requests in a second (Gong default)', async () => {
    await sim.stop();
    await startSim({}); // default rate
    const c = client();
    const results = await Promise.allSettled([1, 2, 3, 4].map(() => c.references(email)));
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(3);
    const rejected = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    expect(rejected).toHaveLength(1);
    await expectFailure(Promise.reject(rejected[0]!.reason), FailureTypes.rateLimited, false);
    expect(sim.controls.rateLimited).toBe(1);
    expect(sim.controls.log.filter((l) => l.status === 429)).toHaveLength(1);
  });
});

describe('gongClientFromEnv', () => {
  it('is undefined without credentials, blank or absent', () => {
    expect(gongClientFromEnv({})).toBeUndefined();
    expect(
      gongClientFromEnv({ GONG_ACCESS_KEY: '', GONG_ACCESS_KEY_SECRET: ' ', GONG_ACCESS_TOKEN: '' }),
    ).toBeUndefined();
  });

  it('builds Basic and Bearer clients that work against Gong', async () => {
    seedAda();
    const basicClient = gongClientFromEnv({
      GONG_BASE_URL: sim.url,
      GONG_ACCESS_KEY: basic.accessKey,
      GONG_ACCESS_KEY_SECRET: basic.accessKeySecret,
    });
    expect(basicClient?.authKind).toBe('basic');
    expect((await basicClient!.references(email)).total).toBe(7);
    const bearerClient = gongClientFromEnv({ GONG_BASE_URL: sim.url, GONG_ACCESS_TOKEN: bearer.token });
    expect(bearerClient?.authKind).toBe('bearer');
    expect((await bearerClient!.references(email)).total).toBe(7);
    expect(gongClientFromEnv({ GONG_ACCESS_TOKEN: 't' })?.baseUrl).toBe('https://api.gong.io');
  });

  it('names the variable at fault and never echoes values', () => {
    expect(() => gongClientFromEnv({ GONG_ACCESS_KEY: 'key-123' })).toThrow(/GONG_ACCESS_KEY_SECRET is not/);
    expect(() => gongClientFromEnv({ GONG_ACCESS_KEY_SECRET: 'secret-123' })).toThrow(/GONG_ACCESS_KEY is not/);
    expect(() =>
      gongClientFromEnv({ GONG_ACCESS_KEY: 'k', GONG_ACCESS_KEY_SECRET: 's', GONG_ACCESS_TOKEN: 't' }),
    ).toThrow(/not both/);
    for (const url of ['not a url', 'ftp://user:hunter2@api.gong.io']) {
      let message = '';
      try {
        gongClientFromEnv({ GONG_BASE_URL: url, GONG_ACCESS_TOKEN: 'token-123' });
      } catch (err) {
        message = (err as Error).message;
      }
      expect(message).toMatch(/GONG_BASE_URL/);
      expect(message).not.toContain('hunter2');
      expect(message).not.toContain('token-123');
    }
  });
});

test('a 429 pauses the worker’s other Gong calls for its Retry-After, so they are not refused too', async () => {
  const activities = createGongActivities(client(), new Pacer(50));
  sim.controls.inject(
    { kind: 'status', status: 429, retryAfterSeconds: 2 },
    { operation: 'erase-data-for-email-address' },
  );
  await expect(activities.gongErase({ kind: 'email', value: EMAIL })).rejects.toMatchObject({
    type: FailureTypes.rateLimited,
  });
  await activities.gongReferences({ kind: 'email', value: EMAIL });
  const [limited, next] = sim.controls.log;
  expect(limited!.status).toBe(429);
  expect(next!.status).toBe(200);
  expect(next!.at - limited!.at).toBeGreaterThanOrEqual(1_990);
});
