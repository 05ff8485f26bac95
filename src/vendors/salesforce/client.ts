/**
 * Salesforce: find Contacts and Leads by email (SOQL queryAll, Recycle Bin included) or phone (SOSL,
 * live records only), delete them with sObject Collections, and purge them with a Bulk API 2.0
 * hardDelete job. OAuth 2.0 client credentials
 * against the org's My Domain; REST calls go to the `instance_url` the token comes with.
 * HTTP classification is VendorHttp's; this file adds Salesforce's error array, the one-retry on a
 * stale session, and the 403 that is a quota rather than a permission (REQUEST_LIMIT_EXCEEDED).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { ApplicationFailure } from '@temporalio/common';
import { Agent, type Dispatcher } from 'undici';
import { z } from 'zod';
import { invalidVariables, optionalEnv } from '../../env';
import {
  FailureTypes,
  formatInfo,
  isSafeToken,
  safeCodes,
  VendorHttp,
  type VendorErrorInfo,
  type VendorRequest,
  type VendorResponse,
} from '../http';
import { TokenCache } from '../token-cache';
import {
  bulkJobInfoSchema,
  compositeDeleteResultSchema,
  oauthErrorSchema,
  queryResultSchema,
  restErrorSchema,
  searchResultSchema,
  tokenResponseSchema,
  type BulkJobInfo,
} from './schemas';

export const SALESFORCE_DEFAULT_API_VERSION = 'v62.0';
/** sObject Collections delete takes at most 200 ids per request. */
export const DELETE_CHUNK_SIZE = 200;
/** SOSL has no paging and stops at 2,000 rows, so a full answer may hide more matches. */
export const SOSL_RESULT_CAP = 2_000;
/**
 * REQUEST_LIMIT_EXCEEDED means the org's rolling 24-hour API allocation (or its long-request
 * concurrency) is spent; Salesforce sends no Retry-After. Retrying sooner only burns what frees up.
 */
export const REQUEST_LIMIT_RETRY_DELAY_MS = 15 * 60 * 1_000;
/** Failure type of a hardDelete job refused for lack of the "Bulk API Hard Delete" permission. */
export const HARD_DELETE_NOT_PERMITTED = 'SalesforceHardDeleteNotPermitted';
export const CREDENTIAL_ENV = ['SALESFORCE_LOGIN_URL', 'SALESFORCE_CLIENT_ID', 'SALESFORCE_CLIENT_SECRET'] as const;

export type SObjectType = 'Contact' | 'Lead';
export const SOBJECT_TYPES: readonly SObjectType[] = ['Contact', 'Lead'];
/** Standard key prefixes: the first three characters of a record id name its sObject type. */
const KEY_PREFIXES: Record<string, SObjectType> = { '003': 'Contact', '00Q': 'Lead' };
const RECORD_ID = /^[a-zA-Z0-9]{15}(?:[a-zA-Z0-9]{3})?$/;
/** A SOQL cursor this long is a paging bug, not data (2,000 rows a page). */
const MAX_QUERY_PAGES = 1_000;

export type HardDeleteMode = 'bulk' | 'none';

export interface SalesforceClientOptions {
  /** The org's My Domain, e.g. https://acme.my.salesforce.com (client credentials are not served on login.salesforce.com). */
  loginUrl: string;
  clientId: string;
  clientSecret: string;
  /** e.g. `v62.0`. */
  apiVersion?: string;
  /** `bulk`: purge with a Bulk API 2.0 hardDelete job after deleting; `none`: leave records in the Recycle Bin. */
  hardDelete: HardDeleteMode;
  timeoutMs?: number;
  dispatcher?: Dispatcher;
  /** Time between hardDelete job status polls (default 2 s). */
  bulkPollIntervalMs?: number;
  /** How long one attempt waits for a hardDelete job before failing retryably (default 5 min). */
  bulkMaxWaitMs?: number;
}

/** What one sObject Collections delete did to one id. */
export type DeleteResult =
  | 'deleted'
  /** ENTITY_IS_DELETED: already in the Recycle Bin (still purgeable). */
  | 'already-deleted'
  /** No such record any more (purged, or never existed). */
  | 'not-found'
  /** Salesforce refused, e.g. DELETE_FAILED from a trigger or a related record. */
  | { error: string };

export interface DeleteOutcome {
  id: string;
  result: DeleteResult;
}

export type HardDeleteResult =
  | { permanent: true }
  | { permanent: false; reason: 'not-permitted' }
  | { permanent: false; reason: 'job-failed' | 'records-failed'; failedRecords: number };

export interface HardDeleteOptions {
  /** Jobs already started by an earlier attempt (sObject -> job id): polled rather than started again. */
  jobs?: Partial<Record<SObjectType, string>>;
  /** Called once a job holds all its ids, so a retry can resume polling it. */
  onJob?: (object: SObjectType, jobId: string) => void;
  onPoll?: () => void;
}

/** Email matches: live records to delete, and records already in the Recycle Bin that only need purging. */
export interface EmailMatches {
  live: string[];
  recycled: string[];
}

export interface QueryRecord {
  Id: string;
  /** Only when selected: true for a record in the Recycle Bin (queryAll). */
  IsDeleted?: boolean;
}

interface Session {
  accessToken: string;
  /** Origin of the org's API host (`instance_url`). */
  instanceUrl: string;
}

const SOQL_ESCAPES: Record<string, string> = {
  '\\': '\\\\',
  "'": "\\'",
  '"': '\\"',
  '\n': '\\n',
  '\r': '\\r',
  '\t': '\\t',
  '\b': '\\b',
  '\f': '\\f',
};

/** Makes `value` safe inside a single-quoted SOQL string literal (Salesforce's escape sequences). */
export function escapeSoql(value: string): string {
  return value.replace(/[\\'"\n\r\t\b\f]/g, (c) => SOQL_ESCAPES[c] ?? c);
}

/** Backslash-escapes SOSL's reserved characters `? & | ! { } [ ] ( ) ^ ~ * : \ " ' + -` so they are literal. */
export function escapeSosl(value: string): string {
  return value.replace(/[?&|!{}[\]()^~*:\\"'+-]/g, (c) => `\\${c}`);
}

/** `errorCode`s (REST, Bulk 2.0) or the OAuth `error`; never `message`, which can quote the record or query. */
export function describeSalesforceError(body: unknown): VendorErrorInfo {
  const rest = restErrorSchema.safeParse(body);
  // Safe tokens only (as VendorHttp enforces), since some failures here are built locally.
  if (rest.success) return { codes: safeCodes(rest.data.map((e) => e.errorCode)) };
  const oauth = oauthErrorSchema.safeParse(body);
  if (oauth.success) return { codes: safeCodes([oauth.data.error]) };
  return {};
}

/** Salesforce-specific overrides of VendorHttp's classification (classify does not see the operation). */
function classifySalesforce(status: number, _body: unknown, info: VendorErrorInfo): ApplicationFailure | undefined {
  if (status === 403 && info.codes?.includes('REQUEST_LIMIT_EXCEEDED')) {
    return ApplicationFailure.create({
      type: FailureTypes.rateLimited,
      message: `Salesforce: HTTP ${status}${formatInfo(info)}: the org's API request limit is reached; retrying in ${REQUEST_LIMIT_RETRY_DELAY_MS / 60_000} minutes`,
      nextRetryDelay: REQUEST_LIMIT_RETRY_DELAY_MS,
    });
  }
  if (info.codes?.includes('FEATURENOTENABLED')) {
    return ApplicationFailure.create({
      type: HARD_DELETE_NOT_PERMITTED,
      nonRetryable: true,
      message: `Salesforce: HTTP ${status}${formatInfo(info)}: the run-as user lacks the "Bulk API Hard Delete" permission`,
    });
  }
  return undefined;
}

function invalidResponse(operation: string, reason: string): ApplicationFailure {
  return ApplicationFailure.create({
    type: FailureTypes.invalidResponse,
    nonRetryable: true,
    message: `Salesforce ${operation}: ${reason}`,
  });
}

export function sObjectTypeOf(id: string): SObjectType | undefined {
  return KEY_PREFIXES[id.slice(0, 3)];
}

/** A well-formed Contact or Lead id: the only records this client's searches return, and may delete. */
export function isContactOrLeadId(id: string): boolean {
  return RECORD_ID.test(id) && sObjectTypeOf(id) !== undefined;
}

export class SalesforceClient {
  readonly hardDeleteMode: HardDeleteMode;
  readonly apiVersion: string;
  private readonly api: VendorHttp;
  private readonly login: VendorHttp;
  private readonly dispatcher: Dispatcher;
  /** One client-credentials session for the org. */
  private readonly sessions = new TokenCache<Session, 'org'>({
    fetch: async () => ({ token: await this.fetchSession() }),
  });

  constructor(private readonly options: SalesforceClientOptions) {
    this.hardDeleteMode = options.hardDelete;
    this.apiVersion = options.apiVersion ?? SALESFORCE_DEFAULT_API_VERSION;
    // One pool for VendorHttp and the raw CSV upload.
    this.dispatcher = options.dispatcher ?? new Agent({ keepAliveTimeout: 10_000, connections: 16 });
    const common = {
      vendor: 'Salesforce',
      timeoutMs: options.timeoutMs,
      dispatcher: this.dispatcher,
      describeError: describeSalesforceError,
    };
    this.login = new VendorHttp({
      ...common,
      baseUrl: options.loginUrl,
      authHeaders: () => ({}),
      // invalid_client, invalid_grant (no Run As user, or not a My Domain host), unsupported_grant_type: an operator's
      // fix.
      classify: (status, _body, info) =>
        status === 400 || status === 401
          ? ApplicationFailure.create({
              type: FailureTypes.auth,
              nonRetryable: true,
              message: `Salesforce token: HTTP ${status}${formatInfo(info)}: check ${CREDENTIAL_ENV.join(', ')} (the org's My Domain) and that the app has the Client Credentials Flow enabled with a Run As user`,
            })
          : undefined,
    });
    // Every API request names its absolute URL (on the session's instance), so baseUrl is never used.
    this.api = new VendorHttp({
      ...common,
      baseUrl: options.loginUrl,
      authHeaders: () => ({}),
      classify: classifySalesforce,
    });
  }

  private get dataPath(): string {
    return `/services/data/${this.apiVersion}`;
  }

  /**
   * Contacts and Leads whose Email is `email` (SOQL `=` is case-insensitive), across all pages.
   * queryAll, not query: records soft-deleted but not purged (by a run that failed before its purge,
   * or by a user) sit in the Recycle Bin, where query no longer sees them, and must still be purged.
   */
  async findByEmail(email: string, onPage?: () => void): Promise<EmailMatches> {
    const live = new Set<string>();
    const recycled = new Set<string>();
    for (const object of SOBJECT_TYPES) {
      for (const r of await this.queryAll(
        `SELECT Id, IsDeleted FROM ${object} WHERE Email = '${escapeSoql(email)}'`,
        onPage,
      )) {
        // IsDeleted missing counts as live: deleting it then answers ENTITY_IS_DELETED, which is purged too.
        (r.IsDeleted === true ? recycled : live).add(r.Id);
      }
    }
    return { live: [...live], recycled: [...recycled] };
  }

  /**
   * Ids of Contacts and Leads holding `phone` in any phone field. SOSL, because SOQL equality misses
   * formatted numbers ("(425) 555-2671"). Only digits and a leading + are searched: anything else
   * is refused rather than risk a term that matches more people than the subject.
   */
  async findByPhone(phone: string): Promise<string[]> {
    const term = phone.replace(/[\s().-]/g, '');
    if (!/^\+?\d{7,15}$/.test(term)) {
      throw ApplicationFailure.create({
        type: FailureTypes.rejected,
        nonRetryable: true,
        message: 'Salesforce search: identifier is not a phone number SOSL can search for',
      });
    }
    const ids = await this.search(
      `FIND {${escapeSosl(term)}} IN PHONE FIELDS RETURNING ${SOBJECT_TYPES.map((o) => `${o}(Id)`).join(', ')}`,
    );
    if (ids.length >= SOSL_RESULT_CAP) {
      throw ApplicationFailure.create({
        type: FailureTypes.rejected,
        nonRetryable: true,
        message: `Salesforce search: the number matches ${SOSL_RESULT_CAP} or more records (SOSL's cap); too many to erase automatically`,
      });
    }
    return ids;
  }

  /**
   * Record ids a SOQL query returns (live records only), following nextRecordsUrl. Callers escape literals with
   * escapeSoql.
   */
  async query(soql: string, onPage?: () => void): Promise<string[]> {
    return (await this.queryRecords('query', soql, onPage)).map((r) => r.Id);
  }

  /**
   * Records a SOQL query returns including the Recycle Bin's (select IsDeleted to tell them apart). Callers escape
   * literals.
   */
  async queryAll(soql: string, onPage?: () => void): Promise<QueryRecord[]> {
    return this.queryRecords('query-all', soql, onPage);
  }

  private async queryRecords(
    operation: 'query' | 'query-all',
    soql: string,
    onPage?: () => void,
  ): Promise<QueryRecord[]> {
    const records: QueryRecord[] = [];
    const endpoint = operation === 'query' ? 'query' : 'queryAll';
    let next: string | undefined;
    for (let page = 0; page < MAX_QUERY_PAGES; page++) {
      const res = await this.send({
        operation,
        method: 'GET',
        ...(next ? { path: next } : { path: `${this.dataPath}/${endpoint}`, query: { q: soql } }),
      });
      const body = this.api.parse(operation, queryResultSchema, res.body);
      records.push(...body.records.map((r) => ({ Id: r.Id, IsDeleted: r.IsDeleted })));
      onPage?.();
      if (body.done) return records;
      // The bearer token follows nextRecordsUrl, so it must be a path on the same instance. queryAll's
      // continue under /query/ too (Salesforce: the locator still returns the rest of the queryAll).
      const link = body.nextRecordsUrl;
      if (!link || !/^\/services\/data\/[\w.]+\/query\/[\w-]+$/.test(link))
        throw invalidResponse(operation, 'done is false without a usable nextRecordsUrl');
      if (link === next) throw invalidResponse(operation, 'nextRecordsUrl repeated');
      next = link;
    }
    throw invalidResponse(operation, `more than ${MAX_QUERY_PAGES} pages`);
  }

  /** Contact and Lead ids a SOSL search returns. Callers escape the FIND term with escapeSosl. */
  async search(sosl: string): Promise<string[]> {
    const res = await this.send({
      operation: 'search',
      method: 'GET',
      path: `${this.dataPath}/search`,
      query: { q: sosl },
    });
    const body = this.api.parse('search', searchResultSchema, res.body);
    return [
      ...new Set(
        body.searchRecords.filter((r) => (SOBJECT_TYPES as string[]).includes(r.attributes.type)).map((r) => r.Id),
      ),
    ];
  }

  /**
   * Soft delete (to the Recycle Bin), 200 ids per request, each id's result in request order.
   * `onChunk` sees each request's results as they come (for a heartbeat between requests).
   */
  async deleteRecords(ids: string[], onChunk?: (outcomes: DeleteOutcome[]) => void): Promise<DeleteOutcome[]> {
    if (ids.some((id) => !RECORD_ID.test(id)))
      throw invalidResponse('delete-records', 'refusing to send a malformed record id');
    const outcomes: DeleteOutcome[] = [];
    for (let i = 0; i < ids.length; i += DELETE_CHUNK_SIZE) {
      const chunk = ids.slice(i, i + DELETE_CHUNK_SIZE);
      const res = await this.send({
        operation: 'delete-records',
        method: 'DELETE',
        path: `${this.dataPath}/composite/sobjects`,
        // allOrNone=false: one record a trigger refuses must not keep the others.
        query: { ids: chunk.join(','), allOrNone: false },
      });
      const results = this.api.parse('delete-records', compositeDeleteResultSchema, res.body);
      if (results.length !== chunk.length)
        throw invalidResponse('delete-records', `${results.length} results for ${chunk.length} ids`);
      const chunkOutcomes = chunk.map((id, j) => ({
        id,
        result: deleteResultOf(results[j] as (typeof results)[number]),
      }));
      outcomes.push(...chunkOutcomes);
      onChunk?.(chunkOutcomes);
    }
    return outcomes;
  }

  /**
   * Purges records with one Bulk API 2.0 hardDelete job per sObject type. `not-permitted` when the
   * run-as user lacks "Bulk API Hard Delete"; otherwise whether every record was purged.
   */
  async hardDelete(ids: string[], opts: HardDeleteOptions = {}): Promise<HardDeleteResult> {
    const groups = new Map<SObjectType, string[]>();
    for (const id of ids) {
      const object = sObjectTypeOf(id);
      if (!object) throw invalidResponse('hard-delete', 'record id of an unexpected sObject type');
      groups.set(object, [...(groups.get(object) ?? []), id]);
    }
    let failedRecords = 0;
    let failedJobs = 0;
    for (const [object, group] of groups) {
      let jobId = opts.jobs?.[object];
      if (!jobId) {
        const started = await this.startHardDeleteJob(object, group);
        if (started === 'not-permitted') return { permanent: false, reason: 'not-permitted' };
        jobId = started;
        opts.onJob?.(object, jobId);
      }
      const job = await this.waitForJob(jobId, opts.onPoll);
      if (job.state !== 'JobComplete') failedJobs += 1;
      failedRecords += job.numberRecordsFailed;
    }
    if (failedJobs) return { permanent: false, reason: 'job-failed', failedRecords };
    if (failedRecords) return { permanent: false, reason: 'records-failed', failedRecords };
    return { permanent: true };
  }

  /** Creates a hardDelete ingest job, uploads the ids and closes it; returns the job id. */
  async startHardDeleteJob(object: SObjectType, ids: string[]): Promise<string | 'not-permitted'> {
    if (ids.some((id) => !RECORD_ID.test(id)))
      throw invalidResponse('create-hard-delete-job', 'refusing to send a malformed record id');
    let job: BulkJobInfo;
    try {
      const res = await this.send({
        operation: 'create-hard-delete-job',
        method: 'POST',
        path: `${this.dataPath}/jobs/ingest`,
        json: { object, operation: 'hardDelete', contentType: 'CSV', lineEnding: 'LF' },
      });
      job = this.api.parse('create-hard-delete-job', bulkJobInfoSchema, res.body);
    } catch (err) {
      if (err instanceof ApplicationFailure && err.type === HARD_DELETE_NOT_PERMITTED) return 'not-permitted';
      throw err;
    }
    if (!RECORD_ID.test(job.id)) throw invalidResponse('create-hard-delete-job', 'malformed job id');
    await this.uploadCsv(job.id, `Id\n${ids.join('\n')}\n`);
    const closed = await this.send({
      operation: 'close-hard-delete-job',
      method: 'PATCH',
      path: `${this.dataPath}/jobs/ingest/${job.id}`,
      json: { state: 'UploadComplete' },
    });
    this.api.parse('close-hard-delete-job', bulkJobInfoSchema, closed.body);
    return job.id;
  }

  /** Polls a job until JobComplete, Failed or Aborted; fails retryably if it is still running after bulkMaxWaitMs. */
  async waitForJob(jobId: string, onPoll?: () => void): Promise<BulkJobInfo> {
    if (!RECORD_ID.test(jobId)) throw invalidResponse('get-hard-delete-job', 'malformed job id');
    const deadline = Date.now() + (this.options.bulkMaxWaitMs ?? 5 * 60_000);
    for (;;) {
      const res = await this.send({
        operation: 'get-hard-delete-job',
        method: 'GET',
        path: `${this.dataPath}/jobs/ingest/${jobId}`,
      });
      const job = this.api.parse('get-hard-delete-job', bulkJobInfoSchema, res.body);
      onPoll?.();
      // Open: never closed (we record jobs only once closed), so it will never run.
      if (job.state === 'JobComplete' || job.state === 'Failed' || job.state === 'Aborted' || job.state === 'Open')
        return job;
      if (Date.now() >= deadline) {
        throw ApplicationFailure.create({
          type: FailureTypes.unavailable,
          message: `Salesforce get-hard-delete-job: job still ${job.state} after ${Math.round((this.options.bulkMaxWaitMs ?? 300_000) / 1_000)} s`,
        });
      }
      await sleep(this.options.bulkPollIntervalMs ?? 2_000);
    }
  }

  /**
   * A REST call on the session's instance. A 401 INVALID_SESSION_ID (session timeout, admin action)
   * gets one fresh token, then VendorHttp's 401 handling.
   */
  private async send(req: VendorRequest): Promise<VendorResponse> {
    const res = await this.sessions.withToken(
      'org',
      (session, retry) =>
        this.api.send(
          this.onInstance(session, retry ? req : { ...req, passStatuses: [...(req.passStatuses ?? []), 401] }),
        ),
      (first) => first.status === 401 && !!describeSalesforceError(first.body).codes?.includes('INVALID_SESSION_ID'),
    );
    if (res.status === 401 && !req.passStatuses?.includes(401)) {
      const info = describeSalesforceError(res.body);
      throw ApplicationFailure.create({
        type: FailureTypes.auth,
        nonRetryable: true,
        message: `Salesforce ${req.operation}: HTTP 401${formatInfo(info)}: check the Salesforce credentials`,
      });
    }
    return res;
  }

  private onInstance(session: Session, req: VendorRequest): VendorRequest {
    return {
      ...req,
      path: new URL(req.path, session.instanceUrl).toString(),
      headers: { ...req.headers, authorization: `Bearer ${session.accessToken}` },
    };
  }

  /** Bulk API 2.0 takes job data only as CSV. */
  private async uploadCsv(jobId: string, csv: string): Promise<void> {
    await this.send({
      operation: 'upload-hard-delete-job',
      method: 'PUT',
      path: `${this.dataPath}/jobs/ingest/${jobId}/batches`,
      raw: { body: csv, contentType: 'text/csv' },
    });
  }

  /** Client-credentials token; Salesforce states no lifetime, so it is kept until INVALID_SESSION_ID. */
  private async fetchSession(): Promise<Session> {
    const res = await this.login.send({
      operation: 'token',
      method: 'POST',
      path: '/services/oauth2/token',
      form: {
        grant_type: 'client_credentials',
        client_id: this.options.clientId,
        client_secret: this.options.clientSecret,
      },
    });
    const token = this.login.parse('token', tokenResponseSchema, res.body);
    const instance = new URL(token.instance_url);
    // The bearer token goes wherever instance_url points: a Salesforce host over https, or the
    // login URL's own origin (a local simulator). Anything else is refused, not trusted.
    const login = new URL(this.options.loginUrl);
    const salesforceHost =
      instance.protocol === 'https:' &&
      /(^|\.)(salesforce\.com|force\.com|salesforce\.mil|sfcrmproducts\.cn)$/.test(instance.hostname);
    if (!salesforceHost && instance.origin !== login.origin)
      throw invalidResponse('token', 'instance_url is not a Salesforce host');
    return { accessToken: token.access_token, instanceUrl: instance.origin };
  }
}

function deleteResultOf(r: { success: boolean; errors: { statusCode: string }[] }): DeleteResult {
  if (r.success) return 'deleted';
  const codes = r.errors.map((e) => e.statusCode);
  if (codes.includes('ENTITY_IS_DELETED')) return 'already-deleted';
  // A well-formed id that points at nothing: purged from the Recycle Bin, or hard-deleted.
  if (codes.includes('INVALID_CROSS_REFERENCE_KEY') || codes.includes('NOT_FOUND')) return 'not-found';
  const code = codes.find(isSafeToken) ?? 'UNKNOWN_ERROR';
  return { error: code };
}

const HINTS: Record<string, string> = {
  SALESFORCE_LOGIN_URL: "an http(s) URL, the org's My Domain",
  SALESFORCE_API_VERSION: 'like v62.0',
  SALESFORCE_HARD_DELETE: 'bulk or none',
};
const envSchema = z.object({
  SALESFORCE_LOGIN_URL: optionalEnv(z.url({ protocol: /^https?$/ })),
  SALESFORCE_CLIENT_ID: optionalEnv(z.string().trim()),
  SALESFORCE_CLIENT_SECRET: optionalEnv(z.string().trim()),
  SALESFORCE_API_VERSION: optionalEnv(
    z
      .string()
      .trim()
      .regex(/^v?\d{2,3}\.0$/),
  ),
  SALESFORCE_HARD_DELETE: optionalEnv(z.enum(['bulk', 'none'])),
});

/** Undefined when Salesforce is not configured at all; throws naming the variables (never their values) otherwise. */
export function salesforceClientFromEnv(
  env: Record<string, string | undefined> = process.env,
  extra: Pick<SalesforceClientOptions, 'timeoutMs' | 'dispatcher'> = {},
): SalesforceClient | undefined {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    const names = invalidVariables(parsed.error);
    throw new Error(
      `Salesforce configuration invalid: ${names.map((n) => `${n} (${HINTS[n] ?? 'invalid'})`).join(', ')}`,
    );
  }
  const e = parsed.data;
  const missing = CREDENTIAL_ENV.filter((name) => !e[name]);
  if (missing.length === CREDENTIAL_ENV.length) {
    const stray = (['SALESFORCE_API_VERSION', 'SALESFORCE_HARD_DELETE'] as const).filter((n) => e[n]);
    if (stray.length)
      throw new Error(
        `${stray.join(', ')} ${stray.length > 1 ? 'are' : 'is'} set but ${CREDENTIAL_ENV.join(', ')} are not`,
      );
    return undefined;
  }
  if (missing.length)
    throw new Error(
      `Salesforce partly configured: set ${missing.join(', ')} (or unset all of ${CREDENTIAL_ENV.join(', ')})`,
    );
  const loginUrl = e.SALESFORCE_LOGIN_URL as string;
  if (/^(login|test)\.salesforce\.com$/i.test(new URL(loginUrl).hostname)) {
    throw new Error(
      "SALESFORCE_LOGIN_URL must be the org's My Domain (https://<domain>.my.salesforce.com): the client-credentials flow is not served on login/test.salesforce.com",
    );
  }
  const version = e.SALESFORCE_API_VERSION;
  return new SalesforceClient({
    ...extra,
    loginUrl,
    clientId: e.SALESFORCE_CLIENT_ID as string,
    clientSecret: e.SALESFORCE_CLIENT_SECRET as string,
    apiVersion: version ? (version.startsWith('v') ? version : `v${version}`) : undefined,
    hardDelete: e.SALESFORCE_HARD_DELETE ?? 'bulk',
  });
}
