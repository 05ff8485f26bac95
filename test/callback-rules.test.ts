/**
 * Where status callbacks may go and what they may carry: the allow-list's hosts and ports, the
 * header rule shared by intake and the delivery activity, and the delivery activity refusing both
 * at once (non-retryable) rather than retrying for DSR_CALLBACK_MAX_WAIT.
 */
import { ApplicationFailure } from '@temporalio/common';
import { createCallbackActivities } from '../src/callbacks/activities';
import { callbackHeaderProblems } from '../src/callbacks/headers';
import { isAllowedCallbackUrl } from '../src/callbacks/hosts';
import { ConfigError, parseEnv, serviceEnvSchema } from '../src/config';
import { FailureTypes, NON_RETRYABLE_FAILURE_TYPES } from '../src/failures';
import { InvalidRequestError } from '../src/subject/request';
import { VendorHttp } from '../src/vendors/http';
import { parseKetchDeleteRequest } from '../src/vendors/ketch/protocol';
import type { StatusCallback, StatusEvent } from '../src/workflows/types';

describe('DSR_CALLBACK_ALLOWED_HOSTS: entries carry the port, 443 unless given', () => {
  test.each([
    // [entry, url, allowed]
    ['hooks.example.com', 'https://hooks.example.com/hook', true],
    ['hooks.example.com', 'https://hooks.example.com:443/hook', true],
    ['hooks.example.com', 'https://hooks.example.com:6379/', false],
    ['hooks.example.com', 'https://hooks.example.com:8443/hook', false],
    ['HOOKS.example.com', 'https://hooks.EXAMPLE.com/hook', true],
    ['hooks.example.com:8443', 'https://hooks.example.com:8443/hook', true],
    ['hooks.example.com:8443', 'https://hooks.example.com/hook', false],
    ['hooks.example.com:8443', 'https://hooks.example.com:6379/', false],
    ['*.example.com', 'https://a.hooks.example.com/hook', true],
    ['*.example.com', 'https://example.com/hook', false],
    ['*.example.com', 'https://evilexample.com/hook', false],
    ['*.example.com', 'https://a.example.com:6379/', false],
    ['*.example.com:8443', 'https://a.example.com:8443/hook', true],
    ['*.example.com:8443', 'https://a.example.com/hook', false],
    ['10.0.0.5:8443', 'https://10.0.0.5:8443/hook', true],
    ['[2001:db8::1]', 'https://[2001:db8::1]/hook', true],
    ['[2001:db8::1]', 'https://[2001:db8::1]:6379/', false],
    // http only to loopback, as before; a loopback receiver's port is named, or `*` for any.
    ['hooks.example.com:80', 'http://hooks.example.com/hook', false],
    ['127.0.0.1', 'http://127.0.0.1:6379/', false],
    ['127.0.0.1:8080', 'http://127.0.0.1:8080/hook', true],
    ['127.0.0.1:*', 'http://127.0.0.1:6379/hook', true],
    ['localhost:*', 'http://localhost:5000/hook', true],
    ['localhost:*', 'http://127.0.0.1:5000/hook', false],
    // Credentials in the URL, and entries that do not parse, allow nothing.
    ['hooks.example.com', 'https://user:pw@hooks.example.com/hook', false],
    ['hooks.example.com:*', 'https://hooks.example.com:6379/', false],
    ['https://hooks.example.com', 'https://hooks.example.com/', false],
  ])('%s, %s: %s', (entry, url, allowed) => {
    expect(isAllowedCallbackUrl(url, [entry])).toBe(allowed);
  });

  test('a bad entry is a start-up error naming the variable and the entry', () => {
    for (const [entry, problem] of [
      ['hooks.example.com:99999', /port must be 1 to 65535/],
      ['hooks.example.com:0', /port must be 1 to 65535/],
      ['hooks.example.com:*', /only for loopback hosts/],
      ['*.com', /at least two labels/],
      ['*.10.0.0.1', /not an IP address/],
      ['https://hooks.example.com', /host name or IP address with an optional :port/],
      ['hooks.example.com/path', /host name or IP address/],
      ['user@hooks.example.com', /host name or IP address/],
    ] as const) {
      const parse = () => parseEnv(serviceEnvSchema, { DSR_CALLBACK_ALLOWED_HOSTS: `ok.example.com,${entry}` });
      expect(parse).toThrow(ConfigError);
      expect(parse).toThrow(/DSR_CALLBACK_ALLOWED_HOSTS: entry 2 /);
      expect(parse).toThrow(problem);
    }
    expect(
      parseEnv(serviceEnvSchema, {
        DSR_CALLBACK_ALLOWED_HOSTS: 'hooks.example.com, *.ketch.com:8443, 127.0.0.1:*, [::1]:8080',
      }).DSR_CALLBACK_ALLOWED_HOSTS,
    ).toEqual(['hooks.example.com', '*.ketch.com:8443', '127.0.0.1:*', '[::1]:8080']);
  });
});

describe('callback headers', () => {
  test('tokens for names, printable values; hop-by-hop, framing and our own headers refused', () => {
    expect(callbackHeaderProblems({ Authorization: 'Bearer abc.def-123', 'X-Ketch-Tenant': 'axonic' })).toEqual([]);
    expect(callbackHeaderProblems({})).toEqual([]);
    for (const name of [
      'Connection',
      'keep-alive',
      'Proxy-Authenticate',
      'Proxy-Authorization',
      'TE',
      'Trailer',
      'transfer-encoding',
      'Upgrade',
      'Host',
      'Content-Length',
      'Content-Type',
      'X-DSR-Signature',
      'x-dsr-event-id',
    ]) {
      expect(callbackHeaderProblems({ [name]: 'x' })).toEqual([expect.stringMatching(/^header 1: must not be/)]);
    }
    for (const name of ['X Token', 'X-Token:', 'Authorization\r\n', '', 'Ä', 'x'.repeat(257)]) {
      expect(callbackHeaderProblems({ [name]: 'x' })).toEqual([
        expect.stringMatching(/name must be an RFC 9110 token/),
      ]);
    }
    for (const value of [
      'a\r\nHost: internal',
      'a\nb',
      'a\0b',
      'a\x7fb',
      ' padded',
      'padded ',
      'café',
      'x'.repeat(4097),
    ]) {
      expect(callbackHeaderProblems({ Authorization: value })).toEqual([expect.stringMatching(/^header 1: the value/)]);
    }
    expect(callbackHeaderProblems({ Authorization: 'a', authorization: 'b' })).toEqual([
      expect.stringMatching(/^header 2: repeats/),
    ]);
    expect(callbackHeaderProblems({ Authorization: 5 })).toEqual(['header 1: the value must be a string']);
    expect(callbackHeaderProblems(['Authorization'])).toEqual(['must map header names to strings']);
    expect(callbackHeaderProblems(Object.fromEntries(Array.from({ length: 21 }, (_, i) => [`x-${i}`, 'v'])))).toEqual([
      'must have at most 20 headers',
    ]);
  });

  test('a Ketch DeleteRequest with a bad callback header is refused at the field, never quoting name or value', () => {
    const body = {
      apiVersion: 'dsr/v1',
      kind: 'DeleteRequest',
      metadata: { uid: 'u-1', tenant: 'axonic' },
      request: {
        identities: [{ identitySpace: 'email', identityValue: 'jane.doe@example.com' }],
        callbacks: [
          { url: 'https://hooks.example.com/a', headers: { Authorization: 'Bearer ok' } },
          {
            url: 'https://hooks.example.com/b',
            headers: { Authorization: 'Bearer s3cret\r\nHost: internal.service', 'Bad Name-s3cret': 'x' },
          },
        ],
      },
    };
    let error: InvalidRequestError | undefined;
    try {
      parseKetchDeleteRequest(body, { emailSpaces: ['email'], phoneSpaces: [] });
    } catch (err) {
      error = err as InvalidRequestError;
    }
    expect(error).toBeInstanceOf(InvalidRequestError);
    expect(error?.issues).toEqual([
      { field: 'request.callbacks[1].headers', message: expect.stringMatching(/^header 1: the value must be/) },
      { field: 'request.callbacks[1].headers', message: expect.stringMatching(/^header 2: the name must be/) },
    ]);
    expect(JSON.stringify(error?.issues)).not.toMatch(/s3cret|internal\.service|Bad Name/);
  });
});

describe('the delivery activity refuses what can never be sent, without retrying', () => {
  const event: StatusEvent = {
    eventId: 'r-1:1:completed',
    event: 'completed',
    requestId: 'r-1',
    status: 'Completed',
    step: 'done',
    at: '2026-01-01T00:00:00.000Z',
  };
  const failureOf = async (promise: Promise<unknown>): Promise<ApplicationFailure> => {
    try {
      await promise;
    } catch (err) {
      return err as ApplicationFailure;
    }
    throw new Error('expected the delivery to fail');
  };

  test('an allow-listed host on a port the entry does not name', async () => {
    const { deliverStatusCallback } = createCallbackActivities({ allowedHosts: ['hooks.example.com'] });
    const failure = await failureOf(
      deliverStatusCallback({ protocol: 'dsr-erasure', url: 'https://hooks.example.com:6379/' }, event),
    );
    expect(failure).toBeInstanceOf(ApplicationFailure);
    expect(failure).toMatchObject({ type: FailureTypes.callbackHostNotAllowed, nonRetryable: true });
    expect(failure.message).toMatch(/hooks\.example\.com:6379 refused/);
  });

  test('headers HTTP cannot carry, checked before any connection is made', async () => {
    // Port 9 (discard) on loopback: had it tried to connect, it would fail as a retryable network error.
    const { deliverStatusCallback } = createCallbackActivities({ allowedHosts: ['127.0.0.1:*'], signingSecret: 'x' });
    const ketch = { uid: 'u-1', tenant: 'axonic' };
    const cases: Record<string, string>[] = [
      { Authorization: 'Bearer s3cret\r\nHost: internal.service' },
      { 'Bad Name': 's3cret' },
      { 'Transfer-Encoding': 'chunked' },
    ];
    for (const headers of cases) {
      for (const callback of [
        { protocol: 'ketch', url: 'http://127.0.0.1:9/cb', headers, ketch },
        { protocol: 'dsr-erasure', url: 'http://127.0.0.1:9/cb', headers },
      ] satisfies StatusCallback[]) {
        const failure = await failureOf(deliverStatusCallback(callback, event));
        expect(failure).toMatchObject({ type: FailureTypes.callbackInvalid, nonRetryable: true });
        expect(failure.message).toMatch(/^status callback to 127\.0\.0\.1:9 refused: its headers cannot be sent/);
        expect(failure.message).not.toMatch(/s3cret|internal\.service|Bad Name|chunked/);
      }
    }
    expect(NON_RETRYABLE_FAILURE_TYPES).toContain(FailureTypes.callbackInvalid);
  });

  test('a request undici refuses to build is non-retryable, and its message quotes no header', async () => {
    const http = new VendorHttp({ vendor: 'Test', baseUrl: 'http://127.0.0.1:9', authHeaders: () => ({}) });
    const failure = await failureOf(
      http.send({ operation: 'op', method: 'POST', path: '/x', headers: { 'Bad Name': 's3cret' } }),
    );
    expect(failure).toMatchObject({ type: FailureTypes.requestInvalid, nonRetryable: true });
    expect(failure.message).toBe('Test op: the HTTP client refused the request as built (UND_ERR_INVALID_ARG)');
    expect(NON_RETRYABLE_FAILURE_TYPES).toContain(FailureTypes.requestInvalid);
  });
});
