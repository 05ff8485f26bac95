/**
 * bench/exact-receipts: are receipts exact when everything goes wrong at once?
 *
 * Starts a Temporal dev server, every vendor simulator with random 5xx on a share of all requests
 * (half of them after the vendor did the work), and a worker process; submits N erasures through
 * HubSpot and Salesforce, then Microsoft 365 and Gmail, then Gong; SIGKILLs the worker once a
 * few deletions per request are done and starts a new one. Then compares, per vendor, the ids every
 * receipt says were deleted with the ids the simulator deleted: missing and extra must be 0.
 *
 *   npm run bench:exact-receipts -- --requests 30 --fault-rate 0.1
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Client } from '@temporalio/client';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { submitErasure } from '../src/client/erasures';
import { startSandbox } from '../src/sandbox';
import { createDataConverter } from '../src/security/data-converter';
import { generateKey, loadSecurityConfig } from '../src/security/keys';
import { parseErasureRequest } from '../src/subject/request';
import { startDevServer } from '../src/temporal/dev-server';
import type { SimControls } from '../src/vendors/sim/server';
import type { ErasureReceipt } from '../src/workflows/types';

const { values } = parseArgs({
  options: {
    requests: { type: 'string', default: '30' },
    'fault-rate': { type: 'string', default: '0.1' },
    seed: { type: 'string', default: '1' },
  },
});
const requests = Number(values.requests);
const faultRate = Number(values['fault-rate']);
const seed = Number(values.seed);

const VENDORS = { hubspot: 'hubspot', salesforce: 'salesforce', graph: 'm365', google: 'gmail' } as const;

function startWorker(env: Record<string, string>) {
  const child = spawn(process.execPath, ['--import', 'tsx', join(__dirname, '..', 'src', 'worker.ts')], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  return child;
}

async function main() {
  Runtime.install({ logger: new DefaultLogger('ERROR') });
  const started = Date.now();
  const server = await startDevServer();
  const sandbox = await startSandbox({
    vendors: ['gong', 'hubspot', 'salesforce', 'm365', 'gmail'],
    gong: { deletionDelayMs: 500 },
  });
  const sims = sandbox as unknown as Record<string, { controls: SimControls }>;
  for (const [i, key] of ['gong', ...Object.keys(VENDORS)].entries())
    sims[key]!.controls.setChaos({ rate: faultRate, seed: seed * 31 + i });

  const env = {
    ...sandbox.env,
    TEMPORAL_ADDRESS: server.connection.options.address,
    DSR_PAYLOAD_KEYS: `bench:${generateKey()}`,
    DSR_SUBJECT_HASH_KEY: generateKey(),
    DSR_TASK_QUEUE: 'bench-exact',
    DSR_GONG_TASK_QUEUE: 'bench-exact-gong',
    DSR_CRM_CONNECTORS: 'hubspot,salesforce',
    DSR_EMAIL_CONNECTORS: 'm365,gmail',
    GONG_RATE_LIMIT_PER_SECOND: '20',
    DSR_APPROVAL_THRESHOLDS: 'crm.records=10000,email.records=10000,email.mailboxes=10000',
  };
  const client = new Client({
    connection: server.connection,
    dataConverter: await createDataConverter(loadSecurityConfig(env).payloadKeys),
  });
  let worker = startWorker(env);

  const settings = {
    verifyInitialWait: '1s',
    verifyMaxInterval: '2s',
    activityMaxInterval: '2s',
    activityMaxAttempts: 50,
    connectorHeartbeatTimeout: '5s',
    gongTaskQueue: 'bench-exact-gong',
  } as const;
  const handles = [];
  for (let i = 0; i < requests; i++) {
    const subject = { emails: [`exact.${i}@example.com`], phones: [`+1425556${String(1000 + i).padStart(4, '0')}`] };
    for (let s = 0; s < 3; s++) sandbox.seedSubject(subject);
    const request = parseErasureRequest({ requestId: `exact-${started}-${i}`, ...subject });
    handles.push((await submitErasure(client, request, { taskQueue: 'bench-exact', owner: 'bench', settings })).handle);
  }

  // Kill the worker mid-run (a few deletions per request done), and start another.
  const deletions = () => Object.keys(VENDORS).reduce((n, key) => n + sims[key]!.controls.deletions.length, 0);
  while (deletions() < requests * 3) await new Promise((r) => setTimeout(r, 50));
  const killedAfterDeletions = deletions();
  worker.kill('SIGKILL');
  await new Promise((r) => worker.once('exit', r));
  worker = startWorker(env);

  const receipts: ErasureReceipt[] = await Promise.all(handles.map((h) => h.result()));
  const perVendor: Record<string, { receipt: number; simulator: number; missing: number; extra: number }> = {};
  for (const [key, connector] of Object.entries(VENDORS)) {
    const outcomes = receipts
      .flatMap((r) => [...r.crm.outcomes, ...r.email.outcomes])
      .filter((o) => o.connector === connector);
    const counted = outcomes.reduce((n, o) => n + o.deleted, 0);
    const fromReceipts = new Set(outcomes.flatMap((o) => o.deletedIds));
    const fromSimulator = new Set(sims[key]!.controls.deletions);
    perVendor[connector] = {
      receipt: counted,
      simulator: sims[key]!.controls.deletions.length,
      missing: [...fromSimulator].filter((id) => !fromReceipts.has(id)).length,
      extra: [...fromReceipts].filter((id) => !fromSimulator.has(id)).length,
    };
  }
  const faults = ['gong', ...Object.keys(VENDORS)].reduce(
    (n, key) => n + sims[key]!.controls.log.filter((r) => r.status >= 500).length,
    0,
  );
  const all = Object.values(perVendor);
  console.log(
    JSON.stringify({
      requests,
      faultRate,
      injected5xx: faults,
      workerKilledAfterDeletions: killedAfterDeletions,
      completed: receipts.filter((r) => r.status === 'Completed').length,
      withExceptions: receipts.filter((r) => r.outcome !== 'erased').length,
      deletedBySimulators: all.reduce((n, v) => n + v.simulator, 0),
      deletedInReceipts: all.reduce((n, v) => n + v.receipt, 0),
      missing: all.reduce((n, v) => n + v.missing, 0),
      extra: all.reduce((n, v) => n + v.extra, 0),
      perVendor,
      seconds: Math.round((Date.now() - started) / 1000),
    }),
  );

  worker.kill('SIGTERM');
  await new Promise((r) => worker.once('exit', r));
  await sandbox.stop();
  await server.teardown();
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
