/**
 * A system on the other end of the HTTP connector protocol (schemas.ts), for tests and `npm start`.
 * Verifies signatures over the exact body, deduplicates orders by Idempotency-Key, and answers in
 * one of four modes: `sync` (200 with a final state), `poll` (202 + statusUrl, pending for a few
 * polls), `callback` (202 without statusUrl; the test delivers the callback), `fail` (200 failed,
 * with a reason that quotes the identifier, as careless systems do).
 */
import { randomUUID } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { SimServer, type SimOptions, type SimRoute, type SimVendorContract } from '../sim/server';
import type { ErasureOrder } from './schemas';
import { verify } from './signature';

export type GenericHttpMode = 'sync' | 'poll' | 'callback' | 'fail';

export interface GenericHttpSimOptions extends SimOptions {
  secret: string;
  mode?: GenericHttpMode;
  /** Polls answered `pending` before `completed` (poll mode). */
  pendingPolls?: number;
}

interface Order {
  id: string;
  order: ErasureOrder;
  polls: number;
  response: [number, unknown];
}

type RawRequest = FastifyRequest & { rawBody?: string };

export class GenericHttpSimVendor implements SimVendorContract {
  readonly name = 'HTTP connector system';
  mode: GenericHttpMode;
  readonly orders = new Map<string, Order>();
  /** Identifier values this system holds records for. */
  readonly records = new Set<string>();
  erasedValues: string[] = [];

  constructor(private readonly options: GenericHttpSimOptions) {
    this.mode = options.mode ?? 'sync';
  }

  authorise(req: FastifyRequest): [number, unknown] | undefined {
    const body = (req as RawRequest).rawBody ?? '';
    return verify(this.options.secret, { method: req.method, path: req.url, body }, req.headers)
      ? undefined
      : [401, this.errorBody(401, 'bad signature')];
  }

  errorBody(status: number, message: string): unknown {
    return { code: status === 401 ? 'invalid_signature' : status === 429 ? 'rate_limited' : `http_${status}`, message };
  }

  order(req: FastifyRequest, reply: FastifyReply, baseUrl: string): unknown {
    const key = String(req.headers['idempotency-key'] ?? '');
    const order = req.body as ErasureOrder;
    if (!key || order?.version !== 1 || !Array.isArray(order.identifiers))
      return (reply.code(400), this.errorBody(400, 'malformed order'));
    const existing = this.orders.get(key);
    if (existing) return (reply.code(existing.response[0]), existing.response[1]);
    const id = randomUUID();
    const held = order.identifiers.filter((i) => this.records.has(i.value));
    const response: [number, unknown] =
      this.mode === 'sync'
        ? [
            200,
            held.length ? { state: 'completed', deleted: held.length, reference: `sys-${id}` } : { state: 'not_found' },
          ]
        : this.mode === 'fail'
          ? [
              200,
              {
                state: 'failed',
                reason: `could not delete ${order.identifiers[0]?.value}`,
                reference: `sys-${id}`,
              },
            ]
          : this.mode === 'poll'
            ? [
                202,
                {
                  state: 'accepted',
                  statusUrl: `${baseUrl}/erasures/${id}/status`,
                  reference: `sys-${id}`,
                },
              ]
            : [202, { state: 'accepted', reference: `sys-${id}` }];
    this.orders.set(key, { id, order, polls: 0, response });
    if (this.mode === 'sync') this.erase(order);
    return (reply.code(response[0]), response[1]);
  }

  status(req: FastifyRequest, reply: FastifyReply): unknown {
    const { id } = req.params as { id: string };
    const entry = [...this.orders.values()].find((o) => o.id === id);
    if (!entry) return (reply.code(404), this.errorBody(404, 'unknown erasure'));
    entry.polls += 1;
    if (entry.polls <= (this.options.pendingPolls ?? 1)) return { state: 'pending' };
    this.erase(entry.order);
    return { state: 'completed', deleted: entry.order.identifiers.length, reference: `sys-${entry.id}` };
  }

  /** Carries out an accepted order (callback mode: the test then delivers the callback). */
  erase(order: ErasureOrder): void {
    for (const { value } of order.identifiers) if (this.records.delete(value)) this.erasedValues.push(value);
  }
}

export class GenericHttpSimulator extends SimServer<GenericHttpSimVendor> {
  constructor(options: GenericHttpSimOptions) {
    const vendor = new GenericHttpSimVendor(options);
    const routes: SimRoute<GenericHttpSimVendor>[] = [
      {
        operation: 'order',
        method: 'POST',
        url: '/erasures',
        handler: (req, reply, v) => v.order(req, reply, this.url),
      },
      {
        operation: 'status',
        method: 'GET',
        url: '/erasures/:id/status',
        handler: (req, reply, v) => v.status(req, reply),
      },
    ];
    super(vendor, routes, { ...options, ratePerSecond: options.ratePerSecond ?? 0 });
    // Signatures cover the exact bytes sent, so keep the raw body beside the parsed one.
    this.app.removeContentTypeParser('application/json');
    this.app.addContentTypeParser('application/json', { parseAs: 'string' }, (req, body, done) => {
      (req as RawRequest).rawBody = body as string;
      try {
        done(null, JSON.parse(body as string));
      } catch {
        done(null, undefined);
      }
    });
  }

  /** The URL to configure as HTTP_CONNECTOR_<NAME>_URL. */
  get orderUrl(): string {
    return `${this.url}/erasures`;
  }
}
