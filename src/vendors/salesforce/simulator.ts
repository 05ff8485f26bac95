/**
 * A Salesforce org on loopback, playing the contract client.ts relies on: client-credentials tokens
 * (with instance_url), the simple SOQL and SOSL forms the client sends (with Salesforce's escaping
 * rules, so injection shows up as a wider match or a 400), query and queryAll (which also returns the
 * Recycle Bin's records, IsDeleted true; SOSL never does), nextRecordsUrl paging, sObject Collections
 * delete to a Recycle Bin with per-item errors, Bulk API 2.0 hardDelete jobs, the per-org daily API
 * limit (403 REQUEST_LIMIT_EXCEEDED) and 401 INVALID_SESSION_ID. Error messages deliberately quote
 * record data, as Salesforce's do, so tests can prove the client never copies them.
 */
import { randomBytes } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { SimServer, type SimOptions, type SimRoute, type SimVendorContract } from '../sim/server';
import { createJobRequestSchema, patchJobRequestSchema, type BulkJobState } from './schemas';

export const SALESFORCE_SIM_CREDENTIALS = { clientId: 'sim-sf-client', clientSecret: 'sim-sf-secret' } as const;

export interface SalesforceSimOptions extends SimOptions {
  /** Overrides the instance_url the token endpoint returns (to test that the client refuses foreign hosts). */
  instanceUrl?: string;
  clientId?: string;
  clientSecret?: string;
  /** Records per SOQL page (Salesforce: up to 2,000). */
  queryPageSize?: number;
  /** Whether the run-as user has "Bulk API Hard Delete"; without it a hardDelete job is refused (FEATURENOTENABLED). */
  hardDeletePermission?: boolean;
  /**
   * Whether a hardDelete job refuses ids already in the Recycle Bin (per-record ENTITY_IS_DELETED)
   * instead of purging them. Real orgs' behaviour here is unverified; this lets tests cover both.
   */
  hardDeleteRejectsRecycled?: boolean;
  /**
   * API calls the org allows (rolling 24 h in Salesforce); every call after that answers 403 REQUEST_LIMIT_EXCEEDED.
   */
  dailyLimit?: number;
  /** GETs of a closed job that answer InProgress before JobComplete. */
  jobPollsBeforeComplete?: number;
}

export type SimObjectType = 'Contact' | 'Lead';

export interface SimRecordInput {
  Email?: string;
  Phone?: string;
  MobilePhone?: string;
}

export interface SimRecord extends SimRecordInput {
  Id: string;
  type: SimObjectType;
}

interface SimJob {
  id: string;
  object: SimObjectType;
  operation: 'delete' | 'hardDelete';
  state: BulkJobState;
  lineEnding: 'LF' | 'CRLF';
  csv?: string;
  polls: number;
  processed: number;
  failed: number;
  errorMessage?: string;
}

const PREFIX: Record<SimObjectType, string> = { Contact: '003', Lead: '00Q' };
const RECORD_ID = /^[a-zA-Z0-9]{15}(?:[a-zA-Z0-9]{3})?$/;
const SOSL_RESERVED = new Set('?&|!{}[]()^~*:\\"\'+-');
const SOQL_UNESCAPES: Record<string, string> = {
  n: '\n',
  r: '\r',
  t: '\t',
  b: '\b',
  f: '\f',
  '"': '"',
  "'": "'",
  '\\': '\\',
};

const ERROR_CODES: Record<number, string> = {
  400: 'INVALID_FIELD',
  401: 'INVALID_SESSION_ID',
  403: 'INSUFFICIENT_ACCESS',
  404: 'NOT_FOUND',
  429: 'REQUEST_LIMIT_EXCEEDED',
  500: 'UNKNOWN_EXCEPTION',
  503: 'SERVER_UNAVAILABLE',
};

export const sfError = (errorCode: string, message: string) => [{ errorCode, message }];

const digits = (v: string | undefined) => (v ?? '').replace(/\D/g, '');

export class SalesforceSimVendor implements SimVendorContract {
  readonly name = 'Salesforce';
  readonly records = new Map<string, SimRecord>();
  readonly bin = new Map<string, SimRecord>();
  readonly tokens = new Set<string>();
  readonly jobs = new Map<string, SimJob>();
  /** Query locators -> what the query matched (a cursor is a snapshot, as in Salesforce). */
  readonly cursors = new Map<string, SimCursor>();
  /** Record id -> statusCode its delete fails with. */
  readonly failingDeletes = new Map<string, string>();
  /**
   * Ids of records removed from the live org in answer to a request (the simulator's controls.deletions):
   * moved to the Recycle Bin, or a live record a Bulk job deleted. Purging the Recycle Bin is not a
   * second deletion, and `softDelete` by a test is not a request.
   */
  deletions: string[] = [];
  apiCalls = 0;
  private seq = 1;

  constructor(readonly options: SalesforceSimOptions) {}

  authorise(req: FastifyRequest): [number, unknown] | undefined {
    const token = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
    if (!token || !this.tokens.has(token)) return [401, sfError('INVALID_SESSION_ID', 'Session expired or invalid')];
    this.apiCalls += 1;
    if (this.options.dailyLimit !== undefined && this.apiCalls > this.options.dailyLimit) {
      return [403, sfError('REQUEST_LIMIT_EXCEEDED', 'TotalRequests Limit exceeded.')];
    }
    return undefined;
  }

  errorBody(status: number, message: string): unknown {
    return sfError(ERROR_CODES[status] ?? 'UNKNOWN_EXCEPTION', message);
  }

  /** 18-character ids with the standard key prefix of the type (003 Contact, 00Q Lead, 750 Bulk job). */
  newId(prefix: string): string {
    return `${prefix}Sm0000${String(this.seq++).padStart(6, '0')}AAA`;
  }

  seed(type: SimObjectType, input: SimRecordInput): string {
    const id = this.newId(PREFIX[type]);
    this.records.set(id, { ...input, Id: id, type });
    return id;
  }

  /** A delete as a user would do it in the UI: the record moves to the Recycle Bin. */
  softDelete(id: string): void {
    const record = this.records.get(id);
    if (!record) return;
    this.records.delete(id);
    this.bin.set(id, record);
  }
}

interface SimCursor {
  object: SimObjectType;
  ids: string[];
  /** Ids in the Recycle Bin when queried; set only when the query selected IsDeleted. */
  deleted?: Set<string>;
}

type Route = SimRoute<SalesforceSimVendor>;
type Query = Record<string, string | undefined>;

const fail = (reply: FastifyReply, status: number, code: string, message: string) => (
  reply.code(status),
  sfError(code, message)
);

/** The `:v` path segment; unknown versions are a 404 in Salesforce. */
function badVersion(req: FastifyRequest, reply: FastifyReply): unknown {
  const v = (req.params as { v: string }).v;
  return /^v\d{2,3}\.0$/.test(v) ? undefined : fail(reply, 404, 'NOT_FOUND', 'The requested resource does not exist');
}

/** A Bulk API 2.0 job route: checks the API version and finds the job (404 as Salesforce) first. */
function jobRoute(
  operation: string,
  method: Route['method'],
  url: string,
  handle: (
    req: FastifyRequest,
    reply: FastifyReply,
    vendor: SalesforceSimVendor,
    job: SimJob,
    version: string,
  ) => unknown,
): Route {
  return {
    operation,
    method,
    url,
    handler: (req, reply, vendor) => {
      const bad = badVersion(req, reply);
      if (bad) return bad;
      const job = vendor.jobs.get((req.params as { id: string }).id);
      if (!job) return fail(reply, 404, 'NOT_FOUND', 'The requested resource does not exist');
      return handle(req, reply, vendor, job, (req.params as { v: string }).v);
    },
  };
}

function unescapeSoql(s: string): string | undefined {
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const c = s[i] as string;
    if (c !== '\\') {
      out += c;
      continue;
    }
    const mapped = SOQL_UNESCAPES[s[++i] ?? ''];
    if (mapped === undefined) return undefined; // Salesforce: a backslash anywhere else is an error
    out += mapped;
  }
  return out;
}

/**
 * A SOSL FIND term as a regex over a phone number's digits: escaped characters are literal,
 * unescaped `*` and `?` are wildcards, any other unescaped reserved character is a syntax error.
 */
function soslPhonePattern(term: string): RegExp | undefined {
  let pattern = '';
  let length = 0;
  for (let i = 0; i < term.length; i++) {
    let c = term[i] as string;
    if (c === '\\') {
      c = term[++i] ?? '';
      if (!c) return undefined;
    } else if (c === '*' || c === '?') {
      pattern += c === '*' ? '\\d*' : '\\d';
      length += 1;
      continue;
    } else if (SOSL_RESERVED.has(c)) return undefined;
    length += 1;
    if (/\d/.test(c)) pattern += c; // phone search ignores formatting, as Salesforce's phone index does
  }
  return length >= 2 ? new RegExp(`^${pattern}$`) : undefined;
}

function recordRef(v: string, r: SimRecord) {
  return { attributes: { type: r.type, url: `/services/data/${v}/sobjects/${r.type}/${r.Id}` }, Id: r.Id };
}

function queryPage(vendor: SalesforceSimVendor, v: string, locator: string, offset: number) {
  const cursor = vendor.cursors.get(locator) as SimCursor;
  const size = vendor.options.queryPageSize ?? 2_000;
  const ids = cursor.ids.slice(offset, offset + size);
  const done = offset + size >= cursor.ids.length;
  const records = ids.map((Id) => ({
    ...recordRef(v, vendor.records.get(Id) ?? vendor.bin.get(Id) ?? { Id, type: cursor.object }),
    ...(cursor.deleted ? { IsDeleted: cursor.deleted.has(Id) } : {}),
  }));
  return {
    totalSize: cursor.ids.length,
    done,
    ...(done ? {} : { nextRecordsUrl: `/services/data/${v}/query/${locator}-${offset + size}` }),
    records,
  };
}

const SOQL = /^SELECT\s+Id(\s*,\s*IsDeleted)?\s+FROM\s+(Contact|Lead)\s+WHERE\s+Email\s*=\s*'((?:[^'\\]|\\.)*)'$/is;
const SOSL = /^FIND\s*\{(.*)\}\s+IN\s+PHONE\s+FIELDS\s+RETURNING\s+(.+)$/is;

function jobInfo(v: string, job: SimJob) {
  const complete = job.state === 'JobComplete' || job.state === 'Failed';
  return {
    id: job.id,
    operation: job.operation,
    object: job.object,
    state: job.state,
    contentType: 'CSV',
    lineEnding: job.lineEnding,
    columnDelimiter: 'COMMA',
    contentUrl: `services/data/${v}/jobs/ingest/${job.id}/batches`,
    numberRecordsProcessed: complete ? job.processed : 0,
    numberRecordsFailed: complete ? job.failed : 0,
    ...(job.errorMessage ? { errorMessage: job.errorMessage } : {}),
  };
}

/** The uploaded data's record ids, or undefined when its header is not `Id` (the job fails at once). */
function jobIds(job: SimJob): string[] | undefined {
  const [header, ...ids] = (job.csv ?? '').split(/\r?\n/).filter((l) => l.trim() !== '');
  return header?.trim() === 'Id' ? ids.map((id) => id.trim()) : undefined;
}

/**
 * Processes a job's records when it completes, as Salesforce does asynchronously after the close:
 * until then, records to purge are still in the Recycle Bin (so a retried caller can find them there).
 */
function runJob(vendor: SalesforceSimVendor, job: SimJob): void {
  for (const id of jobIds(job) ?? []) {
    const live = vendor.records.get(id);
    job.processed += 1;
    if (live?.type === job.object) {
      vendor.records.delete(id);
      vendor.deletions.push(id);
      if (job.operation === 'delete') vendor.bin.set(id, live);
    } else if (
      vendor.bin.get(id)?.type === job.object &&
      job.operation === 'hardDelete' &&
      !vendor.options.hardDeleteRejectsRecycled
    ) {
      vendor.bin.delete(id);
    } else job.failed += 1;
  }
}

/** GET query (live records) or queryAll (the Recycle Bin's too); both page through query-more. */
function soqlHandler(all: boolean): Route['handler'] {
  return (req, reply, vendor) => {
    const v = (req.params as { v: string }).v;
    const bad = badVersion(req, reply);
    if (bad) return bad;
    const m = SOQL.exec((req.query as Query).q ?? '');
    const email = m ? unescapeSoql(m[3] as string) : undefined;
    if (!m || email === undefined)
      return fail(reply, 400, 'MALFORMED_QUERY', `unexpected token in query: ${(req.query as Query).q}`);
    const object = ((m[2] as string).toLowerCase() === 'lead' ? 'Lead' : 'Contact') as SimObjectType;
    const pool = all ? [...vendor.records.values(), ...vendor.bin.values()] : [...vendor.records.values()];
    const ids = pool
      .filter((r) => r.type === object && r.Email?.toLowerCase() === email.toLowerCase())
      .map((r) => r.Id);
    const locator = `01gSm${randomBytes(5).toString('hex')}`;
    vendor.cursors.set(locator, {
      object,
      ids,
      ...(m[1] ? { deleted: new Set(ids.filter((id) => vendor.bin.has(id))) } : {}),
    });
    return queryPage(vendor, v, locator, 0);
  };
}

const routes: Route[] = [
  {
    operation: 'token',
    method: 'POST',
    url: '/services/oauth2/token',
    open: true,
    handler: (req, reply, vendor) => {
      const form = (req.body ?? {}) as Record<string, string>;
      const o = vendor.options;
      const oauth = (error: string, description: string) => (
        reply.code(400),
        { error, error_description: description }
      );
      if (form.grant_type !== 'client_credentials') return oauth('unsupported_grant_type', 'grant type not supported');
      if (form.client_id !== o.clientId) return oauth('invalid_client_id', 'client identifier invalid');
      if (form.client_secret !== o.clientSecret) return oauth('invalid_client', 'invalid client credentials');
      const token = `00DSm0000000001!${randomBytes(24).toString('base64url')}`;
      vendor.tokens.add(token);
      return {
        access_token: token,
        signature: randomBytes(16).toString('base64'),
        scope: 'api',
        instance_url: o.instanceUrl ?? `http://${req.headers.host}`,
        id: `http://${req.headers.host}/id/00DSm0000000001AAA/005Sm0000000001AAA`,
        token_type: 'Bearer',
        issued_at: String(Date.now()),
      };
    },
  },
  { operation: 'query', method: 'GET', url: '/services/data/:v/query', handler: soqlHandler(false) },
  { operation: 'query-all', method: 'GET', url: '/services/data/:v/queryAll', handler: soqlHandler(true) },
  {
    operation: 'query-more',
    method: 'GET',
    url: '/services/data/:v/query/:locator',
    handler: (req, reply, vendor) => {
      const { v, locator } = req.params as { v: string; locator: string };
      const bad = badVersion(req, reply);
      if (bad) return bad;
      const m = /^(.+)-(\d+)$/.exec(locator);
      if (!m || !vendor.cursors.has(m[1] as string))
        return fail(reply, 400, 'INVALID_QUERY_LOCATOR', 'invalid query locator');
      return queryPage(vendor, v, m[1] as string, Number(m[2]));
    },
  },
  {
    operation: 'search',
    method: 'GET',
    url: '/services/data/:v/search',
    handler: (req, reply, vendor) => {
      const v = (req.params as { v: string }).v;
      const bad = badVersion(req, reply);
      if (bad) return bad;
      const q = (req.query as Query).q ?? '';
      const m = SOSL.exec(q);
      const pattern = m ? soslPhonePattern(m[1] as string) : undefined;
      const objects = m
        ? (m[2] as string).split(/\s*,\s*/).map((s) => /^(Contact|Lead)\(Id\)$/.exec(s.trim())?.[1])
        : [];
      if (!m || !pattern || objects.some((o) => !o))
        return fail(
          reply,
          400,
          'MALFORMED_SEARCH',
          `No search term found. The search term must be enclosed in braces: ${q}`,
        );
      const hits = [...vendor.records.values()].filter(
        (r) =>
          objects.includes(r.type) && [r.Phone, r.MobilePhone].some((p) => p !== undefined && pattern.test(digits(p))),
      );
      return { searchRecords: hits.slice(0, 2_000).map((r) => recordRef(v, r)) };
    },
  },
  {
    operation: 'delete-records',
    method: 'DELETE',
    url: '/services/data/:v/composite/sobjects',
    handler: (req, reply, vendor) => {
      const bad = badVersion(req, reply);
      if (bad) return bad;
      const q = req.query as Query;
      const ids = (q.ids ?? '').split(',').filter(Boolean);
      if (ids.length === 0) return fail(reply, 400, 'MISSING_ARGUMENT', 'ids: required parameter missing');
      if (ids.length > 200)
        return fail(
          reply,
          400,
          'EXCEEDED_ID_LIMIT',
          'record limit reached. cannot submit more than 200 records into this call',
        );
      if (q.allOrNone !== undefined && q.allOrNone !== 'false')
        return fail(reply, 400, 'INVALID_FIELD', 'simulator: only allOrNone=false is simulated');
      const error = (statusCode: string, message: string) => ({
        success: false,
        errors: [{ statusCode, message, fields: [] }],
      });
      return ids.map((id) => {
        if (!RECORD_ID.test(id)) return error('MALFORMED_ID', `malformed id ${id}`);
        const record = vendor.records.get(id);
        const failing = vendor.failingDeletes.get(id);
        if (record && failing)
          return error(
            failing,
            `Cannot delete record with Email ${record.Email ?? ''} and Phone ${record.Phone ?? ''}`,
          );
        if (record) {
          vendor.softDelete(id);
          vendor.deletions.push(id);
          return { id, success: true, errors: [] };
        }
        if (vendor.bin.has(id)) return error('ENTITY_IS_DELETED', 'entity is deleted');
        return error('INVALID_CROSS_REFERENCE_KEY', 'invalid cross reference id');
      });
    },
  },
  {
    operation: 'create-hard-delete-job',
    method: 'POST',
    url: '/services/data/:v/jobs/ingest',
    handler: (req, reply, vendor) => {
      const v = (req.params as { v: string }).v;
      const bad = badVersion(req, reply);
      if (bad) return bad;
      const parsed = createJobRequestSchema.safeParse(req.body);
      if (!parsed.success) return fail(reply, 400, 'INVALIDJOB', 'Invalid job');
      const { object, operation, lineEnding } = parsed.data;
      if (object !== 'Contact' && object !== 'Lead')
        return fail(reply, 400, 'INVALIDJOB', `Unable to find object: ${object}`);
      if (operation !== 'delete' && operation !== 'hardDelete')
        return fail(reply, 400, 'INVALIDJOB', 'simulator: only delete and hardDelete jobs are simulated');
      if (operation === 'hardDelete' && !vendor.options.hardDeletePermission)
        return fail(reply, 400, 'FEATURENOTENABLED', 'Feature is not enabled: Bulk API Hard Delete');
      const job: SimJob = {
        id: vendor.newId('750'),
        object,
        operation,
        state: 'Open',
        lineEnding,
        polls: 0,
        processed: 0,
        failed: 0,
      };
      vendor.jobs.set(job.id, job);
      return jobInfo(v, job);
    },
  },
  jobRoute('upload-hard-delete-job', 'PUT', '/services/data/:v/jobs/ingest/:id/batches', (req, reply, _vendor, job) => {
    if (!String(req.headers['content-type'] ?? '').startsWith('text/csv') || typeof req.body !== 'string')
      return fail(reply, 400, 'INVALIDJOB', 'Content type must be text/csv');
    if (job.state !== 'Open' || job.csv !== undefined)
      return fail(reply, 409, 'INVALIDJOBSTATE', 'Job data already uploaded or job not open');
    job.csv = req.body;
    reply.code(201);
    return undefined;
  }),
  jobRoute('close-hard-delete-job', 'PATCH', '/services/data/:v/jobs/ingest/:id', (req, reply, _vendor, job, v) => {
    const parsed = patchJobRequestSchema.safeParse(req.body);
    if (!parsed.success || job.state !== 'Open') return fail(reply, 400, 'INVALIDJOBSTATE', 'Invalid state transition');
    if (parsed.data.state === 'Aborted') job.state = 'Aborted';
    else if (jobIds(job)) job.state = 'UploadComplete';
    else {
      job.state = 'Failed';
      job.errorMessage = 'InvalidBatch : Field name not found : Id';
    }
    return jobInfo(v, job);
  }),
  jobRoute('get-hard-delete-job', 'GET', '/services/data/:v/jobs/ingest/:id', (_req, _reply, vendor, job, v) => {
    if (job.state === 'UploadComplete' || job.state === 'InProgress') {
      job.polls += 1;
      if (job.polls > (vendor.options.jobPollsBeforeComplete ?? 1)) {
        runJob(vendor, job);
        job.state = 'JobComplete';
      } else job.state = 'InProgress';
    }
    return jobInfo(v, job);
  }),
];

export class SalesforceSimulator extends SimServer<SalesforceSimVendor> {
  constructor(vendor: SalesforceSimVendor, options: SimOptions) {
    super(vendor, routes, options);
    vendor.deletions = this.controls.deletions;
    // Bulk API 2.0 job data.
    this.app.addContentTypeParser('text/csv', { parseAs: 'string' }, (_req, body, done) => done(null, body));
  }

  seedContact(input: SimRecordInput): string {
    return this.vendor.seed('Contact', input);
  }

  seedLead(input: SimRecordInput): string {
    return this.vendor.seed('Lead', input);
  }

  /** Live (not deleted) records. */
  records(): SimRecord[] {
    return [...this.vendor.records.values()];
  }

  /** Soft-deleted records not yet purged. */
  recycleBin(): SimRecord[] {
    return [...this.vendor.bin.values()];
  }

  /** Makes deleting these records fail per item (allOrNone=false) with `statusCode`, e.g. a trigger's DELETE_FAILED. */
  failDeletes(ids: string[], statusCode = 'DELETE_FAILED'): void {
    for (const id of ids) this.vendor.failingDeletes.set(id, statusCode);
  }

  /** Invalidates every session; the next API call gets 401 INVALID_SESSION_ID. */
  expireTokens(): void {
    this.vendor.tokens.clear();
  }
}

/** Rate limiting is off by default: Salesforce limits concurrency and a daily allocation, not requests per second. */
export function createSalesforceSimulator(opts: SalesforceSimOptions = {}): SalesforceSimulator {
  const options: SalesforceSimOptions = {
    ...SALESFORCE_SIM_CREDENTIALS,
    hardDeletePermission: true,
    ratePerSecond: 0,
    ...opts,
  };
  return new SalesforceSimulator(new SalesforceSimVendor(options), options);
}
