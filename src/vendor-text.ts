/**
 * The one filter for anything a vendor (or an in-house system) says that we keep or forward: error
 * codes and request ids quoted in failure messages (and so in `actionRequired.reason`, status
 * callbacks, receipts and worker logs), Gong's request ids in receipts, HTTP-connector references.
 * The same rule checks free text an operator stores (`looksPersonal`, for skip notes).
 *
 * Workflow-safe on purpose (no imports): the workflow's connectorCallback validator applies it, so
 * no client, the plain Temporal CLI included, can store a personal value through an update.
 *
 * The rule (docs/privacy.md says the same):
 * - an email address: `@` (also `%40`, full-width `＠`) or an `(at)`/`[at]` disguise;
 * - a host name: a label, a dot, then a TLD-like label of 2+ letters (or `xn--`) that ends the
 *   label (`err400.li.wei.example.net`, `li.wei.example.co.uk`; not `a.b`, `v1.2`);
 * - a phone number: 7 or more digits in a chain of digit groups joined by up to 3 of the
 *   separators phone spellings use (space, dashes, `.`, `(`, `)`, `[`, `]`, `/`, `+`, `_`), so
 *   `4255552671`, `425-555-2671`, `(425) 555 2671`, `+1 425 555 2671`, `err_425.555.2671-x` all
 *   count. Carve-outs keep real vendor ids working: a UUID is one id, not digit groups; and one
 *   unbroken digit run inside a machine id is part of that id. A machine id is a letters-and-digits
 *   token that switches between letters and digits 3+ times, as generated ids do (Gmail's
 *   `1872345a6b7c8d9e`), an 18-character Salesforce id whose checksum holds (old orgs' ids carry
 *   zero runs: `0013000000HwUxBAAV`), or a Microsoft Entra code (`AADSTS7000215`). A run glued to
 *   a plain word (`x14255552671`, `phone14255552671`, `err4255552671x`) still counts.
 * Text is NFKC-normalised, stripped of invisible format characters and percent-decoded first, so
 * full-width digits, zero-width spaces and `%2D` do not hide anything.
 */

/** What a value that fails the filter is replaced with, wherever we keep something instead. */
export const VENDOR_TEXT_WITHHELD = '(withheld)';

/** Characters and length of a vendor code, id or reference (UUIDs, base64 ids, `TCK-42/a.b:c_d`). */
export const VENDOR_TOKEN = /^[A-Za-z0-9._:/+=-]{1,200}$/;

export type PersonalDataKind = 'email address' | 'host name' | 'phone number';

const EMAIL = /@|\(\s*at\s*\)|\[\s*at\s*\]|\{\s*at\s*\}|<\s*at\s*>/i;
const HOST = /[\p{L}\p{Nd}_-]\.(?:\p{L}{2,63}|xn--[\p{L}\p{Nd}-]+)(?![\p{L}\p{Nd}])/iu;
const UUID = /(?<![\p{L}\p{Nd}])[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}(?![\p{L}\p{Nd}])/giu;
/** Digit groups joined by what phone spellings put between them. */
const DIGIT_CHAIN = /\p{Nd}+(?:[\s\p{Pd}.()[\]/+_]{1,3}\p{Nd}+)*/gu;
const PHONE_MIN_DIGITS = 7;
const ALNUM = /[\p{L}\p{Nd}]/u;

/** Which kind of personal data `text` looks like it carries; undefined if none. */
export function personalDataKind(text: string): PersonalDataKind | undefined {
  const plain = normalise(text);
  if (EMAIL.test(plain)) return 'email address';
  if (HOST.test(plain)) return 'host name';
  if (hasPhoneLikeDigits(plain.replace(UUID, 'uuid'))) return 'phone number';
  return undefined;
}

/** True when `text` looks like it carries an email address, a host name or a phone number. */
export function looksPersonal(text: string): boolean {
  return personalDataKind(text) !== undefined;
}

/** A code, id or reference we may keep or quote: a short plain token that carries nothing personal. */
export function isSafeToken(value: string): boolean {
  return typeof value === 'string' && VENDOR_TOKEN.test(value) && !looksPersonal(value);
}

/** `value` when it is a safe token, the fixed placeholder otherwise: we keep that something was there. */
export function keepSafeToken(value: string): string {
  return isSafeToken(value) ? value : VENDOR_TEXT_WITHHELD;
}

function normalise(text: string): string {
  let plain = String(text)
    .normalize('NFKC')
    .replace(/\p{Cf}/gu, '');
  // Percent-decoded until stable (bounded: `%2540` is `%40` once decoded); as UTF-8 where valid, else byte by byte.
  for (let i = 0; i < 3; i++) {
    const decoded = plain.replace(/(?:%[0-9a-f]{2})+/gi, percentDecode);
    if (decoded === plain) break;
    plain = decoded.normalize('NFKC').replace(/\p{Cf}/gu, '');
  }
  return plain;
}

function percentDecode(encoded: string): string {
  try {
    return decodeURIComponent(encoded);
  } catch {
    return encoded.replace(/%([0-9a-f]{2})/gi, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
  }
}

function hasPhoneLikeDigits(text: string): boolean {
  for (const match of text.matchAll(DIGIT_CHAIN)) {
    const digits = match[0].replace(/\P{Nd}/gu, '').length;
    if (digits < PHONE_MIN_DIGITS) continue;
    // Groups joined by separators are a phone spelling, whatever surrounds them.
    if (digits !== match[0].length) return true;
    const start = match.index;
    const end = start + match[0].length;
    let from = start;
    let to = end;
    while (from > 0 && ALNUM.test(text[from - 1]!)) from--;
    while (to < text.length && ALNUM.test(text[to]!)) to++;
    if (!isMachineId(text.slice(from, to))) return true;
  }
  return false;
}

/** Microsoft Entra's error codes (`AADSTS7000215`: an expired client secret), built from its numeric `error_codes`. */
const ENTRA_ERROR_CODE = /^AADSTS\d{1,7}$/;

/** A letters-and-digits token that reads as a generated id rather than a word with a number. */
function isMachineId(token: string): boolean {
  let switches = 0;
  for (let i = 1; i < token.length; i++) if (isDigit(token[i]!) !== isDigit(token[i - 1]!)) switches++;
  return switches >= 3 || isSalesforceId18(token) || ENTRA_ERROR_CODE.test(token);
}

const isDigit = (c: string) => /\p{Nd}/u.test(c);

/**
 * Salesforce's 18-character ids end in a checksum of the case of the first 15 (one character per
 * 5, a bit per upper-case letter): old orgs' ids carry long zero runs (`0013000000HwUxBAAV`).
 */
function isSalesforceId18(token: string): boolean {
  if (!/^[A-Za-z0-9]{18}$/.test(token)) return false;
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ012345';
  let suffix = '';
  for (let chunk = 0; chunk < 3; chunk++) {
    let bits = 0;
    for (let i = 0; i < 5; i++) if (/[A-Z]/.test(token[chunk * 5 + i]!)) bits |= 1 << i;
    suffix += alphabet[bits];
  }
  return token.slice(15) === suffix;
}
