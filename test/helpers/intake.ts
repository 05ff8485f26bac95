/**
 * The intake service over real HTTP beside a harness, with its log lines captured, and a status
 * callback receiver on loopback that records what it is sent and can fail on purpose.
 */
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import { request } from 'undici';
import { parseEnv } from '../../src/config';
import { hashApiKey, intakeEnvSchema } from '../../src/intake/config';
import { createIntakeServer, type IntakeDeps } from '../../src/intake/server';
import type { Harness } from './harness';

export const API_KEY = 'test-api-key-0123456789abcdef';
export const OTHER_KEY = 'test-other-key-0123456789abcdef';
export const WEBHOOK_SECRET = 'webhook-secret-0123456789abcdef0123456789';
/** Scope `ketch` only: the Ketch receiver. */
export const KETCH_KEY = 'test-ketch-key-0123456789abcdef';
/** Scope `operator`: reads and steers every source's requests (with ?source=). */
export const OPERATOR_KEY = 'test-operator-key-0123456789abcdef';
/** Scope `callback:http:tickets`: an in-house system reporting its orders. */
export const TICKETS_KEY = 'test-tickets-key-0123456789abcdef';

/** `h` may be a stand-in for tests that never reach Temporal (refusals before any route handler). */
export async function startIntake(
  h: Pick<Harness, 'client' | 'taskQueue'>,
  env: Record<string, string> = {},
  deps: Pick<IntakeDeps, 'previewWaitMs'> = {},
) {
  const lines: string[] = [];
  const config = parseEnv(intakeEnvSchema, {
    DSR_INTAKE_API_KEYS: [
      `intake-test:${hashApiKey(API_KEY)}`,
      `ops:${hashApiKey(OTHER_KEY)}`,
      `ketch:${hashApiKey(KETCH_KEY)};scopes=ketch`,
      `operator:${hashApiKey(OPERATOR_KEY)};scopes=operator`,
      `tickets-system:${hashApiKey(TICKETS_KEY)};scopes=callback:http:tickets`,
    ].join(','),
    DSR_INTAKE_WEBHOOK_SECRETS: `portal:${WEBHOOK_SECRET}`,
    ...env,
  });
  const app = await createIntakeServer({
    client: h.client,
    config,
    taskQueue: h.taskQueue,
    // Loopback receivers listen on ports chosen at run time; hooks.example.com is listed to test its port rule.
    callbackAllowedHosts: ['127.0.0.1:*', 'hooks.example.com'],
    logStream: { write: (line) => void lines.push(line) },
    ...deps,
  });
  const url = await app.listen({ host: '127.0.0.1', port: 0 });
  const call = async (
    method: 'GET' | 'POST',
    path: string,
    opts: { body?: unknown; raw?: string; key?: string | null; headers?: Record<string, string> } = {},
  ) => {
    const headers: Record<string, string> = { ...opts.headers };
    if (opts.key !== null) headers.authorization = `Bearer ${opts.key ?? API_KEY}`;
    const body = opts.raw ?? (opts.body === undefined ? undefined : JSON.stringify(opts.body));
    if (body !== undefined && !headers['content-type']) headers['content-type'] = 'application/json';
    const res = await request(`${url}${path}`, { method, headers, body });
    const text = await res.body.text();
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- tests reach into answers freely
    return { status: res.statusCode, headers: res.headers, text, json: text ? (JSON.parse(text) as any) : undefined };
  };
  return { app, url, lines, call, close: () => app.close() };
}

export interface RawAnswer {
  /** Undefined when no complete answer arrived in time. */
  status?: number;
  headers: Record<string, string>;
  body: string;
  /** The server closed the connection (within the wait). */
  closed: boolean;
}

/**
 * Bytes written to a plain socket, for requests an HTTP client would not send (bad encoding, oversized headers,
 * not HTTP) or would not leave unfinished: `head` is all that is ever sent, so a request announcing a longer body
 * stays incomplete, and a server that waits for the body never answers. Resolves when the server closes the
 * connection, or after `waitMs`, with the answer if one arrived complete.
 */
export function rawRequest(url: string, head: string, waitMs = 3000): Promise<RawAnswer> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = connect(Number(port), hostname, () => socket.write(head));
    let data = Buffer.alloc(0);
    let closed = false;
    const finish = () => {
      clearTimeout(timer);
      socket.destroy();
      const text = data.toString('utf8');
      const at = text.indexOf('\r\n\r\n');
      const [statusLine = '', ...lines] = (at < 0 ? '' : text.slice(0, at)).split('\r\n');
      const headers = Object.fromEntries(
        lines.map((l) => [l.slice(0, l.indexOf(':')).toLowerCase(), l.slice(l.indexOf(':') + 1).trim()]),
      );
      const body = at < 0 ? '' : text.slice(at + 4);
      const complete = at >= 0 && Buffer.byteLength(body) >= Number(headers['content-length'] ?? Infinity);
      const status = complete ? Number(/^HTTP\/1\.1 (\d{3}) /.exec(statusLine)?.[1]) : undefined;
      resolve({ status, headers, body, closed });
    };
    const timer = setTimeout(finish, waitMs);
    socket.on('data', (d: Buffer) => (data = Buffer.concat([data, d])));
    socket.on('error', () => undefined);
    socket.on('close', () => {
      closed = true;
      finish();
    });
  });
}

export interface Received {
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
  status: number;
}

/** Answers 200, or `failures` more times the status given, recording every attempt. */
export async function startCallbackReceiver() {
  const received: Received[] = [];
  let failures = 0;
  let failStatus = 503;
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString('utf8')));
    req.on('end', () => {
      const status = failures > 0 ? (failures--, failStatus) : 200;
      received.push({ path: req.url ?? '', headers: req.headers, body, status });
      res.writeHead(status, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: (path: string) => `http://127.0.0.1:${port}${path}`,
    received,
    delivered: () => received.filter((r) => r.status === 200),
    failNext(n: number, status = 503) {
      failures = n;
      failStatus = status;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

export async function eventually<T>(
  fn: () => T | undefined | Promise<T | undefined>,
  what = 'condition',
  timeoutMs = 30_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}
