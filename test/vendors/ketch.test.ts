/** Ketch dsr/v1: mapping a DeleteRequest to our request, and our events to Ketch's; the simulator's receiver rules. */
import { request } from 'undici';
import { InvalidRequestError } from '../../src/subject/request';
import { ketchStatusEvent, parseKetchDeleteRequest } from '../../src/vendors/ketch/protocol';
import { KetchSimulator } from '../../src/vendors/ketch/simulator';
import type { StatusEvent } from '../../src/workflows/types';

const spaces = { emailSpaces: ['email'], phoneSpaces: ['phone'] };
const ketch = new KetchSimulator('Bearer callback-secret');

beforeAll(() => ketch.start());
afterAll(() => ketch.stop());

describe('parseKetchDeleteRequest', () => {
  test('emails and phones from the configured identity spaces and subject.email; hashed identities are counted, not used', () => {
    const body = ketch.deleteRequest({
      uid: '22880925-aac5-42f9-a653-cb6921d361ff',
      email: 'jane.doe@example.com',
      phone: '+14255552671',
    });
    body.request.identities.push({
      identitySpace: 'email',
      identityFormat: 'sha1',
      identityValue: 'a94a8fe5ccb19ba61c4c0873d391e987982fbbd3',
    });
    const parsed = parseKetchDeleteRequest(body, spaces);
    expect(parsed.requestId).toBe('ketch-22880925-aac5-42f9-a653-cb6921d361ff');
    expect(parsed.emails).toEqual(['jane.doe@example.com', 'jane.doe@example.com']); // deduplicated by parseErasureRequest later
    expect(parsed.phones).toEqual(['+14255552671']);
    expect(parsed.hashedIdentitiesIgnored).toBe(1);
    expect(parsed.callbacks).toEqual([
      {
        protocol: 'ketch',
        url: ketch.callbackUrl(),
        headers: { Authorization: 'Bearer callback-secret' },
        ketch: { uid: body.metadata.uid, tenant: 'axonic' },
      },
    ]);
    expect(parsed.intake).toEqual({
      source: 'ketch',
      regulation: 'gdpr',
      receivedAt: new Date(body.request.submittedTimestamp * 1000).toISOString(),
      dueAt: new Date(body.request.dueTimestamp * 1000).toISOString(),
    });
  });

  test('unknown fields inside the request are tolerated (Ketch adds fields); the envelope is strict', () => {
    const body = ketch.deleteRequest({ email: 'jane.doe@example.com' }) as Record<string, unknown> & {
      request: Record<string, unknown>;
    };
    body.request.newKetchField = { anything: true };
    expect(() => parseKetchDeleteRequest(body, spaces)).not.toThrow();
    expect(() => parseKetchDeleteRequest({ ...body, extra: 1 }, spaces)).toThrow(InvalidRequestError);
  });

  test('errors name the field and never the value', () => {
    const body = ketch.deleteRequest({ email: 'jane.doe@example.com' });
    body.request.identities = [
      { identitySpace: 'email', identityFormat: 'base64' as 'raw', identityValue: 'jane.doe@example.com' },
    ];
    let error: InvalidRequestError | undefined;
    try {
      parseKetchDeleteRequest(body, spaces);
    } catch (err) {
      error = err as InvalidRequestError;
    }
    expect(error?.issues).toEqual([
      { field: 'request.identities[0].identityFormat', message: 'must be raw, md5 or sha1' },
    ]);
    expect(error?.message).not.toContain('base64');
    expect(error?.message).not.toContain('jane');
  });

  test('a request with nothing we can erase by is refused', () => {
    const body = ketch.deleteRequest({ email: 'x@example.com' });
    body.request.identities = [{ identitySpace: 'account_id', identityFormat: 'raw', identityValue: '123' }];
    delete (body.request.subject as { email?: string }).email;
    expect(() => parseKetchDeleteRequest(body, spaces)).toThrow(/request.identities/);
  });
});

test('status events: completed is final (executed); needing an operator is still in_progress', () => {
  const base: StatusEvent = {
    eventId: 'r:1:completed',
    event: 'completed',
    requestId: 'ketch-1',
    status: 'Completed',
    step: 'done',
    at: '2026-11-24T00:00:00Z',
    outcome: 'erased',
  };
  const meta = { uid: '1', tenant: 't' };
  expect(ketchStatusEvent(meta, base).event).toEqual({ status: 'completed', reason: 'executed', requestID: 'ketch-1' });
  expect(
    ketchStatusEvent(meta, { ...base, event: 'action_required', status: 'ActionRequired', step: 'email' }).event,
  ).toEqual({ status: 'in_progress', reason: 'unknown', requestID: 'ketch-1' });
});

describe('the simulated Ketch callback receiver', () => {
  const post = (body: unknown, authorization = 'Bearer callback-secret') =>
    request(ketch.callbackUrl(), {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization },
      body: JSON.stringify(body),
    }).then(async (r) => ({ status: r.statusCode, body: await r.body.json() }));
  const event = (uid: string, status: string) => ({
    apiVersion: 'dsr/v1',
    kind: 'DeleteStatusEvent',
    metadata: { uid, tenant: 't' },
    event: { status },
  });

  test('checks the callback Authorization, the event schema, and refuses events after a final status', async () => {
    expect((await post(event('u1', 'in_progress'), 'Bearer wrong')).status).toBe(401);
    expect((await post({ kind: 'Nonsense' })).status).toBe(400);
    expect((await post(event('u1', 'in_progress'))).status).toBe(200);
    expect((await post(event('u1', 'completed'))).status).toBe(200);
    const late = await post(event('u1', 'in_progress'));
    expect(late).toMatchObject({ status: 409, body: { kind: 'Error', error: { status: 'conflict' } } });
    expect(ketch.events('u1').map((e) => e.event.status)).toEqual(['in_progress', 'completed']);
  });

  test('fault injection answers as Ketch would when down', async () => {
    ketch.controls.inject({ kind: 'status', status: 503 });
    expect((await post(event('u2', 'completed'))).status).toBe(503);
    expect((await post(event('u2', 'completed'))).status).toBe(200);
  });
});
