/**
 * The erasure workflow end to end on a real Temporal dev server, with real workers and the vendor
 * simulators over HTTP. Order, retries and operator steering are proven from the simulators' logs.
 */
import { Client, Connection, WorkflowUpdateFailedError } from '@temporalio/client';
import type { WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { SANDBOX_MAILBOXES } from '../src/sandbox';
import { EncryptionCodec } from '../src/security/codec';
import { FAILURE_CONVERTER_PATH } from '../src/security/data-converter';
import { loadSecurityConfig } from '../src/security/keys';
import { erasureWorkflowId } from '../src/temporal/names';
import type { LoggedRequest } from '../src/vendors/sim/server';
import { retryUpdate, skipUpdate } from '../src/workflows/definitions';
import type { ErasureReceipt } from '../src/workflows/types';
import {
  bundleWorkflows,
  FAST,
  startHarness,
  temporalAddress,
  TEST_OWNER,
  uniqueRequestId,
  type Harness,
} from './helpers/harness';

const EMAIL = 'jane.doe@example.com';
const PHONE_RAW = '+1 (425) 555-2671';
const PHONE = '+14255552671';

let bundle: WorkflowBundleWithSourceMap;
let h: Harness;

beforeAll(async () => {
  bundle = await bundleWorkflows();
});

beforeEach(async () => {
  h = await startHarness({ bundle, sandbox: { gong: { deletionDelayMs: 1_500 } } });
  h.sandbox.seedSubject({ emails: [EMAIL], phones: [PHONE] });
});

afterEach(async () => {
  await h.teardown();
});

const successful = (log: LoggedRequest[]) => log.filter((r) => r.status >= 200 && r.status < 300);
const span = (log: LoggedRequest[]) => ({
  first: Math.min(...log.map((r) => r.at)),
  last: Math.max(...log.map((r) => r.at)),
});

test('erases from the CRM, then email, then Gong, verifies, and returns a receipt', async () => {
  const requestId = uniqueRequestId('happy');
  const { handle, outcome } = await h.submit({ requestId, emails: ['Jane.Doe@Example.com'], phones: [PHONE_RAW] });
  expect(outcome).toBe('started');
  const receipt: ErasureReceipt = await handle.result();

  // Order, from what the vendors actually received.
  const hubspot = span(h.sandbox.hubspot!.controls.log);
  const graph = span(h.sandbox.graph!.controls.log);
  const gong = span(h.sandbox.gong!.controls.log);
  expect(hubspot.last).toBeLessThanOrEqual(graph.first);
  expect(graph.last).toBeLessThanOrEqual(gong.first);

  // Everything is gone from every system.
  expect(h.sandbox.hubspot!.contacts()).toHaveLength(0);
  for (const upn of SANDBOX_MAILBOXES) {
    expect(h.sandbox.graph!.messages(upn).filter((m) => [m.from, ...m.to, ...m.cc].includes(EMAIL))).toHaveLength(0);
  }
  const gongLog = h.sandbox.gong!.controls.log;
  expect(
    successful(gongLog)
      .map((r) => r.operation)
      .filter((o) => o.startsWith('erase-')),
  ).toEqual(['erase-data-for-email-address', 'erase-data-for-phone-number']);
  // The phone reached Gong URL-encoded and normalised.
  expect(
    h.sandbox.gong!.controls.log.find((r) => r.operation === 'erase-data-for-phone-number')?.query.phoneNumber,
  ).toBe(PHONE);

  // The receipt.
  expect(receipt.outcome).toBe('erased');
  expect(receipt.status).toBe('Completed');
  // The receipt names the person only by keyed hash.
  expect(receipt.subject).toEqual([
    { kind: 'email', ref: expect.stringMatching(/^hmac-sha256:[0-9a-f]{64}$/) },
    { kind: 'phone', ref: expect.stringMatching(/^hmac-sha256:[0-9a-f]{64}$/) },
  ]);
  expect(receipt.crm.outcomes[0]!.identifier).toEqual(receipt.subject[0]);
  expect(JSON.stringify(receipt)).not.toContain(EMAIL);
  expect(JSON.stringify(receipt)).not.toContain('4255552671');
  expect(receipt.crm.outcomes.map((o) => [o.connector, o.identifier.kind])).toEqual([
    ['hubspot', 'email'],
    ['hubspot', 'phone'],
  ]);
  expect(receipt.crm.outcomes.reduce((n, o) => n + o.deleted, 0)).toBeGreaterThanOrEqual(1);
  expect(receipt.email.outcomes).toHaveLength(1); // m365 is searched by email only
  expect(receipt.email.outcomes[0]!.deleted).toBe(4);
  expect(receipt.gong.before.every((s) => s.total > 0)).toBe(true);
  expect(receipt.gong.erasures.map((e) => e.gongRequestId)).toEqual(
    h.sandbox.gong!.vendor.erasureRequests().map((e) => e.requestId),
  );
  expect(receipt.gong.verification.outcome).toBe('verified');
  expect(receipt.gong.verification.checks.length).toBeGreaterThanOrEqual(1);
  expect(Date.parse(receipt.crm.completedAt!)).toBeLessThanOrEqual(Date.parse(receipt.email.startedAt!));
  expect(Date.parse(receipt.email.completedAt!)).toBeLessThanOrEqual(Date.parse(receipt.gong.startedAt!));

  // Search attributes for the Web UI: status and step only.
  const description = await handle.describe();
  expect(description.searchAttributes).toMatchObject({ ErasureStatus: ['Completed'], ErasureStep: ['done'] });
});

test('the verification loop waits and checks again while Gong still holds references', async () => {
  h.sandbox.gong!.vendor.setDeletionDelay(3_500);
  const requestId = uniqueRequestId('verify');
  const { handle } = await h.submit(
    { requestId, emails: [EMAIL] },
    { ...FAST, verifyInitialWait: '1s', verifyMaxInterval: '2s' },
  );
  const receipt = await handle.result();
  const checks = receipt.gong.verification.checks;
  expect(checks.length).toBeGreaterThanOrEqual(2);
  expect(checks[0]!.remaining).toBe(1);
  expect(checks.at(-1)!.remaining).toBe(0);
  expect(receipt.gong.verification.outcome).toBe('verified');
});

test('when Gong never finishes, the request escalates; an operator retry re-erases and verifies', async () => {
  h.sandbox.gong!.vendor.setStuckDeletion(true);
  const requestId = uniqueRequestId('stuck');
  const { handle } = await h.submit(
    { requestId, emails: [EMAIL] },
    { ...FAST, verifyInitialWait: '1s', verifyMaxTotalWait: '2s' },
  );
  const waiting = await h.waitForProgress(requestId, (p) => p.status === 'ActionRequired');
  expect(waiting.step).toBe('gong-verify');
  expect(waiting.actionRequired?.errorType).toBe('GongDeletionIncomplete');
  expect(waiting.actionRequired?.reason).toContain(h.sandbox.gong!.vendor.erasureRequests()[0]!.requestId);
  expect(waiting.actionRequired?.reason).not.toContain(EMAIL);

  h.sandbox.gong!.vendor.setStuckDeletion(false);
  await handle.executeUpdate(retryUpdate, { args: [{}] });
  const receipt = await handle.result();
  expect(receipt.gong.verification.outcome).toBe('verified');
  expect(receipt.gong.erasures).toHaveLength(2);
  expect(receipt.operatorActions.map((a) => [a.action, a.step])).toEqual([['retry', 'gong-verify']]);
});

test('a 429 from Gong is retried no sooner than its Retry-After', async () => {
  h.sandbox.gong!.controls.inject(
    { kind: 'status', status: 429, retryAfterSeconds: 3 },
    { operation: 'erase-data-for-email-address' },
  );
  const { handle } = await h.submit({ requestId: uniqueRequestId('ratelimit'), emails: [EMAIL] });
  await handle.result();
  const erases = h.sandbox.gong!.controls.log.filter((r) => r.operation === 'erase-data-for-email-address');
  expect(erases.map((r) => r.status)).toEqual([429, 200]);
  expect(erases[1]!.at - erases[0]!.at).toBeGreaterThanOrEqual(3_000);
});

test('5xx and dropped connections are retried with backoff and the request completes', async () => {
  h.sandbox.hubspot!.controls.inject({ kind: 'status', status: 500 }, { operation: 'search-contacts', times: 2 });
  h.sandbox.graph!.controls.inject({ kind: 'drop' }, { times: 1 });
  const { handle } = await h.submit({ requestId: uniqueRequestId('flaky'), emails: [EMAIL] });
  const receipt = await handle.result();
  expect(receipt.outcome).toBe('erased');
  expect(h.sandbox.hubspot!.controls.log.filter((r) => r.status === 500)).toHaveLength(2);
  expect(h.sandbox.hubspot!.contacts()).toHaveLength(0);
});

test('a 400 puts the request in "action required" until an operator retries it', async () => {
  h.sandbox.hubspot!.controls.inject(
    {
      kind: 'status',
      status: 400,
      body: { status: 'error', message: `bad ${EMAIL}`, category: 'VALIDATION_ERROR', correlationId: 'c0ffee' },
    },
    { operation: 'gdpr-delete' },
  );
  const requestId = uniqueRequestId('badreq');
  const { handle } = await h.submit({ requestId, emails: [EMAIL] });
  const waiting = await h.waitForProgress(requestId, (p) => p.status === 'ActionRequired');
  expect(waiting.step).toBe('crm');
  expect(waiting.actionRequired).toMatchObject({ errorType: 'VendorRejectedRequest', item: 'hubspot email#1' });
  expect(waiting.actionRequired!.reason).toContain('HTTP 400');
  expect(waiting.actionRequired!.reason).not.toContain(EMAIL);
  // Nothing downstream ran while the CRM step was unfinished.
  expect(h.sandbox.graph!.controls.log).toHaveLength(0);
  expect(h.sandbox.gong!.controls.log).toHaveLength(0);
  const described = await handle.describe();
  expect(described.searchAttributes).toMatchObject({ ErasureStatus: ['ActionRequired'], ErasureStep: ['crm'] });

  await handle.executeUpdate(retryUpdate, { args: [{}] });
  const receipt = await handle.result();
  expect(receipt.outcome).toBe('erased');
  expect(receipt.operatorActions).toHaveLength(1);
  expect(h.sandbox.hubspot!.contacts()).toHaveLength(0);
});

test('an operator can skip a failing item with a reason code and note the receipt keeps', async () => {
  h.sandbox.graph!.controls.inject({ kind: 'status', status: 403 }, { times: Infinity });
  const requestId = uniqueRequestId('skip');
  const { handle } = await h.submit({ requestId, emails: [EMAIL] });
  await h.waitForProgress(requestId, (p) => p.status === 'ActionRequired' && p.step === 'email');
  // Refused by the workflow's validator, whoever sends it: no code, an unknown code, free text as a
  // reason (what skips carried before codes), `other` without a note, a note that looks personal.
  for (const refused of [
    { reason: '  ' },
    { reason: 'mailbox migrated off Microsoft 365; ticket DPO-42' },
    {},
    { code: 'because' },
    { code: 'other' },
    { code: 'other', note: '   ' },
    { code: 'data-already-deleted', note: 'deleted jane.doe@example.com by hand' },
    { code: 'data-already-deleted', note: 'called +1 (425) 555-2671' },
    { code: 'data-already-deleted', note: 'x'.repeat(501) },
    { code: 'data-already-deleted', comment: 'jane.doe' },
  ])
    await expect(handle.executeUpdate(skipUpdate, { args: [refused] })).rejects.toBeInstanceOf(
      WorkflowUpdateFailedError,
    );
  await handle.executeUpdate(skipUpdate, {
    args: [{ code: 'system-decommissioned', note: ' mailbox migrated off Microsoft 365; ticket DPO-42 ' }],
  });
  const receipt = await handle.result();
  expect(receipt.outcome).toBe('erased-with-exceptions');
  expect(receipt.skipped).toEqual([
    expect.objectContaining({
      step: 'email',
      item: 'm365 email#1',
      reason: 'system-decommissioned',
      note: 'mailbox migrated off Microsoft 365; ticket DPO-42',
    }),
  ]);
  expect(receipt.operatorActions).toEqual([
    expect.objectContaining({
      action: 'skip',
      reason: 'system-decommissioned',
      note: 'mailbox migrated off Microsoft 365; ticket DPO-42',
    }),
  ]);
  expect(receipt.gong.verification.outcome).toBe('verified');
});

test('a skip sent with a plain client (no codec, as the Temporal CLI does) cannot store a personal value', async () => {
  h.sandbox.graph!.controls.inject({ kind: 'status', status: 403 }, { times: Infinity });
  const requestId = uniqueRequestId('skip-plain');
  const { handle } = await h.submit({ requestId, emails: [EMAIL] });
  await h.waitForProgress(requestId, (p) => p.status === 'ActionRequired' && p.step === 'email');
  // Sends plaintext payloads, as the Temporal CLI does; reads the worker's encrypted answers, to tell a refusal apart.
  const codec = await EncryptionCodec.create(loadSecurityConfig(h.env).payloadKeys);
  const connection = await Connection.connect({ address: temporalAddress() });
  try {
    const plain = new Client({
      connection,
      dataConverter: {
        payloadCodecs: [{ encode: async (payloads) => payloads, decode: (payloads) => codec.decode(payloads) }],
        failureConverterPath: FAILURE_CONVERTER_PATH,
      },
    }).workflow.getHandle(handle.workflowId);
    for (const refused of [
      { reason: `asked by ${EMAIL}` },
      { code: 'other', note: `asked by ${EMAIL}` },
      { code: 'other', note: 'asked by jane (at) example dot com' },
      { code: 'other', note: 'call 425 555 2671' },
      { code: 'other', note: 'ticket DPO-42', email: EMAIL },
    ])
      await expect(plain.executeUpdate(skipUpdate, { args: [refused as never] })).rejects.toBeInstanceOf(
        WorkflowUpdateFailedError,
      );
    await plain.executeUpdate(skipUpdate, { args: [{ code: 'other', note: 'ticket DPO-42' }] });
    const receipt = await handle.result();
    expect(receipt.skipped).toEqual([expect.objectContaining({ reason: 'other', note: 'ticket DPO-42' })]);
    // A refused update leaves nothing in history: the only plaintext skip payload is the accepted one.
    const bytes: string[] = [];
    const walk = (value: unknown): void => {
      if (value instanceof Uint8Array) bytes.push(Buffer.from(value).toString('utf8'));
      else if (value && typeof value === 'object') Object.values(value).forEach(walk);
    };
    walk(await handle.fetchHistory());
    const stored = bytes.join('\n');
    expect(stored).toContain(JSON.stringify({ code: 'other', note: 'ticket DPO-42' }));
    for (const text of [EMAIL, 'jane (at)', '425 555 2671', 'asked by']) expect(stored).not.toContain(text);
  } finally {
    await connection.close();
  }
});

test('operator updates are refused while nothing is waiting', async () => {
  h.sandbox.gong!.vendor.setDeletionDelay(60_000);
  const requestId = uniqueRequestId('norefuse');
  const { handle } = await h.submit({ requestId, emails: [EMAIL] }, { ...FAST, verifyInitialWait: '1m' });
  await h.waitForProgress(requestId, (p) => p.step === 'gong-verify');
  await expect(handle.executeUpdate(retryUpdate, { args: [{}] })).rejects.toBeInstanceOf(WorkflowUpdateFailedError);
  await handle.terminate('test over');
});

test('submitting the same request twice gives one workflow and one set of deletions', async () => {
  const requestId = uniqueRequestId('dup');
  const [a, b] = await Promise.all([
    h.submit({ requestId, emails: [EMAIL], phones: [PHONE] }),
    h.submit({ requestId, emails: [EMAIL], phones: [PHONE] }),
  ]);
  expect([a.outcome, b.outcome].sort()).toEqual(['exists', 'started']);
  const first = await a.handle.result();
  const again = await h.submit({ requestId, emails: [EMAIL], phones: [PHONE] });
  expect(again.outcome).toBe('exists');
  expect(await again.handle.result()).toEqual(first);
  const runs = [];
  for await (const wf of h.client.workflow.list({
    query: `WorkflowId = "${erasureWorkflowId(TEST_OWNER, requestId)}"`,
  }))
    runs.push(wf);
  expect(runs).toHaveLength(1);
  const gongErases = h.sandbox.gong!.controls.log.filter((r) => r.operation.startsWith('erase-'));
  expect(gongErases).toHaveLength(2);
  expect(successful(h.sandbox.graph!.controls.log).filter((r) => r.operation === 'permanent-delete')).toHaveLength(4);
});

test('a request whose run was terminated can be submitted again; bad settings are refused before starting', async () => {
  const requestId = uniqueRequestId('resubmit');
  const first = await h.submit({ requestId, emails: [EMAIL] }, { ...FAST, verifyInitialWait: '1h' });
  await h.waitForProgress(requestId, (p) => p.step === 'gong-verify');
  await first.handle.terminate('operator terminated by mistake');
  const again = await h.submit({ requestId, emails: [EMAIL] });
  expect(again.outcome).toBe('started');
  expect((await again.handle.result()).outcome).toBe('erased');

  await expect(
    h.submit({ requestId: uniqueRequestId('badsettings'), emails: [EMAIL] }, { verifyInitialWait: 'soon' as never }),
  ).rejects.toThrow(/settings\.verifyInitialWait/);
});

test('a retry and a skip sent at the same moment: exactly one decision is taken and recorded', async () => {
  h.sandbox.hubspot!.controls.inject({ kind: 'status', status: 403 }, { operation: 'search-contacts', times: 1 });
  const requestId = uniqueRequestId('race');
  const { handle } = await h.submit({ requestId, emails: [EMAIL] });
  await h.waitForProgress(requestId, (p) => p.status === 'ActionRequired');
  const [retry, skip] = await Promise.allSettled([
    handle.executeUpdate(retryUpdate, { args: [{}] }),
    handle.executeUpdate(skipUpdate, { args: [{ code: 'data-already-deleted', note: 'race' }] }),
  ]);
  // One is taken, the other refused by the workflow (the wait it answers is over).
  expect([retry.status, skip.status].sort()).toEqual(['fulfilled', 'rejected']);
  const refused = [retry, skip].find((r) => r.status === 'rejected') as PromiseRejectedResult;
  expect(refused.reason).toBeInstanceOf(WorkflowUpdateFailedError);
  const receipt = await handle.result();
  expect(receipt.operatorActions.map((a) => a.action)).toEqual([retry.status === 'fulfilled' ? 'retry' : 'skip']);
  expect(receipt.skipped).toHaveLength(skip.status === 'fulfilled' ? 1 : 0);
});
