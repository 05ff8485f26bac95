/**
 * Previews and approval through the intake API, on a real Temporal dev server with real workers and the vendor
 * simulators: a preview answers counts and deletes nothing (the simulators' own logs say so); an erasure whose find
 * exceeds a threshold waits for `approve`, which only a credential allowed to steer that request may send; a
 * submission may pre-approve counts; bad input is refused naming the field.
 */
import type { WorkflowBundleWithSourceMap } from '@temporalio/worker';
import type { SimControls } from '../src/vendors/sim/server';
import type { ErasureReceipt } from '../src/workflows/types';
import { bundleWorkflows, FAST, startHarness, uniqueRequestId, type Harness } from './helpers/harness';
import { eventually, KETCH_KEY, OPERATOR_KEY, OTHER_KEY, startIntake } from './helpers/intake';

/** Requests API_KEY submits belong to its source, `intake-test`. */
const ours = (requestId: string) => ({ owner: 'intake-test', requestId });

const EMAIL = 'preview.subject@example.com';
const PHONE = '+14255550142';
/** Any operation that removes something at a vendor. */
const DELETING = /delete|erase|purge|trash/i;

let bundle: WorkflowBundleWithSourceMap;
let h: Harness;
let intake: Awaited<ReturnType<typeof startIntake>>;

beforeAll(async () => {
  bundle = await bundleWorkflows();
  h = await startHarness({
    bundle,
    sandbox: { gong: { deletionDelayMs: 200 } },
    env: {
      DSR_VERIFY_INITIAL_WAIT: '1s',
      DSR_VERIFY_MAX_INTERVAL: '2s',
      // The seeded person has mail in all three sandbox mailboxes: a preview must name this threshold.
      DSR_APPROVAL_THRESHOLDS: 'email.mailboxes=2',
    },
  });
  h.sandbox.seedSubject({ emails: [EMAIL], phones: [PHONE] });
  intake = await startIntake(h, { DSR_INTAKE_RATE_LIMIT: '100000', DSR_INTAKE_AUTH_FAILURE_LIMIT: '100000' });
});

afterAll(async () => {
  await intake?.close();
  await h?.teardown();
  const logs = intake.lines.join('\n');
  for (const secret of [EMAIL, PHONE, '4255550142', 'preview.subject']) expect(logs).not.toContain(secret);
});

/** Every simulator's controls, to compare what happened at the vendors before and after. */
function simulators(): [string, SimControls][] {
  return [
    ['hubspot', h.sandbox.hubspot!.controls],
    ['graph', h.sandbox.graph!.controls],
    ['gong', h.sandbox.gong!.controls],
  ];
}

describe('previews', () => {
  test('a preview answers counts per system, mailbox and Gong list, and the thresholds it would stop at; it deletes nothing', async () => {
    const before = simulators().map(([name, c]) => [name, c.log.length, c.deletions.length] as const);
    const requestId = uniqueRequestId('preview');
    const res = await intake.call('POST', '/v1/previews', { body: { requestId, emails: [EMAIL], phones: [PHONE] } });
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({
      requestId,
      owner: 'intake-test',
      status: 'Completed',
      statusUrl: `/v1/previews/${requestId}`,
      approvalNeeded: true,
      notPreviewed: [],
    });
    const system = (connector: string, kind: string) =>
      res.json.systems.find(
        (s: { connector: string; identifier: { kind: string } }) =>
          s.connector === connector && s.identifier.kind === kind,
      );
    expect(system('hubspot', 'email')).toMatchObject({ step: 'crm', records: 1, exceeded: [] });
    expect(system('hubspot', 'phone')).toMatchObject({ step: 'crm', records: 1, exceeded: [] });
    // Two messages in the first mailbox, one in each of the other two.
    expect(system('m365', 'email')).toMatchObject({
      step: 'email',
      records: 4,
      mailboxes: 3,
      mailboxesSearched: 3,
      capped: false,
      exceeded: ['3 mailboxes (approval above 2)'],
    });
    expect(
      system('m365', 'email')
        .perMailbox.map((m: { found: number }) => m.found)
        .sort(),
    ).toEqual([1, 1, 2]);
    expect(res.json.gong).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ identifier: expect.objectContaining({ kind: 'email' }), total: expect.any(Number) }),
        expect.objectContaining({ identifier: expect.objectContaining({ kind: 'phone' }), total: expect.any(Number) }),
      ]),
    );
    expect(res.text).not.toContain(EMAIL);
    expect(res.text).not.toContain('4255550142');

    // Nothing was deleted, and no deleting endpoint was even called.
    for (const [name, logged, deleted] of before) {
      const controls = simulators().find(([n]) => n === name)![1];
      expect([name, controls.deletions.length]).toEqual([name, deleted]);
      expect([name, controls.log.slice(logged).filter((r) => DELETING.test(r.operation))]).toEqual([name, []]);
      expect(controls.log.length).toBeGreaterThan(logged); // it did look
    }

    // Asked again: the same preview (no second run); read back with GET.
    const again = await intake.call('POST', '/v1/previews', { body: { requestId, emails: [EMAIL], phones: [PHONE] } });
    expect(again.status).toBe(200);
    expect(again.json.runId).toBe(res.json.runId);
    const read = await intake.call('GET', `/v1/previews/${requestId}`);
    expect(read.status).toBe(200);
    expect(read.json).toEqual(res.json);
  });

  test('past its short wait a preview answers 202 with a Location to poll', async () => {
    const slow = await startIntake(h, { DSR_INTAKE_RATE_LIMIT: '100000' }, { previewWaitMs: 0 });
    try {
      const requestId = uniqueRequestId('preview-202');
      const res = await slow.call('POST', '/v1/previews', { body: { requestId, emails: [EMAIL] } });
      expect(res.status).toBe(202);
      expect(res.headers.location).toBe(`/v1/previews/${requestId}`);
      expect(res.json).toMatchObject({ requestId, status: 'Running', statusUrl: `/v1/previews/${requestId}` });
      expect(res.json.systems).toBeUndefined();
      const done = await eventually(async () => {
        const r = await slow.call('GET', res.headers.location as string);
        return r.json.status === 'Completed' ? r.json : undefined;
      }, 'the preview to complete');
      expect(done.systems.length).toBeGreaterThan(0);
    } finally {
      await slow.close();
    }
  });

  test('a preview id is per source and per person: other identifiers are 409, another source gets 404, scopes apply', async () => {
    const requestId = uniqueRequestId('preview-own');
    expect((await intake.call('POST', '/v1/previews', { body: { requestId, emails: [EMAIL] } })).status).toBe(200);
    const conflict = await intake.call('POST', '/v1/previews', {
      body: { requestId, emails: ['someone.else@example.com'] },
    });
    expect(conflict.status).toBe(409);
    expect(conflict.json.error.code).toBe('conflict');
    expect(conflict.text).not.toContain('someone.else');

    expect((await intake.call('GET', `/v1/previews/${requestId}`, { key: OTHER_KEY })).status).toBe(404);
    const named = await intake.call('GET', `/v1/previews/${requestId}?source=intake-test`, { key: OTHER_KEY });
    expect(named.status).toBe(403);
    expect(named.json.error.message).toMatch(/another source's preview \(\?source=\) needs the operator scope/);
    const operator = await intake.call('GET', `/v1/previews/${requestId}?source=intake-test`, { key: OPERATOR_KEY });
    expect(operator.json).toMatchObject({
      requestId,
      status: 'Completed',
      statusUrl: expect.stringContaining('?source=intake-test'),
    });
    expect((await intake.call('GET', '/v1/previews/never-previewed')).status).toBe(404);
    // Previews need submit (POST) and read (GET), like submissions and status.
    expect(
      (await intake.call('POST', '/v1/previews', { key: KETCH_KEY, body: { requestId, emails: [EMAIL] } })).status,
    ).toBe(403);
    expect((await intake.call('GET', `/v1/previews/${requestId}`, { key: KETCH_KEY })).json.error.message).toMatch(
      /needs the read scope/,
    );
  });

  test('preview bodies are validated like submissions: fields named, values never echoed', async () => {
    const res = await intake.call('POST', '/v1/previews', {
      body: { requestId: 'preview-bad-1', emails: ['preview.subject@'], phones: ['4255550142'], callbackUrl: 'x' },
    });
    expect(res.status).toBe(400);
    expect(res.json.error.fields).toEqual(
      expect.arrayContaining([
        { field: 'emails[0]', message: 'is not a valid email address' },
        expect.objectContaining({ field: 'phones[0]' }),
        { field: 'callbackUrl', message: 'is not a known field' },
      ]),
    );
    expect(res.text).not.toContain('preview.subject');
    expect(res.text).not.toContain('4255550142');
    expect(
      (await intake.call('POST', '/v1/previews', { body: { requestId: 'preview-bad-2' } })).json.error.fields,
    ).toEqual([
      { field: 'emails', message: 'must contain at least one email address, or phones at least one phone number' },
    ]);
  });
});

describe('approval', () => {
  /** Six HubSpot contacts list the address as a secondary email: above the default crm.records=5. */
  function seedSharedAddress(email: string): string[] {
    return Array.from({ length: 6 }, () => h.sandbox.hubspot!.seedContact({ additionalEmails: [email] }));
  }

  test('a find above the thresholds waits with the counts; only a credential allowed to steer it may approve; the receipt records who did', async () => {
    const email = `shared.${uniqueRequestId('box').toLowerCase()}@example.com`;
    const ids = seedSharedAddress(email);
    const deletedBefore = h.sandbox.hubspot!.controls.deletions.length;
    const requestId = uniqueRequestId('approve');
    expect((await intake.call('POST', '/v1/erasures', { body: { requestId, emails: [email] } })).status).toBe(202);

    const waiting = await eventually(
      async () => {
        const s = await intake.call('GET', `/v1/erasures/${requestId}`);
        return s.json.status === 'ActionRequired' ? s.json : undefined;
      },
      'ActionRequired',
      60_000,
    );
    expect(waiting.actionRequired).toMatchObject({
      step: 'crm',
      item: 'hubspot email#1',
      errorType: 'ApprovalRequired',
      approval: {
        connector: 'hubspot',
        identifier: { kind: 'email', ref: expect.any(String) },
        records: 6,
        mailboxes: 0,
        capped: false,
        exceeded: ['6 records (approval above 5)'],
      },
    });
    expect(h.sandbox.hubspot!.controls.deletions.length).toBe(deletedBefore); // nothing deleted while it waits

    // Refused, and nothing changes: no operate scope (403), another source (404, or 403 naming it), a retry (the
    // approval is not a failure to retry), a personal note (400).
    expect((await intake.call('POST', `/v1/erasures/${requestId}/approve`, { key: KETCH_KEY })).json.error).toEqual({
      code: 'forbidden',
      message: 'this needs the operate scope, which this credential lacks',
    });
    expect((await intake.call('POST', `/v1/erasures/${requestId}/approve`, { key: OTHER_KEY })).status).toBe(404);
    expect(
      (await intake.call('POST', `/v1/erasures/${requestId}/approve?source=intake-test`, { key: OTHER_KEY })).status,
    ).toBe(403);
    const retry = await intake.call('POST', `/v1/erasures/${requestId}/retry`);
    expect(retry.status).toBe(409);
    expect(retry.json.error.message).toMatch(/waits for approval/);
    const personal = await intake.call('POST', `/v1/erasures/${requestId}/approve`, {
      body: { note: `approved by ${email}` },
    });
    expect(personal.status).toBe(400);
    expect(personal.json.error.fields).toEqual([
      { field: 'note', message: expect.stringMatching(/^must not contain/) },
    ]);
    expect(personal.text).not.toContain(email);
    const still = (await intake.call('GET', `/v1/erasures/${requestId}`)).json;
    expect(still.status).toBe('ActionRequired');
    expect(still.progress.operatorActions).toEqual([]);
    expect(h.sandbox.hubspot!.controls.deletions.length).toBe(deletedBefore);

    const approved = await intake.call('POST', `/v1/erasures/${requestId}/approve`, {
      body: { note: 'shared sales alias, confirmed by DPO (ticket DPO-12)' },
    });
    expect(approved.status).toBe(202);
    expect(approved.json).toEqual({ requestId, accepted: true });
    // A second approval finds nothing waiting: 409 with the workflow's reason.
    const twice = await intake.call('POST', `/v1/erasures/${requestId}/approve`);
    expect(twice.status).toBe(409);
    expect(twice.json.error.message).toMatch(/nothing in this erasure waits for approval|completed/);

    const receipt = (await h.handle(ours(requestId)).result()) as ErasureReceipt;
    expect(receipt.outcome).toBe('erased');
    expect(receipt.crm.outcomes[0]).toMatchObject({
      connector: 'hubspot',
      deleted: 6,
      approval: { via: 'operator', by: 'intake-test', records: 6, mailboxes: 0 },
    });
    expect(receipt.operatorActions).toEqual([
      expect.objectContaining({
        action: 'approve',
        item: 'hubspot email#1',
        by: 'intake-test',
        note: 'shared sales alias, confirmed by DPO (ticket DPO-12)',
      }),
    ]);
    expect(h.sandbox.hubspot!.controls.deletions.slice(deletedBefore).sort()).toEqual([...ids].sort());
  });

  test('approve when nothing waits for approval is a 409 with the reason, and changes nothing', async () => {
    // Waiting for an operator, but for a failure (HubSpot refuses the token), not for approval.
    h.sandbox.hubspot!.controls.inject(
      { kind: 'status', status: 403 },
      { operation: 'search-contacts', times: Infinity },
    );
    const requestId = uniqueRequestId('approve-none');
    const { handle } = await h.submit({ requestId, emails: ['nobody.shared@example.com'] }, FAST, {
      owner: 'intake-test',
    });
    try {
      await h.waitForProgress(ours(requestId), (p) => p.status === 'ActionRequired');
      const res = await intake.call('POST', `/v1/erasures/${requestId}/approve`, { body: {} });
      expect(res.status).toBe(409);
      expect(res.json.error).toEqual({ code: 'refused', message: 'nothing in this erasure waits for approval' });
      const status = (await intake.call('GET', `/v1/erasures/${requestId}`)).json;
      expect(status.status).toBe('ActionRequired');
      expect(status.actionRequired.approval).toBeUndefined();
      expect(status.progress.operatorActions).toEqual([]);
      expect((await intake.call('POST', '/v1/erasures/never-submitted/approve')).status).toBe(404);
    } finally {
      h.sandbox.hubspot!.controls.clearFaults();
      await handle.terminate('test over');
    }
  });

  test('a submission may pre-approve counts: the erasure goes ahead, and the receipt names the submitting credential', async () => {
    const email = `shared.${uniqueRequestId('pre').toLowerCase()}@example.com`;
    seedSharedAddress(email);
    const requestId = uniqueRequestId('preapproved');
    const res = await intake.call('POST', '/v1/erasures', {
      body: { requestId, emails: [email], preapproval: { records: 10 } },
    });
    expect(res.status).toBe(202);
    const receipt = (await h.handle(ours(requestId)).result()) as ErasureReceipt;
    expect(receipt.outcome).toBe('erased');
    expect(receipt.crm.outcomes[0]).toMatchObject({
      deleted: 6,
      approval: { via: 'pre-approved', by: 'intake-test', records: 6 },
    });
    expect(receipt.operatorActions).toEqual([]);
  });

  test('a bad pre-approval is a 400 naming the field; nothing starts', async () => {
    const requestId = uniqueRequestId('bad-pre');
    for (const [preapproval, field] of [
      [{ records: 0 }, 'preapproval.records'],
      [{ records: 2.5 }, 'preapproval.records'],
      [{ mailboxes: '25' }, 'preapproval.mailboxes'],
      [{ messages: 5 }, 'preapproval.messages'],
      [{}, 'preapproval'],
      [{ records: 5, by: 'someone' }, 'preapproval.by'],
    ] as const) {
      const res = await intake.call('POST', '/v1/erasures', { body: { requestId, emails: [EMAIL], preapproval } });
      expect([res.status, res.json.error.fields]).toEqual([400, [{ field, message: expect.any(String) }]]);
      expect(res.text).not.toContain(EMAIL);
    }
    expect((await intake.call('GET', `/v1/erasures/${requestId}`)).status).toBe(404);
  });

  test('the OpenAPI document describes previews, approve and pre-approval', async () => {
    const doc = (await intake.call('GET', '/openapi.json')).json;
    expect(doc.paths['/v1/previews'].post.operationId).toBe('previewErasure');
    expect(doc.paths['/v1/previews/{id}'].get.operationId).toBe('getPreview');
    expect(doc.paths['/v1/erasures/{id}/approve'].post.operationId).toBe('approveErasure');
    expect(doc.components.schemas.ErasureSubmission.properties.preapproval.properties).toEqual({
      records: expect.objectContaining({ type: 'integer' }),
      mailboxes: expect.objectContaining({ type: 'integer' }),
    });
    expect(doc.components.schemas.ApproveDecision.additionalProperties).toBe(false);
  });
});
