/**
 * Client for the dsr-erasure HTTP connector protocol (schemas.ts): a signed JSON order per request,
 * answered 200 (done) or 202 (accepted; completion by status URL or callback).
 */
import { ApplicationFailure } from '@temporalio/common';
import type { Dispatcher } from 'undici';
import { z } from 'zod';
import { blankAsUndefined } from '../../env';
import { FailureTypes, VendorHttp } from '../http';
import { httpConnectorEnv } from './names';
import {
  orderResponseSchema,
  statusSchema,
  type ConnectorStatus,
  type ErasureOrder,
  type OrderResponse,
} from './schemas';
import { sign } from './signature';

export interface GenericHttpOptions {
  /** The connector's name, as in DSR_CRM_CONNECTORS=http:<name>. */
  name: string;
  url: string;
  /** Shared HMAC secret (32+ characters). */
  secret: string;
  timeoutMs?: number;
  dispatcher?: Dispatcher;
}

export class GenericHttpClient {
  private readonly http: VendorHttp;
  private readonly origin: string;

  constructor(private readonly options: GenericHttpOptions) {
    this.origin = new URL(options.url).origin;
    this.http = new VendorHttp({
      vendor: `HTTP connector ${options.name}`,
      baseUrl: options.url,
      authHeaders: () => ({}),
      timeoutMs: options.timeoutMs,
      dispatcher: options.dispatcher,
      // Only a machine-readable code from the other system's error body, never its prose.
      describeError: (body) => {
        const code = (body as { code?: unknown } | undefined)?.code;
        return typeof code === 'string' ? { codes: [code] } : {};
      },
    });
  }

  /** `attempt` > 1 only for a new order after the system answered `failed`. */
  async order(order: ErasureOrder, attempt = 1): Promise<OrderResponse> {
    const body = JSON.stringify(order);
    const res = await this.http.send({
      operation: 'order',
      method: 'POST',
      path: this.options.url,
      raw: { body, contentType: 'application/json' },
      // The receiving system deduplicates on this: an order re-sent after a lost response erases once.
      headers: {
        ...sign(this.options.secret, { method: 'POST', path: pathOf(this.options.url), body }),
        // With the source: two sources' `dsr-1` are different requests, and must not be answered as one.
        'idempotency-key': `${order.source === undefined ? '' : `${order.source}/`}${order.requestId}:${order.connector}${attempt > 1 ? `:${attempt}` : ''}`,
      },
    });
    const parsed = this.http.parse('order', orderResponseSchema, res.body);
    if ((res.status === 202) !== (parsed.state === 'accepted')) {
      throw ApplicationFailure.create({
        type: FailureTypes.invalidResponse,
        nonRetryable: true,
        message: `${this.http.vendor} order: HTTP ${res.status} with state ${parsed.state} (202 goes with accepted, 200 with a final state)`,
      });
    }
    if (parsed.state === 'accepted' && parsed.statusUrl && new URL(parsed.statusUrl).origin !== this.origin) {
      // We sign status polls; never send them to a host other than the one configured.
      throw ApplicationFailure.create({
        type: FailureTypes.invalidResponse,
        nonRetryable: true,
        message: `${this.http.vendor} order: statusUrl points to another origin`,
      });
    }
    return parsed;
  }

  async status(statusUrl: string): Promise<ConnectorStatus> {
    if (new URL(statusUrl).origin !== this.origin) {
      throw ApplicationFailure.create({
        type: FailureTypes.invalidResponse,
        nonRetryable: true,
        message: `${this.http.vendor} status: statusUrl points to another origin`,
      });
    }
    const res = await this.http.send({
      operation: 'status',
      method: 'GET',
      path: statusUrl,
      headers: sign(this.options.secret, { method: 'GET', path: pathOf(statusUrl), body: '' }),
    });
    return this.http.parse('status', statusSchema, res.body);
  }
}

const pathOf = (url: string) => {
  const u = new URL(url);
  return `${u.pathname}${u.search}`;
};

const secret = z.string().min(32, 'must be at least 32 characters');

/** The client for HTTP connector `name`, from its variables (names.ts). */
export function genericHttpClientFromEnv(name: string, env: NodeJS.ProcessEnv): GenericHttpClient {
  const variables = httpConnectorEnv(name);
  const parsed = z
    .object({
      [variables.url]: z.preprocess(blankAsUndefined, z.url({ error: 'must be an http(s) URL' })),
      [variables.secret]: z.preprocess(blankAsUndefined, secret),
    })
    .safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map(
      (i) => `${String(i.path[0])} ${i.code === 'invalid_type' ? 'is not set' : i.message}`,
    );
    throw new Error(`HTTP connector ${name}: ${problems.join('; ')}`);
  }
  return new GenericHttpClient({ name, url: parsed.data[variables.url]!, secret: parsed.data[variables.secret]! });
}
