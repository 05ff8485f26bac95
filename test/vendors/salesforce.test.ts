/**
 * Salesforce connector + client against the Salesforce simulator over real HTTP (no Temporal server).
 */
import { Agent } from 'undici';
import { eraseInProcess } from '../../src/connectors/erase-in-process';
import { MAX_FOUND_PER_PAGE, type ConnectorContext, type ErasureConnector } from '../../src/connectors/types';
import type { Identifier } from '../../src/subject/identifiers';
import {
  escapeSosl,
  escapeSoql,
  REQUEST_LIMIT_RETRY_DELAY_MS,
  SalesforceClient,
  salesforceClientFromEnv,
  SOSL_RESULT_CAP,
  type SalesforceClientOptions,
} from '../../src/vendors/salesforce/client';
import {
  createSalesforceConnector,
  NOTHING_FOUND_BY_PHONE_METHOD,
  NOTHING_FOUND_METHOD,
  PERMANENT_METHOD,
  RECYCLE_BIN_METHOD,
  type RefusedDeleteDetails,
  type SalesforceDeleteProgress,
} from '../../src/vendors/salesforce/connector';
import {
  createSalesforceSimulator,
  sfError,
  type SalesforceSimOptions,
  type SalesforceSimulator,
} from '../../src/vendors/salesforce/simulator';
import { deleteUntilDone, failureOf, findPages, recordingContext } from '../helpers/vendor';

const EMAIL = 'jane.doe@customer.example';
const PHONE = '+14255552671';
const byEmail: Identifier = { kind: 'email', value: EMAIL };
const byPhone: Identifier = { kind: 'phone', value: PHONE };
const PII = [EMAIL, PHONE, PHONE.slice(1), '425) 555-2671'];

let sim: SalesforceSimulator;
let agent: Agent;

async function start(opts: SalesforceSimOptions = {}): Promise<SalesforceSimulator> {
  sim = createSalesforceSimulator(opts);
  await sim.start();
  return sim;
}

function client(overrides: Partial<SalesforceClientOptions> = {}): SalesforceClient {
  return new SalesforceClient({
    loginUrl: sim.url,
    clientId: 'sim-sf-client',
    clientSecret: 'sim-sf-secret',
    hardDelete: 'bulk',
    dispatcher: agent,
    timeoutMs: 5_000,
    bulkPollIntervalMs: 5,
    ...overrides,
  });
}

const connector = (overrides: Partial<SalesforceClientOptions> = {}) => createSalesforceConnector(client(overrides));

const context = (resumeFrom?: unknown, onBeat?: (d: SalesforceDeleteProgress) => void) =>
  recordingContext<SalesforceDeleteProgress>(resumeFrom, onBeat);

const failure = (p: Promise<unknown>) => failureOf(p, PII);

const ops = (name: string) => sim.controls.log.filter((r) => r.operation === name);
const ids = (records: { Id: string }[]) => records.map((r) => r.Id).sort();
const sorted = (list: string[]) => [...list].sort();

/** The whole sweep, in one process, as the workflow runs it: rounds of find and delete, then finish. */
const erase = (c: ErasureConnector, identifier: Identifier, ctx: ConnectorContext = context()) =>
  eraseInProcess(c, identifier, ctx);

beforeEach(() => {
  agent = new Agent();
});
afterEach(async () => {
  await sim.stop();
  await agent.close();
});

describe('Salesforce connector: find', () => {
  it('finds Contacts and Leads by email (any case), changing nothing', async () => {
    await start();
    const hits = [
      sim.seedContact({ Email: EMAIL, Phone: '+1 555 0100' }),
      sim.seedContact({ Email: 'Jane.Doe@Customer.example' }), // SOQL `=` ignores case
      sim.seedLead({ Email: EMAIL }),
    ];
    sim.seedContact({ Email: 'john@customer.example' });
    sim.seedLead({ Email: 'jane.doe@other.example' });

    expect(await connector().find(byEmail, undefined, undefined, context())).toEqual({ ids: sorted(hits) });
    expect(sim.controls.operations()).toEqual(['token', 'query-all', 'query-all']);
    expect(sim.records()).toHaveLength(5);
    expect(sim.controls.deletions).toEqual([]);
  });

  it('follows nextRecordsUrl across pages for both Contacts and Leads', async () => {
    await start({ queryPageSize: 2 });
    for (let i = 0; i < 5; i++) sim.seedContact({ Email: EMAIL });
    for (let i = 0; i < 3; i++) sim.seedLead({ Email: EMAIL });
    sim.seedLead({ Email: 'other@customer.example' });

    const pages = await findPages(connector(), byEmail);

    expect(pages).toHaveLength(1);
    expect(pages[0]?.ids).toHaveLength(8);
    expect(ops('query-all')).toHaveLength(2); // Contact, Lead
    expect(ops('query-more')).toHaveLength(3); // Contacts 2+2+1, Leads 2+1
  });

  it('finds formatted numbers in Phone and MobilePhone through SOSL', async () => {
    await start();
    const hits = [
      sim.seedContact({ Phone: '+1 (425) 555-2671' }),
      sim.seedLead({ MobilePhone: '+1.425.555.2671' }),
      sim.seedContact({ MobilePhone: PHONE }),
    ];
    sim.seedContact({ Phone: '+1 (425) 555-2672' });
    sim.seedContact({ Phone: '(425) 555-2671' }); // no country code: a different number to digit matching

    expect(await connector().find(byPhone, undefined, undefined, context())).toEqual({ ids: sorted(hits) });
    expect(ops('search')[0]?.query.q).toBe('FIND {\\+14255552671} IN PHONE FIELDS RETURNING Contact(Id), Lead(Id)');
  });

  it('returns records already in the Recycle Bin as ids too (queryAll), with the live ones', async () => {
    await start();
    const live = sim.seedLead({ Email: EMAIL });
    const recycled = sim.seedContact({ Email: EMAIL });
    sim.vendor.softDelete(recycled);
    expect(await client().findByEmail(EMAIL)).toEqual({ live: [live], recycled: [recycled] });
    expect(await connector().find(byEmail, undefined, undefined, context())).toEqual({ ids: [recycled, live] });
    expect(ops('query-all').map((r) => r.query.q)).toContain(
      `SELECT Id, IsDeleted FROM Contact WHERE Email = '${EMAIL}'`,
    );
  });

  it(`pages more than ${MAX_FOUND_PER_PAGE} matches, and the next page's search returns the rest`, async () => {
    await start();
    const hits = Array.from({ length: MAX_FOUND_PER_PAGE + 300 }, (_, i) =>
      i % 2 ? sim.seedContact({ Phone: PHONE }) : sim.seedLead({ MobilePhone: PHONE }),
    );

    const pages = await findPages(connector(), byPhone);

    expect(pages.map((p) => p.ids.length)).toEqual([MAX_FOUND_PER_PAGE, 300]);
    expect(pages[0]?.cursor).toBe(String(MAX_FOUND_PER_PAGE));
    expect(pages.flatMap((p) => p.ids)).toEqual(sorted(hits));
    expect(ops('search')).toHaveLength(2);
    expect(sim.records()).toHaveLength(hits.length);
  });

  it(`refuses a phone matching ${SOSL_RESULT_CAP} or more records (SOSL's cap, no paging), deleting nothing`, async () => {
    await start();
    for (let i = 0; i < SOSL_RESULT_CAP; i++) sim.seedContact({ Phone: PHONE });
    const f = await failure(connector().find(byPhone, undefined, undefined, context()));
    expect(f).toMatchObject({ type: 'VendorRejectedRequest', nonRetryable: true });
    expect(f.message).toContain(`matches ${SOSL_RESULT_CAP} or more records`);
    expect(sim.controls.operations()).toEqual(['token', 'search']);
  });

  it('refuses a cursor it did not return, before any call', async () => {
    await start();
    for (const cursor of ['0', 'abc', '-5', '1.5']) {
      const f = await failure(connector().find(byEmail, undefined, cursor, context()));
      expect(f).toMatchObject({ type: 'HttpRequestInvalid', nonRetryable: true });
    }
    expect(sim.controls.log).toEqual([]);
  });
});

describe('Salesforce connector: deleteFound', () => {
  it('deletes exactly the ids found and purges them with a hardDelete job per sObject type', async () => {
    await start();
    const hits = [sim.seedContact({ Email: EMAIL }), sim.seedContact({ Email: EMAIL }), sim.seedLead({ Email: EMAIL })];
    const keep = [sim.seedContact({ Email: 'john@customer.example' }), sim.seedLead({ Email: 'x@customer.example' })];
    const ctx = context();

    const outcome = await erase(connector(), byEmail, ctx);

    expect(outcome).toMatchObject({
      connector: 'salesforce',
      identifier: byEmail,
      found: 3,
      deleted: 3,
      alreadyGone: 0,
      deletedIds: sorted(hits),
      method: PERMANENT_METHOD,
      rounds: 2, // the second finds nothing
    });
    expect(ids(sim.records())).toEqual(sorted(keep));
    expect(sim.recycleBin()).toEqual([]);
    expect(sim.controls.deletions).toEqual(sorted(hits));
    // One job per sObject type: create, upload CSV, close, poll until complete.
    expect(ops('create-hard-delete-job')).toHaveLength(2);
    expect(ops('upload-hard-delete-job').map((r) => r.status)).toEqual([201, 201]);
    expect(ops('token')).toHaveLength(1);
    expect(JSON.stringify(ctx.beats).toLowerCase()).not.toContain(EMAIL);
  });

  it('deletes more than 200 records in chunks of 200, heartbeating each chunk', async () => {
    await start();
    for (let i = 0; i < 205; i++) sim.seedContact({ Email: EMAIL });
    const ctx = context();
    const outcome = await erase(connector(), byEmail, ctx);

    expect(outcome).toMatchObject({ found: 205, deleted: 205 });
    expect(outcome.deletedIds).toHaveLength(200); // receipt cap; the count stays exact
    expect(ops('delete-records').map((r) => r.query.ids?.split(',').length)).toEqual([200, 5]);
    const deleting = ctx.beats.filter((b) => b?.batch); // find's heartbeats carry nothing
    expect(deleting.slice(0, 2)).toEqual([
      { batch: expect.any(String), deleted: 200, alreadyGone: 0, jobs: {} },
      { batch: expect.any(String), deleted: 205, alreadyGone: 0, jobs: {} },
    ]);
    expect(deleting.at(-1)?.jobs.Contact).toMatch(/^750/);
    expect(sim.records()).toEqual([]);
    expect(sim.recycleBin()).toEqual([]);
  });

  it('counts ENTITY_IS_DELETED and unknown ids as already gone, and still purges the recycled one', async () => {
    await start();
    const recycled = sim.seedContact({ Email: EMAIL });
    const purged = sim.seedContact({ Email: EMAIL });
    const live = sim.seedLead({ Email: EMAIL });
    const c = connector();
    const { ids: found } = await c.find(byEmail, undefined, undefined, context());
    // Someone else deletes two of them between our find and our delete.
    sim.vendor.softDelete(recycled);
    sim.vendor.records.delete(purged);

    expect(await c.deleteFound(byEmail, undefined, found, context())).toEqual({
      deleted: [live],
      alreadyGone: [recycled, purged],
      permanent: true,
    });
    expect(sim.recycleBin()).toEqual([]);
    expect(sim.controls.deletions).toEqual([live]);
  });

  it('a per-item DELETE_FAILED fails non-retryably with codes and counts, after deleting and purging the rest', async () => {
    await start();
    const blocked = sim.seedContact({ Email: EMAIL, Phone: PHONE });
    const lead = sim.seedLead({ Email: EMAIL });
    sim.failDeletes([blocked]);

    const f = await failure(erase(connector(), byEmail));

    expect(f).toMatchObject({ type: 'VendorRejectedRequest', nonRetryable: true });
    expect(f.message).toContain('1 of 2 records refused (DELETE_FAILED x1); 1 deleted (purged), 0 already gone');
    // What the rest of the batch came to, by vendor id, for the workflow's ledger.
    expect(f.details).toEqual([
      { deleted: [lead], alreadyGone: [], refused: [blocked], permanent: true } satisfies RefusedDeleteDetails,
    ]);
    expect(ids(sim.records())).toEqual([blocked]);
    expect(sim.recycleBin()).toEqual([]);
    expect(ops('delete-records')).toHaveLength(1);
  });

  it('a per-item status code that is not a safe token (a phone-like digit run, an address) is reported as UNKNOWN_ERROR', async () => {
    await start();
    const first = sim.seedContact({ Email: EMAIL });
    const second = sim.seedLead({ Email: EMAIL });
    sim.failDeletes([first], '4255552671');
    sim.failDeletes([second], EMAIL);

    const f = await failure(erase(connector(), byEmail));

    expect(f.message).toContain('2 of 2 records refused (UNKNOWN_ERROR x2)');
    expect(f.message).not.toContain('4255552671');
  });

  it('refuses ids that are not Contact or Lead ids, before any call', async () => {
    await start();
    const account = '001Sm0000000001AAA';
    const f = await failure(connector().deleteFound(byEmail, undefined, [sim.seedContact({}), account], context()));
    expect(f).toMatchObject({ type: 'HttpRequestInvalid', nonRetryable: true });
    expect(sim.controls.log).toEqual([]);
  });

  it('is idempotent: after the delete a new find returns nothing, and the method claims nothing', async () => {
    await start();
    sim.seedContact({ Email: EMAIL });
    const c = connector();
    expect(await erase(c, byEmail)).toMatchObject({ found: 1, deleted: 1 });
    sim.controls.log.length = 0;
    expect(await erase(c, byEmail)).toMatchObject({
      found: 0,
      deleted: 0,
      alreadyGone: 0,
      deletedIds: [],
      method: NOTHING_FOUND_METHOD,
    });
    expect(sim.controls.operations()).toEqual(['query-all', 'query-all']);
  });

  it('a 5xx after the delete took effect, then a retry with the same ids: each id once, as removed, and purged', async () => {
    await start();
    const hits = [sim.seedContact({ Email: EMAIL }), sim.seedLead({ Email: EMAIL })];
    const c = connector();
    const { ids: found } = await c.find(byEmail, undefined, undefined, context());
    sim.controls.inject({ kind: 'status-after-effect', status: 503 }, { operation: 'delete-records' });
    const first = context();
    expect(await failure(c.deleteFound(byEmail, undefined, found, first))).toMatchObject({
      type: 'VendorUnavailable',
      nonRetryable: false,
    });
    expect(ids(sim.recycleBin())).toEqual(sorted(hits));

    const report = await c.deleteFound(byEmail, undefined, found, context(first.beats.at(-1)));

    expect(report).toEqual({ deleted: [], alreadyGone: found, permanent: true });
    expect(sim.controls.deletions).toEqual(found);
    expect(sim.recycleBin()).toEqual([]);
  });

  it('under random 5xx (half after the effect) on every call, retries account for every id exactly once', async () => {
    await start();
    const hits = Array.from({ length: 450 }, (_, i) =>
      i % 3 ? sim.seedContact({ Email: EMAIL }) : sim.seedLead({ Email: EMAIL }),
    );
    const c = connector();
    const { ids: found } = await c.find(byEmail, undefined, undefined, context());
    sim.controls.setChaos({ rate: 0.2, seed: 7 });
    const { report, attempts } = await deleteUntilDone(c, byEmail, undefined, found);
    sim.controls.setChaos(undefined);

    expect(attempts).toBeGreaterThan(1);
    expect(report).toBeDefined();
    expect(sorted([...report!.deleted, ...report!.alreadyGone])).toEqual(sorted(hits));
    expect(sorted(sim.controls.deletions)).toEqual(sorted(hits));
    expect(report!.permanent).toBe(true);
    expect(sim.records()).toEqual([]);
    expect(sim.recycleBin()).toEqual([]);
  });
});

describe('Salesforce connector: permanence', () => {
  it('without "Bulk API Hard Delete" the records stay in the Recycle Bin, and the delete still succeeds', async () => {
    await start({ hardDeletePermission: false });
    const id = sim.seedContact({ Email: EMAIL });
    expect(await erase(connector(), byEmail)).toMatchObject({
      found: 1,
      deleted: 1,
      deletedIds: [id],
      method: RECYCLE_BIN_METHOD,
    });
    expect(ids(sim.recycleBin())).toEqual([id]);
    expect(sim.controls.deletions).toEqual([id]);
    expect(ops('create-hard-delete-job').map((r) => r.status)).toEqual([400]);
    expect(ops('upload-hard-delete-job')).toHaveLength(0);
  });

  it('SALESFORCE_HARD_DELETE=none never starts a job', async () => {
    await start();
    const id = sim.seedLead({ Email: EMAIL });
    expect(await erase(connector({ hardDelete: 'none' }), byEmail)).toMatchObject({
      deleted: 1,
      deletedIds: [id],
      method: RECYCLE_BIN_METHOD,
    });
    expect(sim.recycleBin()).toHaveLength(1);
    expect(ops('create-hard-delete-job')).toHaveLength(0);
  });

  it('reports the Recycle Bin when the job could not purge every record', async () => {
    await start({ hardDeleteRejectsRecycled: true });
    sim.seedContact({ Email: EMAIL });
    expect(await erase(connector(), byEmail)).toMatchObject({ deleted: 1, method: RECYCLE_BIN_METHOD });
    expect(sim.recycleBin()).toHaveLength(1);
  });

  it('a find that returns nothing claims no method of deletion; for a phone it says it cannot see the Recycle Bin', async () => {
    await start();
    sim.seedContact({ Email: 'someone@customer.example', Phone: '+1 555 0100' });
    expect(await erase(connector(), byEmail)).toMatchObject({
      found: 0,
      deleted: 0,
      alreadyGone: 0,
      method: NOTHING_FOUND_METHOD,
    });
    expect(await erase(connector(), byPhone)).toMatchObject({
      found: 0,
      deleted: 0,
      method: NOTHING_FOUND_BY_PHONE_METHOD,
    });
    expect(await erase(connector({ hardDelete: 'none' }), byEmail)).toMatchObject({
      found: 0,
      method: NOTHING_FOUND_METHOD,
    });
    expect(ops('create-hard-delete-job')).toHaveLength(0);
    expect(ops('delete-records')).toHaveLength(0);
  });

  it('method is pure: found and permanence decide the sentence, without calls', async () => {
    await start();
    const c = connector();
    const summary = (found: number, permanent: boolean) => ({ found, permanent, unreachable: 0 });
    expect(c.method(byEmail, summary(0, false))).toBe(NOTHING_FOUND_METHOD);
    expect(c.method(byPhone, summary(0, true))).toBe(NOTHING_FOUND_BY_PHONE_METHOD);
    expect(c.method(byPhone, summary(2, true))).toBe(PERMANENT_METHOD);
    expect(c.method(byEmail, summary(2, false))).toBe(RECYCLE_BIN_METHOD);
    expect(sim.controls.log).toEqual([]);
  });

  it('polls an InProgress job until JobComplete', async () => {
    await start({ jobPollsBeforeComplete: 3 });
    sim.seedContact({ Email: EMAIL });
    expect(await erase(connector(), byEmail)).toMatchObject({ method: PERMANENT_METHOD });
    expect(ops('get-hard-delete-job')).toHaveLength(4);
  });
});

describe('Salesforce connector: retries', () => {
  it('a retry deletes the batch again: what the failed attempt deleted is already gone, and everything is purged', async () => {
    await start();
    for (let i = 0; i < 405; i++) sim.seedContact({ Email: EMAIL });
    const c = connector();
    const { ids: found } = await c.find(byEmail, undefined, undefined, context());
    // The connection drops on the second chunk's delete (before Salesforce acts).
    const first = context(undefined, (d) => {
      if (d.deleted === 200) sim.controls.inject({ kind: 'drop' }, { operation: 'delete-records' });
    });
    const f = await failure(c.deleteFound(byEmail, undefined, found, first));
    expect(f).toMatchObject({ type: 'VendorUnavailable', nonRetryable: false });
    expect(sim.recycleBin()).toHaveLength(200);

    sim.controls.log.length = 0;
    const report = await c.deleteFound(byEmail, undefined, found, context(first.beats.at(-1)));
    expect(report.deleted).toHaveLength(205);
    expect(report.alreadyGone).toEqual(found.slice(0, 200));
    expect(report.permanent).toBe(true);
    expect(ops('query-all')).toHaveLength(0);
    expect(ops('delete-records')).toHaveLength(3);
    // The first attempt's 200 are purged too, though no phone search would find them any more.
    expect(sim.records()).toEqual([]);
    expect(sim.recycleBin()).toEqual([]);
    expect(sim.controls.deletions).toEqual(found);
  });

  it('resumes polling the job an earlier attempt of the batch started instead of starting another', async () => {
    await start({ jobPollsBeforeComplete: 5 });
    const id = sim.seedContact({ Email: EMAIL });
    sim.controls.inject({ kind: 'status', status: 503 }, { operation: 'get-hard-delete-job' });
    const c = connector();
    const first = context();
    expect(await failure(c.deleteFound(byEmail, undefined, [id], first))).toMatchObject({
      type: 'VendorUnavailable',
      nonRetryable: false,
    });
    const last = first.beats.at(-1);
    expect(last).toMatchObject({ deleted: 1, jobs: { Contact: expect.stringMatching(/^750/) } });
    expect(ids(sim.recycleBin())).toEqual([id]); // the job has not run yet

    const report = await c.deleteFound(byEmail, undefined, [id], context(JSON.parse(JSON.stringify(last))));
    expect(report).toEqual({ deleted: [], alreadyGone: [id], permanent: true });
    expect(ops('create-hard-delete-job')).toHaveLength(1);
    expect(sim.recycleBin()).toEqual([]);
  });

  it('ignores unreadable resume details, and another batch’s jobs, and starts over', async () => {
    await start();
    const id = sim.seedContact({ Email: EMAIL });
    const c = connector();
    expect(await c.deleteFound(byEmail, undefined, [id], context({ phase: 'search' }))).toMatchObject({
      deleted: [id],
      permanent: true,
    });
    const other = sim.seedContact({ Email: EMAIL });
    const stale = { batch: 'another', deleted: 1, alreadyGone: 0, jobs: { Contact: '750Sm0000000999AAA' } };
    expect(await c.deleteFound(byEmail, undefined, [other], context(stale))).toMatchObject({ deleted: [other] });
    expect(ops('create-hard-delete-job')).toHaveLength(2);
  });

  it('after an operator retry (a new run, no heartbeat) finds what the failed run left in the Recycle Bin through queryAll, and purges it', async () => {
    await start();
    const hits = [sim.seedContact({ Email: EMAIL }), sim.seedLead({ Email: EMAIL })];
    const keep = sim.seedContact({ Email: 'john@customer.example' });
    // The first run soft-deletes both, then cannot start the purge.
    sim.controls.inject({ kind: 'status', status: 500 }, { operation: 'create-hard-delete-job' });
    expect(await failure(erase(connector(), byEmail))).toMatchObject({ type: 'VendorUnavailable' });
    expect(ids(sim.recycleBin())).toEqual(sorted(hits));
    expect(await client().query(`SELECT Id FROM Contact WHERE Email = '${EMAIL}'`)).toEqual([]); // what query alone would see

    sim.controls.log.length = 0;
    const outcome = await erase(connector(), byEmail);

    expect(outcome).toMatchObject({
      found: 2,
      deleted: 2,
      alreadyGone: 2, // found in the Recycle Bin: the failed run's deletes, counted by this one
      deletedIds: sorted(hits),
      method: PERMANENT_METHOD,
    });
    // The first round's find (queryAll); the second finds nothing.
    expect(
      ops('query-all')
        .slice(0, 2)
        .map((r) => r.query.q),
    ).toEqual([
      `SELECT Id, IsDeleted FROM Contact WHERE Email = '${EMAIL}'`,
      `SELECT Id, IsDeleted FROM Lead WHERE Email = '${EMAIL}'`,
    ]);
    expect(ops('delete-records')).toHaveLength(1); // answers ENTITY_IS_DELETED for both
    expect(ops('create-hard-delete-job')).toHaveLength(2);
    expect(sim.recycleBin()).toEqual([]);
    expect(ids(sim.records())).toEqual([keep]);
    expect(sim.controls.deletions).toEqual(sorted(hits)); // once each: purging is not a second deletion
  });

  it.each([
    ['without "Bulk API Hard Delete"', { hardDeletePermission: false }],
    ['when the job cannot purge them', { hardDeleteRejectsRecycled: true }],
  ])('recycled matches are reported as in the Recycle Bin, not as permanent, %s', async (_name, opts) => {
    await start(opts);
    const id = sim.seedContact({ Email: EMAIL });
    sim.vendor.softDelete(id);
    expect(await erase(connector(), byEmail)).toMatchObject({
      found: 1,
      deleted: 1,
      alreadyGone: 1,
      method: RECYCLE_BIN_METHOD,
      rounds: 2, // the second round's find lists it again (still in the Recycle Bin): nothing new
    });
    expect(sim.recycleBin()).toHaveLength(1);
  });
});

describe('Salesforce queries: escaping', () => {
  it.each([`x' OR Email != '`, `x\\' OR Email != \\'`, `' OR Id != null OR Email = '`, `a@b.c'\n OR Email LIKE '%`])(
    'a hostile email %j finds nothing and deletes nothing',
    async (hostile) => {
      await start();
      sim.seedContact({ Email: EMAIL });
      sim.seedLead({ Email: 'other@customer.example' });
      const outcome = await erase(connector(), { kind: 'email', value: hostile });
      expect(outcome).toMatchObject({ found: 0, deleted: 0, method: NOTHING_FOUND_METHOD });
      expect(sim.records()).toHaveLength(2);
      expect(ops('query-all').map((r) => r.status)).toEqual([200, 200]);
    },
  );

  it('an email with quotes and backslashes still matches itself exactly', async () => {
    await start();
    const odd = `o'brien\\"x"@example.com`;
    const id = sim.seedContact({ Email: odd });
    sim.seedContact({ Email: 'obrien@example.com' });
    expect(await client().findByEmail(odd)).toEqual({ live: [id], recycled: [] });
  });

  it('escapeSoql and escapeSosl escape what the grammars reserve', () => {
    expect(escapeSoql(`a'b"c\\d\ne`)).toBe(`a\\'b\\"c\\\\d\\ne`);
    const reserved = `?&|!{}[]()^~*:\\"'+-`;
    expect(escapeSosl(reserved)).toBe([...reserved].map((c) => `\\${c}`).join(''));
    expect(escapeSosl('a1 b2')).toBe('a1 b2');
  });

  it('escaped SOSL wildcards and braces are literal; unescaped they would widen the match', async () => {
    await start();
    const jane = sim.seedContact({ Phone: '+1 (425) 555-2671' });
    const c = client();
    const sosl = (term: string) => `FIND {${term}} IN PHONE FIELDS RETURNING Contact(Id), Lead(Id)`;
    expect(await c.search(sosl('*5552671'))).toEqual([jane]); // what an unescaped wildcard does
    expect(await c.search(sosl(escapeSosl('*5552671')))).toEqual([]);
    expect(await c.search(sosl(escapeSosl('1} IN ALL FIELDS RETURNING Contact(Id), Lead(Id) //')))).toEqual([]);
    expect(ops('search').map((r) => r.status)).toEqual([200, 200, 200]);
  });

  it('refuses a phone identifier that is not a phone number, before any search', async () => {
    await start();
    sim.seedContact({ Phone: PHONE });
    const f = await failure(connector().find({ kind: 'phone', value: '+1425*' }, undefined, undefined, context()));
    expect(f).toMatchObject({ type: 'VendorRejectedRequest', nonRetryable: true });
    expect(ops('search')).toHaveLength(0);
  });
});

describe('Salesforce client: auth', () => {
  it('caches the token, and on INVALID_SESSION_ID fetches one new token and retries once', async () => {
    await start();
    sim.seedContact({ Email: EMAIL });
    const c = client();
    await erase(createSalesforceConnector(c), byEmail);
    expect(sim.controls.log.length).toBeGreaterThan(5);
    expect(ops('token')).toHaveLength(1);

    sim.expireTokens();
    expect(await c.findByEmail(EMAIL)).toEqual({ live: [], recycled: [] });
    expect(ops('token')).toHaveLength(2);
    expect(
      ops('query-all')
        .slice(-3)
        .map((r) => r.status),
    ).toEqual([401, 200, 200]);
  });

  it('a second INVALID_SESSION_ID is a non-retryable VendorAuthFailed', async () => {
    await start();
    sim.controls.inject({ kind: 'status', status: 401 }, { operation: 'query-all', times: 2 });
    const f = await failure(client().findByEmail(EMAIL));
    expect(f).toMatchObject({ type: 'VendorAuthFailed', nonRetryable: true });
    expect(f.message).toContain('INVALID_SESSION_ID');
    expect(ops('token')).toHaveLength(2);
  });

  it.each([
    ['wrong secret', { clientSecret: 'nope' }, 'invalid_client'],
    ['wrong client id', { clientId: 'nope' }, 'invalid_client_id'],
  ])('%s -> non-retryable VendorAuthFailed naming the variables', async (_name, overrides, code) => {
    await start();
    const f = await failure(connector(overrides).find(byEmail, undefined, undefined, context()));
    expect(f).toMatchObject({ type: 'VendorAuthFailed', nonRetryable: true });
    expect(f.message).toContain(`codes ${code}`);
    expect(f.message).toContain('SALESFORCE_CLIENT_SECRET');
    expect(f.message).not.toContain('nope');
  });
});

describe('Salesforce client: failures', () => {
  it('403 REQUEST_LIMIT_EXCEEDED is retryable VendorRateLimited with a long nextRetryDelay', async () => {
    await start({ dailyLimit: 2 });
    sim.seedContact({ Email: EMAIL });
    const f = await failure(erase(connector(), byEmail)); // two queries, then the delete
    expect(f).toMatchObject({ type: 'VendorRateLimited', nonRetryable: false });
    expect(f.nextRetryDelay).toBe(REQUEST_LIMIT_RETRY_DELAY_MS);
    expect(f.message).toContain('REQUEST_LIMIT_EXCEEDED');
    expect(ops('delete-records').map((r) => r.status)).toEqual([403]);
  });

  it('a 429 (not something Salesforce sends) still honours Retry-After', async () => {
    await start({ ratePerSecond: 1, rateLimitRetryAfterSeconds: 3 });
    const f = await failure(client().findByEmail(EMAIL)); // Contact query admitted, Lead query not
    expect(f).toMatchObject({ type: 'VendorRateLimited', nonRetryable: false, nextRetryDelay: 3_000 });
  });

  it('any other 403 is non-retryable VendorAuthFailed', async () => {
    await start();
    const body = sfError('INSUFFICIENT_ACCESS_OR_READONLY', `insufficient access rights on ${EMAIL}`);
    sim.controls.inject({ kind: 'status', status: 403, body }, { operation: 'query-all' });
    const f = await failure(client().findByEmail(EMAIL));
    expect(f).toMatchObject({ type: 'VendorAuthFailed', nonRetryable: true });
    expect(f.message).toContain('INSUFFICIENT_ACCESS_OR_READONLY');
  });

  it('500 is retryable VendorUnavailable', async () => {
    await start();
    sim.controls.inject({ kind: 'status', status: 500 }, { operation: 'search' });
    expect(await failure(client().findByPhone(PHONE))).toMatchObject({
      type: 'VendorUnavailable',
      nonRetryable: false,
    });
  });

  it('a dropped connection is retryable VendorUnavailable', async () => {
    await start();
    sim.controls.inject({ kind: 'drop' }, { operation: 'query-all' });
    expect(await failure(client().findByEmail(EMAIL))).toMatchObject({
      type: 'VendorUnavailable',
      nonRetryable: false,
    });
  });

  it('a failed CSV upload is classified like any other call', async () => {
    await start();
    sim.seedContact({ Email: EMAIL });
    sim.controls.inject({ kind: 'status', status: 500 }, { operation: 'upload-hard-delete-job' });
    expect(await failure(erase(connector(), byEmail))).toMatchObject({
      type: 'VendorUnavailable',
      nonRetryable: false,
    });
    sim.controls.inject(
      { kind: 'status', status: 400, body: sfError('INVALIDJOB', `bad ${EMAIL}`) },
      { operation: 'upload-hard-delete-job' },
    );
    const f = await failure(client().startHardDeleteJob('Contact', [sim.seedContact({})]));
    expect(f).toMatchObject({ type: 'VendorRejectedRequest', nonRetryable: true });
    expect(f.message).toContain('INVALIDJOB');
  });

  it('never quotes Salesforce error messages, which can contain the identifier', async () => {
    await start();
    const body = sfError('MALFORMED_QUERY', `unexpected token: '${EMAIL}'`);
    sim.controls.inject({ kind: 'status', status: 400, body }, { operation: 'query-all' });
    const f = await failure(client().findByEmail(EMAIL));
    expect(f).toMatchObject({ type: 'VendorRejectedRequest', nonRetryable: true });
    expect(f.message).toContain('MALFORMED_QUERY');
  });
});

describe('salesforceClientFromEnv', () => {
  const creds = {
    SALESFORCE_LOGIN_URL: 'https://acme.my.salesforce.com',
    SALESFORCE_CLIENT_ID: 'id',
    SALESFORCE_CLIENT_SECRET: 'secret',
  };

  it('is undefined when nothing is configured', () => {
    expect(salesforceClientFromEnv({})).toBeUndefined();
    expect(salesforceClientFromEnv({ SALESFORCE_CLIENT_ID: ' ' })).toBeUndefined();
  });

  it('names missing or invalid variables, never their values', () => {
    expect(() => salesforceClientFromEnv({ SALESFORCE_CLIENT_ID: 'id' })).toThrow(
      /set SALESFORCE_LOGIN_URL, SALESFORCE_CLIENT_SECRET/,
    );
    expect(() => salesforceClientFromEnv({ SALESFORCE_HARD_DELETE: 'none' })).toThrow(/SALESFORCE_HARD_DELETE is set/);
    expect(() => salesforceClientFromEnv({ ...creds, SALESFORCE_LOGIN_URL: 'acme.my.salesforce.com' })).toThrow(
      /^Salesforce configuration invalid: SALESFORCE_LOGIN_URL/,
    );
    expect(() => salesforceClientFromEnv({ ...creds, SALESFORCE_HARD_DELETE: 'yes' })).toThrow(
      /SALESFORCE_HARD_DELETE \(bulk or none\)$/,
    );
    expect(() => salesforceClientFromEnv({ ...creds, SALESFORCE_API_VERSION: 'latest' })).toThrow(
      /SALESFORCE_API_VERSION/,
    );
    expect(() => salesforceClientFromEnv({ ...creds, SALESFORCE_LOGIN_URL: 'https://login.salesforce.com' })).toThrow(
      /My Domain/,
    );
  });

  it('builds a client with defaults', () => {
    const c = salesforceClientFromEnv(creds);
    expect(c).toBeInstanceOf(SalesforceClient);
    expect(c).toMatchObject({ hardDeleteMode: 'bulk', apiVersion: 'v62.0' });
    expect(
      salesforceClientFromEnv({ ...creds, SALESFORCE_API_VERSION: '61.0', SALESFORCE_HARD_DELETE: 'none' }),
    ).toMatchObject({ hardDeleteMode: 'none', apiVersion: 'v61.0' });
  });
});

test('a token whose instance_url points at a foreign host is refused: the bearer token never goes there', async () => {
  await start({ instanceUrl: 'https://attacker.example' });
  const err = await failure(client().findByEmail(EMAIL));
  expect(err.message).toContain('instance_url is not a Salesforce host');
  expect(sim.controls.log.map((r) => r.operation)).toEqual(['token']);
});
