/** Input validation: every entry point parses with this before anything starts. */
import { InvalidRequestError, LIMITS, normalisePhone, parseErasureRequest } from '../src/subject/request';

function rejection(input: unknown): InvalidRequestError {
  try {
    parseErasureRequest(input);
  } catch (err) {
    if (err instanceof InvalidRequestError) return err;
    throw err;
  }
  throw new Error('expected the request to be rejected');
}

describe('phone numbers follow Gong’s rule', () => {
  test.each([
    ['+1 425 555 2671', '+14255552671'],
    ['+1-425-555-2671', '+14255552671'],
    ['+1(425) 555-2671', '+14255552671'],
    ['+1 425 555 26 71', '+14255552671'],
    ['  +44 20 7123 4567 ', '+442071234567'],
    ['+1 425.555.2671', '+14255552671'],
    ['+1\u00a0425\u2011555\u20112671', '+14255552671'],
  ])('%s -> %s', (raw, normalised) => expect(normalisePhone(raw)).toBe(normalised));

  test.each([
    '425 555 2671',
    '001 425 555 2671',
    '+0 425 555 2671',
    '+1 425 555 2671 ext 12',
    '+1 425 555 2671 #12',
    '+1 425 555 2671;ext=12',
    '+1 425 555 2671,,12',
    '+1 425 555 2671 / 2672',
    '+1 425 555 2671*',
    '+12',
    '+1234567890123456',
    '',
  ])('rejects %j', (raw) => expect(normalisePhone(raw)).toBeUndefined());
});

test('normalises: emails lower-cased and trimmed, duplicates removed, phones to +digits', () => {
  const request = parseErasureRequest({
    requestId: 'ot-2026-0001',
    emails: [' Jane.Doe@Example.COM', 'jane.doe@example.com', 'j@x.io'],
    phones: ['+1 (425) 555-2671', '+14255552671'],
  });
  expect(request).toEqual({
    requestId: 'ot-2026-0001',
    emails: ['jane.doe@example.com', 'j@x.io'],
    phones: ['+14255552671'],
  });
});

test.each([
  [{ emails: ['a@b.co'] }, 'requestId'],
  [{ requestId: '', emails: ['a@b.co'] }, 'requestId'],
  [{ requestId: 'has space', emails: ['a@b.co'] }, 'requestId'],
  [{ requestId: 'x'.repeat(LIMITS.requestIdMaxLength + 1), emails: ['a@b.co'] }, 'requestId'],
  [{ requestId: 'jane@example.com', emails: ['a@b.co'] }, 'requestId'],
  [{ requestId: 'r1' }, 'emails'],
  [{ requestId: 'r1', emails: [], phones: [] }, 'emails'],
  [{ requestId: 'r1', emails: ['not-an-email'] }, 'emails[0]'],
  [{ requestId: 'r1', emails: ['a@b.co', 42] }, 'emails[1]'],
  [{ requestId: 'r1', phones: ['+1 425 555 2671', '425-555-2671'] }, 'phones[1]'],
  [{ requestId: 'r1', emails: Array.from({ length: LIMITS.maxEmails + 1 }, (_, i) => `p${i}@x.io`) }, 'emails'],
  [{ requestId: 'r1', emails: [`${'a'.repeat(250)}@x.io`] }, 'emails[0]'],
  [{ requestId: 'r1', emails: 'a@b.co' }, 'emails'],
])('rejects %j naming %s', (input, field) => {
  const err = rejection(input);
  expect(err.issues.map((i) => i.field)).toContain(field);
  expect(err.message).toContain(field);
});

test('unknown fields are rejected rather than silently ignored', () => {
  expect(rejection({ requestId: 'r1', emails: ['a@b.co'], email: 'c@d.co' }).issues).toEqual([
    { field: 'email', message: 'is not a known field' },
  ]);
  // A key that is not a plausible field name is input too: it is not quoted.
  expect(rejection({ requestId: 'r1', emails: ['a@b.co'], 'jane@example.com': 1 }).message).not.toContain('jane');
});

test('error messages never echo the rejected value (it may be personal data)', () => {
  const err = rejection({ requestId: 'r1', emails: ['jane.doe@@example.com'], phones: ['0044 20 7123 4567'] });
  expect(err.message).not.toContain('jane.doe');
  expect(err.message).not.toContain('7123');
});

test('messages read as sentences after the field name, and say what is really wrong', () => {
  expect(rejection({ requestId: 'r1' }).message).toBe(
    'invalid erasure request: emails must contain at least one email address, or phones at least one phone number',
  );
  for (const phone of [
    '+1 206 555 0142 ext 12',
    '+1 206 555 0142 ext. 12',
    '+1 (206) 555-0142 x12',
    '+1 206 555 0142 extension 9',
    '+1 206 555 0142 #12',
    '+1 206 555 0142;ext=12',
    '+1 206 555 0142,,12',
  ]) {
    const err = rejection({ requestId: 'r1', phones: [phone] });
    expect(err.issues).toEqual([
      {
        field: 'phones[0]',
        message: 'must be the number alone: extensions are not accepted (give just the number, e.g. +1 425 555 2671)',
      },
    ]);
    expect(err.message).not.toContain('0142');
  }
  // Without a +, or with too few digits, the rule itself is the reason.
  for (const phone of ['425 555 2671', '+12'])
    expect(rejection({ requestId: 'r1', phones: [phone] }).issues[0]!.message).toMatch(
      /^must start with \+ and a country code/,
    );
});

describe('request ids: ticket ids pass, an email address or phone number in disguise does not', () => {
  const ok = (requestId: string) => parseErasureRequest({ requestId, emails: ['a@b.co'] }).requestId;

  test.each([
    '22880925-aac5-42f9-a653-cb6921d361ff', // UUID
    'ketch-22880925-aac5-42f9-a653-cb6921d361ff', // Ketch's uid, as the Ketch receiver names it
    'ketch-2Nq8Wd0Xb7VjKp3sTzL4mYcR9hE', // a Ketch uid that is not a UUID
    'DSR-2026-000123',
    '20261130000000123456', // a 20-digit id from an intake system
    '4255552671', // digits alone are a ticket number: a phone number needs its +
    'ot-2026-0001',
    'demo-1',
    'abc:123',
    'ketch:abc',
    'onetrust:7f3c9d2e',
    'DSR-AT-2026-0001', // AT: Austria
    'ticket-at-2026',
    'release.v2',
    '2026.11.30-7',
    'a.b',
    'x'.repeat(128),
  ])('accepts %s', (requestId) => expect(ok(requestId)).toBe(requestId));

  test.each([
    'jane.doe@example.com',
    'jane.doe:example.com', // @ written as :
    'jane:example.com',
    'jane.doe:example',
    'jane.doe_at_example_com',
    'jane.doe_at_example.com',
    'jane-at-example-com',
    'jane-at-example-dot-com',
    'JANE-AT-EXAMPLE-DOT-COM',
    'jane.at.example.org',
    'jane:at:example:net',
    'jane(at)example.com',
    'jane[at]example.com',
    'jane%40example.com',
    'jane.doe.example.com',
    'jane.doe.example.com-2026',
    'dsr-1-jane.doe.example.co.uk',
    'li.wei.example.de',
    'kim_lee.example',
    'jane.doe', // a name, and the first half of an address
    'jane_doe_example_com',
    'jane-doe-example-org',
    'a.xn--p1ai',
    '+14255552671',
    'tel-+4420712345678',
    '+44 20 7123 4567',
  ])('refuses %s, naming requestId and not echoing it', (requestId) => {
    const err = rejection({ requestId, emails: ['a@b.co'] });
    expect(err.issues.map((i) => i.field)).toEqual(expect.arrayContaining(['requestId']));
    expect(new Set(err.issues.map((i) => i.field))).toEqual(new Set(['requestId']));
    expect(err.message).not.toContain(requestId);
    for (const part of requestId.split(/[^A-Za-z0-9]+/).filter((p) => p.length >= 4))
      expect(err.message.toLowerCase()).not.toContain(part.toLowerCase());
  });

  test('the message says what is wrong', () => {
    expect(rejection({ requestId: 'jane.doe:example.com', emails: ['a@b.co'] }).issues).toEqual([
      {
        field: 'requestId',
        message:
          'must not look like an email address or a host name (such as a .com ending or "at" spelled out): use the ticket id',
      },
    ]);
  });
});
