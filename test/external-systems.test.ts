/**
 * HTTP-connector systems inside the CRM and email steps, on a real Temporal server: a status URL
 * polled on a durable timer, a callback delivered as an update, a failure an operator handles, and
 * the order CRM -> email -> Gong holding throughout.
 */
import type { WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { SANDBOX_MAILBOXES } from '../src/sandbox';
import type { LoggedRequest } from '../src/vendors/sim/server';
import { connectorCallbackUpdate, retryUpdate, skipUpdate } from '../src/workflows/definitions';
import type { ErasureSettings } from '../src/workflows/types';
import { bundleWorkflows, FAST, startHarness, TEST_OWNER, uniqueRequestId, type Harness } from './helpers/harness';
import { API_KEY, OPERATOR_KEY, startIntake, TICKETS_KEY } from './helpers/intake';

const EMAIL = 'ext.subject@example.com';
const PHONE = '+14255550123';
const QUICK: Partial<ErasureSettings> = { ...FAST, externalPollInterval: '1s', externalMaxWait: '20s' };

let bundle: WorkflowBundleWithSourceMap;
let h: Harness | undefined;

beforeAll(async () => {
  bundle = await bundleWorkflows();
});
afterEach(async () => {
  await h?.teardown();
  h = undefined;
});

const span = (log: LoggedRequest[]) => ({
  first: Math.min(...log.map((r) => r.at)),
  last: Math.max(...log.map((r) => r.at)),
});

test('a CRM-step system that answers 202 with a status URL is polled until done; email and Gong wait for it', async () => {
  const harness = (h = await startHarness({
    bundle,
    sandbox: {
      http: [
        { name: 'warehouse', mode: 'poll', pendingPolls: 2 },
        { name: 'helpdesk', mode: 'sync' },
      ],
    },
    env: { DSR_CRM_CONNECTORS: 'hubspot,http:warehouse', DSR_EMAIL_CONNECTORS: 'm365,http:helpdesk' },
  }));
  harness.sandbox.seedSubject({ emails: [EMAIL], phones: [PHONE] });
  const { handle } = await harness.submit(
    { requestId: uniqueRequestId('ext-poll'), emails: [EMAIL], phones: [PHONE] },
    QUICK,
  );
  const receipt = await handle.result();

  const warehouse = harness.sandbox.http.get('warehouse')!;
  const helpdesk = harness.sandbox.http.get('helpdesk')!;
  expect(warehouse.controls.operations()).toEqual(['order', 'status', 'status', 'status']);
  expect(receipt.crm.external).toEqual([
    expect.objectContaining({ connector: 'http:warehouse', state: 'completed', via: 'status-url', deleted: 2 }),
  ]);
  expect(receipt.email.external).toEqual([
    expect.objectContaining({ connector: 'http:helpdesk', state: 'completed', via: 'response' }),
  ]);
  expect(receipt.crm.external[0]!.identifiers).toEqual(receipt.subject);

  // Order: every CRM system (HubSpot and the polled warehouse) before any email system, email before Gong.
  const crm = span([...harness.sandbox.hubspot!.controls.log, ...warehouse.controls.log]);
  const email = span([...harness.sandbox.graph!.controls.log, ...helpdesk.controls.log]);
  const gong = span(harness.sandbox.gong!.controls.log);
  expect(crm.last).toBeLessThanOrEqual(email.first);
  expect(email.last).toBeLessThanOrEqual(gong.first);
  expect(warehouse.vendor.erasedValues.sort()).toEqual([PHONE, EMAIL].sort());
});

test('a system that calls back: the workflow waits for the connectorCallback update, however early it comes', async () => {
  const harness = (h = await startHarness({
    bundle,
    sandbox: { http: [{ name: 'tickets', mode: 'callback' }] },
    env: { DSR_CRM_CONNECTORS: 'http:tickets', DSR_EMAIL_CONNECTORS: 'm365' },
  }));
  harness.sandbox.seedSubject({ emails: [EMAIL], phones: [] });
  const requestId = uniqueRequestId('ext-callback');
  const { handle } = await harness.submit({ requestId, emails: [EMAIL] }, QUICK);
  const tickets = harness.sandbox.http.get('tickets')!;
  while (tickets.vendor.orders.size === 0) await new Promise((r) => setTimeout(r, 100));
  // Nothing downstream starts while the order is open.
  await new Promise((r) => setTimeout(r, 1_500));
  expect(harness.sandbox.graph!.controls.log).toHaveLength(0);
  // Callbacks for connectors without an outstanding order, and malformed ones, are refused.
  await expect(
    handle.executeUpdate(connectorCallbackUpdate, { args: [{ connector: 'http:nope', state: 'completed' }] }),
  ).rejects.toThrow();
  await expect(
    handle.executeUpdate(connectorCallbackUpdate, {
      args: [{ connector: 'http:tickets', state: 'completed', deleted: -1 }],
    }),
  ).rejects.toThrow();
  // The workflow's own validator (any client, the plain Temporal CLI too) refuses a personal-looking reference.
  for (const reference of ['4255552671', 'err400.li.wei.example.net']) {
    await expect(
      handle.executeUpdate(connectorCallbackUpdate, {
        args: [{ connector: 'http:tickets', state: 'completed', reference }],
      }),
    ).rejects.toMatchObject({
      cause: { message: expect.stringMatching(/^reference must not look like personal data/) },
    });
  }
  // `by` is a credential name, never free text: the validator refuses anything else from any client.
  await expect(
    handle.executeUpdate(connectorCallbackUpdate, {
      args: [{ connector: 'http:tickets', state: 'completed', by: 'jane.doe@example.com' }],
    }),
  ).rejects.toThrow();
  await handle.executeUpdate(connectorCallbackUpdate, {
    args: [{ connector: 'http:tickets', state: 'completed', reference: 'TCK-42' }],
  });
  const receipt = await handle.result();
  expect(receipt.crm.external).toEqual([
    expect.objectContaining({ connector: 'http:tickets', state: 'completed', via: 'callback', reference: 'TCK-42' }),
  ]);
  expect(receipt.crm.external[0]).not.toHaveProperty('reportedBy'); // sent without `by`: nothing claimed
  expect(receipt.email.outcomes[0]!.deleted).toBeGreaterThan(0);
});

test('a system calls back through the intake API: POST /v1/erasures/{id}/connector-callback', async () => {
  const harness = (h = await startHarness({
    bundle,
    sandbox: { http: [{ name: 'tickets', mode: 'callback' }] },
    env: { DSR_CRM_CONNECTORS: 'http:tickets', DSR_EMAIL_CONNECTORS: 'none' },
  }));
  const intake = await startIntake(harness);
  try {
    const requestId = uniqueRequestId('ext-http-callback');
    const { handle } = await harness.submit({ requestId, emails: [EMAIL] }, QUICK);
    const tickets = harness.sandbox.http.get('tickets')!;
    while (tickets.vendor.orders.size === 0) await new Promise((r) => setTimeout(r, 100));
    // The tickets system's credential reports for its connector in any source (the harness submits in `test`).
    const path = `/v1/erasures/${requestId}/connector-callback?source=test`;
    // Validated at the edge (field names), refused by the workflow when no such order is open (409).
    expect(
      (await intake.call('POST', path, { key: TICKETS_KEY, body: { connector: 'http:tickets', state: 'done' } })).json
        .error.fields[0].field,
    ).toBe('state');
    expect(
      (await intake.call('POST', path, { key: OPERATOR_KEY, body: { connector: 'http:other', state: 'completed' } }))
        .status,
    ).toBe(409);
    const personal = await intake.call('POST', path, {
      key: TICKETS_KEY,
      body: { connector: 'http:tickets', state: 'completed', reference: '425-555-2671' },
    });
    expect(personal.status).toBe(400);
    expect(personal.json.error.fields.map((f: { field: string }) => f.field)).toEqual(['reference']);
    expect(personal.text).not.toContain('2671');
    expect(
      (await intake.call('POST', path, { key: null, body: { connector: 'http:tickets', state: 'completed' } })).status,
    ).toBe(401);
    // A key without callback:http:tickets cannot forge the system's "completed" (the audit's finding), nor can the
    // tickets system's key report for another connector.
    const forged = await intake.call('POST', path, {
      key: API_KEY,
      body: { connector: 'http:tickets', state: 'completed' },
    });
    expect(forged.status).toBe(403);
    expect(forged.json.error).toEqual({
      code: 'forbidden',
      message: 'this needs the callback:<connector> scope, which this credential lacks',
    });
    const ownSource = `/v1/erasures/${requestId}/connector-callback`;
    expect(
      (await intake.call('POST', ownSource, { key: API_KEY, body: { connector: 'http:tickets', state: 'completed' } }))
        .status,
    ).toBe(403);
    const elsewhere = await intake.call('POST', path, {
      key: TICKETS_KEY,
      body: { connector: 'http:other', state: 'completed' },
    });
    expect(elsewhere.status).toBe(403);
    expect(elsewhere.json.error.message).toMatch(/needs the callback:http:other scope/);
    const ok = await intake.call('POST', path, {
      key: TICKETS_KEY,
      body: { connector: 'http:tickets', state: 'completed', deleted: 3, reference: 'TCK-43' },
    });
    expect(ok.status).toBe(202);
    const receipt = await handle.result();
    expect(receipt.crm.external).toEqual([
      expect.objectContaining({
        connector: 'http:tickets',
        state: 'completed',
        via: 'callback',
        deleted: 3,
        reference: 'TCK-43',
        reportedBy: 'tickets-system',
      }),
    ]);
    // Settled: a late callback is refused because the erasure finished.
    expect(
      (await intake.call('POST', path, { key: TICKETS_KEY, body: { connector: 'http:tickets', state: 'completed' } }))
        .status,
    ).toBe(409);
  } finally {
    await intake.close();
  }
});

test('a system reporting failure puts the request in "action required"; skip keeps the reason code and note', async () => {
  const harness = (h = await startHarness({
    bundle,
    sandbox: { http: [{ name: 'legacy-crm', mode: 'fail' }] },
    env: { DSR_CRM_CONNECTORS: 'hubspot,http:legacy-crm', DSR_EMAIL_CONNECTORS: 'm365' },
  }));
  harness.sandbox.seedSubject({ emails: [EMAIL], phones: [] });
  const requestId = uniqueRequestId('ext-fail');
  const { handle } = await harness.submit({ requestId, emails: [EMAIL] }, QUICK);
  const waiting = await harness.waitForProgress(requestId, (p) => p.status === 'ActionRequired');
  expect(waiting.actionRequired).toMatchObject({
    step: 'crm',
    item: 'http:legacy-crm order',
    errorType: 'ExternalErasureFailed',
  });
  expect(JSON.stringify(waiting)).not.toContain(EMAIL);
  // retry sends a new order (a new idempotency key: the old one would answer `failed` again).
  await handle.executeUpdate(retryUpdate, { args: [{}] });
  await harness.waitForProgress(requestId, (p) => p.status === 'ActionRequired' && p.operatorActions.length === 1);
  // Keyed by source and request id: request ids are unique per source only.
  expect([...harness.sandbox.http.get('legacy-crm')!.vendor.orders.keys()]).toEqual([
    `${TEST_OWNER}/${requestId}:legacy-crm`,
    `${TEST_OWNER}/${requestId}:legacy-crm:2`,
  ]);
  await handle.executeUpdate(skipUpdate, {
    args: [{ code: 'system-decommissioned', note: 'legacy CRM decommissioned; records purged by hand, ticket DPO-9' }],
  });
  const receipt = await handle.result();
  expect(receipt.outcome).toBe('erased-with-exceptions');
  expect(receipt.crm.external).toEqual([]);
  expect(receipt.skipped[0]).toMatchObject({
    item: 'http:legacy-crm order',
    reason: 'system-decommissioned',
    note: 'legacy CRM decommissioned; records purged by hand, ticket DPO-9',
  });
});

test('a system that accepts and never finishes escalates after externalMaxWait', async () => {
  const harness = (h = await startHarness({
    bundle,
    sandbox: { http: [{ name: 'slow', mode: 'callback' }] },
    env: { DSR_CRM_CONNECTORS: 'http:slow', DSR_EMAIL_CONNECTORS: 'none' },
  }));
  const requestId = uniqueRequestId('ext-overdue');
  const { handle } = await harness.submit({ requestId, emails: [EMAIL] }, { ...QUICK, externalMaxWait: '2s' });
  const waiting = await harness.waitForProgress(requestId, (p) => p.status === 'ActionRequired');
  expect(waiting.actionRequired?.errorType).toBe('ExternalErasureOverdue');
  // retry keeps waiting; the callback then completes it.
  await handle.executeUpdate(retryUpdate, { args: [{}] });
  await handle.executeUpdate(connectorCallbackUpdate, { args: [{ connector: 'http:slow', state: 'not_found' }] });
  const receipt = await handle.result();
  expect(receipt.crm.external[0]).toMatchObject({ state: 'not_found', via: 'callback' });
  // The order is settled: a late callback is refused rather than silently dropped.
  await expect(
    handle.executeUpdate(connectorCallbackUpdate, { args: [{ connector: 'http:slow', state: 'failed' }] }),
  ).rejects.toThrow();
});

test('Salesforce + an HTTP connector as the CRM step, Gmail as the email step: the order holds', async () => {
  const harness = (h = await startHarness({
    bundle,
    sandbox: { vendors: ['gong', 'salesforce', 'gmail'], http: [{ name: 'warehouse', mode: 'poll', pendingPolls: 1 }] },
    env: { DSR_CRM_CONNECTORS: 'salesforce,http:warehouse', DSR_EMAIL_CONNECTORS: 'gmail' },
  }));
  harness.sandbox.seedSubject({ emails: [EMAIL], phones: [PHONE] });
  const { handle } = await harness.submit(
    { requestId: uniqueRequestId('plan-sf-gmail'), emails: [EMAIL], phones: [PHONE] },
    QUICK,
  );
  const receipt = await handle.result();

  const salesforce = harness.sandbox.salesforce!;
  const google = harness.sandbox.google!;
  const warehouse = harness.sandbox.http.get('warehouse')!;
  const crm = span([...salesforce.controls.log, ...warehouse.controls.log]);
  const email = span(google.controls.log);
  const gong = span(harness.sandbox.gong!.controls.log);
  expect(crm.last).toBeLessThanOrEqual(email.first);
  expect(email.last).toBeLessThanOrEqual(gong.first);

  expect(receipt.crm.connectors.map((c) => c.id)).toEqual(['salesforce', 'http:warehouse']);
  expect(receipt.email.connectors.map((c) => c.id)).toEqual(['gmail']);
  expect(receipt.crm.outcomes.filter((o) => o.connector === 'salesforce').reduce((n, o) => n + o.deleted, 0)).toBe(2);
  expect(receipt.crm.outcomes.every((o) => o.method === 'permanently deleted (Bulk API hardDelete)')).toBe(true);
  expect(salesforce.records()).toHaveLength(0);
  expect(salesforce.recycleBin()).toHaveLength(0);
  expect(receipt.crm.external[0]).toMatchObject({ connector: 'http:warehouse', state: 'completed', via: 'status-url' });
  expect(receipt.email.outcomes[0]).toMatchObject({ connector: 'gmail', deleted: 4 });
  for (const user of SANDBOX_MAILBOXES) {
    expect(google.messages(user).filter((m) => [m.from, ...m.to, ...m.cc, ...m.bcc].includes(EMAIL))).toHaveLength(0);
  }
  expect(google.controls.log.some((r) => r.operation.includes('trash'))).toBe(false);
  expect(receipt.gong.verification.outcome).toBe('verified');
});
