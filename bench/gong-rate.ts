/**
 * bench/gong-rate: how close to Gong's per-company limit do we run, without tripping it?
 *
 * Starts a Temporal dev server, the vendor simulators (Gong with a strict rolling-second limit)
 * and real workers, submits N erasures at once and measures the Gong calls the simulator accepted.
 * Prints achieved rate / limit (target >= 0.95) and the number of 429s (target 0).
 *
 *   npm run bench:gong-rate -- --requests 40 --limit 3
 */
import { parseArgs } from 'node:util';
import { Client } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime } from '@temporalio/worker';
import { submitErasure } from '../src/client/erasures';
import { generateKey } from '../src/security/keys';
import { startSandbox } from '../src/sandbox';
import { parseErasureRequest } from '../src/subject/request';
import { startDevServer } from '../src/temporal/dev-server';
import { createWorkers } from '../src/temporal/workers';
import { deploymentFromEnv } from '../src/worker';

const { values } = parseArgs({
  options: {
    requests: { type: 'string', default: '40' },
    limit: { type: 'string', default: '3' },
  },
});
const requests = Number(values.requests);
const limit = Number(values.limit);

async function main() {
  Runtime.install({ logger: new DefaultLogger('ERROR') });
  const server = await startDevServer();
  const sandbox = await startSandbox({
    gong: { ratePerSecond: limit },
    hubspot: { ratePerSecond: 0 },
    graph: { ratePerSecond: 0 },
  });
  const env = {
    ...sandbox.env,
    DSR_PAYLOAD_KEYS: `bench:${generateKey()}`,
    DSR_SUBJECT_HASH_KEY: generateKey(),
    GONG_RATE_LIMIT_PER_SECOND: String(limit),
    DSR_TASK_QUEUE: 'bench',
    DSR_GONG_TASK_QUEUE: 'bench-gong',
  };
  const connection = await NativeConnection.connect({ address: server.connection.options.address });
  const deployment = await deploymentFromEnv(env);
  const workers = await createWorkers({ ...deployment, connection, namespace: 'default' });
  const running = Promise.all(workers.map((w) => w.run()));
  const client = new Client({ connection: server.connection, dataConverter: deployment.dataConverter });

  const handles = [];
  for (let i = 0; i < requests; i++) {
    const subject = { emails: [`bench.${i}@example.com`], phones: [`+1425555${String(1000 + i).padStart(4, '0')}`] };
    sandbox.seedSubject(subject);
    const request = parseErasureRequest({ requestId: `bench-${Date.now()}-${i}`, ...subject });
    const settings = { verifyInitialWait: '1s', gongTaskQueue: 'bench-gong' } as const;
    handles.push((await submitErasure(client, request, { taskQueue: 'bench', owner: 'bench', settings })).handle);
  }
  await Promise.all(handles.map((h) => h.result()));

  const log = sandbox.gong!.controls.log;
  const accepted = log
    .filter((r) => r.status === 200)
    .map((r) => r.at)
    .sort((a, b) => a - b);
  const rejected = log.filter((r) => r.status === 429).length;
  const seconds = (accepted.at(-1)! - accepted[0]!) / 1000;
  const rate = (accepted.length - 1) / seconds;
  console.log(
    JSON.stringify({
      requests,
      limitPerSecond: limit,
      gongCalls: accepted.length,
      seconds: +seconds.toFixed(2),
      achievedPerSecond: +rate.toFixed(3),
      ratio: +(rate / limit).toFixed(3),
      http429: rejected,
    }),
  );

  for (const w of workers) w.shutdown();
  await running;
  await connection.close();
  await sandbox.stop();
  await server.teardown();
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
