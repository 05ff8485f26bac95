/**
 * Microsoft identity platform + Graph on one loopback server, playing the contract client.ts relies on:
 * client-credentials tokens, paged users, `$search="participants:..."` on messages with paging and
 * the 1,000-hit cap, permanentDelete (each message removed is logged in `controls.deletions`), Graph
 * error bodies, 429 ApplicationThrottled + Retry-After.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { SimServer, type SimOptions, type SimRoute, type SimVendorContract } from '../sim/server';

export interface GraphSimOptions extends SimOptions {
  tenantId?: string;
  clientId?: string;
  clientSecret?: string;
  /** Token lifetime in seconds (Entra's usual 3599). */
  expiresIn?: number;
  /** Users per page, whatever $top asks for (Graph pages as it likes). */
  usersPageSize?: number;
  /** Hits a single $search returns at most, across all pages (Graph: 1,000). */
  searchCap?: number;
}

export interface SimMessage {
  id: string;
  from: string;
  to: string[];
  cc: string[];
  bcc: string[];
}

interface SimUser {
  id: string;
  upn: string;
  /** Undefined for users without an Exchange Online mailbox. */
  mailbox?: SimMessage[];
}

type Query = Record<string, string | undefined>;

const STATUS_CODES: Record<number, string> = {
  400: 'BadRequest',
  401: 'InvalidAuthenticationToken',
  403: 'ErrorAccessDenied',
  404: 'ErrorItemNotFound',
  429: 'ApplicationThrottled',
  500: 'InternalServerError',
  503: 'ServiceUnavailable',
  504: 'GatewayTimeout',
};

export function graphError(code: string, message: string) {
  return {
    error: { code, message, innerError: { 'request-id': randomUUID(), date: new Date().toISOString().slice(0, 19) } },
  };
}

export class GraphSimVendor implements SimVendorContract {
  readonly name = 'Microsoft Graph';
  readonly users: SimUser[] = [];
  /** Access token -> expiry (epoch ms). */
  readonly tokens = new Map<string, number>();
  /** Graph requests that did not ask for immutable ids. */
  missingImmutableIdPrefer = 0;
  /** Ids of the messages removed, in order: the server's `controls.deletions` once the simulator is built. */
  deletions: string[] = [];

  constructor(readonly options: GraphSimOptions) {}

  authorise(req: FastifyRequest): [number, unknown] | undefined {
    if (!String(req.headers.prefer ?? '').includes('IdType="ImmutableId"')) this.missingImmutableIdPrefer += 1;
    const token = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
    if (!token) return [401, graphError('InvalidAuthenticationToken', 'Access token is empty.')];
    const expires = this.tokens.get(token);
    if (expires === undefined || expires <= Date.now())
      return [401, graphError('InvalidAuthenticationToken', 'Lifetime validation failed, the token is expired.')];
    return undefined;
  }

  errorBody(status: number, message: string): unknown {
    return graphError(STATUS_CODES[status] ?? 'UnknownError', message);
  }

  user(idOrUpn: string): SimUser | undefined {
    const key = idOrUpn.toLowerCase();
    return this.users.find((u) => u.id === key || u.upn.toLowerCase() === key);
  }
}

function oauthError(error: string, code: number, description: string) {
  const trace = randomUUID();
  return {
    error,
    error_description: `AADSTS${code}: ${description} Trace ID: ${trace}`,
    error_codes: [code],
    timestamp: new Date().toISOString(),
    trace_id: trace,
    correlation_id: randomUUID(),
  };
}

/** The mailbox a route addresses, or the 404 Graph answers with. */
function mailboxOf(
  vendor: GraphSimVendor,
  req: FastifyRequest,
  reply: FastifyReply,
): SimMessage[] | { error: unknown } {
  const user = vendor.user((req.params as { user: string }).user);
  if (!user) return (reply.code(404), { error: graphError('ErrorInvalidUser', 'The requested user is invalid.') });
  if (!user.mailbox)
    return (
      reply.code(404),
      {
        error: graphError(
          'MailboxNotEnabledForRESTAPI',
          'The mailbox is either inactive, soft-deleted, or is hosted on-premise.',
        ),
      }
    );
  return user.mailbox;
}

function page<T>(items: T[], offset: number, size: number) {
  return { items: items.slice(offset, offset + size), more: offset + size < items.length };
}

function nextLink(req: FastifyRequest, params: Query): string {
  const url = new URL(`http://${req.headers.host}${req.url.split('?')[0]}`);
  for (const [k, v] of Object.entries(params)) if (v !== undefined) url.searchParams.set(k, v);
  return url.toString();
}

function topOf(q: Query, fallback: number, max: number): number | undefined {
  if (q.$top === undefined) return fallback;
  const top = Number(q.$top);
  return Number.isInteger(top) && top >= 1 && top <= max ? top : undefined;
}

const routes: SimRoute<GraphSimVendor>[] = [
  {
    operation: 'token',
    method: 'POST',
    url: '/:tenant/oauth2/v2.0/token',
    open: true,
    handler: (req, reply, vendor) => {
      const o = vendor.options;
      const form = (req.body ?? {}) as Record<string, string>;
      const fail = (status: number, body: unknown) => (reply.code(status), body);
      if ((req.params as { tenant: string }).tenant !== o.tenantId)
        return fail(400, oauthError('invalid_request', 90002, 'Tenant not found.'));
      if (form.grant_type !== 'client_credentials')
        return fail(400, oauthError('unsupported_grant_type', 70003, 'The app requested an unsupported grant type.'));
      if (form.client_id !== o.clientId)
        return fail(400, oauthError('unauthorized_client', 700016, 'Application was not found in the directory.'));
      if (form.client_secret !== o.clientSecret)
        return fail(401, oauthError('invalid_client', 7000215, 'Invalid client secret provided.'));
      if (form.scope !== 'https://graph.microsoft.com/.default')
        return fail(400, oauthError('invalid_scope', 1002012, 'The provided value for scope is not valid.'));
      const token = randomBytes(24).toString('base64url');
      const expiresIn = o.expiresIn ?? 3599;
      vendor.tokens.set(token, Date.now() + expiresIn * 1_000);
      return { token_type: 'Bearer', expires_in: expiresIn, ext_expires_in: expiresIn, access_token: token };
    },
  },
  {
    operation: 'list-users',
    method: 'GET',
    url: '/v1.0/users',
    handler: (req, reply, vendor) => {
      const q = req.query as Query;
      const top = topOf(q, 100, 999);
      if (top === undefined) return (reply.code(400), graphError('Request_BadRequest', 'Invalid page size specified.'));
      const offset = q.$skiptoken ? Number(Buffer.from(q.$skiptoken, 'base64url').toString()) : 0;
      const p = page(vendor.users, offset, Math.min(top, vendor.options.usersPageSize ?? 100));
      const next = offset + p.items.length;
      return {
        value: p.items.map((u) => ({ id: u.id, userPrincipalName: u.upn })),
        ...(p.more
          ? {
              '@odata.nextLink': nextLink(req, {
                $select: q.$select,
                $top: q.$top,
                $skiptoken: Buffer.from(String(next)).toString('base64url'),
              }),
            }
          : {}),
      };
    },
  },
  {
    operation: 'list-messages',
    method: 'GET',
    url: '/v1.0/users/:user/messages',
    handler: (req, reply, vendor) => {
      const mailbox = mailboxOf(vendor, req, reply);
      if ('error' in mailbox) return mailbox.error;
      const q = req.query as Query;
      const top = topOf(q, 10, 1000);
      if (top === undefined) return (reply.code(400), graphError('BadRequest', 'Invalid $top.'));
      let hits = mailbox;
      if (q.$search !== undefined) {
        // Only the form the client sends; Graph requires the KQL in double quotes.
        const address = /^"participants:([^"\s]+)"$/.exec(q.$search)?.[1]?.toLowerCase();
        if (!address) return (reply.code(400), graphError('BadRequest', 'Syntax error in $search.'));
        const involved = (m: SimMessage) =>
          [m.from, ...m.to, ...m.cc, ...m.bcc].some((a) => a.toLowerCase() === address);
        hits = mailbox.filter(involved).slice(0, vendor.options.searchCap ?? 1000);
      }
      const offset = Number(q.$skip ?? 0);
      const p = page(hits, offset, top);
      return {
        value: p.items.map((m) => ({ id: m.id })),
        ...(p.more
          ? {
              '@odata.nextLink': nextLink(req, {
                $search: q.$search,
                $select: q.$select,
                $top: String(top),
                $skip: String(offset + top),
              }),
            }
          : {}),
      };
    },
  },
  {
    operation: 'permanent-delete',
    method: 'POST',
    url: '/v1.0/users/:user/messages/:id/permanentDelete',
    handler: (req, reply, vendor) => {
      const mailbox = mailboxOf(vendor, req, reply);
      if ('error' in mailbox) return mailbox.error;
      const index = mailbox.findIndex((m) => m.id === (req.params as { id: string }).id);
      if (index < 0)
        return (reply.code(404), graphError('ErrorItemNotFound', 'The specified object was not found in the store.'));
      const [removed] = mailbox.splice(index, 1);
      if (removed) vendor.deletions.push(removed.id);
      reply.code(204);
      return undefined;
    },
  },
];

export class GraphSimulator extends SimServer<GraphSimVendor> {
  constructor(vendor: GraphSimVendor, simRoutes: SimRoute<GraphSimVendor>[], options: GraphSimOptions = {}) {
    super(vendor, simRoutes, options);
    vendor.deletions = this.controls.deletions;
  }

  /** A user with a mailbox; returns the user's object id. */
  seedMailbox(upn: string): string {
    return this.addUser(upn, []);
  }

  /** A directory user without an Exchange Online mailbox (unlicensed, guest, on-premises). */
  seedUser(upn: string): string {
    return this.addUser(upn, undefined);
  }

  seedMessage(upn: string, m: { from: string; to?: string[]; cc?: string[]; bcc?: string[] }): string {
    const mailbox = this.vendor.user(upn)?.mailbox;
    if (!mailbox) throw new Error('seedMessage: no such mailbox; seedMailbox first');
    // Shaped like Exchange ids: base64 with '-', '_' and '=' so clients must encode them in paths.
    const id = `AAkALgAAAAAAHYQDEapmEc2byACqAC-EWg0A${randomBytes(18).toString('base64url')}=`;
    mailbox.push({ id, from: m.from, to: m.to ?? [], cc: m.cc ?? [], bcc: m.bcc ?? [] });
    return id;
  }

  messages(upn: string): SimMessage[] {
    return [...(this.vendor.user(upn)?.mailbox ?? [])];
  }

  /** Invalidates every outstanding token; the next Graph call gets 401 InvalidAuthenticationToken. */
  expireTokens(): void {
    this.vendor.tokens.clear();
  }

  private addUser(upn: string, mailbox: SimMessage[] | undefined): string {
    const id = randomUUID();
    this.vendor.users.push({ id, upn, mailbox });
    return id;
  }
}

export function createGraphSimulator(opts: GraphSimOptions = {}): GraphSimulator {
  const options = {
    tenantId: 'sim-tenant',
    clientId: 'sim-client',
    clientSecret: 'sim-secret',
    ratePerSecond: 20,
    ...opts,
  };
  return new GraphSimulator(new GraphSimVendor(options), routes, options);
}
