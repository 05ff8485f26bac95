/**
 * The service must not become a new copy of the data it erases. Runs erasures down every path a
 * subject's data takes (success, vendor errors quoting the identifier, 429s, retries, operator
 * escalation, the CLI), then searches every byte Temporal stores in plaintext (raw histories read
 * with a client that has no codec, search attributes, memo, visibility), every worker and CLI log
 * line and the metrics output for each email and phone number used. None may appear.
 */
import { execFile } from 'node:child_process';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Client, Connection } from '@temporalio/client';
import { erasureHandle } from '../src/client/erasures';
import {
  DefaultLogger,
  makeTelemetryFilterString,
  Runtime,
  type WorkflowBundleWithSourceMap,
} from '@temporalio/worker';
import { EncryptionCodec } from '../src/security/codec';
import { createDataConverter } from '../src/security/data-converter';
import { generateKey, loadSecurityConfig } from '../src/security/keys';
import { CLI_SOURCE, erasureWorkflowId } from '../src/temporal/names';
import { retryUpdate, skipUpdate } from '../src/workflows/definitions';
import {
  FAST,
  bundleWorkflows,
  startHarness,
  temporalAddress,
  TEST_OWNER,
  uniqueRequestId,
  type Harness,
} from './helpers/harness';
import { historyToJson } from './helpers/history';

const logLines: string[] = [];
let metricsUrl: string;

const SUBJECTS = [
  { emails: ['zq.leak.alpha@example.com', 'Alpha.Private@Example.org'], phones: ['+1 (425) 555-0191'] },
  { emails: ['zq.leak.bravo@example.net'], phones: ['+44 20 7946 0958'] },
  { emails: ['zq.leak.charlie@example.com'], phones: [] },
  { emails: [], phones: ['+49 30 901820 77'] },
  { emails: ['zq.leak.delta@example.com'], phones: ['+1 206 555 0142'] },
  { emails: ['zq.leak.echo@example.com'], phones: [] },
];

/** Every form in which an identifier could leak: as given, normalised, digits, national part, encoded. */
function needles(): string[] {
  const out = new Set<string>();
  for (const s of SUBJECTS) {
    for (const e of s.emails) {
      out.add(e).add(e.toLowerCase()).add(e.split('@')[0]!.toLowerCase()).add(encodeURIComponent(e.toLowerCase()));
    }
    for (const p of s.phones) {
      const digits = p.replace(/\D/g, '');
      out.add(p).add(digits).add(`+${digits}`).add(`%2B${digits}`).add(digits.slice(-7));
    }
  }
  return [...out];
}

function leaks(haystack: string, where: string): string[] {
  const lower = haystack.toLowerCase();
  return needles()
    .filter((n) => lower.includes(n.toLowerCase()))
    .map((n) => `${where}: ${n}`);
}

/**
 * Temporal's own numbers: times (RFC 3339, nanosecond fractions), task and event ids, sizes and counts. Random to
 * us, and with hundreds of them in a history one now and then contains a 7-digit needle (`07:44:21.301820770Z`
 * holds `0182077`). Nothing of ours is stored in them.
 */
const TEMPORAL_NUMBERS =
  /"\d{4}-\d\d-\d\dT[\d:.]+Z"|"(?:seconds|nanos|[A-Za-z]*(?:Id|Bytes|Count|Version))":\s*"?\d+"?/g;

/** Strings as stored, plus every base64 string decoded: payload bytes are base64 in JSON. */
function expand(stored: string): string {
  const json = stored.replace(TEMPORAL_NUMBERS, '');
  const decoded: string[] = [];
  for (const m of json.matchAll(/"([A-Za-z0-9+/]{8,}={0,2})"/g))
    decoded.push(Buffer.from(m[1]!, 'base64').toString('latin1'));
  return `${json}\n${decoded.join('\n')}`;
}

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const srv = createServer().listen(0, '127.0.0.1', () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolve(port));
    });
  });
}

let bundle: WorkflowBundleWithSourceMap;
let h: Harness;

beforeAll(async () => {
  const port = await freePort();
  metricsUrl = `http://127.0.0.1:${port}/metrics`;
  Runtime.install({
    logger: new DefaultLogger('DEBUG', (entry) =>
      logLines.push(`${entry.level} ${entry.message} ${JSON.stringify(entry.meta ?? {})}`),
    ),
    telemetryOptions: {
      logging: { forward: {}, filter: makeTelemetryFilterString({ core: 'DEBUG', other: 'INFO' }) },
      metrics: { prometheus: { bindAddress: `127.0.0.1:${port}` } },
    },
  });
  bundle = await bundleWorkflows();
  h = await startHarness({
    bundle,
    sandbox: { gong: { deletionDelayMs: 500 } },
    env: { DSR_VERIFY_INITIAL_WAIT: '1s' },
  });
  for (const s of SUBJECTS)
    h.sandbox.seedSubject({
      emails: s.emails.map((e) => e.toLowerCase()),
      phones: s.phones.map((p) => `+${p.replace(/\D/g, '')}`),
    });
});

afterAll(async () => {
  await h.teardown();
});

test('no email or phone number reaches Temporal, logs or metrics in plaintext', async () => {
  const [alpha, bravo, charlie, delta, echo, foxtrot] = SUBJECTS;
  const ids: string[] = [];
  const submit = async (s: (typeof SUBJECTS)[number], prefix: string, settings = FAST) => {
    const requestId = uniqueRequestId(prefix);
    ids.push(erasureWorkflowId(TEST_OWNER, requestId));
    return { requestId, ...(await h.submit({ requestId, emails: s.emails, phones: s.phones }, settings)) };
  };

  // Scenarios run one after another: an injected fault hits whichever request calls first.
  // 1. Plain success.
  const a = await submit(alpha!, 'leak-ok');
  await a.handle.result();
  // 2. Vendors answering with errors that quote the identifier (as real ones do), then an operator retry.
  h.sandbox.hubspot!.controls.inject(
    {
      kind: 'status',
      status: 400,
      body: {
        status: 'error',
        message: `Property values were not valid: ${bravo!.emails[0]}`,
        category: 'VALIDATION_ERROR',
        correlationId: 'c-1',
      },
    },
    { operation: 'gdpr-delete' },
  );
  const b = await submit(bravo!, 'leak-400');
  await h.waitForProgress(b.requestId, (p) => p.status === 'ActionRequired');
  await b.handle.executeUpdate(retryUpdate, { args: [{}] });
  await b.handle.result();
  // 3. Rate limits and server errors, retried.
  h.sandbox.gong!.controls.inject(
    {
      kind: 'status',
      status: 429,
      retryAfterSeconds: 1,
      body: { requestId: 'r1', errors: [`limit for ${charlie!.emails[0]}`] },
    },
    { operation: 'erase-data-for-email-address' },
  );
  h.sandbox.graph!.controls.inject(
    {
      kind: 'status',
      status: 500,
      body: { error: { code: 'InternalServerError', message: `mailbox of ${charlie!.emails[0]} failed` } },
    },
    { operation: 'list-messages' },
  );
  const c = await submit(charlie!, 'leak-retry');
  await c.handle.result();
  // 4. Gong never finishing: escalation, then an operator skip.
  h.sandbox.gong!.vendor.setStuckDeletion(true);
  const d = await submit(delta!, 'leak-stuck', { ...FAST, verifyMaxTotalWait: '1s' });
  await h.waitForProgress(d.requestId, (p) => p.status === 'ActionRequired');
  await d.handle.executeUpdate(skipUpdate, {
    args: [{ code: 'vendor-support-case', note: 'escalated to Gong support, case 1234' }],
  });
  await d.handle.result();
  h.sandbox.gong!.vendor.setStuckDeletion(false);
  // 5. A worker-side failure message that would quote the identifier if failures were not encoded:
  //    prove failure text is encrypted by finding none of our own failure wording in plaintext.
  const e = await submit(echo!, 'leak-cli-neighbour');
  await e.handle.result();
  // 6. The CLI, end to end.
  const cliRequest = uniqueRequestId('leak-cli');
  ids.push(erasureWorkflowId(CLI_SOURCE, cliRequest));
  const args = [
    'erase',
    '--request-id',
    cliRequest,
    ...foxtrot!.emails.flatMap((x) => ['--email', x]),
    ...foxtrot!.phones.flatMap((x) => ['--phone', x]),
    '--wait',
  ];
  const cli = await promisify(execFile)(process.execPath, [join(__dirname, '..', 'bin', 'dsr-erasure.js'), ...args], {
    env: { ...process.env, ...h.env },
  });
  // 7. A preview through the CLI, and an erasure whose sweeps move into child workflows that continue-as-new.
  const preview = await promisify(execFile)(
    process.execPath,
    [
      join(__dirname, '..', 'bin', 'dsr-erasure.js'),
      'preview',
      ...alpha!.emails.flatMap((x) => ['--email', x]),
      ...alpha!.phones.flatMap((x) => ['--phone', x]),
    ],
    { env: { ...process.env, ...h.env } },
  );
  h.sandbox.seedSubject({
    emails: echo!.emails.map((x) => x.toLowerCase()),
    phones: echo!.phones.map((x) => `+${x.replace(/\D/g, '')}`),
  });
  const g = await submit(echo!, 'leak-children', { ...FAST, sweepCallsPerRun: 1 });
  await g.handle.result();
  const status = await promisify(execFile)(
    process.execPath,
    [join(__dirname, '..', 'bin', 'dsr-erasure.js'), 'status', b.requestId, '--source', TEST_OWNER],
    { env: { ...process.env, ...h.env } },
  );

  // Read what Temporal stores, with a client that has no codec.
  const connection = await Connection.connect({ address: temporalAddress() });
  const raw = new Client({ connection });
  const found: string[] = [];
  for (const id of ids) {
    const handle = raw.workflow.getHandle(id);
    const history = historyToJson(await handle.fetchHistory());
    found.push(...leaks(expand(history), `history ${id}`));
    // Failure messages are encrypted too: our own wording never appears in plaintext.
    expect(history).not.toContain('the vendor rejected the request');
    expect(history).not.toContain('retrying after Retry-After');
    const description = await handle.describe();
    found.push(
      ...leaks(
        JSON.stringify({ sa: description.searchAttributes, memo: description.memo, id: description.workflowId }),
        `describe ${id}`,
      ),
    );
  }
  const types = new Set<string>();
  for await (const wf of raw.workflow.list({ query: `TaskQueue = "${h.taskQueue}"` })) {
    types.add(wf.type);
    found.push(
      ...leaks(
        JSON.stringify(wf, (_k, v) => (typeof v === 'bigint' ? String(v) : v)),
        'visibility',
      ),
    );
    // Every run of every workflow: previews, and sweeps in child workflows (each continue-as-new run) too.
    const history = historyToJson(await raw.workflow.getHandle(wf.workflowId, wf.runId).fetchHistory());
    found.push(...leaks(expand(history), `history ${wf.workflowId} ${wf.runId}`));
  }
  expect([...types].sort()).toEqual(['connectorSweepWorkflow', 'erasureWorkflow', 'previewWorkflow']);
  await connection.close();

  found.push(...leaks(logLines.join('\n'), 'worker log'));
  found.push(...leaks(`${cli.stdout}\n${cli.stderr}\n${status.stdout}\n${status.stderr}`, 'CLI output'));
  found.push(...leaks(`${preview.stdout}\n${preview.stderr}`, 'CLI preview output'));
  expect(preview.stdout).toContain('hubspot');
  const metrics = await (await fetch(metricsUrl)).text();
  found.push(...leaks(metrics, 'metrics'));

  // The checks looked at something real.
  expect(logLines.length).toBeGreaterThan(50);
  expect(metrics).toContain('temporal_');
  expect(JSON.parse(cli.stdout).outcome).toBe('erased');
  expect(found).toEqual([]);

  // And the codec does give the data back to those who hold the key.
  const receipt = await b.handle.result();
  expect(receipt.outcome).toBe('erased');
  const decoded = await h.client.workflow.getHandle(ids[0]!).fetchHistory();
  expect(JSON.stringify(decoded)).not.toBe('');
});

test('keys rotate: a workflow started under the old key completes under the new keyring', async () => {
  const subject = { emails: ['zq.leak.rotate@example.com'], phones: [] };
  h.sandbox.seedSubject(subject);
  h.sandbox.gong!.vendor.setDeletionDelay(500);
  const requestId = uniqueRequestId('rotate');
  const { handle } = await h.submit({ requestId, ...subject }, { ...FAST, verifyInitialWait: '4s' });
  await h.waitForProgress(requestId, (p) => p.step === 'gong-verify');
  const oldKeys = h.env.DSR_PAYLOAD_KEYS!;

  // Rotate: a new key first, the old one kept for what is already written.
  await h.stopWorkers();
  const rotated = `test-key-2:${generateKey()},${oldKeys}`;
  await h.startWorkers({ DSR_PAYLOAD_KEYS: rotated });
  const connection = await Connection.connect({ address: temporalAddress() });
  const client = new Client({
    connection,
    dataConverter: await createDataConverter(loadSecurityConfig({ DSR_PAYLOAD_KEYS: rotated }).payloadKeys),
  });
  const receipt = await erasureHandle(client, { owner: TEST_OWNER, requestId }).result();
  expect(receipt.gong.verification.outcome).toBe('verified');

  // The history holds payloads under both keys.
  const history = historyToJson(await handle.fetchHistory());
  const keyIds = new Set(
    [...history.matchAll(/"encryption-key-id":\s*"([^"]+)"/g)].map((m) => Buffer.from(m[1]!, 'base64').toString()),
  );
  expect([...keyIds].sort()).toEqual(['test-key-1', 'test-key-2']);

  // Without the old key, what was written under it cannot be read: keep old keys until retention ends.
  const started =
    (await handle.fetchHistory()).events?.[0]?.workflowExecutionStartedEventAttributes?.input?.payloads ?? [];
  expect(started).toHaveLength(1);
  const newOnly = await EncryptionCodec.create(
    loadSecurityConfig({ DSR_PAYLOAD_KEYS: rotated.split(',')[0]! }).payloadKeys,
  );
  await expect(newOnly.decode(started)).rejects.toThrow(/test-key-1/);
  const full = await EncryptionCodec.create(loadSecurityConfig({ DSR_PAYLOAD_KEYS: rotated }).payloadKeys);
  expect(Buffer.from((await full.decode(started))[0]!.data!).toString()).toContain('zq.leak.rotate@example.com');
  await connection.close();
});
