/** HubSpot connector against the HubSpot simulator over real HTTP (no Temporal server needed). */
import type { OneByOneProgress } from '../../src/vendors/batch-progress';
import { Agent } from 'undici';
import { eraseInProcess } from '../../src/connectors/erase-in-process';
import type { ConnectorContext } from '../../src/connectors/types';
import type { Identifier } from '../../src/subject/identifiers';
import { HubSpotClient, hubspotClientFromEnv, MAX_SEARCH_RESULTS } from '../../src/vendors/hubspot/client';
import { createHubSpotConnector, EMAIL_METHOD, PHONE_METHOD } from '../../src/vendors/hubspot/connector';
import {
  createHubSpotSimulator,
  type HubSpotSimOptions,
  type HubSpotSimulator,
} from '../../src/vendors/hubspot/simulator';
import { deleteUntilDone, failureOf, findPages, recordingContext } from '../helpers/vendor';

const TOKEN = 'pat-test-token';
const EMAIL = 'jane.doe@example.com';
const PHONE = '+14255552671';
const janeEmail: Identifier = { kind: 'email', value: EMAIL };
const janePhone: Identifier = { kind: 'phone', value: PHONE };

let sim: HubSpotSimulator;
const running: HubSpotSimulator[] = [];
let dispatcher: Agent;
const heartbeats: unknown[] = [];
const ctx: ConnectorContext = { heartbeat: (d) => heartbeats.push(d) };

async function startSim(options: HubSpotSimOptions = {}): Promise<void> {
  sim = createHubSpotSimulator({ accessToken: TOKEN, ratePerSecond: 0, ...options });
  await sim.start();
  running.push(sim);
}
const client = (token = TOKEN) =>
  new HubSpotClient({ baseUrl: sim.url, accessToken: token, dispatcher, timeoutMs: 5_000 });
const connector = (token = TOKEN) => createHubSpotConnector(client(token));

const PII = [EMAIL, PHONE, PHONE.slice(1)];
/** A promise's failure, checked never to quote the identifier. */
const failure = (p: Promise<unknown>) => failureOf(p, PII);
const ops = (name: string) => sim.controls.log.filter((r) => r.operation === name);
const sorted = (ids: string[]) => [...ids].sort();

beforeAll(() => {
  dispatcher = new Agent({ keepAliveTimeout: 1_000 });
});
afterAll(async () => {
  await dispatcher.close();
});
beforeEach(() => {
  heartbeats.length = 0;
});
afterEach(async () => {
  for (const s of running.splice(0)) await s.stop();
});

describe('HubSpot connector: find', () => {
  beforeEach(() => startSim());

  test('lists the contacts holding an email (primary and additional) and changes nothing', async () => {
    const primary = sim.seedContact({ email: EMAIL, phone: '+1 555 000 0001' });
    const secondary = sim.seedContact({ email: 'other@example.com', additionalEmails: ['jane@work.example', EMAIL] });
    sim.seedContact({ email: 'bystander@example.com' });

    const page = await connector().find(janeEmail, undefined, undefined, ctx);

    expect(page).toEqual({ ids: [primary, secondary] });
    expect(sim.controls.operations()).toEqual(['search-contacts']);
    expect(sim.contacts()).toHaveLength(3);
    expect(sim.blocklist()).toEqual([]);
    expect(sim.controls.deletions).toEqual([]);
  });

  test('finds a formatted phone through the computed digits property, and a mobile in E.164', async () => {
    const formatted = sim.seedContact({ email: 'a@example.com', phone: '+1 (425) 555-2671' });
    const mobile = sim.seedContact({ email: 'b@example.com', mobilephone: PHONE });
    sim.seedContact({ email: 'c@example.com', phone: '+1 (425) 555-2672' });

    const page = await connector().find(janePhone, undefined, undefined, ctx);

    expect(sorted(page.ids)).toEqual(sorted([formatted, mobile]));
    expect(page.cursor).toBeUndefined();
  });

  test('after the deletes a new find comes back empty', async () => {
    const id = sim.seedContact({ email: EMAIL });
    const c = connector();
    await c.deleteFound(janeEmail, undefined, (await c.find(janeEmail, undefined, undefined, ctx)).ids, ctx);
    expect(await c.find(janeEmail, undefined, undefined, ctx)).toEqual({ ids: [] });
    expect(sim.controls.deletions).toEqual([id]);
  });

  test('refuses a cursor it did not return, before any call', async () => {
    const f = await failure(connector().find(janeEmail, undefined, 'after=100', ctx));
    expect(f).toMatchObject({ type: 'HttpRequestInvalid', nonRetryable: true });
    expect(sim.controls.log).toEqual([]);
  });
});

describe('HubSpot connector: deleteFound and finish', () => {
  beforeEach(() => startSim());

  test('GDPR-deletes exactly the ids found, then finish deletes and blocklists by email', async () => {
    const primary = sim.seedContact({ email: EMAIL, phone: '+1 555 000 0001' });
    const secondary = sim.seedContact({ email: 'other@example.com', additionalEmails: ['jane@work.example', EMAIL] });
    const bystander = sim.seedContact({ email: 'bystander@example.com' });
    const c = connector();

    const { ids } = await c.find(janeEmail, undefined, undefined, ctx);
    const report = await c.deleteFound(janeEmail, undefined, ids, ctx);
    expect(report).toEqual({ deleted: [primary, secondary], alreadyGone: [], permanent: true });

    await c.finish?.(janeEmail, ctx);

    expect(sim.contacts().map((x) => x.id)).toEqual([bystander]);
    expect(sim.blocklist()).toContain(EMAIL);
    // Search first, one delete per id, then the by-email delete last.
    expect(sim.controls.operations()).toEqual(['search-contacts', 'gdpr-delete', 'gdpr-delete', 'gdpr-delete']);
    expect(sim.controls.deletions).toEqual([primary, secondary]);
    // Positions only: no id, no address.
    expect(heartbeats).toEqual([
      { batch: expect.any(String), done: 1, alreadyGone: [] },
      { batch: expect.any(String), done: 2, alreadyGone: [] },
    ]);
  });

  test('for a phone, finish makes no call', async () => {
    const ids = [sim.seedContact({ phone: PHONE }), sim.seedContact({ mobilephone: PHONE })];
    const c = connector();
    expect(await c.deleteFound(janePhone, undefined, ids, ctx)).toMatchObject({ deleted: ids, alreadyGone: [] });
    await c.finish?.(janePhone, ctx);
    expect(sim.controls.operations()).toEqual(['gdpr-delete', 'gdpr-delete']);
    expect(sim.contacts()).toEqual([]);
  });

  test('finish by email deletes a contact the search missed, and the simulator records it', async () => {
    // HubSpot search is eventually consistent: a contact created a moment ago may not be found yet.
    const unseen = sim.seedContact({ email: EMAIL });
    await connector().finish?.(janeEmail, ctx);
    expect(sim.contacts()).toEqual([]);
    expect(sim.controls.deletions).toEqual([unseen]);
    expect(sim.blocklist()).toEqual([EMAIL]);
  });

  test('a contact deleted by someone else between find and delete is alreadyGone', async () => {
    const raced = sim.seedContact({ phone: PHONE });
    const kept = sim.seedContact({ mobilephone: PHONE });
    const c = connector();
    const { ids } = await c.find(janePhone, undefined, undefined, ctx);
    // Another run (or a HubSpot user) deletes it right after our find: the delete answers 404.
    sim.vendor.purge(raced);

    expect(await c.deleteFound(janePhone, undefined, ids, ctx)).toEqual({
      deleted: [kept],
      alreadyGone: [raced],
      permanent: true,
    });
    expect(ops('gdpr-delete').map((r) => r.status)).toEqual([404, 204]);
    expect(sim.controls.deletions).toEqual([kept]);
  });

  test('a delete whose response was lost fails retryably; the retry reports it alreadyGone', async () => {
    const id = sim.seedContact({ email: EMAIL });
    sim.controls.inject({ kind: 'drop-after-effect' }, { operation: 'gdpr-delete' });
    const f = await failure(connector().deleteFound(janeEmail, undefined, [id], ctx));
    expect(f.type).toBe('VendorUnavailable');
    expect(f.nonRetryable).toBeFalsy();
    expect(sim.contacts().map((c) => c.id)).not.toContain(id); // the delete took effect

    expect(await connector().deleteFound(janeEmail, undefined, [id], ctx)).toEqual({
      deleted: [],
      alreadyGone: [id],
      permanent: true,
    });
    expect(sim.controls.deletions).toEqual([id]);
  });

  test('a 5xx after the effect mid-batch, then a retry with the same ids: every id reported once, as removed', async () => {
    const ids = [
      sim.seedContact({ phone: PHONE }),
      sim.seedContact({ phone: PHONE }),
      sim.seedContact({ phone: PHONE }),
    ];
    // The first delete works; the second takes effect and then answers 503.
    sim.controls.inject({ kind: 'delay', ms: 0 }, { operation: 'gdpr-delete' });
    sim.controls.inject({ kind: 'status-after-effect', status: 503 }, { operation: 'gdpr-delete' });
    const f = await failure(connector().deleteFound(janePhone, undefined, ids, ctx));
    expect(f).toMatchObject({ type: 'VendorUnavailable', nonRetryable: false });

    const report = await connector().deleteFound(janePhone, undefined, ids, ctx);

    expect(report).toEqual({ deleted: [ids[2]], alreadyGone: [ids[0], ids[1]], permanent: true });
    expect(sorted([...report.deleted, ...report.alreadyGone])).toEqual(sorted(ids));
    expect(sim.controls.deletions).toEqual(ids);
  });

  test('a retry resumes after the ids the failed attempt answered for, keeping which were already gone', async () => {
    const ids = [
      sim.seedContact({ phone: PHONE }),
      sim.seedContact({ phone: PHONE }),
      sim.seedContact({ phone: PHONE }),
    ];
    sim.vendor.purge(ids[0] as string);
    sim.controls.inject({ kind: 'delay', ms: 0 }, { operation: 'gdpr-delete' });
    sim.controls.inject({ kind: 'status', status: 503 }, { operation: 'gdpr-delete' });
    const first = recordingContext<OneByOneProgress>();
    await failure(connector().deleteFound(janePhone, undefined, ids, first));
    expect(first.beats.at(-1)).toMatchObject({ done: 1, alreadyGone: [0] });

    sim.controls.log.length = 0;
    const report = await connector().deleteFound(janePhone, undefined, ids, recordingContext(first.beats.at(-1)));

    expect(report).toEqual({ deleted: [ids[1], ids[2]], alreadyGone: [ids[0]], permanent: true });
    expect(ops('gdpr-delete')).toHaveLength(2);
    // Progress of another batch is not this one's.
    sim.controls.log.length = 0;
    const other = await connector().deleteFound(
      janePhone,
      undefined,
      [ids[2] as string],
      recordingContext(first.beats.at(-1)),
    );
    expect(other).toEqual({ deleted: [], alreadyGone: [ids[2]], permanent: true });
    expect(ops('gdpr-delete')).toHaveLength(1);
  });

  test('under random 5xx (half after the effect), retries with the last heartbeat account for every id exactly once', async () => {
    const ids = Array.from({ length: 40 }, () => sim.seedContact({ phone: PHONE }));
    sim.controls.setChaos({ rate: 0.2, seed: 10 });
    const c = connector();
    const { report, attempts } = await deleteUntilDone(c, janePhone, undefined, ids);
    sim.controls.setChaos(undefined);

    expect(attempts).toBeGreaterThan(1);
    expect(report).toBeDefined();
    expect(sorted([...report!.deleted, ...report!.alreadyGone])).toEqual(sorted(ids));
    expect(report!.alreadyGone.length).toBeGreaterThan(0); // deletes that failed after the effect
    expect(sim.controls.deletions).toEqual(ids);
    expect(sim.contacts()).toEqual([]);
  });

  test('deleting nothing makes no call', async () => {
    expect(await connector().deleteFound(janeEmail, undefined, [], ctx)).toEqual({
      deleted: [],
      alreadyGone: [],
      permanent: true,
    });
    expect(sim.controls.log).toEqual([]);
  });

  test('method: the blocklist sentence for an email, the per-contact one for a phone, without calls', () => {
    const c = connector();
    const summary = { found: 2, permanent: true, unreachable: 0 };
    expect(c.method(janeEmail, summary)).toBe(EMAIL_METHOD);
    expect(EMAIL_METHOD).toMatch(/blocklist/);
    expect(c.method(janePhone, summary)).toBe(PHONE_METHOD);
    expect(sim.controls.log).toEqual([]);
  });
});

describe('HubSpot connector: the whole sweep in one process', () => {
  beforeEach(() => startSim());

  test('finds, GDPR-deletes each contact, then deletes and blocklists by email; the receipt matches the deletions', async () => {
    const primary = sim.seedContact({ email: EMAIL, phone: '+1 555 000 0001' });
    const secondary = sim.seedContact({ email: 'other@example.com', additionalEmails: ['jane@work.example', EMAIL] });
    const bystander = sim.seedContact({ email: 'bystander@example.com' });

    const outcome = await eraseInProcess(connector(), janeEmail, ctx);

    expect(outcome).toMatchObject({
      connector: 'hubspot',
      identifier: janeEmail,
      found: 2,
      deleted: 2,
      alreadyGone: 0,
      method: EMAIL_METHOD,
      rounds: 2,
    });
    expect(sorted(outcome.deletedIds)).toEqual(sorted(sim.controls.deletions));
    expect(sorted(outcome.deletedIds)).toEqual(sorted([primary, secondary]));
    expect(sim.contacts().map((c) => c.id)).toEqual([bystander]);
    expect(sim.blocklist()).toContain(EMAIL);
    // Find, one delete per id, a second find that comes back empty, then the by-email delete last.
    expect(sim.controls.operations()).toEqual([
      'search-contacts',
      'gdpr-delete',
      'gdpr-delete',
      'search-contacts',
      'gdpr-delete',
    ]);
    expect(JSON.stringify(heartbeats)).not.toContain(EMAIL);
  });

  test('a phone: no by-email delete', async () => {
    const ids = [sim.seedContact({ phone: '+1 (425) 555-2671' }), sim.seedContact({ mobilephone: PHONE })];
    const outcome = await eraseInProcess(connector(), janePhone, ctx);
    expect(outcome).toMatchObject({ found: 2, deleted: 2, method: PHONE_METHOD });
    expect(sorted(outcome.deletedIds)).toEqual(sorted(ids));
    expect(ops('gdpr-delete')).toHaveLength(2);
  });
});

describe('HubSpot connector: paging', () => {
  test('follows paging.next.after through every page, read-only', async () => {
    await startSim({ maxPageSize: 2 });
    const ids = Array.from({ length: 7 }, (_, i) => sim.seedContact({ phone: i % 2 ? PHONE : '+1 425-555-2671' }));
    sim.seedContact({ phone: '+44 20 7946 0000' });

    const pages = await findPages(connector(), janePhone);

    expect(pages.map((p) => p.ids.length)).toEqual([2, 2, 2, 1]);
    expect(pages.flatMap((p) => p.ids)).toEqual(ids);
    expect(pages.some((p) => p.capped)).toBe(false);
    expect(sim.controls.operations()).toEqual(Array(4).fill('search-contacts'));
    expect(sim.contacts()).toHaveLength(8);
  });

  test('stops where HubSpot stops answering (10,000 results) as capped; after the deletes the next round finds the rest', async () => {
    await startSim();
    const ids = Array.from({ length: MAX_SEARCH_RESULTS + 5 }, () => sim.seedContact({ phone: PHONE }));

    const pages = await findPages(connector(), janePhone);

    expect(pages).toHaveLength(MAX_SEARCH_RESULTS / 100);
    expect(pages.at(-1)).toMatchObject({ capped: true });
    expect(pages.at(-1)?.cursor).toBeUndefined();
    expect(pages.flatMap((p) => p.ids)).toEqual(ids.slice(0, MAX_SEARCH_RESULTS));
    expect(ops('search-contacts').every((r) => r.status === 200)).toBe(true);

    for (const id of ids.slice(0, MAX_SEARCH_RESULTS)) sim.vendor.purge(id);
    expect(await connector().find(janePhone, undefined, undefined, ctx)).toEqual({
      ids: ids.slice(MAX_SEARCH_RESULTS),
    });
  });
});

describe('HubSpot connector: failures', () => {
  test('429 from the rate limiter is VendorRateLimited, retrying after Retry-After', async () => {
    await startSim({ ratePerSecond: 1, rateLimitRetryAfterSeconds: 7 });
    sim.seedContact({ email: EMAIL });
    const { ids } = await connector().find(janeEmail, undefined, undefined, ctx); // admitted
    const f = await failure(connector().deleteFound(janeEmail, undefined, ids, ctx)); // not admitted
    expect(f.type).toBe('VendorRateLimited');
    expect(f.nonRetryable).toBeFalsy();
    expect(f.nextRetryDelay).toBe(7_000);
    expect(f.message).toMatch(/RATE_LIMIT/);
    expect(f.message).toMatch(/TEN_SECONDLY_ROLLING/);
    expect(sim.controls.rateLimited).toBe(1);
  });

  test('500 is retryable VendorUnavailable', async () => {
    await startSim();
    sim.controls.inject({ kind: 'status', status: 500 }, { operation: 'search-contacts' });
    const f = await failure(connector().find(janeEmail, undefined, undefined, ctx));
    expect(f.type).toBe('VendorUnavailable');
    expect(f.nonRetryable).toBeFalsy();
  });

  test('401 (wrong token) is non-retryable VendorAuthFailed naming the category', async () => {
    await startSim();
    const f = await failure(connector('pat-wrong').find(janePhone, undefined, undefined, ctx));
    expect(f.type).toBe('VendorAuthFailed');
    expect(f.nonRetryable).toBe(true);
    expect(f.message).toMatch(/INVALID_AUTHENTICATION/);
    expect(f.message).toMatch(/vendor request id [0-9a-f-]{36}/);
  });

  test('400 is non-retryable and vendor free text quoting the email stays out of the message', async () => {
    await startSim();
    const body = {
      status: 'error',
      message: `Invalid email ${EMAIL}`,
      correlationId: 'abc-123',
      category: 'VALIDATION_ERROR',
      errors: [{ message: EMAIL }],
    };
    sim.controls.inject({ kind: 'status', status: 400, body }, { operation: 'search-contacts' });
    const f = await failure(connector().find(janeEmail, undefined, undefined, ctx));
    expect(f.type).toBe('VendorRejectedRequest');
    expect(f.nonRetryable).toBe(true);
    expect(f.message).toMatch(/VALIDATION_ERROR/);
  });

  test('a finish that fails is classified like any other call, and quotes no email', async () => {
    await startSim();
    sim.controls.inject({ kind: 'status', status: 503 }, { operation: 'gdpr-delete' });
    const f = await failure(connector().finish!(janeEmail, ctx));
    expect(f).toMatchObject({ type: 'VendorUnavailable', nonRetryable: false });
  });

  test('a search repeating its cursor is a non-retryable paging failure', async () => {
    await startSim();
    sim.controls.inject(
      { kind: 'status', status: 200, body: { total: 3, results: [], paging: { next: { after: '2' } } } },
      { operation: 'search-contacts' },
    );
    const f = await failure(connector().find(janeEmail, undefined, '2:2', ctx));
    expect(f).toMatchObject({ type: 'VendorResponseInvalid', nonRetryable: true });
    expect(f.message).toMatch(/repeated the same cursor/);
  });

  test('an empty page with a next cursor is a non-retryable paging failure', async () => {
    await startSim();
    sim.controls.inject(
      { kind: 'status', status: 200, body: { total: 3, results: [], paging: { next: { after: '100' } } } },
      { operation: 'search-contacts' },
    );
    const f = await failure(connector().find(janeEmail, undefined, undefined, ctx));
    expect(f).toMatchObject({ type: 'VendorResponseInvalid', nonRetryable: true });
    expect(f.message).toMatch(/empty page/);
  });

  test('the simulator enforces HubSpot search limits with a 400', async () => {
    await startSim();
    const tooMany = Array.from({ length: 6 }, () => ({
      filters: [{ propertyName: 'email', operator: 'EQ' as const, value: EMAIL }],
    }));
    const err = await client()
      .searchContactsPage(tooMany)
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(err).toMatchObject({ type: 'VendorRejectedRequest', nonRetryable: true });
  });
});

describe('hubspotClientFromEnv', () => {
  test('is undefined without a token, a client with one, and rejects a bad base URL without echoing it', () => {
    expect(hubspotClientFromEnv({})).toBeUndefined();
    expect(hubspotClientFromEnv({ HUBSPOT_ACCESS_TOKEN: '  ' })).toBeUndefined();
    expect(hubspotClientFromEnv({ HUBSPOT_ACCESS_TOKEN: 'pat-x' })?.http.url('/x').origin).toBe(
      'https://api.hubapi.com',
    );
    expect(
      hubspotClientFromEnv({ HUBSPOT_ACCESS_TOKEN: 'pat-x', HUBSPOT_BASE_URL: 'http://127.0.0.1:1' })?.http.url('/x')
        .origin,
    ).toBe('http://127.0.0.1:1');
    expect(() => hubspotClientFromEnv({ HUBSPOT_ACCESS_TOKEN: 'pat-x', HUBSPOT_BASE_URL: 'not a url' })).toThrow(
      /^invalid HubSpot configuration: HUBSPOT_BASE_URL$/,
    );
  });
});
