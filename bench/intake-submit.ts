/**
 * bench/intake-submit: what the intake API costs on top of starting a workflow directly.
 *
 * Starts a Temporal dev server and the intake service (no workers: only starting is measured),
 * then submits N erasures through the client (submitErasure) and N through POST /v1/erasures
 * (auth, zod, JSON, access log, same submitErasure), each with the same concurrency, and N repeats
 * through the API (the idempotent path: start refused, stored input decrypted and compared).
 * Prints submissions/s for each and the API / direct ratio.
 *
 *   npm run bench:intake-submit -- --requests 300 --concurrency 8
 */
import { parseArgs } from 'node:util';
import { Client } from '@temporalio/client';
import { request } from 'undici';
import { submitErasure } from '../src/client/erasures';
import { parseEnv } from '../src/config';
import { hashApiKey, intakeEnvSchema } from '../src/intake/config';
import { createIntakeServer } from '../src/intake/server';
import { createDataConverter } from '../src/security/data-converter';
import { generateKey, loadSecurityConfig } from '../src/security/keys';
import { parseErasureRequest } from '../src/subject/request';
import { startDevServer } from '../src/temporal/dev-server';

const { values } = parseArgs({
  options: { requests: { type: 'string', default: '300' }, concurrency: { type: 'string', default: '8' } },
});
const n = Number(values.requests);
const concurrency = Number(values.concurrency);
const KEY = 'bench-api-key-0123456789abcdef';

async function timed(label: string, task: (i: number) => Promise<void>) {
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < n) await task(next++);
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  return { label, perSecond: +(n / seconds).toFixed(1) };
}

async function main() {
  const server = await startDevServer();
  const keys = { DSR_PAYLOAD_KEYS: `bench:${generateKey()}` };
  const client = new Client({
    connection: server.connection,
    dataConverter: await createDataConverter(loadSecurityConfig(keys).payloadKeys),
  });
  const config = parseEnv(intakeEnvSchema, {
    DSR_INTAKE_API_KEYS: `bench:${hashApiKey(KEY)}`,
    DSR_INTAKE_RATE_LIMIT: '100000',
  });
  const app = await createIntakeServer({
    client,
    config,
    taskQueue: 'bench',
    callbackAllowedHosts: [],
    logStream: { write: () => undefined },
  });
  const url = await app.listen({ host: '127.0.0.1', port: 0 });
  const run = Date.now();
  const subject = (i: number) => ({
    emails: [`bench.${i}@example.com`],
    phones: [`+1425555${String(1000 + (i % 9000)).padStart(4, '0')}`],
  });
  const post = async (body: unknown) => {
    const res = await request(`${url}/v1/erasures`, {
      method: 'POST',
      headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    await res.body.dump();
    if (res.statusCode >= 300 && res.statusCode !== 200) throw new Error(`HTTP ${res.statusCode}`);
  };

  const direct = await timed('direct submitErasure', async (i) => {
    await submitErasure(client, parseErasureRequest({ requestId: `direct-${run}-${i}`, ...subject(i) }), {
      taskQueue: 'bench',
      owner: 'bench',
    });
  });
  const api = await timed('POST /v1/erasures (new)', (i) => post({ requestId: `api-${run}-${i}`, ...subject(i) }));
  const repeat = await timed('POST /v1/erasures (repeat)', (i) =>
    post({ requestId: `api-${run}-${i}`, ...subject(i) }),
  );
  console.log(
    JSON.stringify({
      requests: n,
      concurrency,
      direct: direct.perSecond,
      api: api.perSecond,
      apiRepeat: repeat.perSecond,
      apiOverDirect: +(api.perSecond / direct.perSecond).toFixed(3),
    }),
  );

  await app.close();
  await server.teardown();
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
