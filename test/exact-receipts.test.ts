/**
 * Find, record, delete: the receipt counts what the find phase recorded, so it stays exact when a
 * vendor fails after doing the work (a 5xx, a lost answer) and the delete is retried. Each test
 * ends with the receipt compared, record by record, with what the simulators themselves deleted.
 * Also: approval for large finds, previews that delete nothing, and sweeps long enough to move into
 * child workflows that continue-as-new.
 */
import type { WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { WorkflowUpdateFailedError } from '@temporalio/client';
import type { SimControls } from '../src/vendors/sim/server';
import { previewWorkflow } from '../src/workflows/preview';
import { previewWorkflowId } from '../src/temporal/names';
import { approveUpdate, retryUpdate, skipUpdate } from '../src/workflows/definitions';
import type { ErasureReceipt } from '../src/workflows/types';
import { SANDBOX_MAILBOXES, type SandboxVendor } from '../src/sandbox';
import {
  bundleWorkflows,
  FAST,
  NO_APPROVALS,
  startHarness,
  TEST_OWNER,
  uniqueRequestId,
  type Harness,
} from './helpers/harness';

const EMAIL = 'ada.lovelace@example.com';
const PHONE = '+442079460000';

let bundle: WorkflowBundleWithSourceMap;
let h: Harness | undefined;

beforeAll(async () => {
  bundle = await bundleWorkflows();
});

afterEach(async () => {
  await h?.teardown();
  h = undefined;
});

interface Pair {
  crm: 'hubspot' | 'salesforce';
  email: 'm365' | 'gmail';
  /** Simulator keys on the sandbox and the operation that deletes, per vendor. */
  deletes: Record<string, string>;
}

const PAIRS: Pair[] = [
  { crm: 'hubspot', email: 'm365', deletes: { hubspot: 'gdpr-delete', graph: 'permanent-delete' } },
  { crm: 'salesforce', email: 'gmail', deletes: { salesforce: 'delete-records', google: 'batch-delete' } },
];

async function harnessFor(pair: Pair, opts: { approvals?: boolean; unlimited?: boolean } = {}): Promise<Harness> {
  return startHarness({
    bundle,
    sandbox: {
      vendors: ['gong', pair.crm, pair.email] as SandboxVendor[],
      gong: { deletionDelayMs: 200 },
      // Google's per-second quota would make a huge sweep wait on Retry-After, which proves nothing here.
      ...(opts.unlimited && { google: { ratePerSecond: 0 } }),
    },
    env: { DSR_CRM_CONNECTORS: pair.crm, DSR_EMAIL_CONNECTORS: pair.email, ...(opts.approvals ? {} : NO_APPROVALS) },
  });
}

function controlsOf(harness: Harness, key: string): SimControls {
  const sim = (harness.sandbox as unknown as Record<string, { controls: SimControls } | undefined>)[key];
  if (!sim) throw new Error(`no ${key} simulator`);
  return sim.controls;
}

/** Receipt ids and counts for one connector, beside what its simulator deleted. */
function compare(receipt: ErasureReceipt, connector: string, controls: SimControls) {
  const outcomes = [...receipt.crm.outcomes, ...receipt.email.outcomes].filter((o) => o.connector === connector);
  return {
    receipt: {
      found: outcomes.reduce((n, o) => n + o.found, 0),
      deleted: outcomes.reduce((n, o) => n + o.deleted, 0),
      ids: outcomes.flatMap((o) => o.deletedIds).sort(),
    },
    simulator: {
      found: controls.deletions.length,
      deleted: controls.deletions.length,
      ids: [...controls.deletions].sort(),
    },
  };
}

describe.each(PAIRS)('$crm then $email', (pair) => {
  test('receipts equal the deletion logs when deletes fail after the effect and are retried', async () => {
    h = await harnessFor(pair);
    for (let i = 0; i < 6; i++) h.sandbox.seedSubject({ emails: [EMAIL], phones: [PHONE] });
    for (const [key, operation] of Object.entries(pair.deletes)) {
      const controls = controlsOf(h, key);
      // The vendor deletes, then answers 500; then deletes and the answer is lost. Both are retried.
      controls.inject({ kind: 'status-after-effect', status: 500 }, { operation, times: 2 });
      controls.inject({ kind: 'drop-after-effect' }, { operation, times: 1 });
    }
    const requestId = uniqueRequestId('exact');
    const { handle } = await h.submit({ requestId, emails: [EMAIL], phones: [PHONE] });
    const receipt = await handle.result();

    expect(receipt.outcome).toBe('erased');
    for (const [key, connector] of Object.entries({
      [Object.keys(pair.deletes)[0]!]: pair.crm,
      [Object.keys(pair.deletes)[1]!]: pair.email,
    })) {
      const controls = controlsOf(h, key);
      expect(controls.log.filter((r) => r.operation === pair.deletes[key] && r.status === 0)).toHaveLength(1);
      const { receipt: counted, simulator } = compare(receipt, connector, controls);
      expect(simulator.ids.length).toBeGreaterThan(0);
      expect(counted).toEqual(simulator);
    }
    // Retried deletes found some records already gone, and still counted them as this request's.
    const gone = [...receipt.crm.outcomes, ...receipt.email.outcomes].reduce((n, o) => n + o.alreadyGone, 0);
    expect(gone).toBeGreaterThan(0);
  });
});

test('a find above the thresholds waits for approval, deleting nothing; approve then erases and records who', async () => {
  h = await harnessFor(PAIRS[0]!, { approvals: true });
  for (let i = 0; i < 7; i++) h.sandbox.seedSubject({ emails: [EMAIL], phones: [] });
  controlsOf(h, 'hubspot').inject({ kind: 'status', status: 401 }, { operation: 'search-contacts' });
  const requestId = uniqueRequestId('approve');
  const { handle } = await h.submit({ requestId, emails: [EMAIL] }, FAST);
  // Waiting on a failure, not an approval: approve is refused with the reason, retry goes on.
  await h.waitForProgress(requestId, (p) => p.status === 'ActionRequired');
  await expect(handle.executeUpdate(approveUpdate, { args: [{}] })).rejects.toThrow(
    expect.objectContaining({
      cause: expect.objectContaining({ message: 'nothing in this erasure waits for approval' }),
    }),
  );
  await handle.executeUpdate(retryUpdate, { args: [{}] });
  const waiting = await h.waitForProgress(requestId, (p) => p.actionRequired?.approval !== undefined);
  expect(waiting.actionRequired).toMatchObject({
    step: 'crm',
    item: 'hubspot email#1',
    errorType: 'ApprovalRequired',
    approval: { connector: 'hubspot', records: 7, mailboxes: 0, capped: false },
  });
  expect(waiting.actionRequired!.approval!.exceeded).toEqual(['7 records (approval above 5)']);
  expect(controlsOf(h, 'hubspot').deletions).toEqual([]);
  // retry is not an answer to an approval
  await expect(handle.executeUpdate(retryUpdate, { args: [{}] })).rejects.toThrow(WorkflowUpdateFailedError);

  await handle.executeUpdate(approveUpdate, { args: [{ by: 'dpo-key', note: 'shared inbox confirmed' }] });
  // the email step finds 28 messages in 3 mailboxes: under the email thresholds
  const receipt = await handle.result();
  const hubspot = receipt.crm.outcomes[0]!;
  expect(hubspot).toMatchObject({ found: 7, deleted: 7, approval: { via: 'operator', by: 'dpo-key', records: 7 } });
  expect(receipt.operatorActions).toEqual([
    expect.objectContaining({ action: 'retry', item: 'hubspot email#1' }),
    expect.objectContaining({
      action: 'approve',
      item: 'hubspot email#1',
      by: 'dpo-key',
      note: 'shared inbox confirmed',
    }),
  ]);
  expect(compare(receipt, 'hubspot', controlsOf(h, 'hubspot')).receipt.ids).toHaveLength(7);
});

test('a pre-approval up to the counts found lets the erasure go ahead; skip on an approval deletes nothing', async () => {
  h = await harnessFor(PAIRS[0]!, { approvals: true });
  for (let i = 0; i < 7; i++) h.sandbox.seedSubject({ emails: [EMAIL], phones: [] });
  const pre = await h.submit({ requestId: uniqueRequestId('pre'), emails: [EMAIL] }, FAST, {
    preapproval: { records: 7, by: 'ketch-key' },
  });
  const receipt = await pre.handle.result();
  expect(receipt.crm.outcomes[0]).toMatchObject({ deleted: 7, approval: { via: 'pre-approved', by: 'ketch-key' } });

  for (let i = 0; i < 7; i++) h.sandbox.seedSubject({ emails: [EMAIL], phones: [] });
  const before = controlsOf(h, 'hubspot').deletions.length;
  const requestId = uniqueRequestId('pre-low');
  const low = await h.submit({ requestId, emails: [EMAIL] }, FAST, { preapproval: { records: 6 } });
  await h.waitForProgress(requestId, (p) => p.actionRequired?.approval !== undefined);
  await low.handle.executeUpdate(skipUpdate, { args: [{ code: 'legal-hold', by: 'dpo-key' }] });
  const skipped = await low.handle.result();
  expect(skipped.outcome).toBe('erased-with-exceptions');
  expect(skipped.crm.outcomes).toEqual([]);
  expect(controlsOf(h, 'hubspot').deletions.length).toBe(before);
});

test('a preview counts per system, mailbox and Gong list, and calls no delete or erase endpoint', async () => {
  h = await harnessFor(PAIRS[0]!);
  h.sandbox.seedSubject({ emails: [EMAIL], phones: [PHONE] });
  const requestId = uniqueRequestId('preview');
  const preview = await h.client.workflow.execute(previewWorkflow, {
    workflowId: previewWorkflowId(TEST_OWNER, requestId),
    taskQueue: h.taskQueue,
    args: [{ requestId, subject: { emails: [EMAIL], phones: [PHONE] }, settings: FAST }],
  });
  const hubspotEmail = preview.systems.find((s) => s.connector === 'hubspot' && s.identifier.kind === 'email');
  expect(hubspotEmail).toMatchObject({ records: 1, exceeded: [] });
  const mail = preview.systems.find((s) => s.connector === 'm365')!;
  expect(mail).toMatchObject({ records: 4, mailboxes: 3, mailboxesSearched: 3 });
  expect(mail.perMailbox!.map((m) => m.found).sort()).toEqual([1, 1, 2]);
  expect(mail.perMailbox!.every((m) => /^mailbox:[0-9a-f]{16}$/.test(m.mailbox))).toBe(true);
  expect(preview.gong).toHaveLength(2);
  expect(preview.approvalNeeded).toBe(false);
  expect(JSON.stringify(preview)).not.toMatch(/ada\.lovelace|2079460000|sandbox\.example/);

  const everyOperation = ['hubspot', 'graph', 'gong'].flatMap((key) => controlsOf(h!, key).operations());
  expect(everyOperation.filter((o) => /delete|erase/.test(o))).toEqual([]);
  expect(controlsOf(h, 'hubspot').deletions).toEqual([]);
  expect(controlsOf(h, 'graph').deletions).toEqual([]);
  // The vendor calls of the preview are those of an erasure's first find (list users + one search per mailbox).
  expect(
    controlsOf(h, 'graph')
      .operations()
      .filter((o) => o !== 'token'),
  ).toEqual(['list-users', 'list-messages', 'list-messages', 'list-messages']);
});

test('a sweep longer than one history moves to child workflows that continue-as-new, and stays exact', async () => {
  h = await harnessFor(PAIRS[1]!);
  for (let i = 0; i < 5; i++) h.sandbox.seedSubject({ emails: [EMAIL], phones: [] });
  const requestId = uniqueRequestId('long');
  const { handle } = await h.submit({ requestId, emails: [EMAIL] }, { ...FAST, sweepCallsPerRun: 2 });
  const receipt = await handle.result();
  const { receipt: counted, simulator } = compare(receipt, 'gmail', controlsOf(h, 'google'));
  expect(counted).toEqual(simulator);
  expect(counted.deleted).toBeGreaterThan(0);
  const children = [];
  for await (const w of h.client.workflow.list({
    query: `WorkflowType = 'connectorSweepWorkflow' AND TaskQueue = '${h.taskQueue}'`,
  }))
    children.push(w);
  expect(children.length).toBeGreaterThan(1); // continued-as-new at least once
  expect(children.every((w) => w.workflowId.startsWith(`sweep-${TEST_OWNER}/${requestId}/`))).toBe(true);
});

test('a mailbox with 50,000 matching messages is erased exactly, in histories that stay small', async () => {
  h = await harnessFor(PAIRS[1]!, { unlimited: true });
  const [mailbox] = SANDBOX_MAILBOXES;
  for (let i = 0; i < 50_000; i++) h.sandbox.google!.seedMessage(mailbox!, { from: EMAIL, to: [mailbox!] });
  const requestId = uniqueRequestId('huge');
  // About 300 vendor calls: 100 in the erasure's history, then child runs of 100 that continue-as-new.
  const { handle } = await h.submit({ requestId, emails: [EMAIL] }, { ...FAST, sweepCallsPerRun: 100 });
  const receipt = await handle.result();

  const gmail = receipt.email.outcomes[0]!;
  expect(gmail).toMatchObject({ found: 50_000, deleted: 50_000, alreadyGone: 0 });
  expect(h.sandbox.google!.controls.deletions).toHaveLength(50_000);
  expect(new Set(h.sandbox.google!.controls.deletions).size).toBe(50_000);
  expect(gmail.deletedIds).toHaveLength(200); // the receipt keeps a sample; the count is exact
  // Every history (the erasure's, each child run's) stays far inside Temporal's limits.
  const runs = [{ workflowId: handle.workflowId, runId: undefined as string | undefined }];
  for await (const w of h.client.workflow.list({
    query: `WorkflowType = 'connectorSweepWorkflow' AND TaskQueue = '${h.taskQueue}'`,
  }))
    runs.push({ workflowId: w.workflowId, runId: w.runId });
  expect(runs.length).toBeGreaterThan(2);
  for (const run of runs) {
    const history = await h.client.workflow.getHandle(run.workflowId, run.runId).fetchHistory();
    expect(history.events!.length).toBeLessThan(2_000);
  }
}, 600_000);
