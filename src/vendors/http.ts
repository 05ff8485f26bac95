/**
 * The one place where vendor HTTP becomes typed results and typed Temporal failures.
 *
 * Classification (the same for every vendor unless a client overrides it):
 *   429            -> retryable `VendorRateLimited`, next retry no sooner than Retry-After
 *   5xx, network   -> retryable `VendorUnavailable`, the activity's backoff applies
 *   400, 422       -> non-retryable `VendorRejectedRequest`
 *   401, 403       -> non-retryable `VendorAuthFailed`
 *   bad response   -> non-retryable `VendorResponseInvalid`
 *   unsendable     -> non-retryable `HttpRequestInvalid` (undici refused a header or URL we built)
 *
 * Failure messages are stored by Temporal, so they name the vendor, operation, status, the vendor's
 * own request id and error codes (each a safe token, src/vendor-text.ts, or a placeholder); never a
 * URL with a query string, a request body or vendor free text, any of which can quote the identifier
 * being erased.
 */
import { ApplicationFailure } from '@temporalio/common';
import { Agent, errors as undiciErrors, request, type Dispatcher } from 'undici';
import type { z } from 'zod';
import { FailureTypes } from '../failures';
import { keepSafeToken } from '../vendor-text';

export { FailureTypes } from '../failures';
/** The one filter for vendor codes, ids and references lives in a workflow-safe module; re-exported for clients. */
export { isSafeToken, keepSafeToken, VENDOR_TEXT_WITHHELD } from '../vendor-text';

/** Where Retry-After is missing or unreadable we still wait, rather than hammer a throttled vendor. */
const DEFAULT_RETRY_AFTER_MS = 1_000;
/** Gong's daily quota can answer with hours; a day is the longest wait we honour (as Airbyte does). */
const MAX_RETRY_AFTER_MS = 24 * 60 * 60 * 1_000;

/** Retry-After is seconds (RFC 9110) or an HTTP date; vendors disagree on integer vs string. */
export function parseRetryAfterMs(value: string | string[] | undefined, now = Date.now()): number {
  const raw = Array.isArray(value) ? value[0] : value;
  if (raw === undefined || raw.trim() === '') return DEFAULT_RETRY_AFTER_MS;
  const trimmed = raw.trim();
  let ms: number;
  if (/^\d+(\.\d+)?$/.test(trimmed)) ms = Math.ceil(Number(trimmed) * 1_000);
  else {
    const date = Date.parse(trimmed);
    if (Number.isNaN(date)) return DEFAULT_RETRY_AFTER_MS;
    ms = date - now;
  }
  return Math.min(Math.max(ms, DEFAULT_RETRY_AFTER_MS), MAX_RETRY_AFTER_MS);
}

export interface VendorErrorInfo {
  /** The vendor's own reference for the failed call (Gong requestId, HubSpot correlationId...). */
  vendorRequestId?: string;
  /** Machine codes only (e.g. `INVALID_SESSION_ID`), never vendor prose. */
  codes?: string[];
}

export interface VendorHttpOptions {
  vendor: string;
  baseUrl: string;
  /** Called per request, so tokens can be refreshed. */
  authHeaders: () => Promise<Record<string, string>> | Record<string, string>;
  timeoutMs?: number;
  dispatcher?: Dispatcher;
  /** Pull request ids / error codes out of an error body for the failure message. */
  describeError?: (body: unknown) => VendorErrorInfo;
  /** Vendor-specific override (e.g. Salesforce 403 REQUEST_LIMIT_EXCEEDED is retryable). */
  classify?: (status: number, body: unknown, info: VendorErrorInfo) => ApplicationFailure | undefined;
}

export interface VendorRequest {
  /** Short stable name for messages and logs, e.g. `erase-data-for-email-address`. */
  operation: string;
  method: Dispatcher.HttpMethod;
  path: string;
  query?: Record<string, string | number | boolean | undefined>;
  json?: unknown;
  /**
   * A body sent as given: JSON a caller signs byte for byte, or formats other than JSON and forms
   * (Salesforce Bulk API CSV).
   */
  raw?: { body: string; contentType: string };
  form?: Record<string, string>;
  headers?: Record<string, string>;
  /** Statuses handed back to the caller instead of being classified as failures (e.g. 404). */
  passStatuses?: number[];
}

export interface VendorResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: unknown;
}

/**
 * Vendor calls carry bearer tokens and the identifiers being erased: https only, except on loopback
 * (the simulators, a local tunnel).
 */
export function assertSecureUrl(url: string, what: string): void {
  const { protocol, hostname } = new URL(url);
  const loopback = hostname === 'localhost' || hostname === '[::1]' || /^127\./.test(hostname);
  if (protocol !== 'https:' && !(protocol === 'http:' && loopback)) throw new Error(`${what} must be an https URL`);
}

export class VendorHttp {
  private readonly dispatcher: Dispatcher;
  constructor(private readonly options: VendorHttpOptions) {
    assertSecureUrl(options.baseUrl, `${options.vendor} base URL`);
    this.dispatcher = options.dispatcher ?? new Agent({ keepAliveTimeout: 10_000, connections: 16 });
  }

  get vendor(): string {
    return this.options.vendor;
  }

  url(path: string, query?: VendorRequest['query']): URL {
    // Absolute paths (pagination links) are used as given; everything else is relative to the base URL.
    const url = /^https?:\/\//.test(path)
      ? new URL(path)
      : new URL(path.replace(/^\//, ''), this.options.baseUrl.replace(/\/?$/, '/'));
    // URLSearchParams encodes `+` as %2B, which Gong requires for phone numbers.
    for (const [k, v] of Object.entries(query ?? {})) if (v !== undefined) url.searchParams.set(k, String(v));
    return url;
  }

  async send(req: VendorRequest): Promise<VendorResponse> {
    const url = this.url(req.path, req.query);
    assertSecureUrl(url.toString(), `${this.vendor} ${req.operation} URL`);
    const headers: Record<string, string> = {
      accept: 'application/json',
      ...(await this.options.authHeaders()),
      ...req.headers,
    };
    let body: string | undefined;
    if (req.raw) {
      headers['content-type'] = req.raw.contentType;
      body = req.raw.body;
    } else if (req.json !== undefined) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(req.json);
    } else if (req.form) {
      headers['content-type'] = 'application/x-www-form-urlencoded';
      body = new URLSearchParams(req.form).toString();
    }
    const timeout = this.options.timeoutMs ?? 30_000;
    let res: Dispatcher.ResponseData;
    try {
      res = await request(url, {
        method: req.method,
        headers,
        body,
        dispatcher: this.dispatcher,
        headersTimeout: timeout,
        bodyTimeout: timeout,
      });
    } catch (err) {
      throw this.networkFailure(req.operation, err);
    }
    const text = await res.body.text().catch((err: unknown) => {
      throw this.networkFailure(req.operation, err);
    });
    const parsed = parseBody(text);
    if ((res.statusCode >= 200 && res.statusCode < 300) || req.passStatuses?.includes(res.statusCode)) {
      return { status: res.statusCode, headers: res.headers, body: parsed };
    }
    throw this.statusFailure(req.operation, res.statusCode, res.headers, parsed);
  }

  /** Validates a vendor response; a mismatch is non-retryable and names only the paths that failed. */
  parse<S extends z.ZodType>(operation: string, schema: S, body: unknown): z.output<S> {
    const result = schema.safeParse(body);
    if (result.success) return result.data;
    const paths = result.error.issues.slice(0, 5).map((i) => `${i.path.join('.') || '(root)'}: ${i.code}`);
    throw ApplicationFailure.create({
      type: FailureTypes.invalidResponse,
      nonRetryable: true,
      message: `${this.vendor} ${operation}: unexpected response shape (${paths.join('; ')})`,
    });
  }

  private statusFailure(
    operation: string,
    status: number,
    headers: VendorResponse['headers'],
    body: unknown,
  ): ApplicationFailure {
    const info = safeDescribe(this.options.describeError, body);
    const overridden = this.options.classify?.(status, body, info);
    if (overridden) return overridden;
    const message = `${this.vendor} ${operation}: HTTP ${status}${formatInfo(info)}`;
    if (status === 429) {
      return ApplicationFailure.create({
        type: FailureTypes.rateLimited,
        message: `${message}; retrying after Retry-After`,
        nextRetryDelay: parseRetryAfterMs(headers['retry-after']),
      });
    }
    if (status >= 500 || status === 408 || status === 425) {
      // Graph and Salesforce send Retry-After with 503 too; honour it when present.
      const retryAfter = headers['retry-after'];
      return ApplicationFailure.create({
        type: FailureTypes.unavailable,
        message,
        nextRetryDelay: retryAfter === undefined ? undefined : parseRetryAfterMs(retryAfter),
      });
    }
    if (status === 401 || status === 403) {
      return ApplicationFailure.create({
        type: FailureTypes.auth,
        nonRetryable: true,
        message: `${message}: check the ${this.vendor} credentials and their permissions/scopes`,
      });
    }
    if (status === 400 || status === 422) {
      return ApplicationFailure.create({
        type: FailureTypes.rejected,
        nonRetryable: true,
        message: `${message}: the vendor rejected the request`,
      });
    }
    return ApplicationFailure.create({ type: FailureTypes.unexpected, nonRetryable: true, message });
  }

  private networkFailure(operation: string, err: unknown): ApplicationFailure {
    // undici refused the request before sending it (a header name or value HTTP cannot carry):
    // the same request fails the same way on every retry. Its message quotes the header; only the code is kept.
    if (err instanceof undiciErrors.InvalidArgumentError) {
      return ApplicationFailure.create({
        type: FailureTypes.requestInvalid,
        nonRetryable: true,
        message: `${this.vendor} ${operation}: the HTTP client refused the request as built (${err.code})`,
      });
    }
    const code =
      err instanceof undiciErrors.UndiciError ? err.code : ((err as NodeJS.ErrnoException)?.code ?? 'UNKNOWN');
    return ApplicationFailure.create({
      type: FailureTypes.unavailable,
      message: `${this.vendor} ${operation}: network error ${code}`,
    });
  }
}

export function formatInfo(info: VendorErrorInfo): string {
  const parts: string[] = [];
  if (info.codes?.length) parts.push(`codes ${info.codes.join(',')}`);
  if (info.vendorRequestId) parts.push(`vendor request id ${info.vendorRequestId}`);
  return parts.length ? ` (${parts.join('; ')})` : '';
}

function safeDescribe(describe: VendorHttpOptions['describeError'], body: unknown): VendorErrorInfo {
  try {
    return safeErrorInfo(describe?.(body) ?? {});
  } catch {
    return {};
  }
}

/**
 * `info` with every code and id that is not a safe token (src/vendor-text.ts) replaced by a fixed
 * placeholder, for failures a client builds itself: the message says a code was there, never what.
 */
export function safeErrorInfo(info: VendorErrorInfo): VendorErrorInfo {
  return {
    vendorRequestId: info.vendorRequestId ? keepSafeToken(info.vendorRequestId) : undefined,
    codes: info.codes && safeCodes(info.codes),
  };
}

/** Codes as `safeErrorInfo` keeps them: unsafe ones as one placeholder, duplicates once. */
export function safeCodes(codes: (string | null | undefined)[]): string[] {
  return [...new Set(codes.filter((c): c is string => !!c).map(keepSafeToken))];
}

function parseBody(text: string): unknown {
  if (text === '') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

export function basicAuth(user: string, secret: string): string {
  return `Basic ${Buffer.from(`${user}:${secret}`).toString('base64')}`;
}
