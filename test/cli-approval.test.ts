/** The CLI's preview, approve and pre-approval, run as a user runs it (the package bin), on the real dev server. */
import type { WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { CLI_SOURCE, previewWorkflowId } from '../src/temporal/names';
import type { PreviewResult } from '../src/workflows/types';
import { cli } from './helpers/cli';
import { bundleWorkflows, startHarness, uniqueRequestId, type Harness } from './helpers/harness';

const cliRef = (requestId: string) => ({ owner: CLI_SOURCE, requestId });
const DELETING = /delete|erase|purge|trash/i;

let bundle: WorkflowBundleWithSourceMap;
let h: Harness;

beforeAll(async () => {
  bundle = await bundleWorkflows();
  h = await startHarness({
    bundle,
    sandbox: { gong: { deletionDelayMs: 200 } },
    env: { DSR_VERIFY_INITIAL_WAIT: '1s' },
  });
});

afterAll(async () => {
  await h.teardown();
});

/** Six HubSpot contacts list the address as a secondary email: above the default crm.records=5. */
function seedSharedAddress(email: string): string[] {
  return Array.from({ length: 6 }, () => h.sandbox.hubspot!.seedContact({ additionalEmails: [email] }));
}

test('preview prints the result as JSON and a summary, deleting nothing', async () => {
  const email = `cli.preview.${uniqueRequestId('p').toLowerCase()}@example.com`;
  seedSharedAddress(email);
  const controls = [h.sandbox.hubspot!.controls, h.sandbox.graph!.controls, h.sandbox.gong!.controls];
  const before = controls.map((c) => [c.log.length, c.deletions.length]);
  const requestId = uniqueRequestId('cli-preview');

  const res = await cli(['preview', '--request-id', requestId, '--email', email], h.env);
  expect(res.code).toBe(0);
  const result = JSON.parse(res.stdout) as PreviewResult;
  expect(result).toMatchObject({ requestId, approvalNeeded: true });
  expect(result.systems).toEqual(
    expect.arrayContaining([
      expect.objectContaining({ connector: 'hubspot', records: 6, exceeded: ['6 records (approval above 5)'] }),
      expect.objectContaining({ connector: 'm365', records: 0, exceeded: [] }),
    ]),
  );
  expect(res.stderr).toContain(`started ${previewWorkflowId(CLI_SOURCE, requestId)}`);
  expect(res.stderr).toContain('hubspot email#1: 6 records; would wait for approval: 6 records (approval above 5)');
  expect(res.stderr).toContain('an erasure would wait for approval');
  expect(res.stdout + res.stderr).not.toContain(email);
  controls.forEach((c, i) => {
    expect(c.deletions.length).toBe(before[i]![1]);
    expect(c.log.slice(before[i]![0]).filter((r) => DELETING.test(r.operation))).toEqual([]);
  });

  // The same id and person attaches to it; another person under that id is refused (exit 2).
  const again = await cli(['preview', '--request-id', requestId, '--email', email], h.env);
  expect(again.code).toBe(0);
  expect(again.stderr).toContain('already exists with the same identifiers');
  const conflict = await cli(['preview', '--request-id', requestId, '--email', 'other.person@example.com'], h.env);
  expect(conflict.code).toBe(2);
  expect(conflict.stderr).toContain('already exists with different identifiers');
  // Without --request-id a new one is made up.
  const fresh = await cli(['preview', '--email', email], h.env);
  expect(fresh.code).toBe(0);
  expect((JSON.parse(fresh.stdout) as PreviewResult).requestId).toMatch(/^[0-9a-f-]{36}$/);
});

test('approve deletes what an erasure waiting for approval found; the receipt names cli', async () => {
  const email = `cli.shared.${uniqueRequestId('a').toLowerCase()}@example.com`;
  seedSharedAddress(email);
  const requestId = uniqueRequestId('cli-approve');
  expect((await cli(['erase', '--request-id', requestId, '--email', email], h.env)).code).toBe(0);
  await h.waitForProgress(cliRef(requestId), (p) => p.actionRequired?.approval !== undefined);
  const status = JSON.parse((await cli(['status', requestId], h.env)).stdout);
  expect(status.actionRequired.approval).toMatchObject({ connector: 'hubspot', records: 6 });

  // Refused before anything is sent: the field is named, the value is not echoed.
  const personal = await cli(['approve', requestId, '--note', 'called 425-555-2671'], h.env);
  expect(personal.code).toBe(2);
  expect(personal.stderr).toContain('note must not contain');
  expect(personal.stderr).not.toContain('2671');
  const retry = await cli(['retry', requestId], h.env);
  expect(retry.code).toBe(1);
  expect(retry.stderr).toContain('refused: this erasure waits for approval');

  const approved = await cli(['approve', requestId, '--note', 'shared alias, ticket DPO-9'], h.env);
  expect(approved.code).toBe(0);
  expect(approved.stderr).toContain('approved');
  const receipt = await h.handle(cliRef(requestId)).result();
  expect(receipt.crm.outcomes[0]).toMatchObject({ deleted: 6, approval: { via: 'operator', by: 'cli', records: 6 } });
  expect(receipt.operatorActions.map((a) => [a.action, a.by, a.note])).toEqual([
    ['approve', 'cli', 'shared alias, ticket DPO-9'],
  ]);
  const late = await cli(['approve', requestId], h.env);
  expect(late.code).toBe(1);
  expect(late.stderr).toContain('refused: this erasure is completed; nothing to act on');
});

test('approve on an erasure that waits for no approval is refused with the reason (exit 1)', async () => {
  h.sandbox.hubspot!.controls.inject(
    { kind: 'status', status: 403 },
    { operation: 'search-contacts', times: Infinity },
  );
  const requestId = uniqueRequestId('cli-approve-none');
  try {
    expect((await cli(['erase', '--request-id', requestId, '--email', 'no.approval@example.com'], h.env)).code).toBe(0);
    await h.waitForProgress(cliRef(requestId), (p) => p.status === 'ActionRequired');
    const res = await cli(['approve', requestId], h.env);
    expect(res.code).toBe(1);
    expect(res.stderr).toContain('refused: nothing in this erasure waits for approval');
  } finally {
    h.sandbox.hubspot!.controls.clearFaults();
    await h.handle(cliRef(requestId)).terminate('test over');
  }
});

test('erase --preapprove-records lets a large find go ahead; the receipt records the pre-approval by cli', async () => {
  const email = `cli.pre.${uniqueRequestId('b').toLowerCase()}@example.com`;
  seedSharedAddress(email);
  const requestId = uniqueRequestId('cli-pre');
  const res = await cli(
    ['erase', '--request-id', requestId, '--email', email, '--preapprove-records', '10', '--wait'],
    h.env,
  );
  expect(res.code).toBe(0);
  const receipt = JSON.parse(res.stdout);
  expect(receipt.crm.outcomes[0]).toMatchObject({
    deleted: 6,
    approval: { via: 'pre-approved', by: 'cli', records: 6 },
  });
  expect(receipt.operatorActions).toEqual([]);
});

test('bad pre-approval counts are refused naming the option, before connecting', async () => {
  for (const [option, value] of [
    ['--preapprove-records', '0'],
    ['--preapprove-records', '2.5'],
    ['--preapprove-mailboxes', 'many'],
  ]) {
    const res = await cli(['erase', '--request-id', 'r-1', '--email', 'ok@example.com', option!, value!], {
      TEMPORAL_ADDRESS: '127.0.0.1:1',
    });
    expect(res.code).not.toBe(0);
    expect(res.stderr).toContain(`option '${option} <n>' argument '${value}' is invalid`);
    expect(res.stderr).toContain('must be an integer from 1 to 1000000000');
  }
});
