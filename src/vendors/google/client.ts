/**
 * Google Workspace with a service account and domain-wide delegation: list the domain's users
 * (Admin SDK Directory), find a person's messages in a mailbox and permanently delete them (Gmail).
 *
 * Every call impersonates someone: the JWT assertion names the user in `sub`, so each mailbox gets
 * its own token (scope https://mail.google.com/, the only one batchDelete accepts) and the Directory
 * gets the admin's. HTTP classification is VendorHttp's; this file adds the tokens, Google's error
 * shape and the statuses Google uses differently: 403 is also a quota answer, 429 may lack Retry-After,
 * 400 failedPrecondition means the user has no Gmail, and a token refused with invalid_grant may mean
 * the user is suspended (Google issues no delegated tokens for suspended users).
 */
import { createPrivateKey, sign, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { ApplicationFailure } from '@temporalio/common';
import type { Dispatcher } from 'undici';
import { z } from 'zod';
import { commaList, invalidVariables, optionalEnv } from '../../env';
import {
  FailureTypes,
  formatInfo,
  safeCodes,
  parseRetryAfterMs,
  VendorHttp,
  type VendorErrorInfo,
  type VendorRequest,
  type VendorResponse,
} from '../http';
import { TokenCache, type IssuedToken } from '../token-cache';
import {
  directoryUserSchema,
  directoryUsersPageSchema,
  gmailListPageSchema,
  googleErrorSchema,
  oauthErrorSchema,
  serviceAccountKeySchema,
  tokenResponseSchema,
  type ServiceAccountKey,
} from './schemas';

export const GOOGLE_TOKEN_URL = 'https://oauth2.googleapis.com/token';
export const JWT_BEARER_GRANT = 'urn:ietf:params:oauth:grant-type:jwt-bearer';
/** Full mail access: `gmail.modify` can only trash, and trash is not erasure. */
export const GMAIL_SCOPE = 'https://mail.google.com/';
export const DIRECTORY_SCOPE = 'https://www.googleapis.com/auth/admin.directory.user.readonly';
/** Gmail's maximum for messages.list (and Directory users.list): fewest calls per mailbox. */
export const PAGE_SIZE = 500;
/** batchModify documents 1,000 ids per call; batchDelete is assumed to share the cap. */
export const BATCH_DELETE_MAX_IDS = 1_000;
/** Google's maximum assertion lifetime. */
const ASSERTION_LIFETIME_S = 3_600;

/** Gmail 400 failedPrecondition on a mailbox: the user exists but has no Gmail (unlicensed, service off). */
export const GMAIL_NOT_ENABLED = 'GmailServiceNotEnabled';
/** A token refused (invalid_grant) for a user the Directory says is suspended: Google will not act as them. */
export const GOOGLE_USER_SUSPENDED = 'GoogleUserSuspended';
const RATE_LIMIT_REASONS = new Set(['rateLimitExceeded', 'userRateLimitExceeded']);

export const KEY_ENV = ['GOOGLE_SERVICE_ACCOUNT_JSON', 'GOOGLE_SERVICE_ACCOUNT_FILE'] as const;
const DELEGATION_HINT =
  `check ${KEY_ENV.join(' / ')} and GOOGLE_ADMIN_USER, and that a super admin authorised the service account's client ID ` +
  `for ${GMAIL_SCOPE} and ${DIRECTORY_SCOPE} in Admin console > Security > Access and data control > API controls > Manage Domain Wide Delegation`;

export interface GoogleWorkspaceClientOptions {
  serviceAccount: ServiceAccountKey;
  /** A super admin impersonated for the Directory API; only needed when mailboxes are not configured. */
  adminUser?: string;
  /** Directory customer id (default `my_customer`, the admin's own account). */
  customer?: string;
  /** Restricts the Directory listing to one domain of the account instead of the whole customer. */
  domain?: string;
  /** Default: the key's `token_uri`, else https://oauth2.googleapis.com/token. Also the JWT `aud`. */
  tokenUrl?: string;
  gmailBaseUrl?: string;
  directoryBaseUrl?: string;
  timeoutMs?: number;
  dispatcher?: Dispatcher;
}

export interface DirectoryUser {
  email: string;
  /** Google issues no delegated token for a suspended user (invalid_grant): their mailbox cannot be searched. */
  suspended: boolean;
}

/** Whom a token acts as, and for what. */
interface Principal {
  user: string;
  scope: string;
}

export interface MessagePage {
  ids: string[];
  nextPageToken?: string;
}

/** Safe tokens only (as VendorHttp enforces), since most failures here are built locally. */
const machineCodes = (codes: (string | undefined)[]): string[] => safeCodes(codes);

/** `error.status` and `errors[].reason`; never the messages, which quote the query or the mailbox. */
export function describeGoogleError(body: unknown): VendorErrorInfo {
  const parsed = googleErrorSchema.safeParse(body);
  if (!parsed.success) return {};
  return { codes: machineCodes([parsed.data.error.status, ...(parsed.data.error.errors ?? []).map((e) => e.reason)]) };
}

function describeOAuthError(body: unknown): VendorErrorInfo {
  const parsed = oauthErrorSchema.safeParse(body);
  return parsed.success ? { codes: machineCodes([parsed.data.error]) } : {};
}

/**
 * invalid_grant (bad key, unknown/suspended user, clock skew) and unauthorized_client (delegation not
 * granted for the scope): an operator must fix the setup, so say where.
 */
function oauthFailure(status: number, info: VendorErrorInfo): ApplicationFailure | undefined {
  if (status < 400 || status >= 500 || status === 429) return undefined;
  return ApplicationFailure.create({
    type: FailureTypes.auth,
    nonRetryable: true,
    message: `Google OAuth token: HTTP ${status}${formatInfo(info)}: ${DELEGATION_HINT}; invalid_grant also means the impersonated user does not exist or is suspended, or the clock is off`,
  });
}

const b64url = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

/** The RS256-signed JWT a service account exchanges for a token acting as `sub`. */
export function createAssertion(
  key: ServiceAccountKey | KeyObject,
  opts: { iss: string; sub: string; scope: string; aud: string; kid?: string; now?: number },
): string {
  const privateKey = 'private_key' in key ? createPrivateKey(key.private_key) : key;
  const iat = Math.floor((opts.now ?? Date.now()) / 1_000);
  const header = { alg: 'RS256', typ: 'JWT', ...(opts.kid ? { kid: opts.kid } : {}) };
  const claims = {
    iss: opts.iss,
    sub: opts.sub,
    scope: opts.scope,
    aud: opts.aud,
    iat,
    exp: iat + ASSERTION_LIFETIME_S,
  };
  const input = `${b64url(header)}.${b64url(claims)}`;
  return `${input}.${sign('sha256', Buffer.from(input), privateKey).toString('base64url')}`;
}

export class GoogleWorkspaceClient {
  private readonly oauth: VendorHttp;
  private readonly gmail: VendorHttp;
  private readonly directory: VendorHttp;
  private readonly privateKey: KeyObject;
  private readonly tokenUrl: string;
  /**
   * Per scope and impersonated user: a token only ever acts as the user it was issued for. A
   * domain-wide sweep touches every user once, so expired tokens are dropped past 256 entries.
   */
  private readonly tokens = new TokenCache<string, Principal>({
    fetch: (p) => this.fetchToken(p.user, p.scope),
    id: (p) => `${p.scope} ${p.user.toLowerCase()}`,
    maxEntries: 256,
  });

  constructor(private readonly options: GoogleWorkspaceClientOptions) {
    // Parsed once, so a broken key fails at start-up rather than on the first mailbox.
    this.privateKey = createPrivateKey(options.serviceAccount.private_key);
    this.tokenUrl = options.tokenUrl ?? options.serviceAccount.token_uri ?? GOOGLE_TOKEN_URL;
    const common = { timeoutMs: options.timeoutMs, dispatcher: options.dispatcher, authHeaders: () => ({}) };
    this.oauth = new VendorHttp({
      ...common,
      vendor: 'Google OAuth',
      baseUrl: this.tokenUrl,
      describeError: describeOAuthError,
      classify: (status, _body, info) => oauthFailure(status, info),
    });
    this.gmail = new VendorHttp({
      ...common,
      vendor: 'Gmail',
      baseUrl: options.gmailBaseUrl ?? 'https://gmail.googleapis.com',
      describeError: describeGoogleError,
    });
    this.directory = new VendorHttp({
      ...common,
      vendor: 'Google Directory',
      baseUrl: options.directoryBaseUrl ?? 'https://admin.googleapis.com',
      describeError: describeGoogleError,
    });
  }

  /**
   * Every user of the customer (or domain), suspended ones flagged: their mail is kept, but Google
   * refuses tokens for them, so a sweep can only count them as unreached. `onPage` hears the count so far
   * after each page (a big domain takes many).
   */
  async listUsers(onPage?: (users: number) => void): Promise<DirectoryUser[]> {
    const admin = this.options.adminUser;
    if (!admin) {
      throw ApplicationFailure.create({
        type: FailureTypes.config,
        nonRetryable: true,
        message: 'Google Directory list-users: set GOOGLE_ADMIN_USER, or list the mailboxes in GOOGLE_MAILBOXES',
      });
    }
    const scope = this.options.domain
      ? { domain: this.options.domain }
      : { customer: this.options.customer ?? 'my_customer' };
    const users = new Map<string, DirectoryUser>();
    let pageToken: string | undefined;
    do {
      const res = await this.call(this.directory, admin, DIRECTORY_SCOPE, {
        operation: 'list-users',
        method: 'GET',
        path: '/admin/directory/v1/users',
        // `fields` keeps names, phones and the rest of the profile out of our responses.
        query: { ...scope, maxResults: PAGE_SIZE, pageToken, fields: 'users(primaryEmail,suspended),nextPageToken' },
      });
      const page = this.directory.parse('list-users', directoryUsersPageSchema, res.body);
      for (const u of page.users ?? [])
        users.set(u.primaryEmail, { email: u.primaryEmail, suspended: u.suspended === true });
      onPage?.(users.size);
      pageToken = nextToken('Google Directory list-users', pageToken, page.nextPageToken);
    } while (pageToken);
    return [...users.values()];
  }

  /** Whether the Directory knows `user` (primary address or alias) and has it suspended. Needs GOOGLE_ADMIN_USER. */
  async userStatus(user: string): Promise<'active' | 'suspended' | 'not-found'> {
    const admin = this.options.adminUser;
    if (!admin) {
      throw ApplicationFailure.create({
        type: FailureTypes.config,
        nonRetryable: true,
        message: 'Google Directory get-user: set GOOGLE_ADMIN_USER to look users up',
      });
    }
    const res = await this.call(
      this.directory,
      admin,
      DIRECTORY_SCOPE,
      {
        operation: 'get-user',
        method: 'GET',
        path: `/admin/directory/v1/users/${encodeURIComponent(user)}`,
        query: { fields: 'primaryEmail,suspended' },
      },
      [404],
    );
    if (res.status === 404) return 'not-found';
    return this.directory.parse('get-user', directoryUserSchema, res.body).suspended === true ? 'suspended' : 'active';
  }

  /**
   * One page of ids of messages in `user`'s mailbox from/to/cc/bcc `email`, Spam and Trash included.
   * Throws GMAIL_NOT_ENABLED (non-retryable) when the user has no Gmail.
   */
  async findMessages(user: string, email: string, pageToken?: string): Promise<MessagePage> {
    // Quoted so `+`, `-`, `{` in an address stay literal; a quote, backslash or space would change the query instead.
    if (/["\\\s]/.test(email)) {
      throw ApplicationFailure.create({
        type: FailureTypes.rejected,
        nonRetryable: true,
        message: 'Gmail list-messages: address cannot be expressed as a Gmail search term',
      });
    }
    const q = ['from', 'to', 'cc', 'bcc'].map((op) => `${op}:"${email}"`).join(' OR ');
    const res = await this.call(this.gmail, user, GMAIL_SCOPE, {
      operation: 'list-messages',
      method: 'GET',
      path: `/gmail/v1/users/${encodeURIComponent(user)}/messages`,
      query: { q, includeSpamTrash: true, maxResults: PAGE_SIZE, pageToken },
    });
    const page = this.gmail.parse('list-messages', gmailListPageSchema, res.body);
    return {
      ids: (page.messages ?? []).map((m) => m.id),
      nextPageToken: nextToken('Gmail list-messages', pageToken, page.nextPageToken),
    };
  }

  /**
   * Permanently deletes (no Trash) in calls of at most BATCH_DELETE_MAX_IDS. Gmail ignores ids that are
   * already gone, so a retry after a lost response is safe. Never messages.trash: that is not erasure.
   * `onChunk` hears how many ids were sent so far, after each call.
   */
  async batchDelete(user: string, ids: string[], onChunk?: (sent: number) => void): Promise<void> {
    for (let i = 0; i < ids.length; i += BATCH_DELETE_MAX_IDS) {
      const chunk = ids.slice(i, i + BATCH_DELETE_MAX_IDS);
      await this.call(this.gmail, user, GMAIL_SCOPE, {
        operation: 'batch-delete',
        method: 'POST',
        path: `/gmail/v1/users/${encodeURIComponent(user)}/messages/batchDelete`,
        json: { ids: chunk },
      });
      onChunk?.(i + chunk.length);
    }
  }

  /**
   * A call as `user`: 401 gets one fresh token (revoked or expired early), then is an auth failure;
   * 400/403/429 are classified here, where the operation and Retry-After are known. `accept`: error
   * statuses the caller handles itself (e.g. 404).
   */
  private async call(
    http: VendorHttp,
    user: string,
    scope: string,
    req: VendorRequest,
    accept: number[] = [],
  ): Promise<VendorResponse> {
    const pass = [400, 401, 403, 429, ...accept];
    const res = await this.tokens.withToken(
      { user, scope },
      (token) =>
        http.send({ ...req, headers: { ...req.headers, authorization: `Bearer ${token}` }, passStatuses: pass }),
      (first) => first.status === 401,
    );
    if (res.status < 400 || accept.includes(res.status)) return res;
    throw googleFailure(http.vendor, req.operation, res);
  }

  private async fetchToken(user: string, scope: string): Promise<IssuedToken<string>> {
    const sa = this.options.serviceAccount;
    const assertion = createAssertion(this.privateKey, {
      iss: sa.client_email,
      sub: user,
      scope,
      aud: this.tokenUrl,
      kid: sa.private_key_id,
    });
    const res = await this.oauth.send({
      operation: 'token',
      method: 'POST',
      path: this.tokenUrl,
      form: { grant_type: JWT_BEARER_GRANT, assertion },
      passStatuses: [400],
    });
    if (res.status === 400) throw await this.tokenRefused(user, res.body);
    const token = this.oauth.parse('token', tokenResponseSchema, res.body);
    return { token: token.access_token, expiresInSeconds: token.expires_in };
  }

  /**
   * The failure for a token request answered 400. Google answers invalid_grant alike for a bad key, a
   * wrong clock, an unknown user and a suspended one; where an admin is configured, the Directory
   * tells the suspended user apart, so the caller can skip or name it instead of blaming the setup.
   */
  private async tokenRefused(user: string, body: unknown): Promise<ApplicationFailure> {
    const info = describeOAuthError(body);
    const refused = oauthFailure(400, info) as ApplicationFailure;
    const admin = this.options.adminUser;
    if (!info.codes?.includes('invalid_grant') || !admin || admin.toLowerCase() === user.toLowerCase()) return refused;
    let status: Awaited<ReturnType<GoogleWorkspaceClient['userStatus']>>;
    try {
      status = await this.userStatus(user);
    } catch (err) {
      // A lookup that may work next time is worth a retry; one that cannot (no Directory scope, a bad key) leaves the
      // token's answer.
      if (err instanceof ApplicationFailure && !err.nonRetryable) throw err;
      return refused;
    }
    if (status !== 'suspended') return refused;
    return ApplicationFailure.create({
      type: GOOGLE_USER_SUSPENDED,
      nonRetryable: true,
      message: `Google OAuth token: HTTP 400${formatInfo(info)}: the user is suspended, and Google issues no tokens for suspended users`,
    });
  }
}

/** A page token that repeats the one we sent would loop forever; Google never does that on purpose. */
function nextToken(what: string, sent: string | undefined, next: string | undefined): string | undefined {
  if (!next) return undefined;
  if (next !== sent) return next;
  throw ApplicationFailure.create({
    type: FailureTypes.invalidResponse,
    nonRetryable: true,
    message: `${what}: nextPageToken repeats the page just read`,
  });
}

/** The failure for a 400/401/403/429 from Gmail or the Directory, in VendorHttp's message style. */
function googleFailure(vendor: string, operation: string, res: VendorResponse): ApplicationFailure {
  const info = describeGoogleError(res.body);
  const message = `${vendor} ${operation}: HTTP ${res.status}${formatInfo(info)}`;
  const reasons = info.codes ?? [];
  // Google answers quota with 403 (rateLimitExceeded/userRateLimitExceeded) or 429, and per-user limits
  // "cannot be increased": retry, after Retry-After when given, else with the activity's exponential backoff.
  if (res.status === 429 || (res.status === 403 && reasons.some((r) => RATE_LIMIT_REASONS.has(r)))) {
    const retryAfter = res.headers['retry-after'];
    return ApplicationFailure.create({
      type: FailureTypes.rateLimited,
      message: `${message}; retrying ${retryAfter === undefined ? 'with backoff' : 'after Retry-After'}`,
      nextRetryDelay: retryAfter === undefined ? undefined : parseRetryAfterMs(retryAfter),
    });
  }
  if (res.status === 400 && reasons.includes('failedPrecondition')) {
    return ApplicationFailure.create({
      type: GMAIL_NOT_ENABLED,
      nonRetryable: true,
      message: `${message}: the user has no Gmail (unlicensed, or Gmail turned off)`,
    });
  }
  if (res.status === 400) {
    return ApplicationFailure.create({
      type: FailureTypes.rejected,
      nonRetryable: true,
      message: `${message}: the vendor rejected the request`,
    });
  }
  // 401 after a fresh token, 403 forbidden / insufficientPermissions / Delegation denied.
  return ApplicationFailure.create({
    type: FailureTypes.auth,
    nonRetryable: true,
    message: `${message}: ${DELEGATION_HINT}; for the Directory, GOOGLE_ADMIN_USER must be an admin`,
  });
}

const optional = optionalEnv(z.string().trim());
const optionalUrl = optionalEnv(z.url());
const envSchema = z.object({
  GOOGLE_SERVICE_ACCOUNT_JSON: optional,
  GOOGLE_SERVICE_ACCOUNT_FILE: optional,
  GOOGLE_ADMIN_USER: optionalEnv(z.email()),
  GOOGLE_MAILBOXES: optional,
  GOOGLE_CUSTOMER: optional,
  GOOGLE_TOKEN_URL: optionalUrl,
  GMAIL_BASE_URL: optionalUrl,
  GOOGLE_DIRECTORY_BASE_URL: optionalUrl,
});

export interface GoogleFromEnv {
  client: GoogleWorkspaceClient;
  /** Mailboxes to sweep; undefined means every user the Directory lists. */
  mailboxes?: string[];
}

/**
 * Undefined when Google Workspace is not configured at all; throws naming the variables when half-configured
 * or invalid. Messages never include the key or its parse errors (which can quote it).
 */
export function googleClientFromEnv(
  env: Record<string, string | undefined>,
  extra: Pick<GoogleWorkspaceClientOptions, 'timeoutMs' | 'dispatcher'> = {},
): GoogleFromEnv | undefined {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    const names = invalidVariables(parsed.error);
    throw new Error(
      `Google Workspace configuration invalid: ${names.join(', ')} (URLs must be absolute, GOOGLE_ADMIN_USER an email address)`,
    );
  }
  const e = parsed.data;
  if (!e.GOOGLE_SERVICE_ACCOUNT_JSON && !e.GOOGLE_SERVICE_ACCOUNT_FILE) {
    const stray = (['GOOGLE_ADMIN_USER', 'GOOGLE_MAILBOXES'] as const).filter((n) => e[n]);
    if (stray.length) throw new Error(`${stray.join(', ')} set but neither ${KEY_ENV.join(' nor ')} is`);
    return undefined;
  }
  if (e.GOOGLE_SERVICE_ACCOUNT_JSON && e.GOOGLE_SERVICE_ACCOUNT_FILE)
    throw new Error(`set one of ${KEY_ENV.join(', ')}, not both`);
  const mailboxes = commaList(e.GOOGLE_MAILBOXES);
  const bad = mailboxes.findIndex((m) => !z.email().safeParse(m).success);
  if (bad >= 0) throw new Error(`GOOGLE_MAILBOXES: entry ${bad + 1} is not an email address`);
  if (!mailboxes.length && !e.GOOGLE_ADMIN_USER)
    throw new Error(
      'Google Workspace partly configured: set GOOGLE_ADMIN_USER (a super admin, to list users) or GOOGLE_MAILBOXES',
    );
  const client = new GoogleWorkspaceClient({
    ...extra,
    serviceAccount: loadServiceAccount(e.GOOGLE_SERVICE_ACCOUNT_JSON, e.GOOGLE_SERVICE_ACCOUNT_FILE),
    adminUser: e.GOOGLE_ADMIN_USER,
    customer: e.GOOGLE_CUSTOMER,
    tokenUrl: e.GOOGLE_TOKEN_URL,
    gmailBaseUrl: e.GMAIL_BASE_URL,
    directoryBaseUrl: e.GOOGLE_DIRECTORY_BASE_URL,
  });
  return { client, mailboxes: mailboxes.length ? mailboxes : undefined };
}

function loadServiceAccount(inline: string | undefined, file: string | undefined): ServiceAccountKey {
  const variable = inline !== undefined ? KEY_ENV[0] : KEY_ENV[1];
  let text = inline;
  if (text === undefined) {
    try {
      text = readFileSync(file as string, 'utf8');
    } catch (err) {
      throw new Error(`${variable}: cannot read the file (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
    }
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new Error(`${variable}: not valid JSON (expected a service-account key file)`);
  }
  const key = serviceAccountKeySchema.safeParse(json);
  if (!key.success) {
    const fields = [...new Set(key.error.issues.map((i) => i.path.join('.') || '(root)'))];
    throw new Error(`${variable}: not a service-account key (check ${fields.join(', ')})`);
  }
  try {
    createPrivateKey(key.data.private_key);
  } catch {
    throw new Error(`${variable}: private_key is not a readable PEM private key`);
  }
  return key.data;
}
