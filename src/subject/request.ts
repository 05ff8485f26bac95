import { z } from 'zod';

/** Limits that keep one request to a size a person plausibly has, and bound Gong's daily quota use. */
export const LIMITS = {
  requestIdMaxLength: 128,
  maxEmails: 20,
  maxPhones: 20,
  emailMaxLength: 254,
  phoneMaxLength: 40,
  phoneMinDigits: 7,
  phoneMaxDigits: 15, // E.164
} as const;

/**
 * Request ids become part of the workflow id, which Temporal stores in plaintext: a safe charset
 * only (so `@`, `+`, `%40`, `(at)` and `[at]` cannot appear), and nothing that spells an email
 * address or a host name in that charset (docs/api.md, "Input rules"). A bare run of digits is
 * allowed, since intake systems number their tickets that way; a phone number needs its `+`.
 */
export const requestIdSchema = z
  .string({ error: 'must be a string' })
  .min(1, 'must not be empty')
  .max(LIMITS.requestIdMaxLength, `must be at most ${LIMITS.requestIdMaxLength} characters`)
  .regex(
    /^[A-Za-z0-9][A-Za-z0-9._:-]*$/,
    'may contain only letters, digits and . _ : - (starting with a letter or digit)',
  )
  .refine(
    (id) => !requestIdLooksPersonal(id),
    'must not look like an email address or a host name (such as a .com ending or "at" spelled out): use the ticket id',
  );

/**
 * An id that spells an email address within the request-id charset: a dot followed by a word (a
 * domain or host name: `jane.doe:example.com`, `x.co.uk`, `jane.doe-1`), `at` or `dot` spelled out
 * between separators and followed by a domain (`jane_at_example_com`, `jane-at-example-dot-com`), or
 * a generic top-level domain after a separator at the end (`jane_doe_example_com`). `abc:123`,
 * `DSR-AT-2026-1` (a country code) and `release.v2` stay valid.
 */
export function requestIdLooksPersonal(id: string): boolean {
  return REQUEST_ID_PERSONAL.some((pattern) => pattern.test(id));
}

const REQUEST_ID_PERSONAL: readonly RegExp[] = [
  /[@+%]/, // outside the charset already; kept so a wider charset cannot let them in
  /[A-Za-z0-9]\.[A-Za-z]{2,}(?![A-Za-z0-9])/, // example.com, .co.uk, .example, jane.doe-1
  /[._:-]at[._:-](?:[A-Za-z0-9]+[._:-])+[A-Za-z]{2,}$/i, // jane_at_example_com, jane-at-example-dot-com
  /[._:-]dot[._:-][A-Za-z]{2,}(?![A-Za-z0-9])/i, // example-dot-com
  /[_:-](?:com|net|org|edu|gov)$/i, // jane_doe_example_com
];

const emailSchema = z
  .string({ error: 'must be a string' })
  .trim()
  .max(LIMITS.emailMaxLength, `must be at most ${LIMITS.emailMaxLength} characters`)
  .pipe(z.email({ error: 'is not a valid email address' }))
  .transform((e) => e.toLowerCase())
  // For the OpenAPI document (its input side would otherwise be any string).
  .meta({ format: 'email', examples: ['jane.doe@example.com'] });

/**
 * Gong's rule (erase-data-for-phone-number): a leading `+`, country code, area code and number;
 * every other non-digit is ignored. We normalise to `+digits` so each number is erased once.
 */
export function normalisePhone(raw: string): string | undefined {
  const trimmed = raw.trim();
  if (!trimmed.startsWith('+')) return undefined;
  // Only spacing, brackets, dots and dashes are formatting. Letters, `#`, `*`, `,`, `;` and `/`
  // introduce extensions, dial pauses or a second number: stripping them would append digits and
  // erase someone else's number.
  if (!PHONE_FORMATTING.test(trimmed.slice(1))) return undefined;
  const digits = trimmed.slice(1).replace(/\D/g, '');
  if (digits.length < LIMITS.phoneMinDigits || digits.length > LIMITS.phoneMaxDigits) return undefined;
  if (digits.startsWith('0')) return undefined; // country codes never start with 0
  return `+${digits}`;
}

/** Digits with spacing (any Unicode space), brackets, dots and dashes (hyphens, en/em dashes, minus). */
const PHONE_FORMATTING = /^[\d\s().\-\u2010-\u2015\u2212]*$/;

/**
 * `ext 12`, `ext. 12`, `extension 12`, `x12`, `#12`, `;ext=12` (RFC 3966), `,12` (a dial pause) at
 * the end: Gong erases by number, and an extension is not part of it.
 */
const EXTENSION = /\d\s*(?:ext(?:ension)?\.?|x|#|;\s*ext\s*=|,+)\s*\d+\s*$/i;

const phoneSchema = z
  .string({ error: 'must be a string' })
  .max(LIMITS.phoneMaxLength, `must be at most ${LIMITS.phoneMaxLength} characters`)
  .transform((raw, ctx) => {
    const phone = normalisePhone(raw);
    if (!phone) {
      const message = EXTENSION.test(raw)
        ? 'must be the number alone: extensions are not accepted (give just the number, e.g. +1 425 555 2671)'
        : `must start with + and a country code, with ${LIMITS.phoneMinDigits}-${LIMITS.phoneMaxDigits} digits (e.g. +1 425 555 2671)`;
      ctx.addIssue({ code: 'custom', message });
      return z.NEVER;
    }
    return phone;
  })
  .meta({ pattern: '^\\+[1-9][0-9 ().-]{6,30}[0-9]$', examples: ['+1 425 555 2671'] });

const dedupe = <T>(values: T[]): T[] => [...new Set(values)];

/** The fields every entry point (CLI, intake API, CSV import) shares; each adds its own. */
export const erasureRequestFields = {
  requestId: requestIdSchema,
  emails: z
    .array(emailSchema)
    .max(LIMITS.maxEmails, `at most ${LIMITS.maxEmails} email addresses`)
    .default([])
    .transform(dedupe),
  phones: z
    .array(phoneSchema)
    .max(LIMITS.maxPhones, `at most ${LIMITS.maxPhones} phone numbers`)
    .default([])
    .transform(dedupe),
};

/**
 * Reported on `emails` (a field, so forms can point at it), worded to read right after the field
 * name as every message does: "emails must contain ..., or phones ...".
 */
export const atLeastOneIdentifier = {
  check: (r: { emails: string[]; phones: string[] }) => r.emails.length + r.phones.length > 0,
  params: { message: 'must contain at least one email address, or phones at least one phone number', path: ['emails'] },
};

export const erasureRequestSchema = z
  .object(erasureRequestFields)
  .strict()
  .refine(atLeastOneIdentifier.check, atLeastOneIdentifier.params);

export type ErasureRequestInput = z.input<typeof erasureRequestSchema>;
export type ErasureRequest = z.output<typeof erasureRequestSchema>;

export class InvalidRequestError extends Error {
  constructor(public readonly issues: { field: string; message: string }[]) {
    super(`invalid erasure request: ${issues.map((i) => `${i.field} ${i.message}`).join('; ')}`);
    this.name = 'InvalidRequestError';
  }
}

/**
 * Validates before anything starts. The error names the field (e.g. `phones[1]`) and never echoes
 * the rejected value, because it may be personal data.
 */
export function parseErasureRequest(input: unknown): ErasureRequest {
  return parseOrInvalid(erasureRequestSchema, input);
}

/** Parses with any schema; failures become an InvalidRequestError naming fields, never values. */
export function parseOrInvalid<S extends z.ZodType>(schema: S, input: unknown, prefix = ''): z.output<S> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  throw new InvalidRequestError(
    result.error.issues.flatMap((issue) => {
      const field = `${prefix}${formatPath(issue.path)}`;
      // zod's message quotes unknown keys; a key is input too, so it is named only if it looks like a field name.
      if (issue.code === 'unrecognized_keys') {
        return issue.keys.map((key) => ({
          field: /^[A-Za-z_][A-Za-z0-9_]{0,63}$/.test(key) ? (field ? `${field}.${key}` : key) : field || 'request',
          message: 'is not a known field',
        }));
      }
      return [{ field: field || 'request', message: issue.message }];
    }),
  );
}

export function formatPath(path: PropertyKey[]): string {
  return path.reduce<string>(
    (acc, part) => (typeof part === 'number' ? `${acc}[${part}]` : acc ? `${acc}.${String(part)}` : String(part)),
    '',
  );
}
