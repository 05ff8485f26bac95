/**
 * Durability: a worker process killed mid-erasure and a new one finishing it; and replay of
 * recorded histories, so a workflow change that breaks running erasures fails here first.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { createDataConverter } from '../src/security/data-converter';
import { loadSecurityConfig } from '../src/security/keys';
import type { SandboxVendor } from '../src/sandbox';
import { startDevServer } from '../src/temporal/dev-server';
import type { SimControls } from '../src/vendors/sim/server';
import { approveUpdate, retryUpdate } from '../src/workflows/definitions';
import { bundleWorkflows, FAST, NO_APPROVALS, startHarness, uniqueRequestId, type Harness } from './helpers/harness';
import { historyToJson } from './helpers/history';
import { startCallbackReceiver } from './helpers/intake';

const EMAIL = 'kim.lee@example.com';
const PHONE = '+442071234567';
const FIXTURES = join(__dirname, 'fixtures');
// The recorded history is encrypted like any other; these test-only keys are committed with it.
const FIXTURE_KEYS = {
  DSR_PAYLOAD_KEYS: 'fixture-key-1:3q5a0U1iJ0pYQm6x4tY8l8z2m1c9V7b6n5K4j3H2g1E=',
  DSR_SUBJECT_HASH_KEY: 'c3ViamVjdC1oYXNoLWtleS1mb3ItZml4dHVyZXMtb25seS0wMDAwMDAwMA==',
};
const fixtureDataConverter = () => createDataConverter(loadSecurityConfig(FIXTURE_KEYS).payloadKeys);

let bundle: WorkflowBundleWithSourceMap;
let harness: Harness | undefined;

beforeAll(async () => {
  bundle = await bundleWorkflows();
});

afterEach(async () => {
  await harness?.teardown();
  harness = undefined;
});

async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
  const { port } = probe.address() as { port: number };
  await new Promise((r) => probe.close(r));
  return port;
}

function spawnWorker(env: Record<string, string>): { child: ChildProcess; output: () => string } {
  let output = '';
  const child = spawn(process.execPath, ['--import', 'tsx', join(__dirname, '..', 'src', 'worker.ts')], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout!.on('data', (d) => (output += d));
  child.stderr!.on('data', (d) => (output += d));
  return { child, output: () => output };
}

test('a worker killed mid-request is replaced and the erasure finishes without deleting twice', async () => {
  const h = (harness = await startHarness({ bundle, noWorkers: true }));
  h.sandbox.seedSubject({ emails: [EMAIL], phones: [PHONE] });
  // Hold the mailbox search open, so the kill lands while the email step's activity is running.
  h.sandbox.graph!.controls.inject({ kind: 'delay', ms: 4_000 }, { operation: 'list-messages' });

  const first = spawnWorker(h.env);
  const requestId = uniqueRequestId('kill');
  const { handle } = await h.submit({ requestId, emails: [EMAIL], phones: [PHONE] });
  await h
    .waitForProgress(requestId, (p) => p.step === 'email', 90_000)
    .catch((err) => {
      throw new Error(`${err}\nworker output:\n${first.output()}`);
    });
  await new Promise((r) => setTimeout(r, 500));
  first.child.kill('SIGKILL');
  await new Promise((r) => first.child.once('exit', r));
  const crmDeletesBeforeKill = h.sandbox.hubspot!.controls.log.filter((r) => r.operation === 'gdpr-delete').length;

  await h.startWorkers();
  const receipt = await handle.result();

  expect(receipt.outcome).toBe('erased');
  expect(receipt.gong.verification.outcome).toBe('verified');
  // The CRM step finished before the kill and was not run again.
  expect(h.sandbox.hubspot!.controls.log.filter((r) => r.operation === 'gdpr-delete')).toHaveLength(
    crmDeletesBeforeKill,
  );
  // The email step was retried on the new worker and each message deleted once.
  const deletes = h.sandbox.graph!.controls.log.filter((r) => r.operation === 'permanent-delete' && r.status === 204);
  expect(deletes).toHaveLength(4);
  expect(new Set(deletes.map((r) => r.path)).size).toBe(4);
  expect(h.sandbox.gong!.controls.log.filter((r) => r.operation.startsWith('erase-') && r.status === 200)).toHaveLength(
    2,
  );
});

/** Per vendor: the delete held open when the worker dies (the vendor acts, nobody hears), after `after` others. */
const KILL_MID_BATCH = [
  { connector: 'hubspot', key: 'hubspot', operation: 'gdpr-delete', after: 2, crm: 'hubspot', email: 'm365' },
  {
    connector: 'salesforce',
    key: 'salesforce',
    operation: 'delete-records',
    after: 0,
    crm: 'salesforce',
    email: 'm365',
  },
  { connector: 'm365', key: 'graph', operation: 'permanent-delete', after: 2, crm: 'hubspot', email: 'm365' },
  { connector: 'gmail', key: 'google', operation: 'batch-delete', after: 1, crm: 'hubspot', email: 'gmail' },
] as const;

test.each(KILL_MID_BATCH)(
  'a worker killed in the middle of $connector deletes: the receipt equals what the vendor deleted, record by record',
  async ({ connector, key, operation, after, crm, email }) => {
    const vendors = ['gong', crm, email];
    const h = (harness = await startHarness({
      bundle,
      noWorkers: true,
      sandbox: { vendors: vendors as SandboxVendor[] },
      env: { DSR_CRM_CONNECTORS: crm, DSR_EMAIL_CONNECTORS: email, ...NO_APPROVALS },
    }));
    for (let i = 0; i < 6; i++) h.sandbox.seedSubject({ emails: [EMAIL], phones: [PHONE] });
    const controls = (h.sandbox as unknown as Record<string, { controls: SimControls }>)[key]!.controls;
    const arrived = () => controls.arrivals.filter((o) => o === operation).length;
    const waitFor = async (done: () => boolean, what: string) => {
      const deadline = Date.now() + 90_000;
      while (!done()) {
        if (Date.now() > deadline) throw new Error(`${what}; worker output:\n${first.output()}`);
        await new Promise((r) => setTimeout(r, 10));
      }
    };
    // The delete after the first `after` is held open: the vendor does it once the worker is gone, and nobody hears.
    for (let i = 0; i < after; i++) controls.inject({ kind: 'delay', ms: 0 }, { operation, times: 1 });
    controls.inject({ kind: 'delay', ms: 3_000 }, { operation, times: 1 });
    const first = spawnWorker(h.env);
    const requestId = uniqueRequestId('kill-batch');
    const { handle } = await h.submit({ requestId, emails: [EMAIL], phones: [PHONE] });
    await waitFor(() => arrived() > after, `no held ${operation}`);
    await new Promise((r) => setTimeout(r, 300));
    first.child.kill('SIGKILL');
    await new Promise((r) => first.child.once('exit', r));

    await h.startWorkers();
    const receipt = await handle.result();
    const outcomes = [...receipt.crm.outcomes, ...receipt.email.outcomes].filter((o) => o.connector === connector);
    const deleted = [...controls.deletions].sort();
    expect(deleted.length).toBeGreaterThan(after);
    expect(outcomes.flatMap((o) => o.deletedIds).sort()).toEqual(deleted);
    expect(outcomes.reduce((n, o) => n + o.deleted, 0)).toBe(deleted.length);
    expect(outcomes.reduce((n, o) => n + o.found, 0)).toBe(deleted.length);
    // The call in flight at the kill did delete: its retry found those records gone and counted them.
    // (Gmail's batchDelete does not say which ids still existed, so it reports all as deleted.)
    if (connector !== 'gmail') expect(outcomes.reduce((n, o) => n + o.alreadyGone, 0)).toBeGreaterThan(0);
  },
);

test('the Temporal server restarted mid-batch: the erasure resumes and the receipt equals the deletion log', async () => {
  // A server of its own, on a fixed port with its state in a file, so it can stop and come back as it was.
  const dir = mkdtempSync(join(tmpdir(), 'dsr-restart-'));
  const dbFilename = join(dir, 'temporal.db');
  const port = await freePort();
  let server = await startDevServer({ dbFilename, port });
  const shared = process.env.TEMPORAL_TEST_ADDRESS;
  process.env.TEMPORAL_TEST_ADDRESS = `127.0.0.1:${port}`;
  try {
    const h = (harness = await startHarness({ bundle, env: NO_APPROVALS }));
    for (let i = 0; i < 6; i++) h.sandbox.seedSubject({ emails: [EMAIL], phones: [PHONE] });
    const controls = h.sandbox.graph!.controls;
    // Two deletes answer at once, the third is held while the server goes away.
    controls.inject({ kind: 'delay', ms: 0 }, { operation: 'permanent-delete', times: 2 });
    controls.inject({ kind: 'delay', ms: 3_000 }, { operation: 'permanent-delete', times: 1 });
    const requestId = uniqueRequestId('restart');
    const { handle } = await h.submit({ requestId, emails: [EMAIL], phones: [PHONE] });
    const deadline = Date.now() + 90_000;
    while (controls.arrivals.filter((o) => o === 'permanent-delete').length < 3) {
      if (Date.now() > deadline) throw new Error('the held delete never arrived');
      await new Promise((r) => setTimeout(r, 10));
    }
    await server.teardown();
    await new Promise((r) => setTimeout(r, 4_000)); // the held delete happens while the server is down
    server = await startDevServer({ dbFilename, port });

    const receipt = await handle.result();
    const outcomes = receipt.email.outcomes;
    const deleted = [...controls.deletions].sort();
    expect(deleted.length).toBe(6 * 4);
    expect(outcomes.flatMap((o) => o.deletedIds).sort()).toEqual(deleted);
    expect(outcomes.reduce((n, o) => n + o.deleted, 0)).toBe(deleted.length);
    expect(outcomes.reduce((n, o) => n + o.found, 0)).toBe(deleted.length);
    expect(receipt.outcome).toBe('erased');
  } finally {
    await harness?.teardown();
    harness = undefined;
    process.env.TEMPORAL_TEST_ADDRESS = shared;
    await server.teardown();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a fresh history, including operator steering and status callbacks, replays deterministically', async () => {
  const receiver = await startCallbackReceiver();
  const h = (harness = await startHarness({
    bundle,
    sandbox: { http: [{ name: 'warehouse', mode: 'poll', pendingPolls: 1 }] },
    env: {
      ...FIXTURE_KEYS,
      DSR_CRM_CONNECTORS: 'hubspot,http:warehouse',
      DSR_CALLBACK_ALLOWED_HOSTS: '127.0.0.1:*', // the receivers' ports are chosen at run time
      DSR_CALLBACK_SIGNING_SECRET: 'x'.repeat(40),
    },
  }));
  // Six HubSpot contacts for the email: above the default approval threshold (5).
  for (let i = 0; i < 6; i++) h.sandbox.seedSubject({ emails: [EMAIL], phones: [PHONE] });
  h.sandbox.hubspot!.controls.inject({ kind: 'status', status: 401 }, { operation: 'search-contacts' });
  const requestId = uniqueRequestId('replay');
  receiver.failNext(1); // one delivery retried
  const { handle } = await h.submit(
    { requestId, emails: [EMAIL], phones: [PHONE] },
    { ...FAST, externalPollInterval: '1s' },
    {
      intake: { source: 'api', submittedBy: 'replay-test', regulation: 'gdpr' },
      callbacks: [{ protocol: 'dsr-erasure', url: receiver.url('/hook') }],
    },
  );
  await h.waitForProgress(requestId, (p) => p.status === 'ActionRequired');
  await handle.executeUpdate(retryUpdate, { args: [{}] });
  await h.waitForProgress(requestId, (p) => p.actionRequired?.approval !== undefined);
  await handle.executeUpdate(approveUpdate, { args: [{ by: 'replay-operator' }] });
  const receipt = await handle.result();
  await receiver.close();
  expect(receipt.notifications?.map((n) => `${n.event}:${n.state}`)).toEqual([
    'action_required:delivered',
    'action_required:delivered',
    'completed:delivered',
  ]);
  expect(receipt.crm.outcomes[0]).toMatchObject({ found: 6, deleted: 6, approval: { by: 'replay-operator' } });
  const history = await handle.fetchHistory();
  await Worker.runReplayHistory(
    { workflowBundle: bundle, dataConverter: await fixtureDataConverter() },
    history,
    handle.workflowId,
  );
  // Add a fixture for a new workflow version (never overwrite old ones: running workflows still
  // have those histories): RECORD_FIXTURE=1 npx jest test/durability.test.ts -t "fresh history"
  if (process.env.RECORD_FIXTURE)
    writeFileSync(
      join(FIXTURES, `erasure-history-${new Date().toISOString().slice(0, 10)}.json`),
      historyToJson(history),
    );
});

test('every recorded history from earlier versions still replays', async () => {
  const files = readdirSync(FIXTURES).filter((f) => /^erasure-history.*\.json$/.test(f));
  expect(files.length).toBeGreaterThanOrEqual(1);
  for (const file of files) {
    const history = JSON.parse(readFileSync(join(FIXTURES, file), 'utf8'));
    await Worker.runReplayHistory(
      { workflowBundle: bundle, dataConverter: await fixtureDataConverter() },
      history,
      file,
    );
  }
});
