/** HubSpot connector against the HubSpot simulator over real HTTP (no Temporal server needed). */
import { Agent } from 'undici';
import type { ConnectorContext } from '../../src/connectors/types';
import type { Identifier } from '../../src/subject/identifiers';
import { HubSpotClient, hubspotClientFromEnv } from '../../src/vendors/hubspot/client';
import { createHubSpotConnector } from '../../src/vendors/hubspot/connector';
import {
  createHubSpotSimulator,
  type HubSpotSimOptions,
  type HubSpotSimulator,
} from '../../src/vendors/hubspot/simulator';
import { failureOf } from '../helpers/vendor';

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

/** Runs erase expecting a failure, and checks the failure never quotes the identifier. */
const eraseFailure = (identifier: Identifier, token = TOKEN) =>
  failureOf(connector(token).erase(identifier, ctx), [EMAIL, PHONE, PHONE.slice(1)]);

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

describe('HubSpot connector: erasing', () => {
  beforeEach(() => startSim());

  test('finds and GDPR-deletes by email (primary and additional), then deletes and blocklists by email', async () => {
    const primary = sim.seedContact({ email: EMAIL, phone: '+1 555 000 0001' });
    const secondary = sim.seedContact({ email: 'other@example.com', additionalEmails: ['jane@work.example', EMAIL] });
    const bystander = sim.seedContact({ email: 'bystander@example.com' });

    const outcome = await connector().erase(janeEmail, ctx);

    expect(outcome).toMatchObject({
      connector: 'hubspot',
      identifier: janeEmail,
      found: 2,
      deleted: 2,
      alreadyGone: 0,
    });
    expect(outcome.deletedIds.sort()).toEqual([primary, secondary].sort());
    expect(outcome.method).toMatch(/blocklist/);
    expect(new Date(outcome.completedAt).toISOString()).toBe(outcome.completedAt);
    expect(sim.contacts().map((c) => c.id)).toEqual([bystander]);
    expect(sim.blocklist()).toContain(EMAIL);
    // Search first, one delete per id, then the by-email delete last.
    expect(sim.controls.operations()).toEqual(['search-contacts', 'gdpr-delete', 'gdpr-delete', 'gdpr-delete']);
    expect(heartbeats.length).toBeGreaterThanOrEqual(2);
    expect(JSON.stringify(heartbeats)).not.toContain(EMAIL);
  });

  test('finds a formatted phone through the computed digits property, and a mobile in E.164', async () => {
    const formatted = sim.seedContact({ email: 'a@example.com', phone: '+1 (425) 555-2671' });
    const mobile = sim.seedContact({ email: 'b@example.com', mobilephone: PHONE });
    sim.seedContact({ email: 'c@example.com', phone: '+1 (425) 555-2672' });

    const outcome = await connector().erase(janePhone, ctx);

    expect(outcome).toMatchObject({ found: 2, deleted: 2, alreadyGone: 0 });
    expect(outcome.deletedIds.sort()).toEqual([formatted, mobile].sort());
    expect(sim.contacts()).toHaveLength(1);
    // No by-email delete for a phone.
    expect(sim.controls.operations().filter((o) => o === 'gdpr-delete')).toHaveLength(2);
  });

  test('a re-run after success finds nothing, deletes nothing and still succeeds', async () => {
    sim.seedContact({ email: EMAIL });
    await connector().erase(janeEmail, ctx);
    const again = await connector().erase(janeEmail, ctx);
    expect(again).toMatchObject({ found: 0, deleted: 0, alreadyGone: 0, deletedIds: [] });
  });

  test('a contact deleted by someone else between search and delete counts as alreadyGone', async () => {
    const raced = sim.seedContact({ phone: PHONE });
    const kept = sim.seedContact({ mobilephone: PHONE });
    // Another run (or a HubSpot user) deletes it right after our search saw it: the delete answers 404.
    const racing: ConnectorContext = {
      heartbeat: (d) => {
        if ((d as { phase?: string }).phase === 'search') sim.vendor.purge(raced);
      },
    };
    const outcome = await connector().erase(janePhone, racing);
    expect(outcome).toMatchObject({ found: 2, deleted: 1, alreadyGone: 1, deletedIds: [kept] });
    expect(sim.controls.log.filter((r) => r.operation === 'gdpr-delete').map((r) => r.status)).toEqual([404, 204]);
  });

  test('a delete whose response was lost fails retryably, and the re-run completes', async () => {
    const id = sim.seedContact({ email: EMAIL });
    sim.controls.inject({ kind: 'drop-after-effect' }, { operation: 'gdpr-delete' });
    const failure = await eraseFailure(janeEmail);
    expect(failure.type).toBe('VendorUnavailable');
    expect(failure.nonRetryable).toBeFalsy();
    expect(sim.contacts().map((c) => c.id)).not.toContain(id); // the delete took effect

    const outcome = await connector().erase(janeEmail, ctx);
    expect(outcome).toMatchObject({ found: 0, deleted: 0 });
    expect(sim.blocklist()).toContain(EMAIL);
  });
});

describe('HubSpot connector: paging', () => {
  beforeEach(() => startSim({ maxPageSize: 2 }));

  test('follows paging.next.after through every page', async () => {
    const ids = Array.from({ length: 7 }, (_, i) => sim.seedContact({ phone: i % 2 ? PHONE : '+1 425-555-2671' }));
    sim.seedContact({ phone: '+44 20 7946 0000' });

    const outcome = await connector().erase(janePhone, ctx);

    expect(outcome).toMatchObject({ found: 7, deleted: 7 });
    expect(outcome.deletedIds.sort()).toEqual(ids.sort());
    expect(sim.controls.operations().filter((o) => o === 'search-contacts')).toHaveLength(4);
    expect(sim.contacts()).toHaveLength(1);
  });
});

describe('HubSpot connector: failures', () => {
  test('429 from the rate limiter is VendorRateLimited, retrying after Retry-After', async () => {
    await startSim({ ratePerSecond: 1, rateLimitRetryAfterSeconds: 7 });
    sim.seedContact({ email: EMAIL });
    const failure = await eraseFailure(janeEmail); // search is admitted, the delete is not
    expect(failure.type).toBe('VendorRateLimited');
    expect(failure.nonRetryable).toBeFalsy();
    expect(failure.nextRetryDelay).toBe(7_000);
    expect(failure.message).toMatch(/RATE_LIMIT/);
    expect(failure.message).toMatch(/TEN_SECONDLY_ROLLING/);
    expect(sim.controls.rateLimited).toBe(1);
  });

  test('500 is retryable VendorUnavailable', async () => {
    await startSim();
    sim.controls.inject({ kind: 'status', status: 500 }, { operation: 'search-contacts' });
    const failure = await eraseFailure(janeEmail);
    expect(failure.type).toBe('VendorUnavailable');
    expect(failure.nonRetryable).toBeFalsy();
  });

  test('401 (wrong token) is non-retryable VendorAuthFailed naming the category', async () => {
    await startSim();
    const failure = await eraseFailure(janePhone, 'pat-wrong');
    expect(failure.type).toBe('VendorAuthFailed');
    expect(failure.nonRetryable).toBe(true);
    expect(failure.message).toMatch(/INVALID_AUTHENTICATION/);
    expect(failure.message).toMatch(/vendor request id [0-9a-f-]{36}/);
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
    const failure = await eraseFailure(janeEmail);
    expect(failure.type).toBe('VendorRejectedRequest');
    expect(failure.nonRetryable).toBe(true);
    expect(failure.message).toMatch(/VALIDATION_ERROR/);
  });

  test('the simulator enforces HubSpot search limits with a 400', async () => {
    await startSim();
    const tooMany = Array.from({ length: 6 }, () => ({
      filters: [{ propertyName: 'email', operator: 'EQ' as const, value: EMAIL }],
    }));
    const err = await client()
      .searchContacts(tooMany)
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
