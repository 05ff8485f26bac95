/**
 * The rules for an operator's `skip`: a reason code from a fixed list, and an optional note. One set,
 * workflow-safe (no Node imports): the workflow's validator enforces it for every client, including
 * the plain Temporal CLI, whose payloads are not encrypted; the intake API's schema and the CLI state
 * it before anything is sent. The receipt is kept for years, so what it records must never be personal.
 */
import type { SkipRequest } from './types';
import { looksPersonal as looksPersonalToken } from '../vendor-text';

/** Documented in docs/operations.md ("Watching and steering"); add codes, never rename or remove one. */
export const SKIP_REASON_CODES = [
  'data-already-deleted',
  'no-data-held',
  'system-decommissioned',
  'vendor-support-case',
  'legal-hold',
  'other',
] as const;
export type SkipReasonCode = (typeof SKIP_REASON_CODES)[number];

/** `other` says nothing by itself: the note must. */
export const SKIP_CODES_NEEDING_A_NOTE: readonly SkipReasonCode[] = ['other'];
export const SKIP_NOTE_MAX_LENGTH = 500;

/** What a client sends (the actor, `by`, is added by whoever knows the credential). */
export interface SkipDecision {
  code: SkipReasonCode;
  note?: string;
}

/** Fields a new `skip` may carry; anything else would be stored in history unchecked. */
const SKIP_FIELDS = new Set(['code', 'note', 'by']);

export const SKIP_CODE_MESSAGE = `must be one of ${SKIP_REASON_CODES.join(', ')}`;
export const SKIP_NOTE_PERSONAL_MESSAGE =
  'must not contain an email address, a phone number (7 or more digits, also with spaces or dashes) or a host name';

export interface SkipProblem {
  field: string;
  message: string;
}

/**
 * The first problem with a new skip request, naming the field and never quoting the value;
 * undefined when it is well-formed. A `reason` (what skips carried before codes) is refused here:
 * only histories recorded back then may still hold one, and they replay without the validator.
 */
export function skipRequestProblem(req: unknown): SkipProblem | undefined {
  if (typeof req !== 'object' || req === null || Array.isArray(req))
    return { field: 'request', message: 'must be an object with a code (and optionally a note)' };
  const fields = req as Record<string, unknown>;
  if ('reason' in fields)
    return { field: 'reason', message: `is no longer accepted: send a code (${SKIP_CODE_MESSAGE}) and a note` };
  const unknown = Object.keys(fields).find((key) => !SKIP_FIELDS.has(key));
  // The key is named only if it looks like a field name: a key is input too.
  if (unknown !== undefined)
    return {
      field: /^[A-Za-z_][A-Za-z0-9_]{0,63}$/.test(unknown) ? unknown : 'request',
      message: 'is not a known field',
    };
  const { code, note } = fields;
  if (typeof code !== 'string' || !(SKIP_REASON_CODES as readonly string[]).includes(code))
    return { field: 'code', message: SKIP_CODE_MESSAGE };
  if (note !== undefined) {
    if (typeof note !== 'string') return { field: 'note', message: 'must be a string' };
    const problem = skipNoteProblem(note);
    if (problem) return { field: 'note', message: problem };
  }
  if (SKIP_CODES_NEEDING_A_NOTE.includes(code as SkipReasonCode) && normaliseSkipNote(note) === undefined)
    return { field: 'note', message: `is required with code ${code}` };
  return undefined;
}

/** Why a note is refused (a message to follow the field name), or undefined when it may be kept. */
export function skipNoteProblem(note: string): string | undefined {
  if (note.length > SKIP_NOTE_MAX_LENGTH) return `must be at most ${SKIP_NOTE_MAX_LENGTH} characters`;
  // Receipts and logs show notes as one line; a control character could forge another.
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/.test(note)) return 'must be one line of text';
  if (looksPersonal(note)) return SKIP_NOTE_PERSONAL_MESSAGE;
  return undefined;
}

/** The note as recorded: trimmed, and absent when blank. */
export function normaliseSkipNote(note: unknown): string | undefined {
  if (typeof note !== 'string') return undefined;
  const trimmed = note.trim();
  return trimmed === '' ? undefined : trimmed;
}

/**
 * Free text that may name a person: the shared vendor-text rule (src/vendor-text.ts: email addresses, host names,
 * phone-like digit runs), plus the disguises only prose uses (`jane_at_example`, `example dot com`). Strict on
 * purpose: a refused note is rewritten by the operator in seconds; a kept one is in the receipt for years.
 */
export function looksPersonal(text: string): boolean {
  return looksPersonalToken(text) || PROSE_DISGUISES.some((pattern) => pattern.test(text));
}

const PROSE_DISGUISES: readonly RegExp[] = [
  /[a-z0-9][_-]at[_-][a-z0-9]/i, // jane_at_example, jane-at-example
  /[([{<]\s*dot\s*[)\]}>]/i, // example [dot] com
  /\s(?:dot)\s+[a-z]{2,}\b/i, // example dot com
];

/** The recorded form of a skip (the code as the reason, a trimmed note), for the receipt. */
export function describeSkip(req: SkipRequest): { reason: string; note?: string } {
  // Skips recorded before codes carried only `reason`: they replay with it, as they were recorded.
  if (req.code === undefined) return { reason: (req.reason ?? '').trim() };
  const note = normaliseSkipNote(req.note);
  return note === undefined ? { reason: req.code } : { reason: req.code, note };
}
