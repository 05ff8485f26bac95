/**
 * One safe-token filter (isSafeToken in src/vendors/http.ts) for every code and id a failure message
 * may quote: vendor clients that build failures themselves filter with it too, so a phone-like digit
 * run or an email address in an error code never reaches Temporal's stored failures.
 */
import { isSafeToken, safeErrorInfo } from '../../src/vendors/http';
import { describeGoogleError } from '../../src/vendors/google/client';
import { describeGraphError } from '../../src/vendors/msgraph/client';
import { describeSalesforceError } from '../../src/vendors/salesforce/client';

const PHONES = ['4255552671', '425-555-2671', '+14255552671', 'x14255552671'];
const EMAIL = 'jane.doe@customer.example';
const UUID = '0d4b1c2a-1234-4abc-9def-0123456789ab';

test.each([...PHONES, EMAIL])('isSafeToken refuses %s', (value) => {
  expect(isSafeToken(value)).toBe(false);
});

test.each(['INVALID_SESSION_ID', 'AADSTS50034', UUID, 'rateLimitExceeded'])('isSafeToken keeps %s', (value) => {
  expect(isSafeToken(value)).toBe(true);
});

test('safeErrorInfo drops unsafe codes and ids', () => {
  expect(safeErrorInfo({ codes: ['ErrorItemNotFound', '4255552671', EMAIL], vendorRequestId: '425-555-2671' })).toEqual(
    { codes: ['ErrorItemNotFound'], vendorRequestId: undefined },
  );
});

describe.each(PHONES.slice(0, 2).concat(EMAIL))('a code or id that is %s is dropped', (unsafe) => {
  test('Microsoft Graph', () => {
    expect(describeGraphError({ error: { code: unsafe, innerError: { 'request-id': unsafe } } })).toEqual({
      codes: [],
      vendorRequestId: undefined,
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
    ).toEqual({ codes: ['failedPrecondition'] });
  });

  test('Salesforce', () => {
    expect(
      describeSalesforceError([
        { errorCode: unsafe, message: 'x' },
        { errorCode: 'INVALID_FIELD', message: 'y' },
      ]),
    ).toEqual({ codes: ['INVALID_FIELD'] });
    expect(describeSalesforceError({ error: unsafe })).toEqual({});
  });
});
