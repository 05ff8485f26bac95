/**
 * One safe-token filter (isSafeToken, src/vendor-text.ts, re-exported by src/vendors/http.ts) for
 * every code and id a failure message may quote: vendor clients that build failures themselves filter
 * with it too, so a phone-like digit run, a host name or an email address in an error code never
 * reaches Temporal's stored failures; a fixed placeholder says that something was withheld.
 * test/vendor-text.test.ts property-tests the rule itself.
 */
import { isSafeToken, safeErrorInfo, VENDOR_TEXT_WITHHELD } from '../../src/vendors/http';
import { describeGongError } from '../../src/vendors/gong/client';
import { describeGoogleError } from '../../src/vendors/google/client';
import { describeGraphError } from '../../src/vendors/msgraph/client';
import { describeSalesforceError } from '../../src/vendors/salesforce/client';

const PHONES = ['4255552671', '425-555-2671', '+14255552671', 'x14255552671', '(425) 555 2671'];
const EMAIL = 'jane.doe@customer.example';
/** An error code the audit saw reach actionRequired.reason, a status callback, the receipt and a log line. */
const HOST = 'err400.li.wei.example.net';
const UUID = '0d4b1c2a-1234-4abc-9def-0123456789ab';

test.each([...PHONES, EMAIL, HOST])('isSafeToken refuses %s', (value) => {
  expect(isSafeToken(value)).toBe(false);
});

test.each(['INVALID_SESSION_ID', 'AADSTS50034', UUID, 'rateLimitExceeded'])('isSafeToken keeps %s', (value) => {
  expect(isSafeToken(value)).toBe(true);
});

test('safeErrorInfo replaces unsafe codes and ids with one placeholder', () => {
  expect(
    safeErrorInfo({ codes: ['ErrorItemNotFound', '4255552671', EMAIL, HOST], vendorRequestId: '425-555-2671' }),
  ).toEqual({ codes: ['ErrorItemNotFound', VENDOR_TEXT_WITHHELD], vendorRequestId: VENDOR_TEXT_WITHHELD });
});

describe.each(PHONES.slice(0, 2).concat(EMAIL, HOST))('a code or id that is %s is withheld', (unsafe) => {
  test('Microsoft Graph', () => {
    expect(describeGraphError({ error: { code: unsafe, innerError: { 'request-id': unsafe } } })).toEqual({
      codes: [VENDOR_TEXT_WITHHELD],
      vendorRequestId: VENDOR_TEXT_WITHHELD,
    });
    expect(describeGraphError({ error: { code: 'ErrorAccessDenied', innerError: { 'request-id': UUID } } })).toEqual({
      codes: ['ErrorAccessDenied'],
      vendorRequestId: UUID,
    });
  });

  test('Google', () => {
    expect(
      describeGoogleError({
        error: { code: 400, status: unsafe, errors: [{ reason: unsafe }, { reason: 'failedPrecondition' }] },
      }),
    ).toEqual({ codes: [VENDOR_TEXT_WITHHELD, 'failedPrecondition'] });
  });

  test('Salesforce', () => {
    expect(
      describeSalesforceError([
        { errorCode: unsafe, message: 'x' },
        { errorCode: 'INVALID_FIELD', message: 'y' },
      ]),
    ).toEqual({ codes: [VENDOR_TEXT_WITHHELD, 'INVALID_FIELD'] });
    expect(describeSalesforceError({ error: unsafe })).toEqual({ codes: [VENDOR_TEXT_WITHHELD] });
  });

  test('Gong (whose request id is also kept in the receipt)', () => {
    expect(describeGongError({ requestId: unsafe, errors: ['x'] })).toEqual({ vendorRequestId: VENDOR_TEXT_WITHHELD });
    expect(describeGongError({ requestId: '4al018gzaztcr8nbukw' })).toEqual({ vendorRequestId: '4al018gzaztcr8nbukw' });
  });
});
