/**
 * Google's token endpoint, Admin SDK Directory and Gmail on one loopback server, playing the contract
 * client.ts relies on: JWT-bearer assertions verified against the service account's public key,
 * domain-wide delegation (per user and scope, with a switch to withdraw it), tokens that act only as
 * their user, no tokens for suspended users (invalid_grant, as for unknown ones), paged users.list,
 * users.get, messages.list with `from:/to:/cc:/bcc:` joined by OR and includeSpamTrash, batchDelete
 * (permanent, unknown ids ignored; each message removed is logged in `controls.deletions`),
 * messages.trash (so a test can prove it is never called), Google error bodies, quota answers via the
 * base limiter or injected faults.
 *
 * Page tokens are offsets, deliberately: a client that follows one after deleting skips messages.
 */
import {
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  randomBytes,
  verify,
  type KeyObject,
} from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { SimServer, type SimOptions, type SimRoute, type SimVendorContract } from '../sim/server';
import { DIRECTORY_SCOPE, GMAIL_SCOPE, JWT_BEARER_GRANT } from './client';
import type { ServiceAccountKey } from './schemas';

export type GmailLabel = 'INBOX' | 'SPAM' | 'TRASH' | 'SENT';

export interface SimMessage {
  id: string;
  threadId: string;
  from: string;
  to: string[];
  cc: string[];
  bcc: string[];
  labels: GmailLabel[];
}

export interface SimUser {
  email: string;
  suspended: boolean;
  admin: boolean;
  /** False for users without Gmail (unlicensed): messages.list answers 400 failedPrecondition. */
  gmail: boolean;
  messages: SimMessage[];
}

export interface GoogleSimOptions extends SimOptions {
  domain?: string;
  /** The key the client uses; the simulator only ever reads its public half. Default: a fresh one. */
  serviceAccount?: ServiceAccountKey;
  /** Seeded as a super admin, the only kind the Directory answers. Default `admin@{domain}`. */
  adminUser?: string;
  /** Scopes the domain-wide delegation grants (both of ours by default). */
  grantedScopes?: string[];
  /** Token lifetime in seconds (Google's usual 3599). */
  expiresIn?: number;
  /** Users per Directory page, whatever maxResults asks for. */
  usersPageSize?: number;
  /** Messages per Gmail page, whatever maxResults asks for (lets tests page without 500+ messages). */
  messagesPageSize?: number;
}

interface IssuedToken {
  user: string;
  scopes: string[];
  expires: number;
}

const STATUS: Record<number, [string, string]> = {
  400: ['INVALID_ARGUMENT', 'badRequest'],
  401: ['UNAUTHENTICATED', 'authError'],
  403: ['PERMISSION_DENIED', 'forbidden'],
  404: ['NOT_FOUND', 'notFound'],
  429: ['RESOURCE_EXHAUSTED', 'rateLimitExceeded'],
  500: ['INTERNAL', 'backendError'],
  503: ['UNAVAILABLE', 'backendError'],
};

/** Google's error body; `reason` defaults to the usual one for the status. */
export function googleError(code: number, message: string, reason?: string, status?: string) {
  const [defaultStatus, defaultReason] = STATUS[code] ?? ['UNKNOWN', 'unknown'];
  const why = reason ?? defaultReason;
  const domain = /rateLimitExceeded$/i.test(why) ? 'usageLimits' : 'global';
  return { error: { code, message, errors: [{ message, domain, reason: why }], status: status ?? defaultStatus } };
}

/** A service-account key file like the Cloud console's, around a fresh 2048-bit RSA key pair. */
export function createTestServiceAccount(opts: { clientEmail?: string; tokenUri?: string } = {}): ServiceAccountKey {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return {
    type: 'service_account',
    client_email: opts.clientEmail ?? 'dsr-erasure@sim-project.iam.gserviceaccount.com',
    private_key: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    private_key_id: randomBytes(20).toString('hex'),
    client_id: String(100_000_000_000_000_000_000n + BigInt(randomBytes(4).readUInt32BE())),
    ...(opts.tokenUri ? { token_uri: opts.tokenUri } : {}),
  };
}

export class GoogleSimVendor implements SimVendorContract {
  readonly name = 'Google Workspace';
  readonly users: SimUser[] = [];
  readonly tokens = new Map<string, IssuedToken>();
  /** Every token issued, in order: who it acts as and for what. */
  readonly issued: { sub: string; scope: string; kid?: string; exp: number; iat: number }[] = [];
  readonly serviceAccount: ServiceAccountKey;
  readonly publicKey: KeyObject;
  /** Withdraw the domain-wide delegation: every token request answers 401 unauthorized_client. */
  delegationGranted = true;
  /** Set by the server once listening; the `aud` every assertion must carry. */
  tokenUrl = '';
  /** Ids of the messages removed, in order: the server's `controls.deletions` once the simulator is built. */
  deletions: string[] = [];

  constructor(readonly options: GoogleSimOptions & { domain: string; adminUser: string }) {
    this.serviceAccount = options.serviceAccount ?? createTestServiceAccount();
    this.publicKey = createPublicKey(createPrivateKey(this.serviceAccount.private_key));
  }

  authorise(req: FastifyRequest): [number, unknown] | undefined {
    const token = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
    const issued = token ? this.tokens.get(token) : undefined;
    // Suspending a user also ends the sessions they had.
    if (!issued || issued.expires <= Date.now() || this.user(issued.user)?.suspended) {
      return [
        401,
        googleError(
          401,
          'Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential.',
        ),
      ];
    }
    return undefined;
  }

  errorBody(status: number, message: string): unknown {
    return googleError(status, message);
  }

  user(email: string): SimUser | undefined {
    const key = email.toLowerCase();
    return this.users.find((u) => u.email.toLowerCase() === key);
  }

  /** The token a request carries (authorise already checked it exists). */
  tokenOf(req: FastifyRequest): IssuedToken {
    return this.tokens.get((req.headers.authorization ?? '').slice('Bearer '.length)) as IssuedToken;
  }
}

type Query = Record<string, string | undefined>;
const fail = (reply: FastifyReply, code: number, message: string, reason?: string, status?: string) => (
  reply.code(code),
  googleError(code, message, reason, status)
);
const oauthFail = (reply: FastifyReply, code: number, error: string, description: string) => (
  reply.code(code),
  { error, error_description: description }
);

function decodeJwt(
  assertion: string,
): { header: Record<string, unknown>; claims: Record<string, unknown>; input: string; signature: Buffer } | undefined {
  const parts = assertion.split('.');
  if (parts.length !== 3) return undefined;
  try {
    const [h, c, s] = parts as [string, string, string];
    return {
      header: JSON.parse(Buffer.from(h, 'base64url').toString()),
      claims: JSON.parse(Buffer.from(c, 'base64url').toString()),
      input: `${h}.${c}`,
      signature: Buffer.from(s, 'base64url'),
    };
  } catch {
    return undefined;
  }
}

/** The token endpoint's checks, in roughly Google's order. Returns the OAuth error or the token to issue. */
function checkAssertion(
  vendor: GoogleSimVendor,
  form: Record<string, string>,
): [number, string, string] | { sub: string; scopes: string[]; jwt: NonNullable<ReturnType<typeof decodeJwt>> } {
  if (form.grant_type !== JWT_BEARER_GRANT)
    return [400, 'unsupported_grant_type', 'Invalid grant_type: ' + String(form.grant_type)];
  const jwt = decodeJwt(form.assertion ?? '');
  if (!jwt || jwt.header.alg !== 'RS256') return [400, 'invalid_request', 'Invalid JWT'];
  const c = jwt.claims;
  if (c.iss !== vendor.serviceAccount.client_email) return [400, 'invalid_grant', 'Invalid JWT Signature.'];
  if (!verify('sha256', Buffer.from(jwt.input), vendor.publicKey, jwt.signature))
    return [400, 'invalid_grant', 'Invalid JWT Signature.'];
  if (c.aud !== vendor.tokenUrl) return [400, 'invalid_grant', 'Invalid JWT: Failed audience check.'];
  const now = Date.now() / 1_000;
  if (
    typeof c.iat !== 'number' ||
    typeof c.exp !== 'number' ||
    c.exp - c.iat > 3_600 ||
    c.exp < now ||
    c.iat > now + 60
  ) {
    return [
      400,
      'invalid_grant',
      'Invalid JWT: Token must be a short-lived token (60 minutes) and in a reasonable timeframe. Check your iat and exp values in the JWT claim.',
    ];
  }
  const scopes = typeof c.scope === 'string' ? c.scope.split(' ').filter(Boolean) : [];
  if (!scopes.length) return [400, 'invalid_scope', 'Invalid OAuth scope or ID token audience provided.'];
  // Google checks the user before the delegation: an address outside the domain is never impersonated.
  const sub = typeof c.sub === 'string' ? vendor.user(c.sub) : undefined;
  // Google answers a suspended user exactly like an unknown one.
  if (!sub || sub.suspended) return [400, 'invalid_grant', 'Invalid email or User ID'];
  const granted = vendor.options.grantedScopes ?? [GMAIL_SCOPE, DIRECTORY_SCOPE];
  if (!vendor.delegationGranted || !scopes.every((s) => granted.includes(s))) {
    return [
      401,
      'unauthorized_client',
      'Client is unauthorized to retrieve access tokens using this method, or client not authorized for any of the scopes requested.',
    ];
  }
  return { sub: sub.email, scopes, jwt };
}

/** The mailbox a Gmail route addresses, if this token may read it; otherwise Google's answer. */
function mailboxOf(vendor: GoogleSimVendor, req: FastifyRequest, reply: FastifyReply): SimUser | { error: unknown } {
  const token = vendor.tokenOf(req);
  if (!token.scopes.includes(GMAIL_SCOPE))
    return {
      error: fail(
        reply,
        403,
        'Request had insufficient authentication scopes.',
        'insufficientPermissions',
        'PERMISSION_DENIED',
      ),
    };
  const requested = (req.params as { user: string }).user;
  const user = vendor.user(requested === 'me' ? token.user : requested);
  // A token acts only as its own user, however it was obtained.
  if (!user || user.email.toLowerCase() !== token.user.toLowerCase())
    return { error: fail(reply, 403, `Delegation denied for ${token.user}`, 'forbidden') };
  if (!user.gmail)
    return { error: fail(reply, 400, 'Mail service not enabled', 'failedPrecondition', 'FAILED_PRECONDITION') };
  return user;
}

/** `from:"a@x" OR to:a@x OR ...`, the only grammar the client sends; undefined when it doesn't parse. */
function parseQuery(q: string): { op: 'from' | 'to' | 'cc' | 'bcc'; address: string }[] | undefined {
  const terms = q.split(/\s+OR\s+/);
  const parsed = terms.map((t) => /^(from|to|cc|bcc):(?:"([^"\s]+)"|([^"\s()]+))$/.exec(t.trim()));
  if (parsed.some((m) => !m)) return undefined;
  return parsed.map((m) => ({ op: m?.[1] as 'from', address: (m?.[2] ?? m?.[3] ?? '').toLowerCase() }));
}

function pageSize(q: Query, fallback: number, max: number, cap: number | undefined): number | undefined {
  const n = q.maxResults === undefined ? fallback : Number(q.maxResults);
  if (!Number.isInteger(n) || n < 1 || n > max) return undefined;
  return Math.min(n, cap ?? n);
}

/** Offset a page token stands for; NaN for one we never issued (Google answers 400 invalid pageToken). */
const offsetOf = (token: string | undefined) =>
  token ? Number(/^\d+$/.exec(Buffer.from(token, 'base64url').toString())?.[0] ?? NaN) : 0;
const tokenAt = (offset: number) => Buffer.from(String(offset)).toString('base64url');

const routes: SimRoute<GoogleSimVendor>[] = [
  {
    operation: 'token',
    method: 'POST',
    url: '/token',
    open: true,
    handler: (req, reply, vendor) => {
      const checked = checkAssertion(vendor, (req.body ?? {}) as Record<string, string>);
      if (Array.isArray(checked)) return oauthFail(reply, ...checked);
      const token = `ya29.${randomBytes(32).toString('base64url')}`;
      const expiresIn = vendor.options.expiresIn ?? 3599;
      vendor.tokens.set(token, { user: checked.sub, scopes: checked.scopes, expires: Date.now() + expiresIn * 1_000 });
      const c = checked.jwt.claims;
      vendor.issued.push({
        sub: checked.sub,
        scope: checked.scopes.join(' '),
        kid: checked.jwt.header.kid as string | undefined,
        iat: c.iat as number,
        exp: c.exp as number,
      });
      return { access_token: token, expires_in: expiresIn, token_type: 'Bearer' };
    },
  },
  {
    operation: 'list-users',
    method: 'GET',
    url: '/admin/directory/v1/users',
    handler: (req, reply, vendor) => {
      const token = vendor.tokenOf(req);
      if (!token.scopes.includes(DIRECTORY_SCOPE))
        return fail(reply, 403, 'Request had insufficient authentication scopes.', 'insufficientPermissions');
      if (!vendor.user(token.user)?.admin) return fail(reply, 403, 'Not Authorized to access this resource/api');
      const q = req.query as Query;
      const ok = q.domain !== undefined ? q.domain === vendor.options.domain : q.customer === 'my_customer';
      if (!ok) return fail(reply, 400, 'Bad Request');
      const size = pageSize(q, 100, 500, vendor.options.usersPageSize);
      if (size === undefined) return fail(reply, 400, 'Invalid Input: maxResults', 'invalid');
      const offset = offsetOf(q.pageToken);
      if (Number.isNaN(offset)) return fail(reply, 400, 'Invalid Input: pageToken', 'invalid');
      const users = vendor.users.slice(offset, offset + size);
      return {
        kind: 'admin#directory#users',
        // Extra fields (as without `fields`) to keep the client's schema honest about ignoring them.
        ...(users.length
          ? {
              users: users.map((u) => ({
                kind: 'admin#directory#user',
                primaryEmail: u.email,
                suspended: u.suspended,
                isAdmin: u.admin,
                name: { fullName: u.email.split('@')[0] },
              })),
            }
          : {}),
        ...(offset + size < vendor.users.length ? { nextPageToken: tokenAt(offset + size) } : {}),
      };
    },
  },
  {
    operation: 'get-user',
    method: 'GET',
    url: '/admin/directory/v1/users/:userKey',
    handler: (req, reply, vendor) => {
      const token = vendor.tokenOf(req);
      if (!token.scopes.includes(DIRECTORY_SCOPE))
        return fail(reply, 403, 'Request had insufficient authentication scopes.', 'insufficientPermissions');
      if (!vendor.user(token.user)?.admin) return fail(reply, 403, 'Not Authorized to access this resource/api');
      const u = vendor.user((req.params as { userKey: string }).userKey);
      if (!u) return fail(reply, 404, 'Resource Not Found: userKey', 'notFound');
      return {
        kind: 'admin#directory#user',
        primaryEmail: u.email,
        suspended: u.suspended,
        isAdmin: u.admin,
        name: { fullName: u.email.split('@')[0] },
      };
    },
  },
  {
    operation: 'list-messages',
    method: 'GET',
    url: '/gmail/v1/users/:user/messages',
    handler: (req, reply, vendor) => {
      const user = mailboxOf(vendor, req, reply);
      if ('error' in user) return user.error;
      const q = req.query as Query;
      const size = pageSize(q, 100, 500, vendor.options.messagesPageSize);
      if (size === undefined) return fail(reply, 400, 'Invalid maxResults', 'invalidArgument');
      const terms = q.q === undefined ? [] : parseQuery(q.q);
      if (!terms) return fail(reply, 400, 'Invalid query', 'invalidArgument');
      const includeSpamTrash = q.includeSpamTrash === 'true';
      const hits = user.messages
        .filter((m) => includeSpamTrash || !m.labels.some((l) => l === 'SPAM' || l === 'TRASH'))
        .filter(
          (m) =>
            !terms.length ||
            terms.some((t) => (t.op === 'from' ? [m.from] : m[t.op]).some((a) => a.toLowerCase() === t.address)),
        );
      const offset = offsetOf(q.pageToken);
      if (Number.isNaN(offset)) return fail(reply, 400, 'Invalid pageToken', 'invalidArgument');
      const page = hits.slice(offset, offset + size);
      return {
        ...(page.length ? { messages: page.map((m) => ({ id: m.id, threadId: m.threadId })) } : {}),
        ...(offset + size < hits.length ? { nextPageToken: tokenAt(offset + size) } : {}),
        resultSizeEstimate: hits.length,
      };
    },
  },
  {
    operation: 'batch-delete',
    method: 'POST',
    url: '/gmail/v1/users/:user/messages/batchDelete',
    handler: (req, reply, vendor) => {
      const user = mailboxOf(vendor, req, reply);
      if ('error' in user) return user.error;
      const ids = (req.body as { ids?: unknown } | undefined)?.ids;
      if (!Array.isArray(ids) || !ids.every((id) => typeof id === 'string'))
        return fail(reply, 400, 'Invalid ids', 'invalidArgument');
      if (ids.length > 1_000) return fail(reply, 400, 'Too many ids in batch request', 'invalidArgument');
      // Permanent, and silent about ids that don't exist (Gmail: "no guarantees ... existed at all").
      const doomed = new Set(ids);
      for (const m of user.messages) if (doomed.has(m.id)) vendor.deletions.push(m.id);
      user.messages = user.messages.filter((m) => !doomed.has(m.id));
      reply.code(204);
      return undefined;
    },
  },
  {
    operation: 'trash',
    method: 'POST',
    url: '/gmail/v1/users/:user/messages/:id/trash',
    handler: (req, reply, vendor) => {
      const user = mailboxOf(vendor, req, reply);
      if ('error' in user) return user.error;
      const m = user.messages.find((x) => x.id === (req.params as { id: string }).id);
      if (!m) return fail(reply, 404, 'Requested entity was not found.', 'notFound');
      m.labels = ['TRASH'];
      return { id: m.id, threadId: m.threadId, labelIds: m.labels };
    },
  },
];

export class GoogleSimulator extends SimServer<GoogleSimVendor> {
  constructor(vendor: GoogleSimVendor, simRoutes: SimRoute<GoogleSimVendor>[], options: GoogleSimOptions = {}) {
    super(vendor, simRoutes, options);
    vendor.deletions = this.controls.deletions;
  }

  override async start(port = 0): Promise<string> {
    const url = await super.start(port);
    this.vendor.tokenUrl = `${url}/token`;
    return url;
  }

  get serviceAccount(): ServiceAccountKey {
    return this.vendor.serviceAccount;
  }

  get tokenUrl(): string {
    return this.vendor.tokenUrl;
  }

  seedUser(email: string, opts: { suspended?: boolean; admin?: boolean; gmail?: boolean } = {}): void {
    if (this.vendor.user(email)) throw new Error('seedUser: user exists');
    this.vendor.users.push({
      email,
      suspended: opts.suspended ?? false,
      admin: opts.admin ?? false,
      gmail: opts.gmail ?? true,
      messages: [],
    });
  }

  /** Suspends (or reactivates) a user: Google then refuses tokens for them and ends their sessions. */
  suspend(email: string, suspended = true): void {
    const user = this.vendor.user(email);
    if (!user) throw new Error('suspend: no such user');
    user.suspended = suspended;
  }

  /** Adds a message to `user`'s mailbox (INBOX unless labels say otherwise); returns its id. */
  seedMessage(
    user: string,
    m: { from: string; to?: string[]; cc?: string[]; bcc?: string[]; labels?: GmailLabel[] },
  ): string {
    const owner = this.vendor.user(user);
    if (!owner) throw new Error('seedMessage: no such user; seedUser first');
    // Gmail ids are 16 hex digits.
    const id = randomBytes(8).toString('hex');
    owner.messages.push({
      id,
      threadId: id,
      from: m.from,
      to: m.to ?? [],
      cc: m.cc ?? [],
      bcc: m.bcc ?? [],
      labels: m.labels ?? ['INBOX'],
    });
    return id;
  }

  messages(user: string): SimMessage[] {
    return [...(this.vendor.user(user)?.messages ?? [])];
  }

  /** Invalidates every outstanding token; the next call gets 401 UNAUTHENTICATED. */
  expireTokens(): void {
    this.vendor.tokens.clear();
  }
}

export function createGoogleSimulator(opts: GoogleSimOptions = {}): GoogleSimulator {
  const domain = opts.domain ?? 'corp.example';
  const options = { ratePerSecond: 25, ...opts, domain, adminUser: opts.adminUser ?? `admin@${domain}` };
  const sim = new GoogleSimulator(new GoogleSimVendor(options), routes, options);
  sim.seedUser(options.adminUser, { admin: true });
  return sim;
}
