/**
 * Microsoft Graph, app-only: find a person's messages in a mailbox and permanently delete them.
 * HTTP classification is VendorHttp's; this file adds the token, Graph's error shape and the few
 * statuses that are answers rather than failures (404 on delete, 401 with a stale token).
 */
import { ApplicationFailure } from '@temporalio/common';
import type { Dispatcher } from 'undici';
import { z } from 'zod';
import { commaList, invalidVariables, optionalEnv } from '../../env';
import { FailureTypes, formatInfo, safeErrorInfo, VendorHttp, type VendorErrorInfo, type VendorRequest } from '../http';
import { TokenCache, type IssuedToken } from '../token-cache';
import {
  graphErrorSchema,
  messagesPageSchema,
  oauthErrorSchema,
  tokenResponseSchema,
  usersPageSchema,
} from './schemas';

/** $search on messages returns at most this many hits per query, however far nextLink is followed. */
export const GRAPH_SEARCH_RESULT_CAP = 1_000;

/** $top of a message search: a page stays well under MAX_FOUND_PER_PAGE, and 4 of them reach the cap. */
export const SEARCH_PAGE_SIZE = 250;

/** One page of a message search. */
export interface GraphMessagePage {
  ids: string[];
  /** Continues the query (absolute, on the Graph base URL); absent on its last page. */
  nextLink?: string;
}

/** A 404 on a mailbox itself: no Exchange Online mailbox (unlicensed, guest, on-premises) or no such user. */
export const MAILBOX_NOT_FOUND = 'GraphMailboxNotFound';
const MAILBOX_MISSING_CODES = new Set([
  'MailboxNotEnabledForRESTAPI',
  'ErrorInvalidUser',
  'ResourceNotFound',
  'ErrorNonExistentMailbox',
]);

export const CREDENTIAL_ENV = ['M365_TENANT_ID', 'M365_CLIENT_ID', 'M365_CLIENT_SECRET'] as const;

export interface GraphClientOptions {
  tenantId: string;
  clientId: string;
  clientSecret: string;
  graphBaseUrl?: string;
  loginBaseUrl?: string;
  timeoutMs?: number;
  dispatcher?: Dispatcher;
}

/** `error.code` and the request id; never `error.message`, which can quote the $search term. */
export function describeGraphError(body: unknown): VendorErrorInfo {
  const parsed = graphErrorSchema.safeParse(body);
  if (!parsed.success) return {};
  // Filtered here too (not only by VendorHttp): some failures in this file are built locally.
  return safeErrorInfo({
    codes: [parsed.data.error.code],
    vendorRequestId: parsed.data.error.innerError?.['request-id'],
  });
}

function describeOAuthError(body: unknown): VendorErrorInfo {
  const parsed = oauthErrorSchema.safeParse(body);
  if (!parsed.success) return {};
  const aadsts = (parsed.data.error_codes ?? []).map((c) => `AADSTS${c}`);
  return safeErrorInfo({
    codes: [parsed.data.error, ...aadsts],
    vendorRequestId: parsed.data.correlation_id ?? parsed.data.trace_id,
  });
}

export class GraphClient {
  private readonly graph: VendorHttp;
  private readonly login: VendorHttp;
  /** One app-only token for the tenant. */
  private readonly tokens = new TokenCache<string, 'graph'>({ fetch: () => this.fetchToken() });

  constructor(private readonly options: GraphClientOptions) {
    const common = { timeoutMs: options.timeoutMs, dispatcher: options.dispatcher };
    this.login = new VendorHttp({
      ...common,
      vendor: 'Microsoft Entra ID',
      baseUrl: options.loginBaseUrl ?? 'https://login.microsoftonline.com',
      authHeaders: () => ({}),
      describeError: describeOAuthError,
      // Bad tenant (400 invalid_request), unknown app (400 unauthorized_client), wrong secret (401 invalid_client):
      // all fixed by an operator, so say which settings to check.
      classify: (status, _body, info) =>
        status === 400 || status === 401
          ? ApplicationFailure.create({
              type: FailureTypes.auth,
              nonRetryable: true,
              message: `Microsoft Entra ID token: HTTP ${status}${formatInfo(info)}: check ${CREDENTIAL_ENV.join(', ')} and that the app has admin-consented Mail.ReadWrite and User.Read.All application permissions`,
            })
          : undefined,
    });
    this.graph = new VendorHttp({
      ...common,
      vendor: 'Microsoft Graph',
      baseUrl: options.graphBaseUrl ?? 'https://graph.microsoft.com',
      authHeaders: () => ({}),
      describeError: describeGraphError,
    });
  }

  /**
   * Every user in the tenant (object ids); users without a mailbox show up here too. `onPage` hears the
   * count so far after each page (a big tenant takes many).
   */
  async listMailboxes(onPage?: (users: number) => void): Promise<string[]> {
    const ids: string[] = [];
    let next: string | undefined;
    do {
      const res = await this.send({
        operation: 'list-users',
        method: 'GET',
        ...(next ? { path: next } : { path: '/v1.0/users', query: { $select: 'id,userPrincipalName', $top: 999 } }),
      });
      const page = this.graph.parse('list-users', usersPageSchema, res.body);
      ids.push(...page.value.map((u) => u.id));
      onPage?.(ids.length);
      next = this.nextLink('list-users', page['@odata.nextLink']);
    } while (next);
    return ids;
  }

  /**
   * One page (at most SEARCH_PAGE_SIZE) of ids of messages in `mailbox` from/to/cc/bcc `email`, in every
   * folder incl. Deleted Items; `nextLink` (from the page before) continues the same query. Graph caps
   * $search at GRAPH_SEARCH_RESULT_CAP hits per query, however far nextLink is followed: callers delete
   * and search again. Throws MAILBOX_NOT_FOUND (non-retryable) when there is no mailbox.
   */
  async findMessages(mailbox: string, email: string, nextLink?: string): Promise<GraphMessagePage> {
    // KQL inside a quoted $search; a quote or whitespace would change the query, not narrow it.
    if (/["\s]/.test(email)) {
      throw ApplicationFailure.create({
        type: FailureTypes.rejected,
        nonRetryable: true,
        message: 'Microsoft Graph list-messages: address cannot be expressed as a $search term',
      });
    }
    // Checked again on the way out: a link handed back by a caller gets the bearer token too.
    const next = this.nextLink('list-messages', nextLink);
    const res = await this.send({
      operation: 'list-messages',
      method: 'GET',
      passStatuses: [404],
      ...(next
        ? { path: next }
        : {
            path: `/v1.0/users/${encodeURIComponent(mailbox)}/messages`,
            query: { $search: `"participants:${email}"`, $select: 'id', $top: SEARCH_PAGE_SIZE },
          }),
    });
    if (res.status === 404) throw mailboxNotFound('list-messages', res.body);
    const page = this.graph.parse('list-messages', messagesPageSchema, res.body);
    return {
      ids: page.value.map((m) => m.id),
      nextLink: this.nextLink('list-messages', page['@odata.nextLink']),
    };
  }

  /** Moves the message to Recoverable Items\Purges (gone for the user; purged unless a hold applies). */
  async permanentDelete(mailbox: string, messageId: string): Promise<'deleted' | 'not-found'> {
    const res = await this.send({
      operation: 'permanent-delete',
      method: 'POST',
      path: `/v1.0/users/${encodeURIComponent(mailbox)}/messages/${encodeURIComponent(messageId)}/permanentDelete`,
      passStatuses: [404],
    });
    if (res.status !== 404) return 'deleted';
    // Only a missing message is "already gone"; a missing mailbox is a misconfiguration.
    if (describeGraphError(res.body).codes?.includes('ErrorItemNotFound')) return 'not-found';
    throw mailboxNotFound('permanent-delete', res.body);
  }

  /** The bearer token goes wherever nextLink points, so it must point back at Graph. */
  private nextLink(operation: string, link: string | undefined): string | undefined {
    if (link === undefined) return undefined;
    if (URL.canParse(link) && new URL(link).origin === this.graph.url('/').origin) return link;
    throw ApplicationFailure.create({
      type: FailureTypes.invalidResponse,
      nonRetryable: true,
      message: `Microsoft Graph ${operation}: @odata.nextLink outside the Graph base URL`,
    });
  }

  /**
   * Graph call with ImmutableId (ids survive moves between folders). A 401 InvalidAuthenticationToken
   * (revoked or expired early, e.g. a tenant policy change) gets one fresh token, then VendorHttp's 401 handling.
   */
  private async send(req: VendorRequest) {
    const res = await this.tokens.withToken(
      'graph',
      (token, retry) =>
        this.graph.send({
          ...req,
          headers: { prefer: 'IdType="ImmutableId"', ...req.headers, authorization: `Bearer ${token}` },
          passStatuses: retry ? req.passStatuses : [...(req.passStatuses ?? []), 401],
        }),
      (first) => first.status === 401 && !!describeGraphError(first.body).codes?.includes('InvalidAuthenticationToken'),
    );
    if (res.status === 401 && !req.passStatuses?.includes(401)) throw authFailure(req.operation, res.body);
    return res;
  }

  private async fetchToken(): Promise<IssuedToken<string>> {
    const res = await this.login.send({
      operation: 'token',
      method: 'POST',
      path: `/${encodeURIComponent(this.options.tenantId)}/oauth2/v2.0/token`,
      form: {
        grant_type: 'client_credentials',
        client_id: this.options.clientId,
        client_secret: this.options.clientSecret,
        scope: 'https://graph.microsoft.com/.default',
      },
    });
    const token = this.login.parse('token', tokenResponseSchema, res.body);
    return { token: token.access_token, expiresInSeconds: token.expires_in };
  }
}

function mailboxNotFound(operation: string, body: unknown): ApplicationFailure {
  const info = describeGraphError(body);
  const known = info.codes?.some((c) => MAILBOX_MISSING_CODES.has(c));
  return ApplicationFailure.create({
    type: known ? MAILBOX_NOT_FOUND : FailureTypes.unexpected,
    nonRetryable: true,
    message: `Microsoft Graph ${operation}: HTTP 404${formatInfo(info)}: ${known ? 'no Exchange Online mailbox for this user' : 'unexpected not-found'}`,
  });
}

function authFailure(operation: string, body: unknown): ApplicationFailure {
  return ApplicationFailure.create({
    type: FailureTypes.auth,
    nonRetryable: true,
    message: `Microsoft Graph ${operation}: HTTP 401${formatInfo(describeGraphError(body))}: check the Microsoft Graph credentials and their permissions/scopes`,
  });
}

const optional = optionalEnv(z.string().trim());
const envSchema = z.object({
  M365_TENANT_ID: optional,
  M365_CLIENT_ID: optional,
  M365_CLIENT_SECRET: optional,
  M365_MAILBOXES: optional,
  GRAPH_BASE_URL: optionalEnv(z.url()),
  GRAPH_LOGIN_URL: optionalEnv(z.url()),
});

export interface GraphFromEnv {
  client: GraphClient;
  /** Mailboxes to sweep; undefined means every user in the tenant. */
  mailboxes?: string[];
}

/** Undefined when Microsoft 365 is not configured at all; throws naming the variables when half-configured. */
export function graphClientFromEnv(
  env: Record<string, string | undefined>,
  extra: Pick<GraphClientOptions, 'timeoutMs' | 'dispatcher'> = {},
): GraphFromEnv | undefined {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    const names = invalidVariables(parsed.error);
    throw new Error(`Microsoft 365 configuration invalid: ${names.join(', ')} must be absolute URLs`);
  }
  const e = parsed.data;
  const missing = CREDENTIAL_ENV.filter((name) => !e[name]);
  if (missing.length === CREDENTIAL_ENV.length) {
    if (e.M365_MAILBOXES) throw new Error(`M365_MAILBOXES is set but ${CREDENTIAL_ENV.join(', ')} are not`);
    return undefined;
  }
  if (missing.length)
    throw new Error(
      `Microsoft 365 partly configured: set ${missing.join(', ')} (or unset all of ${CREDENTIAL_ENV.join(', ')})`,
    );
  const mailboxes = commaList(e.M365_MAILBOXES);
  const client = new GraphClient({
    ...extra,
    tenantId: e.M365_TENANT_ID as string,
    clientId: e.M365_CLIENT_ID as string,
    clientSecret: e.M365_CLIENT_SECRET as string,
    graphBaseUrl: e.GRAPH_BASE_URL,
    loginBaseUrl: e.GRAPH_LOGIN_URL,
  });
  return { client, mailboxes: mailboxes.length ? mailboxes : undefined };
}
