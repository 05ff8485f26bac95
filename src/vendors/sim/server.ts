/**
 * What every vendor simulator shares: a real HTTP server on loopback (fastify), a request log,
 * a per-second rate limit answered with 429 + Retry-After, and fault switches.
 * Vendor folders add their routes, auth checks and error bodies on top.
 */
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';

export type Fault =
  | { kind: 'status'; status: number; retryAfterSeconds?: number | string; body?: unknown }
  /** Answer correctly but only after `ms` (for timeouts). */
  | { kind: 'delay'; ms: number }
  /** Close the connection without answering (a lost response / connection reset). */
  | { kind: 'drop' }
  /** Do the work, then close the connection without answering (the vendor acted; we never heard). */
  | { kind: 'drop-after-effect' }
  /** Do the work, then answer with an error status (the vendor acted, then said it failed). */
  | { kind: 'status-after-effect'; status: number };

/**
 * Random faults on every operation, for runs that must come out exact anyway: `rate` of requests
 * fail with a 5xx, half of them after doing the work. Seeded, so a failing run can be repeated.
 */
export interface Chaos {
  rate: number;
  seed: number;
  status?: number;
}

export interface FaultRule {
  fault: Fault;
  /** Operation name to match (the route's `operation`); all operations when absent. */
  operation?: string;
  /** How many requests it applies to; Infinity for until cleared. */
  times: number;
}

export interface LoggedRequest {
  at: number;
  operation: string;
  method: string;
  path: string;
  query: Record<string, string>;
  status: number;
}

export interface SimOptions {
  /** Requests per rolling second before answering 429; unlimited when absent. */
  ratePerSecond?: number;
  /** Retry-After sent with a rate-limit 429 (seconds). */
  rateLimitRetryAfterSeconds?: number;
}

export class SimControls {
  readonly log: LoggedRequest[] = [];
  /** Operations in the order requests arrived (the log has them once answered): shows a held request. */
  readonly arrivals: string[] = [];
  /**
   * Every record this vendor removed in answer to a request (ids; Salesforce: moved to the Recycle
   * Bin), in order: what a receipt is compared with, record by record.
   */
  readonly deletions: string[] = [];
  private rules: FaultRule[] = [];
  private window: number[] = [];
  rateLimited = 0;
  private chaos?: Chaos & { state: number };

  constructor(public options: SimOptions = {}) {}

  inject(fault: Fault, opts: { operation?: string; times?: number } = {}): void {
    this.rules.push({ fault, operation: opts.operation, times: opts.times ?? 1 });
  }

  clearFaults(): void {
    this.rules = [];
    this.chaos = undefined;
  }

  /** Starts (or with undefined stops) random faults; see Chaos. */
  setChaos(chaos: Chaos | undefined): void {
    this.chaos = chaos && { ...chaos, state: chaos.seed >>> 0 || 1 };
  }

  takeFault(operation: string): Fault | undefined {
    const chaotic = this.chaosFault();
    if (chaotic) return chaotic;
    const rule = this.rules.find((r) => r.times > 0 && (!r.operation || r.operation === operation));
    if (!rule) return undefined;
    rule.times -= 1;
    return rule.fault;
  }

  private chaosFault(): Fault | undefined {
    const chaos = this.chaos;
    if (!chaos) return undefined;
    const next = () => {
      // xorshift32: deterministic for a seed, and no dependency for a test switch.
      let x = chaos.state;
      x ^= x << 13;
      x ^= x >>> 17;
      x ^= x << 5;
      chaos.state = x >>> 0;
      return chaos.state / 0x1_0000_0000;
    };
    if (next() >= chaos.rate) return undefined;
    const status = chaos.status ?? 503;
    return next() < 0.5 ? { kind: 'status', status } : { kind: 'status-after-effect', status };
  }

  /** Strict rolling window: never more than `ratePerSecond` accepted requests in any 1000 ms. */
  admit(now = Date.now()): boolean {
    const limit = this.options.ratePerSecond;
    if (!limit) return true;
    this.window = this.window.filter((t) => now - t < 1_000);
    if (this.window.length >= limit) {
      this.rateLimited += 1;
      return false;
    }
    this.window.push(now);
    return true;
  }

  operations(): string[] {
    return this.log.map((r) => r.operation);
  }
}

export interface SimRoute<Vendor> {
  operation: string;
  method: 'GET' | 'POST' | 'DELETE' | 'PATCH' | 'PUT';
  url: string;
  /** Whether this route is exempt from auth and rate limit (e.g. OAuth token endpoints). */
  open?: boolean;
  handler: (req: FastifyRequest, reply: FastifyReply, vendor: Vendor) => Promise<unknown> | unknown;
}

export interface SimVendorContract {
  name: string;
  /** Returns undefined when the request is authorised, or the [status, body] to answer with. */
  authorise(req: FastifyRequest): [number, unknown] | undefined;
  /** The vendor's error body for a given status (Gong: `{requestId, errors[]}`). */
  errorBody(status: number, message: string): unknown;
}

export class SimServer<Vendor extends SimVendorContract> {
  readonly app: FastifyInstance;
  readonly controls: SimControls;
  private address?: string;

  constructor(
    readonly vendor: Vendor,
    routes: SimRoute<Vendor>[],
    options: SimOptions = {},
  ) {
    this.controls = new SimControls(options);
    this.app = Fastify({ logger: false, forceCloseConnections: true });
    // Vendors accept form bodies on token endpoints.
    this.app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_req, body, done) => {
      done(null, Object.fromEntries(new URLSearchParams(body as string)));
    });
    for (const route of routes) this.register(route);
  }

  private register(route: SimRoute<Vendor>): void {
    this.app.route({
      method: route.method,
      url: route.url,
      handler: async (req, reply) => {
        this.controls.arrivals.push(route.operation);
        const log = (status: number) =>
          this.controls.log.push({
            at: Date.now(),
            operation: route.operation,
            method: req.method,
            path: req.url.split('?')[0] ?? req.url,
            query: req.query as Record<string, string>,
            status,
          });
        if (!route.open) {
          const denied = this.vendor.authorise(req);
          if (denied) {
            log(denied[0]);
            return reply.code(denied[0]).send(denied[1]);
          }
          if (!this.controls.admit()) {
            log(429);
            const retryAfter = this.controls.options.rateLimitRetryAfterSeconds ?? 1;
            return reply
              .code(429)
              .header('retry-after', String(retryAfter))
              .send(this.vendor.errorBody(429, 'API request limit exceeded'));
          }
        }
        const fault = this.controls.takeFault(route.operation);
        if (fault?.kind === 'drop') {
          log(0);
          req.raw.socket.destroy();
          return reply.hijack();
        }
        if (fault?.kind === 'status') {
          log(fault.status);
          if (fault.retryAfterSeconds !== undefined) reply.header('retry-after', String(fault.retryAfterSeconds));
          return reply.code(fault.status).send(fault.body ?? this.vendor.errorBody(fault.status, 'Injected fault'));
        }
        if (fault?.kind === 'delay') await new Promise((r) => setTimeout(r, fault.ms));
        const result = await route.handler(req, reply, this.vendor);
        if (fault?.kind === 'drop-after-effect') {
          log(0);
          req.raw.socket.destroy();
          return reply.hijack();
        }
        if (fault?.kind === 'status-after-effect') {
          log(fault.status);
          return reply.code(fault.status).send(this.vendor.errorBody(fault.status, 'Injected fault after the effect'));
        }
        log(reply.statusCode);
        return result;
      },
    });
  }

  /** Starts on 127.0.0.1 (port 0 = any free port) and returns the base URL. */
  async start(port = 0): Promise<string> {
    await this.app.listen({ host: '127.0.0.1', port });
    const addr = this.app.server.address();
    if (!addr || typeof addr === 'string') throw new Error('simulator did not bind a TCP port');
    this.address = `http://127.0.0.1:${addr.port}`;
    return this.address;
  }

  get url(): string {
    if (!this.address) throw new Error(`${this.vendor.name} simulator not started`);
    return this.address;
  }

  async stop(): Promise<void> {
    await this.app.close();
  }
}
