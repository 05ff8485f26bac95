/** The dsr-erasure CLI, run as a user runs it (the package bin), against the real dev server. */
import type { WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { parseEnv } from '../src/config';
import { apiKeyVerifier } from '../src/intake/auth';
import { intakeEnvSchema } from '../src/intake/config';
import type { WorkflowExecutionInfo } from '@temporalio/client';
import { formatList, toListed } from '../src/cli/list';
import { CLI_SOURCE, erasureWorkflowId, legacyErasureWorkflowId } from '../src/temporal/names';
import { erasureWorkflow } from '../src/workflows/erasure';
import type { ErasureReceipt } from '../src/workflows/types';
import { cli } from './helpers/cli';
import { bundleWorkflows, FAST, startHarness, TEST_OWNER, uniqueRequestId, type Harness } from './helpers/harness';

/** Requests the CLI erases belong to source `cli`. */
const cliRef = (requestId: string) => ({ owner: CLI_SOURCE, requestId });

let bundle: WorkflowBundleWithSourceMap;
let h: Harness;

beforeAll(async () => {
  bundle = await bundleWorkflows();
  // Short verification waits come from the worker's deployment settings, as in `npm start`.
  h = await startHarness({ bundle, env: { DSR_VERIFY_INITIAL_WAIT: '4s' } });
});

afterAll(async () => {
  await h.teardown();
});

test('bad input exits 2 with a message naming the field, without echoing the value, before connecting', async () => {
  const res = await cli(['erase', '--request-id', 'r-1', '--email', 'ok@example.com', '--phone', '0170 5551234'], {
    TEMPORAL_ADDRESS: '127.0.0.1:1',
  });
  expect(res.code).toBe(2);
  expect(res.stderr).toContain('phones[0]');
  expect(res.stderr).not.toContain('5551234');
});

test('erase --wait prints the receipt; status and a second submit see the same request', async () => {
  const email = 'cli.subject@example.com';
  h.sandbox.seedSubject({ emails: [email], phones: [] });
  const requestId = uniqueRequestId('cli');
  const env = h.env;

  const res = await cli(['erase', '--request-id', requestId, '--email', email, '--wait'], env);
  expect(res.code).toBe(0);
  const receipt = JSON.parse(res.stdout) as ErasureReceipt;
  expect(receipt.outcome).toBe('erased');
  expect(receipt.crm.outcomes[0]!.connector).toBe('hubspot');
  expect(receipt.email.outcomes[0]!.connector).toBe('m365');
  expect(receipt.gong.verification.outcome).toBe('verified');

  const status = await cli(['status', requestId], env);
  expect(JSON.parse(status.stdout)).toMatchObject({ requestId, status: 'Completed', step: 'done' });

  const again = await cli(['erase', '--request-id', requestId, '--email', email], env);
  expect(again.code).toBe(0);
  expect(again.stderr).toContain('already exists');
  expect(h.sandbox.gong!.controls.log.filter((r) => r.operation.startsWith('erase-'))).toHaveLength(1);
});

test('retry and skip steer a request waiting for an operator', async () => {
  const email = 'stuck.subject@example.com';
  h.sandbox.seedSubject({ emails: [email], phones: [] });
  h.sandbox.hubspot!.controls.inject({ kind: 'status', status: 403 }, { operation: 'search-contacts', times: 2 });
  const requestId = uniqueRequestId('cli-steer');
  const env = h.env;
  expect((await cli(['erase', '--request-id', requestId, '--email', email], env)).code).toBe(0);

  await h.waitForProgress(cliRef(requestId), (p) => p.status === 'ActionRequired');
  const status = JSON.parse((await cli(['status', requestId], env)).stdout);
  expect(status.actionRequired).toMatchObject({ step: 'crm', errorType: 'VendorAuthFailed' });

  expect((await cli(['retry', requestId], env)).code).toBe(0);
  await h.waitForProgress(cliRef(requestId), (p) => p.status === 'ActionRequired' && p.operatorActions.length === 1);
  // Checked before anything is sent: the field is named, the value is not echoed.
  const personal = await cli(['skip', requestId, '--code', 'data-already-deleted', '--note', 'see 425-555-2671'], env);
  expect(personal.code).toBe(2);
  expect(personal.stderr).toContain('note must not contain');
  expect(personal.stderr).not.toContain('2671');
  expect((await cli(['skip', requestId, '--code', 'other'], env)).stderr).toContain('note is required with code other');
  const oldStyle = await cli(['skip', requestId, '--reason', 'contact removed by hand'], env);
  expect(oldStyle.code).not.toBe(0);
  expect(oldStyle.stderr).toContain('--code');
  expect(
    (
      await cli(
        [
          'skip',
          requestId,
          '--code',
          'data-already-deleted',
          '--note',
          'contact removed by hand in HubSpot, ticket DPO-7',
        ],
        env,
      )
    ).code,
  ).toBe(0);
  const refused = await cli(['retry', requestId], env);
  expect(refused.code).toBe(1);
  expect(refused.stderr).toContain('not waiting for an operator');

  const receipt = await h.handle(cliRef(requestId)).result();
  expect(receipt.skipped[0]).toMatchObject({
    reason: 'data-already-deleted',
    note: 'contact removed by hand in HubSpot, ticket DPO-7',
  });
  expect(receipt.operatorActions.map((a) => [a.action, a.by])).toEqual([
    ['retry', 'cli'],
    ['skip', 'cli'],
  ]);

  // Refused as the API refuses (409 there): the reason printed, a non-zero exit.
  const finished = await cli(['skip', requestId, '--code', 'other', '--note', 'too late'], env);
  expect(finished.code).toBe(1);
  expect(finished.stderr).toContain('refused: this erasure is completed; nothing to act on');
  const callback = await cli(['callback', requestId, '--connector', 'http:warehouse', '--state', 'completed'], env);
  expect(callback.code).toBe(1);
  expect(callback.stderr).toContain('refused: this erasure is completed');
  const unknown = await cli(['status', uniqueRequestId('never-submitted')], env);
  expect(unknown.code).toBe(1);
  expect(unknown.stderr).toContain('no erasure with request id');
});

test('erase prints its outcome, and refuses a request id already used for someone else (exit 2, nothing started)', async () => {
  const requestId = uniqueRequestId('cli-conflict');
  const env = h.env;
  const first = await cli(['erase', '--request-id', requestId, '--email', 'first.person@example.com'], env);
  expect(first.code).toBe(0);
  const started = JSON.parse(first.stdout);
  expect(started).toEqual({
    workflowId: erasureWorkflowId(CLI_SOURCE, requestId),
    runId: expect.stringMatching(/^[0-9a-f-]{36}$/),
    outcome: 'started',
  });
  expect(first.stderr).toContain(`started ${erasureWorkflowId(CLI_SOURCE, requestId)} (run ${started.runId})`);
  expect((await h.handle(cliRef(requestId)).describe()).runId).toBe(started.runId);

  const same = await cli(['erase', '--request-id', requestId, '--email', 'First.Person@example.com'], env);
  expect(same.code).toBe(0);
  expect(JSON.parse(same.stdout)).toEqual({
    workflowId: erasureWorkflowId(CLI_SOURCE, requestId),
    runId: started.runId,
    outcome: 'exists',
  });
  expect(JSON.parse((await cli(['status', requestId], env)).stdout)).toMatchObject({ requestId, runId: started.runId });

  const other = await cli(
    ['erase', '--request-id', requestId, '--email', 'second.person@example.com', '--phone', '+1 425 555 0199'],
    env,
  );
  expect(other.code).toBe(2);
  expect(other.stdout).toBe('');
  expect(other.stderr).toContain('already exists with different identifiers; nothing was started');
  for (const value of ['second.person', '4255550199', '555 0199']) expect(other.stderr).not.toContain(value);
  // Still the first person's erasure, run once.
  const { history } = await h.client.workflowService.getWorkflowExecutionHistory({
    namespace: 'default',
    execution: { workflowId: erasureWorkflowId(CLI_SOURCE, requestId) },
  });
  expect(history?.events?.filter((e) => e.workflowExecutionStartedEventAttributes)).toHaveLength(1);
});

test('api-key prints a new key and the hashed entry the intake service accepts it by', async () => {
  const res = await cli(['api-key', 'onetrust'], { TEMPORAL_ADDRESS: '127.0.0.1:1' });
  expect(res.code).toBe(0);
  const key = /^key:\s+(\S+)$/m.exec(res.stdout)?.[1];
  const entry = /^DSR_INTAKE_API_KEYS:\s+(\S+)$/m.exec(res.stdout)?.[1];
  expect(key).toMatch(/^dsr_[A-Za-z0-9_-]{43}$/);
  const config = parseEnv(intakeEnvSchema, { DSR_INTAKE_API_KEYS: entry });
  expect(apiKeyVerifier(config.DSR_INTAKE_API_KEYS)(`Bearer ${key}`)).toEqual({
    name: 'onetrust',
    via: 'api-key',
    source: 'onetrust',
    scopes: ['submit', 'read', 'operate'],
  });
  expect((await cli(['api-key', 'bad name'])).code).not.toBe(0);
});

test('with no worker running, status answers from the search attributes and an operator action gives up after its deadline, saying so', async () => {
  await h.stopWorkers();
  const requestId = uniqueRequestId('cli-no-worker');
  try {
    expect((await cli(['erase', '--request-id', requestId, '--email', 'nobody.home@example.com'], h.env)).code).toBe(0);
    const status = await cli(['status', requestId], h.env);
    expect(status.code).toBe(0);
    expect(JSON.parse(status.stdout)).toEqual({
      requestId,
      runId: expect.any(String),
      startedAt: expect.any(String),
      status: 'Running',
      step: 'crm',
    });
    const retry = await cli(['retry', requestId], h.env);
    expect(retry.code).toBe(1);
    expect(retry.stderr).toContain('no worker took the action within 15s (are the workers running?)');
  } finally {
    await h.handle(cliRef(requestId)).terminate('test over');
    await h.startWorkers();
  }
});

test('status, retry, skip and callback address the CLI source by default, another with --source, an old id with --legacy', async () => {
  h.sandbox.seedSubject({ emails: ['elsewhere@example.com'], phones: [] });
  const requestId = uniqueRequestId('cli-source');
  // Submitted as another source would (the harness's `test`), and once more under an id from before owners.
  const theirs = await h.submit({ requestId, emails: ['elsewhere@example.com'] });
  const legacy = await h.client.workflow.start(erasureWorkflow, {
    workflowId: legacyErasureWorkflowId(requestId),
    taskQueue: h.taskQueue,
    args: [{ requestId, subject: { emails: ['elsewhere@example.com'], phones: [] }, settings: FAST }],
  });
  try {
    const own = await cli(['status', requestId], h.env);
    expect(own.code).toBe(1);
    expect(own.stderr).toContain('no erasure with request id');
    const other = await cli(['status', requestId, '--source', TEST_OWNER], h.env);
    expect(other.code).toBe(0);
    expect(JSON.parse(other.stdout)).toMatchObject({ requestId, runId: theirs.runId });
    const old = await cli(['status', requestId, '--legacy'], h.env);
    expect(old.code).toBe(0);
    expect(JSON.parse(old.stdout)).toMatchObject({ requestId, runId: legacy.firstExecutionRunId });
    expect((await cli(['retry', requestId, '--legacy', '--source', TEST_OWNER], h.env)).code).not.toBe(0);
    expect((await cli(['status', requestId, '--source', 'a/b'], h.env)).code).not.toBe(0);
  } finally {
    await Promise.all([theirs.handle.result(), legacy.result()]);
  }
});

test('list shows the owner, and (legacy) for an id from before owners', () => {
  const started = new Date('2026-11-30T06:00:00Z');
  const info = (workflowId: string) =>
    ({
      workflowId,
      status: { name: 'RUNNING' },
      startTime: started,
      typedSearchAttributes: { get: () => undefined },
    }) as unknown as WorkflowExecutionInfo;
  const rows = [toListed(info('erasure-onetrust/DSR-1')), toListed(info('erasure-DSR-2'))];
  expect(rows).toEqual([
    { requestId: 'DSR-1', owner: 'onetrust', status: 'Running', startedAt: started.toISOString() },
    { requestId: 'DSR-2', status: 'Running', startedAt: started.toISOString() },
  ]);
  expect(formatList(rows)).toEqual([
    'REQUEST ID  OWNER     STATUS   STEP  STARTED',
    'DSR-1       onetrust  Running  -     2026-11-30T06:00:00.000Z',
    'DSR-2       (legacy)  Running  -     2026-11-30T06:00:00.000Z',
  ]);
});
