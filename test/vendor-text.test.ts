/**
 * The vendor-text filter (src/vendor-text.ts), property-tested: generated email addresses, host names
 * and phone numbers in many spellings, alone or inside code-like text, never pass; real vendor ids do.
 */
import fc from 'fast-check';
import { isSafeToken, keepSafeToken, looksPersonal, personalDataKind, VENDOR_TEXT_WITHHELD } from '../src/vendor-text';

const digits = (min: number, max: number) =>
  fc.array(fc.integer({ min: 0, max: 9 }), { minLength: min, maxLength: max }).map((d) => d.join(''));
const word = fc.stringMatching(/^[a-zA-Z]{1,8}$/);

/** A phone number: a country code and a national number of 7 to 12 digits (E.164 allows 15 in all). */
const phoneParts = fc.record({ country: fc.integer({ min: 1, max: 999 }).map(String), national: digits(7, 12) });

/** Splits a national number into groups of 2 to 4 digits, as people write them. */
const grouped = (national: string, sizes: number[]): string[] => {
  const groups: string[] = [];
  let rest = national;
  for (let i = 0; rest.length > 0; i++) {
    const size = Math.min(sizes[i % sizes.length]!, rest.length);
    groups.push(rest.slice(0, size));
    rest = rest.slice(size);
  }
  return groups;
};

const SEPARATORS = ['-', '.', ' ', '/', '_', ' - ', '. ', '\u00a0', '\u2013', '\u2011'];

/** The spellings phone numbers come in, from E.164 to bracketed national numbers with separators. */
const phoneSpelling = fc
  .tuple(
    phoneParts,
    fc.array(fc.integer({ min: 2, max: 4 }), { minLength: 1, maxLength: 4 }),
    fc.constantFrom(...SEPARATORS),
    fc.integer({ min: 0, max: 9 }),
  )
  .map(([{ country, national }, sizes, sep, style]) => {
    const groups = grouped(national, sizes);
    const [area, ...rest] = groups;
    switch (style) {
      case 0:
        return `+${country}${national}`; // E.164
      case 1:
        return national;
      case 2:
        return groups.join(sep); // 425-555-2671, 425.555.2671
      case 3:
        return `(${area}) ${rest.join(sep)}`; // (425) 555 2671
      case 4:
        return `+${country} ${groups.join(' ')}`; // +1 425 555 2671
      case 5:
        return `+${country}.${groups.join('.')}`; // +1.425.555.2671
      case 6:
        return `+${country} (${area}) ${rest.join(sep)}`;
      case 7:
        return `tel:+${country}${sep === ' ' ? '-' : sep}${groups.join(sep === ' ' ? '-' : sep)}`;
      case 8:
        return `00${country} ${groups.join(sep)}`;
      default:
        return `+${country}(0)${groups.join(sep)}`; // +44(0)20 7946 0958
    }
  });

/** Ways careless code wraps a value: `err-<phone>-x`, `code_<email>`, glued to a word, in a path. */
const embedded = (value: fc.Arbitrary<string>) =>
  fc
    .tuple(value, word, fc.stringMatching(/^[a-zA-Z0-9]{1,8}$/), fc.integer({ min: 0, max: 8 }))
    .map(([v, w, id, style]) => {
      switch (style) {
        case 0:
          return `err-${v}-x`;
        case 1:
          return `code_${v}`;
        case 2:
          return `${w}${v}`; // glued to a word: x14255552671
        case 3:
          return `${v}${w}`;
        case 4:
          return `${w}${v}${w}`; // err4255552671x
        case 5:
          return `${id}:${v}`; // ERR_400:...
        case 6:
          return `ref/${id}/${v}/1`;
        case 7:
          return `${id}-${v}.${id}`;
        default:
          return `${w}=${v}&${id}`;
      }
    });

/** Spellings that hide a value from a naive check: full-width digits, zero-width spaces, percent-encoding. */
const disguised = (value: fc.Arbitrary<string>) =>
  fc.tuple(value, fc.integer({ min: 0, max: 3 })).map(([v, style]) => {
    switch (style) {
      case 0:
        return v.replace(/[0-9]/g, (d) => String.fromCharCode(0xff10 + Number(d))); // ４２５...
      case 1:
        return [...v].join('\u200b');
      case 2:
        return encodeURIComponent(v);
      default:
        return v;
    }
  });

const emailSpelling = fc.tuple(fc.emailAddress(), fc.integer({ min: 0, max: 5 })).map(([email, style]) => {
  const [local, domain] = [email.slice(0, email.lastIndexOf('@')), email.slice(email.lastIndexOf('@') + 1)];
  switch (style) {
    case 0:
      return email;
    case 1:
      return email.toUpperCase();
    case 2:
      return `${local}%40${domain}`;
    case 3:
      return `${local}(at)${domain}`;
    case 4:
      return `${local}\uff20${domain}`; // full-width ＠
    default:
      return `${local}:${domain}`; // the @ written as ':' still leaves a host name
  }
});

const NUM_RUNS = Number(process.env.VENDOR_TEXT_RUNS ?? 300);

describe('nothing personal passes', () => {
  test.each<[string, fc.Arbitrary<string>]>([
    ['phone numbers', phoneSpelling],
    ['phone numbers inside code-like text', embedded(phoneSpelling)],
    ['disguised phone numbers', disguised(embedded(phoneSpelling))],
    ['email addresses', emailSpelling],
    ['email addresses inside code-like text', embedded(emailSpelling)],
    ['disguised email addresses', disguised(embedded(emailSpelling))],
    ['host names', fc.domain()],
    ['host names inside code-like text', embedded(fc.domain())],
  ])('%s', (_name, personal) => {
    fc.assert(
      fc.property(personal, (value) => {
        expect(looksPersonal(value)).toBe(true);
        expect(isSafeToken(value)).toBe(false);
        expect(keepSafeToken(value)).toBe(VENDOR_TEXT_WITHHELD);
      }),
      { numRuns: NUM_RUNS },
    );
  });

  test.each([
    // What the audit found: an error code that reached actionRequired.reason, a callback, the receipt and a log line.
    ['err400.li.wei.example.net', 'host name'],
    ['li.wei.example.co.uk', 'host name'],
    ['a.b.example.net', 'host name'],
    // A connector reference made of a phone number's digits.
    ['4255552671', 'phone number'],
    ['14255552671', 'phone number'],
    ['425-555-2671', 'phone number'],
    ['425.555.2671', 'phone number'],
    ['(425) 555 2671', 'phone number'],
    ['+1 425 555 2671', 'phone number'],
    ['tel:+14255552671', 'phone number'],
    ['x14255552671', 'phone number'],
    ['err4255552671x', 'phone number'],
    ['err-425-555-2671-x', 'phone number'],
    ['ORD_425_555_2671', 'phone number'],
    ['+44 (0)20 7946 0958', 'phone number'],
    ['555-2671', 'phone number'],
    ['jane.doe@customer.example', 'email address'],
    ['code_jane.doe@customer.example', 'email address'],
    ['jane%40example', 'email address'],
    ['jane%2540example', 'email address'],
    ['jane.doe(at)example', 'email address'],
  ])('%s looks like a %s', (value, kind) => {
    expect(personalDataKind(value)).toBe(kind);
    expect(isSafeToken(value)).toBe(false);
  });
});

/** Salesforce's 18-character form: the 15-character id plus a checksum of its letters' case. */
const salesforceId18 = (id15: string) => {
  let suffix = '';
  for (let chunk = 0; chunk < 3; chunk++) {
    let bits = 0;
    for (let i = 0; i < 5; i++) if (/[A-Z]/.test(id15[chunk * 5 + i]!)) bits |= 1 << i;
    suffix += 'ABCDEFGHIJKLMNOPQRSTUVWXYZ012345'[bits];
  }
  return id15 + suffix;
};

describe('real vendor ids and codes pass', () => {
  test.each([
    // UUIDs: HubSpot correlation ids, Graph request ids, Entra correlation and trace ids.
    '0d4b1c2a-1234-4abc-9def-0123456789ab',
    '04158213-6612-4a20-a2bd-1fa41af4d51c',
    '22880925-aac5-42f9-a653-cb6921d361ff',
    '0d4b1c2a-1234-4abc-9def-012345678901',
    // Salesforce record and job ids, 15 and 18 characters; old orgs' ids carry long zero runs.
    '003Dn00000ABCDEFGH',
    '003Dn00000ABCDE',
    '0013000000HwUxBAAV',
    '7505g000001AbCdAAK',
    // Microsoft Graph message ids (base64) and error codes; Entra error codes.
    'AAMkAGVmMDEzMTM4LTZmYWUtNDdkNC1hMDZiLTU1OGY5OTZhYmY4OABGAAAAAAAiQ8W967B7TKBjgx9rVEURBwAiIsqMbYjsT5e-T7KzowPTAAAAAAEMAAAiIsqMbYjsT5e-T7KzowPTAAAYbvZDAAA=',
    'ErrorItemNotFound',
    'Authorization_RequestDenied',
    'AADSTS50034',
    'AADSTS7000215',
    // Gmail message ids (16 hex digits), Google reasons and statuses.
    '18c2f0a1b2c3d4e5',
    '1872345a6b7c8d9e',
    'failedPrecondition',
    'FAILED_PRECONDITION',
    'rateLimitExceeded',
    // Gong request ids.
    '4al018gzaztcr8nbukw',
    'abc123',
    // Error codes and references.
    'INVALID_SESSION_ID',
    'REQUEST_LIMIT_EXCEEDED',
    'ERR_400',
    'http_400',
    'invalid_grant',
    'TCK-42',
    'TCK-42/a.b:c_d',
    'DW-77',
    'v1.2.3',
    'sys-0d4b1c2a-1234-4abc-9def-0123456789ab',
    'a94a8fe5ccb19ba61c4c0873d391e987982fbbd3',
  ])('%s', (id) => {
    expect(personalDataKind(id)).toBeUndefined();
    expect(isSafeToken(id)).toBe(true);
    expect(keepSafeToken(id)).toBe(id);
  });

  test('any UUID', () => {
    fc.assert(
      fc.property(fc.uuid(), (id) => isSafeToken(id) && isSafeToken(id.toUpperCase())),
      { numRuns: NUM_RUNS },
    );
  });

  test('any 18-character Salesforce id, zero runs included', () => {
    const id15 = fc
      .tuple(
        fc.stringMatching(/^[0-9a-zA-Z]{3}$/),
        fc.stringMatching(/^[0-9][0-9a-zA-Z]$/),
        fc.stringMatching(/^0{3,7}[0-9a-zA-Z]{3,7}$/),
      )
      .map(([prefix, pod, number]) => `${prefix}${pod}${number}`.padEnd(15, 'A').slice(0, 15));
    fc.assert(
      fc.property(id15, (id) => isSafeToken(salesforceId18(id))),
      { numRuns: NUM_RUNS },
    );
  });

  test('error codes made of words and a short number', () => {
    const code = fc
      .tuple(fc.stringMatching(/^[A-Za-z][A-Za-z_]{1,30}$/), fc.option(digits(1, 6), { nil: undefined }))
      .map(([name, n]) => (n === undefined ? name : `${name}_${n}`));
    fc.assert(
      fc.property(code, (c) => isSafeToken(c)),
      { numRuns: NUM_RUNS },
    );
  });
});

test('a token must be short plain text: spaces, quotes and over 200 characters are refused', () => {
  for (const value of ['', 'a b', 'say "hi"', 'x'.repeat(201), 'semi;colon']) expect(isSafeToken(value)).toBe(false);
  expect(isSafeToken('x'.repeat(200))).toBe(true);
});

test('free text is checked by the same rule (skip notes)', () => {
  expect(looksPersonal('the system was decommissioned in March, see ticket TCK-42')).toBe(false);
  expect(looksPersonal('deleted by hand; customer called from 425 555 2671')).toBe(true);
  expect(looksPersonal('confirmed with jane.doe at example.com')).toBe(true);
});
