/**
 * The intake API over real HTTP, on a real Temporal dev server with real workers and the vendor
 * simulators: authentication, validation, idempotent submission, status, operator actions and
 * status callbacks (delivered, retried, signed).
 */
import type { WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { signatureHeader, verifySignature } from '../src/callbacks/signature';
import type { ErasureReceipt, StatusEvent } from '../src/workflows/types';
import { bundleWorkflows, FAST, startHarness, uniqueRequestId, type Harness } from './helpers/harness';
import { KetchSimulator } from '../src/vendors/ketch/simulator';
import {
  API_KEY,
  eventually,
  KETCH_KEY,
  OPERATOR_KEY,
  OTHER_KEY,
  startCallbackReceiver,
  startIntake,
  WEBHOOK_SECRET,
} from './helpers/intake';
import { erasureWorkflow } from '../src/workflows/erasure';
import { legacyErasureWorkflowId } from '../src/temporal/names';

/** Requests API_KEY submits belong to its source, `intake-test`. */
const ours = (requestId: string) => ({ owner: 'intake-test', requestId });

const EMAIL = 'jane.doe@example.com';
const PHONE = '+14255552671';
const SIGNING_SECRET = 'callback-signing-secret-0123456789abcdef';

let bundle: WorkflowBundleWithSourceMap;
let h: Harness;
let intake: Awaited<ReturnType<typeof startIntake>>;
let receiver: Awaited<ReturnType<typeof startCallbackReceiver>>;

beforeAll(async () => {
  bundle = await bundleWorkflows();
  h = await startHarness({
    bundle,
    sandbox: { gong: { deletionDelayMs: 500 } },
    env: {
      DSR_CALLBACK_ALLOWED_HOSTS: '127.0.0.1:*', // the receivers' ports are chosen at run time
      DSR_CALLBACK_SIGNING_SECRET: SIGNING_SECRET,
      DSR_VERIFY_INITIAL_WAIT: '1s',
      DSR_VERIFY_MAX_INTERVAL: '2s',
      DSR_CALLBACK_MAX_WAIT: '2m',
    },
  });
  h.sandbox.seedSubject({ emails: [EMAIL], phones: [PHONE] });
  // Tests poll and try wrong credentials from one address; both limits have their own tests (intake-http for failures).
  intake = await startIntake(h, { DSR_INTAKE_RATE_LIMIT: '100000', DSR_INTAKE_AUTH_FAILURE_LIMIT: '100000' });
  receiver = await startCallbackReceiver();
});

afterAll(async () => {
  await intake?.close();
  await receiver?.close();
  await h?.teardown();
  // Nothing this service logged names the person (every test above submitted EMAIL / PHONE).
  const logs = intake.lines.join('\n');
  expect(intake.lines.length).toBeGreaterThan(0);
  for (const secret of [EMAIL, PHONE, '4255552671', '425-555', 'jane']) expect(logs).not.toContain(secret);
});

describe('authentication', () => {
  test('every route but health and the OpenAPI document needs an API key; a wrong one is refused, saying so', async () => {
    expect((await intake.call('GET', '/healthz', { key: null })).status).toBe(200);
    const doc = await intake.call('GET', '/openapi.json', { key: null });
    expect(doc.status).toBe(200);
    expect(doc.json.paths['/openapi.json'].get.security).toEqual([]);
    const missing = await intake.call('POST', '/v1/erasures', {
      key: null,
      body: { requestId: 'x-1', emails: [EMAIL] },
    });
    expect(missing.status).toBe(401);
    expect(missing.json.error.message).toMatch(/missing credentials/);
    expect(
      (
        await intake.call('POST', '/v1/erasures', {
          key: 'not-a-valid-key-at-all',
          body: { requestId: 'x-1', emails: [EMAIL] },
        })
      ).status,
    ).toBe(401);
    // A short wrong key is a wrong key, not a malformed header.
    const short = await intake.call('GET', '/v1/erasures/x-1', { key: 'abc123' });
    expect(short.status).toBe(401);
    expect(short.json.error.message).toMatch(/^invalid API key/);
    const basic = await intake.call('GET', '/v1/erasures/x-1', { key: null, headers: { authorization: 'Basic abc' } });
    expect(basic.status).toBe(401);
    expect(basic.json.error.message).toMatch(/^malformed Authorization header/);
    expect((await intake.call('GET', '/v1/erasures/x-1', { key: 'Basic abc' })).status).toBe(401);
  });

  test('the audit trail names the key that submitted', async () => {
    const requestId = uniqueRequestId('audit');
    const res = await intake.call('POST', '/v1/erasures', {
      key: OTHER_KEY,
      body: { requestId, emails: [EMAIL], regulation: 'gdpr', receivedAt: '2026-11-20T10:00:00Z' },
    });
    expect(res.status).toBe(202);
    expect(res.json.intake).toEqual({
      source: 'api',
      owner: 'ops',
      submittedBy: 'ops',
      regulation: 'gdpr',
      receivedAt: '2026-11-20T10:00:00Z',
      dueAt: '2026-12-20T10:00:00.000Z',
    });
    const status = await eventually(async () => {
      const s = await intake.call('GET', `/v1/erasures/${requestId}`, { key: OTHER_KEY });
      return s.json.progress ? s : undefined;
    });
    expect(status.json.intake.submittedBy).toBe('ops');
    expect(intake.lines.some((l) => l.includes('"caller":"ops"') && l.includes('"route":"/v1/erasures"'))).toBe(true);
  });

  describe('signed webhooks', () => {
    const send = (body: string, signature: string) =>
      intake.call('POST', '/v1/webhooks/erasures', { key: null, raw: body, headers: { 'x-dsr-signature': signature } });

    test('a valid signature is accepted once; a replay, an old timestamp, a wrong secret or a changed body are refused', async () => {
      const body = JSON.stringify({ requestId: uniqueRequestId('hook'), emails: [EMAIL] });
      const signature = signatureHeader(WEBHOOK_SECRET, body);
      const ok = await send(body, signature);
      expect(ok.status).toBe(202);
      expect(ok.json.intake).toMatchObject({ source: 'webhook', submittedBy: 'portal' });

      const replay = await send(body, signature);
      expect(replay.status).toBe(401);
      expect(replay.json.error.message).toMatch(/already used/);

      const other = JSON.stringify({ requestId: uniqueRequestId('hook'), emails: [EMAIL] });
      const expired = await send(other, signatureHeader(WEBHOOK_SECRET, other, Date.now() - 6 * 60_000));
      expect(expired.status).toBe(401);
      expect(expired.json.error.message).toMatch(/5-minute window/);
      expect((await send(other, signatureHeader('some-other-secret-0123456789abcdef0123', other))).status).toBe(401);
      expect((await send(other.replace('"emails"', ' "emails"'), signatureHeader(WEBHOOK_SECRET, other))).status).toBe(
        401,
      );
      expect(
        (await intake.call('POST', '/v1/webhooks/erasures', { key: null, raw: other })).json.error.message,
      ).toMatch(/missing X-DSR-Signature/);
      // An API key does not stand in for a signature on the webhook route.
      expect((await intake.call('POST', '/v1/webhooks/erasures', { raw: other })).status).toBe(401);
    });
  });
});

describe('scoped credentials', () => {
  test('a route without its scope is 403 naming the scope, never the credential', async () => {
    const submit = await intake.call('POST', '/v1/erasures', {
      key: KETCH_KEY,
      body: { requestId: uniqueRequestId('scope'), emails: [EMAIL] },
    });
    expect(submit.status).toBe(403);
    expect(submit.json).toEqual({
      error: { code: 'forbidden', message: 'this needs the submit scope, which this credential lacks' },
    });
    expect(submit.text).not.toContain(KETCH_KEY);
    expect((await intake.call('GET', '/v1/erasures/x-1', { key: KETCH_KEY })).json.error.message).toMatch(
      /needs the read scope/,
    );
    expect((await intake.call('POST', '/v1/erasures/x-1/retry', { key: KETCH_KEY })).json.error.message).toMatch(
      /needs the operate scope/,
    );
    // Submitting is not the operator's: it makes requests in a source.
    expect(
      (
        await intake.call('POST', '/v1/erasures', {
          key: OPERATOR_KEY,
          body: { requestId: uniqueRequestId('scope'), emails: [EMAIL] },
        })
      ).status,
    ).toBe(403);
    expect(intake.lines.some((l) => l.includes('"caller":"ketch"') && l.includes('"status":403'))).toBe(true);
  });

  test('an erasure from before ids were namespaced is reachable with the operator scope and ?legacy=true', async () => {
    const requestId = uniqueRequestId('legacy');
    await h.client.workflow.start(erasureWorkflow, {
      workflowId: legacyErasureWorkflowId(requestId),
      taskQueue: h.taskQueue,
      args: [{ requestId, subject: { emails: [EMAIL], phones: [] }, settings: FAST }],
    });
    const status = await intake.call('GET', `/v1/erasures/${requestId}?legacy=true`, { key: OPERATOR_KEY });
    expect(status.status).toBe(200);
    expect(status.json).toMatchObject({ requestId, statusUrl: `/v1/erasures/${requestId}?legacy=true` });
    const denied = await intake.call('GET', `/v1/erasures/${requestId}?legacy=true`);
    expect(denied.status).toBe(403);
    expect(denied.json.error.message).toMatch(/legacy request id \(\?legacy=true\) needs the operator scope/);
    expect((await intake.call('GET', `/v1/erasures/${requestId}`, { key: OPERATOR_KEY })).status).toBe(404);
    const both = await intake.call('GET', `/v1/erasures/${requestId}?legacy=true&source=x`, { key: OPERATOR_KEY });
    expect(both.status).toBe(400);
    expect(both.json.error.fields).toEqual([{ field: 'legacy', message: expect.stringMatching(/cannot be combined/) }]);
    await h.handle({ requestId, legacy: true }).result();
  });
});

describe('validation', () => {
  test('schema errors name the field and never echo the value', async () => {
    const res = await intake.call('POST', '/v1/erasures', {
      body: { requestId: 'bad-1', emails: ['jane.doe@'], phones: ['4255552671'], nickname: 'x' },
    });
    expect(res.status).toBe(400);
    expect(res.json.error.fields).toEqual(
      expect.arrayContaining([
        { field: 'emails[0]', message: 'is not a valid email address' },
        expect.objectContaining({ field: 'phones[0]' }),
        { field: 'nickname', message: 'is not a known field' },
      ]),
    );
    expect(res.text).not.toContain('jane.doe');
    expect(res.text).not.toContain('4255552671');
  });

  test('a phone with an extension is told extensions are not accepted, not that it lacks a +', async () => {
    const res = await intake.call('POST', '/v1/erasures', {
      body: { requestId: 'ext-1', phones: ['+1 206 555 0142 ext 12'] },
    });
    expect(res.status).toBe(400);
    expect(res.json.error.fields).toEqual([
      { field: 'phones[0]', message: expect.stringMatching(/^must be the number alone: extensions are not accepted/) },
    ]);
    expect(res.text).not.toContain('0142');
  });

  test('no identifiers, a request id with an email in it, a bad date are rejected by field', async () => {
    expect((await intake.call('POST', '/v1/erasures', { body: { requestId: 'none-1' } })).json.error.fields).toEqual([
      { field: 'emails', message: 'must contain at least one email address, or phones at least one phone number' },
    ]);
    expect(
      (await intake.call('POST', '/v1/erasures', { body: { requestId: 'jane@example.com', emails: [EMAIL] } })).json
        .error.fields[0].field,
    ).toBe('requestId');
    expect(
      (
        await intake.call('POST', '/v1/erasures', {
          body: { requestId: 'date-1', emails: [EMAIL], receivedAt: 'yesterday' },
        })
      ).json.error.fields[0].field,
    ).toBe('receivedAt');
  });

  test('JSON only, bounded, and parse errors do not quote the body', async () => {
    const text = await intake.call('POST', '/v1/erasures', {
      raw: 'jane.doe@example.com',
      headers: { 'content-type': 'text/plain' },
    });
    expect(text.status).toBe(415);
    const broken = await intake.call('POST', '/v1/erasures', { raw: '{"emails":["jane.doe@example.com"', headers: {} });
    expect(broken.status).toBe(400);
    expect(broken.text).not.toContain('jane');
    const huge = await intake.call('POST', '/v1/erasures', {
      body: { requestId: 'big-1', emails: [EMAIL], pad: 'x'.repeat(100_000) },
    });
    expect(huge.status).toBe(413);
  });

  test('a callback URL must be on an allow-listed host', async () => {
    const res = await intake.call('POST', '/v1/erasures', {
      body: { requestId: uniqueRequestId('cb'), emails: [EMAIL], callbackUrl: 'https://evil.example/hook' },
    });
    expect(res.status).toBe(400);
    expect(res.json.error.fields).toEqual([
      { field: 'callbackUrl', message: expect.stringMatching(/DSR_CALLBACK_ALLOWED_HOSTS/) },
    ]);
  });

  test("an allow-listed host's other ports are refused: an entry without a port allows 443 only", async () => {
    // hooks.example.com is listed (test/helpers/intake.ts); 6379 is where a Redis beside it would listen.
    for (const callbackUrl of ['https://hooks.example.com:6379/hook', 'https://hooks.example.com:8443/hook']) {
      const res = await intake.call('POST', '/v1/erasures', {
        body: { requestId: uniqueRequestId('cb-port'), emails: [EMAIL], callbackUrl },
      });
      expect(res.status).toBe(400);
      expect(res.json.error.fields).toEqual([
        { field: 'callbackUrl', message: expect.stringMatching(/host and port allowed by DSR_CALLBACK_ALLOWED_HOSTS/) },
      ]);
    }
  });
});

describe('submission and status', () => {
  test('idempotent by request id: 202 first, the existing status on a repeat, 409 for other identifiers', async () => {
    const requestId = uniqueRequestId('idem');
    const first = await intake.call('POST', '/v1/erasures', { body: { requestId, emails: [EMAIL], phones: [PHONE] } });
    expect(first.status).toBe(202);
    expect(first.headers.location).toBe(`/v1/erasures/${requestId}`);
    expect(first.json).toMatchObject({
      requestId,
      runId: expect.stringMatching(/^[0-9a-f-]{36}$/),
      status: 'Running',
      statusUrl: `/v1/erasures/${requestId}`,
    });

    // Same person, identifiers in another order and spelling: the same request.
    const repeat = await intake.call('POST', '/v1/erasures', {
      body: { requestId, phones: ['+1 425 555 2671'], emails: ['Jane.Doe@Example.com'], regulation: 'ccpa' },
    });
    expect(repeat.status).toBe(200);
    expect(repeat.json.requestId).toBe(requestId);
    expect(repeat.json.runId).toBe(first.json.runId);
    // The intake record 202 and GET carry: the first submission's (the repeat started nothing).
    expect(repeat.json.intake).toEqual(first.json.intake);
    expect(first.json.intake).toEqual({ source: 'api', owner: 'intake-test', submittedBy: 'intake-test' });

    const conflict = await intake.call('POST', '/v1/erasures', {
      body: { requestId, emails: ['someone.else@example.com'] },
    });
    expect(conflict.status).toBe(409);
    expect(conflict.text).not.toContain('someone.else');

    const receipt = (await h.handle(ours(requestId)).result()) as ErasureReceipt;
    expect(receipt.outcome).toBe('erased');
    const done = await intake.call('GET', `/v1/erasures/${requestId}`);
    expect(done.json).toMatchObject({ requestId, status: 'Completed', step: 'done', receipt: { outcome: 'erased' } });
    expect(done.text).not.toContain(EMAIL);
    // Still a repeat (not a new erasure) once completed.
    expect(
      (await intake.call('POST', '/v1/erasures', { body: { requestId, emails: [EMAIL], phones: [PHONE] } })).json
        .status,
    ).toBe('Completed');
  });

  test('unknown request ids are 404', async () => {
    expect((await intake.call('GET', '/v1/erasures/never-submitted')).status).toBe(404);
    expect((await intake.call('POST', '/v1/erasures/never-submitted/retry')).status).toBe(404);
  });

  test('the OpenAPI document describes the routes and is generated from the schemas', async () => {
    const doc = (await intake.call('GET', '/openapi.json')).json;
    expect(doc.openapi).toBe('3.1.0');
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining([
        '/v1/erasures',
        '/v1/erasures/{id}',
        '/v1/erasures/{id}/retry',
        '/v1/erasures/{id}/skip',
        '/v1/ketch/dsr',
      ]),
    );
    const submission = doc.components.schemas.ErasureSubmission;
    expect(submission.additionalProperties).toBe(false);
    expect(Object.keys(submission.properties)).toEqual(
      expect.arrayContaining(['requestId', 'emails', 'phones', 'regulation', 'receivedAt', 'callbackUrl']),
    );
  });
});

describe('operator actions and callbacks', () => {
  test('a request that needs an operator calls back, is retried and skipped over HTTP, and calls back on completion after the receiver recovered', async () => {
    const requestId = uniqueRequestId('ops');
    h.sandbox.graph!.controls.inject({ kind: 'status', status: 403 }, { times: Infinity });
    receiver.failNext(2); // the receiver is down for the first two deliveries
    const res = await intake.call('POST', '/v1/erasures', {
      body: { requestId, emails: [EMAIL], callbackUrl: receiver.url(`/hooks/${requestId}`) },
    });
    expect(res.status).toBe(202);

    const waiting = await eventually(async () => {
      const s = await intake.call('GET', `/v1/erasures/${requestId}`);
      return s.json.status === 'ActionRequired' ? s.json : undefined;
    }, 'ActionRequired');
    expect(waiting.actionRequired).toMatchObject({ step: 'email', errorType: 'VendorAuthFailed' });
    const actionEvent = await eventually(
      () => receiver.delivered().find((r) => r.path === `/hooks/${requestId}`),
      'the action_required callback',
    );
    const event = JSON.parse(actionEvent.body) as StatusEvent;
    expect(event).toMatchObject({ event: 'action_required', requestId, status: 'ActionRequired', step: 'email' });
    // Signed with the deployment's callback secret over timestamp and body.
    expect(
      verifySignature(
        [{ name: 'ours', secret: SIGNING_SECRET }],
        actionEvent.headers['x-dsr-signature'] as string,
        actionEvent.body,
      ),
    ).toMatchObject({ ok: true });
    expect(receiver.received.filter((r) => r.path === `/hooks/${requestId}` && r.status === 503)).toHaveLength(2);

    // Another source's key finds nothing there, and may not name the source without the operator scope.
    for (const [method, path, body] of [
      ['GET', '', undefined],
      ['POST', '/retry', undefined],
      ['POST', '/skip', { code: 'other', note: 'not mine to skip' }],
    ] as const) {
      const other = await intake.call(method, `/v1/erasures/${requestId}${path}`, { key: OTHER_KEY, body });
      expect(other.status).toBe(404);
      expect(other.json.error.code).toBe('not_found');
      const named = await intake.call(method, `/v1/erasures/${requestId}${path}?source=intake-test`, {
        key: OTHER_KEY,
        body,
      });
      expect(named.status).toBe(403);
      expect(named.json.error).toEqual({
        code: 'forbidden',
        message: "another source's request (?source=) needs the operator scope, which this credential lacks",
      });
    }

    // Retry: still failing, so it waits again; skip without a reason is refused by field; skip with one.
    expect((await intake.call('POST', `/v1/erasures/${requestId}/retry`)).status).toBe(202);
    await eventually(
      async () =>
        (await intake.call('GET', `/v1/erasures/${requestId}`)).json.status === 'ActionRequired' ? true : undefined,
      'ActionRequired again',
    );
    expect((await intake.call('POST', `/v1/erasures/${requestId}/skip`, { body: {} })).json.error.fields[0].field).toBe(
      'code',
    );
    // Free text as a reason (what skips carried before codes) and a personal note are refused, naming the field.
    const legacy = await intake.call('POST', `/v1/erasures/${requestId}/skip`, {
      body: { reason: 'empty (ticket 7)' },
    });
    expect(legacy.status).toBe(400);
    expect(legacy.json.error.fields.map((f: { field: string }) => f.field)).toEqual(['code', 'reason']);
    const personal = await intake.call('POST', `/v1/erasures/${requestId}/skip`, {
      body: { code: 'data-already-deleted', note: `confirmed with ${EMAIL}` },
    });
    expect(personal.status).toBe(400);
    expect(personal.json.error.fields).toEqual([
      { field: 'note', message: expect.stringMatching(/^must not contain/) },
    ]);
    expect(personal.text).not.toContain(EMAIL);
    // The operator acts across sources by naming the source; its status URL names it too.
    const asOperator = await intake.call('GET', `/v1/erasures/${requestId}?source=intake-test`, { key: OPERATOR_KEY });
    expect(asOperator.json).toMatchObject({
      status: 'ActionRequired',
      statusUrl: `/v1/erasures/${requestId}?source=intake-test`,
    });
    expect((await intake.call('GET', `/v1/erasures/${requestId}`, { key: OPERATOR_KEY })).status).toBe(404);
    expect(
      (
        await intake.call('POST', `/v1/erasures/${requestId}/skip?source=intake-test`, {
          key: OPERATOR_KEY,
          body: { code: 'data-already-deleted', note: 'mailbox export confirmed empty by IT (ticket 7)' },
        })
      ).status,
    ).toBe(202);
    h.sandbox.graph!.controls.clearFaults();
    // A second decision on the same wait is refused.
    const again = await intake.call('POST', `/v1/erasures/${requestId}/retry`);
    expect([409]).toContain(again.status);

    const receipt = (await h.handle(ours(requestId)).result()) as ErasureReceipt;
    expect(receipt.outcome).toBe('erased-with-exceptions');
    // Who acted, by credential name, in the receipt and the access log.
    expect(receipt.operatorActions.map((a) => [a.action, a.by])).toEqual([
      ['retry', 'intake-test'],
      ['skip', 'operator'],
    ]);
    expect(
      intake.lines.some((l) => l.includes('"caller":"operator"') && l.includes('"route":"/v1/erasures/:id/skip"')),
    ).toBe(true);
    const completed = receiver
      .delivered()
      .map((r) => JSON.parse(r.body) as StatusEvent)
      .find((e) => e.requestId === requestId && e.event === 'completed');
    expect(completed).toMatchObject({ status: 'Completed', step: 'done', outcome: 'erased-with-exceptions' });
    expect(receipt.skipped).toEqual([
      expect.objectContaining({
        reason: 'data-already-deleted',
        note: 'mailbox export confirmed empty by IT (ticket 7)',
      }),
    ]);
    expect(receipt.notifications?.map((n) => [n.event, n.state, n.host])).toEqual([
      ['action_required', 'delivered', expect.stringMatching(/^127\.0\.0\.1:/)],
      ['action_required', 'delivered', expect.stringMatching(/^127\.0\.0\.1:/)],
      ['completed', 'delivered', expect.stringMatching(/^127\.0\.0\.1:/)],
    ]);
    // Event ids are unique, so a receiver can drop duplicates of a retried delivery.
    const ids = receiver
      .delivered()
      .filter((r) => r.path === `/hooks/${requestId}`)
      .map((r) => r.headers['x-dsr-event-id']);
    expect(new Set(ids).size).toBe(ids.length);
    expect(receiver.received.some((r) => r.body.includes(EMAIL))).toBe(false);
  });

  test('a callback the receiver refuses (4xx) is recorded as failed, without holding up the erasure', async () => {
    const requestId = uniqueRequestId('refused');
    receiver.failNext(1, 400);
    await intake.call('POST', '/v1/erasures', {
      body: { requestId, emails: [EMAIL], callbackUrl: receiver.url(`/refuse/${requestId}`) },
    });
    const receipt = (await h.handle(ours(requestId)).result()) as ErasureReceipt;
    expect(receipt.outcome).toBe('erased');
    expect(receipt.notifications).toEqual([
      expect.objectContaining({ event: 'completed', state: 'failed', error: expect.stringMatching(/HTTP 400/) }),
    ]);
  });

  test('retry on an erasure that is not waiting is a 409 with the reason', async () => {
    const requestId = uniqueRequestId('not-waiting');
    h.sandbox.gong!.controls.inject({ kind: 'status', status: 503 }, { times: 3 });
    await intake.call('POST', '/v1/erasures', { body: { requestId, emails: [EMAIL] } });
    const res = await eventually(async () => {
      const r = await intake.call('POST', `/v1/erasures/${requestId}/retry`);
      return r.status === 409 ? r : undefined;
    });
    expect(res.json.error.message).toMatch(/not waiting for an operator|completed/);
    await h.handle(ours(requestId)).result();
  });
});

describe('Ketch forwarder protocol (dsr/v1)', () => {
  let ketch: KetchSimulator;
  beforeAll(async () => {
    ketch = new KetchSimulator();
    await ketch.start();
  });
  afterAll(() => ketch.stop());

  test('a DeleteRequest round-trips: DeleteResponse in_progress, then a completed DeleteStatusEvent with Ketch headers', async () => {
    const body = ketch.deleteRequest({ email: 'Jane.Doe@Example.com', phone: '+1 425 555 2671' });
    const uid = body.metadata.uid;
    const res = await ketch.forward(`${intake.url}/v1/ketch/dsr`, body, `Bearer ${KETCH_KEY}`);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      apiVersion: 'dsr/v1',
      kind: 'DeleteResponse',
      metadata: { uid, tenant: 'axonic' },
      response: { status: 'in_progress', reason: 'unknown', requestID: `ketch-${uid}` },
    });

    // Ketch retrying its forward is the same request, not a second erasure.
    const again = await ketch.forward(`${intake.url}/v1/ketch/dsr`, body, `Bearer ${KETCH_KEY}`);
    expect(again.status).toBe(200);
    expect((again.body as { kind: string }).kind).toBe('DeleteResponse');

    const receipt = (await h.handle({ owner: 'ketch', requestId: `ketch-${uid}` }).result()) as ErasureReceipt;
    expect(receipt.outcome).toBe('erased');
    expect(receipt.subject.map((s) => s.kind)).toEqual(['email', 'phone']); // account_id is not an identity we erase by
    expect(receipt.intake).toMatchObject({
      source: 'ketch',
      owner: 'ketch',
      regulation: 'gdpr',
      submittedBy: 'ketch',
      dueAt: expect.any(String),
    });
    const events = await eventually(
      () => (ketch.events(uid).length ? ketch.events(uid) : undefined),
      'the Ketch status event',
    );
    expect(events).toEqual([
      {
        apiVersion: 'dsr/v1',
        kind: 'DeleteStatusEvent',
        metadata: { uid, tenant: 'axonic' },
        event: { status: 'completed', reason: 'executed', requestID: `ketch-${uid}` },
      },
    ]);
    expect(receipt.notifications).toEqual([
      expect.objectContaining({ protocol: 'ketch', event: 'completed', state: 'delivered' }),
    ]);

    // Asked again after completion, the answer is final.
    const done = await ketch.forward(`${intake.url}/v1/ketch/dsr`, body, `Bearer ${KETCH_KEY}`);
    expect((done.body as { response: unknown }).response).toMatchObject({ status: 'completed', reason: 'executed' });
  });

  test("errors come back in Ketch's Error format, naming fields and never values", async () => {
    const unauthorised = await ketch.forward(
      `${intake.url}/v1/ketch/dsr`,
      ketch.deleteRequest({ email: EMAIL }),
      'Bearer wrong-key-0123456789abcdef',
    );
    expect(unauthorised.status).toBe(401);
    expect(unauthorised.body).toMatchObject({
      apiVersion: 'dsr/v1',
      kind: 'Error',
      error: { code: 401, status: 'forbidden' },
    });

    const bad = ketch.deleteRequest({ email: 'jane.doe@', uid: 'bad-email-1' });
    const invalid = await ketch.forward(`${intake.url}/v1/ketch/dsr`, bad, `Bearer ${KETCH_KEY}`);
    expect(invalid.status).toBe(400);
    expect(invalid.body).toMatchObject({
      kind: 'Error',
      metadata: { uid: 'bad-email-1' },
      error: { code: 400, status: 'invalid' },
    });
    expect(JSON.stringify(invalid.body)).not.toContain('jane.doe');

    const noVersion = { ...ketch.deleteRequest({ email: EMAIL }), apiVersion: 'dsr/v2' };
    const wrong = await ketch.forward(`${intake.url}/v1/ketch/dsr`, noVersion, `Bearer ${KETCH_KEY}`);
    expect((wrong.body as { error: { message: string } }).error.message).toMatch(/apiVersion must be dsr\/v1/);

    const outsider = ketch.deleteRequest({ email: EMAIL });
    outsider.request.callbacks = [{ url: 'https://elsewhere.example/cb', headers: { Authorization: 'x' } }];
    const refused = await ketch.forward(`${intake.url}/v1/ketch/dsr`, outsider, `Bearer ${KETCH_KEY}`);
    expect(refused.body).toMatchObject({ kind: 'Error', error: { code: 400, status: 'configuration' } });

    // An allow-listed host on another port is refused too, naming the callback.
    const otherPort = ketch.deleteRequest({ email: EMAIL });
    otherPort.request.callbacks = [
      { url: 'https://hooks.example.com/cb', headers: { Authorization: 'x' } },
      { url: 'https://hooks.example.com:6379/cb', headers: { Authorization: 'x' } },
    ];
    const portRefused = await ketch.forward(`${intake.url}/v1/ketch/dsr`, otherPort, `Bearer ${KETCH_KEY}`);
    expect(portRefused.status).toBe(400);
    expect(portRefused.body).toMatchObject({
      kind: 'Error',
      error: { code: 400, status: 'configuration', message: expect.stringMatching(/request\.callbacks\[1\]\.url/) },
    });
  });

  test('callback headers HTTP cannot carry, or that would steer the request, are refused as invalid, naming the field', async () => {
    const cases: Record<string, string>[] = [
      { Authorization: 'Bearer x\r\nHost: internal.service' }, // header injection
      { 'X-Team Token': 'secret-value-1' }, // a space: not an RFC 9110 token
      { Host: 'internal.service' },
      { 'Transfer-Encoding': 'chunked' },
      { 'Content-Length': '0' },
      { Connection: 'close' },
      { 'X-DSR-Signature': 't=1,v1=00' },
      { Authorization: 'Bearer \u0000secret-value-2' },
    ];
    for (const [i, headers] of cases.entries()) {
      const body = ketch.deleteRequest({ email: EMAIL, uid: `bad-header-${i}` });
      (body.request as { callbacks: unknown }).callbacks = [{ url: ketch.callbackUrl(), headers }];
      const res = await ketch.forward(`${intake.url}/v1/ketch/dsr`, body, `Bearer ${KETCH_KEY}`);
      expect(res.status).toBe(400);
      expect(res.body).toMatchObject({
        kind: 'Error',
        metadata: { uid: `bad-header-${i}` },
        error: { code: 400, status: 'invalid', message: expect.stringMatching(/request\.callbacks\[0\]\.headers /) },
      });
      const text = JSON.stringify(res.body);
      for (const sent of ['internal.service', 'secret-value', 'X-Team', 'chunked']) expect(text).not.toContain(sent);
    }
  });

  test('a stored callback whose headers HTTP cannot carry fails at once: the notification is failed, the erasure Completed', async () => {
    // Started with the client, as the CLI or an older intake could: no intake check on the way in.
    const requestId = uniqueRequestId('bad-header');
    const ketchMeta = { uid: requestId, tenant: 'axonic' };
    const { handle } = await h.submit({ requestId, emails: [EMAIL] }, undefined, {
      owner: 'intake-test', // the source of the key the status is read with below
      callbacks: [
        {
          protocol: 'ketch',
          url: ketch.callbackUrl(),
          headers: { Authorization: `${ketch.callbackAuthorization}\r\nHost: internal.service` },
          ketch: ketchMeta,
        },
        { protocol: 'ketch', url: ketch.callbackUrl(), headers: { 'Transfer-Encoding': 'chunked' }, ketch: ketchMeta },
      ],
    });
    const started = Date.now();
    const receipt = (await handle.result()) as ErasureReceipt;
    // Not retried as a network error for DSR_CALLBACK_MAX_WAIT (2 minutes here, 72 hours by default).
    expect(Date.now() - started).toBeLessThan(60_000);
    expect(receipt.outcome).toBe('erased');
    expect(receipt.notifications).toEqual([
      expect.objectContaining({
        event: 'completed',
        state: 'failed',
        error: expect.stringMatching(
          /refused: its headers cannot be sent \(header 1: the value must be printable ASCII/,
        ),
      }),
      expect.objectContaining({
        event: 'completed',
        state: 'failed',
        error: expect.stringMatching(/refused: its headers cannot be sent \(header 1: must not be Transfer-Encoding/),
      }),
    ]);
    expect(JSON.stringify(receipt)).not.toContain('internal.service');
    expect(ketch.events(requestId)).toEqual([]);
    const status = await intake.call('GET', `/v1/erasures/${requestId}`);
    expect(status.json.status).toBe('Completed');
  });

  test("Ketch's ids are its own: another key cannot use the receiver, and its ketch-... id is another request", async () => {
    const body = ketch.deleteRequest({ email: EMAIL });
    const uid = body.metadata.uid;
    // Only a credential with the ketch scope may use the receiver (403 in Ketch's format, naming the scope).
    const forbidden = await ketch.forward(`${intake.url}/v1/ketch/dsr`, body, `Bearer ${API_KEY}`);
    expect(forbidden.status).toBe(403);
    expect(forbidden.body).toMatchObject({
      kind: 'Error',
      metadata: { uid },
      error: { code: 403, status: 'forbidden', message: expect.stringMatching(/needs the ketch scope/) },
    });
    // Another source taking Ketch's id first (with someone else's address) makes no difference to Ketch.
    const squatter = await intake.call('POST', '/v1/erasures', {
      key: OTHER_KEY,
      body: { requestId: `ketch-${uid}`, emails: ['someone.else@example.com'] },
    });
    expect(squatter.status).toBe(202);
    const res = await ketch.forward(`${intake.url}/v1/ketch/dsr`, body, `Bearer ${KETCH_KEY}`);
    expect(res.status).toBe(200);
    expect((res.body as { response: unknown }).response).toMatchObject({ requestID: `ketch-${uid}` });
    const [theirs, ketchs] = await Promise.all([
      h.handle({ owner: 'ops', requestId: `ketch-${uid}` }).result(),
      h.handle({ owner: 'ketch', requestId: `ketch-${uid}` }).result(),
    ]);
    expect(theirs.intake).toMatchObject({ source: 'api', owner: 'ops' });
    expect(ketchs.intake).toMatchObject({ source: 'ketch', owner: 'ketch', submittedBy: 'ketch' });
    // Neither the submitter nor the Ketch key can read Ketch's request; the operator can, naming the source.
    expect((await intake.call('GET', `/v1/erasures/ketch-${uid}`, { key: KETCH_KEY })).status).toBe(403);
    expect((await intake.call('GET', `/v1/erasures/ketch-${uid}?source=ketch`, { key: OTHER_KEY })).status).toBe(403);
    expect(
      (await intake.call('GET', `/v1/erasures/ketch-${uid}?source=ketch`, { key: OPERATOR_KEY })).json,
    ).toMatchObject({ status: 'Completed', intake: { owner: 'ketch' } });
  });
});

test('per-key rate limit answers 429 with Retry-After', async () => {
  const limited = await startIntake(h, { DSR_INTAKE_RATE_LIMIT: '3' });
  try {
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) statuses.push((await limited.call('GET', '/v1/erasures/rate-1')).status);
    expect(statuses).toEqual([404, 404, 404, 429]);
    const res = await limited.call('GET', '/v1/erasures/rate-1');
    expect(res.headers['retry-after']).toBeDefined();
    expect(res.json.error.code).toBe('rate_limited');
    // Another key has its own budget.
    expect((await limited.call('GET', '/v1/erasures/rate-1', { key: OTHER_KEY })).status).toBe(404);
  } finally {
    await limited.close();
  }
});
