/**
 * The intake API's bodies and answers. Bodies are strict (unknown fields are rejected, naming the
 * field); the same schemas generate the OpenAPI document (openapi.ts).
 */
import { z } from 'zod';
import { ERASURE_STATUSES, preapprovalCountsSchema } from '../client/erasures';
import { PREVIEW_STATUSES } from '../client/previews';
import { SOURCE_NAME } from '../temporal/names';
import { HTTP_CONNECTOR_ID } from '../vendors/generic-http/names';
import {
  CONNECTOR_CALLBACK_STATES,
  CONNECTOR_REFERENCE,
  connectorReferenceProblem,
  MAX_REPORTED_DELETIONS,
} from '../workflows/connector-callback';
import {
  SKIP_CODE_MESSAGE,
  SKIP_NOTE_MAX_LENGTH,
  SKIP_REASON_CODES,
  SKIP_CODES_NEEDING_A_NOTE,
  normaliseSkipNote,
  skipNoteProblem,
} from '../workflows/skip-reasons';
import { atLeastOneIdentifier, erasureRequestFields, erasureRequestSchema, requestIdSchema } from '../subject/request';

export const regulationSchema = z
  .string({ error: 'must be a string' })
  .regex(/^[a-z0-9_-]{1,32}$/, 'must be a short lower-case code such as gdpr or ccpa');

export const submitBodySchema = z
  .object({
    ...erasureRequestFields,
    regulation: regulationSchema.optional(),
    receivedAt: z.iso
      .datetime({ offset: true, error: 'must be an ISO 8601 date-time such as 2026-11-24T09:00:00Z' })
      .optional(),
    callbackUrl: z
      .url({ protocol: /^https?$/, error: 'must be an https URL' })
      .max(2048, 'must be at most 2048 characters')
      .optional(),
    preapproval: preapprovalCountsSchema.optional().meta({
      description:
        'Counts approved in advance (positive integers): a system whose find exceeds the approval thresholds but not these deletes without waiting for an operator. The receipt records the submitting credential as approver.',
    }),
  })
  .strict()
  .refine(atLeastOneIdentifier.check, atLeastOneIdentifier.params);

export type SubmitBody = z.output<typeof submitBodySchema>;

/** A preview names the person as a submission does; nothing else applies (it deletes nothing and calls no one back). */
export const previewBodySchema = erasureRequestSchema;

/** An operator's note on a skip or an approval (src/workflows/skip-reasons.ts: one line, nothing personal). */
const operatorNoteSchema = z
  .string({ error: 'must be a string' })
  .max(SKIP_NOTE_MAX_LENGTH, `must be at most ${SKIP_NOTE_MAX_LENGTH} characters`)
  .superRefine((note, ctx) => {
    // Too long is reported by max() already.
    const problem = note.length <= SKIP_NOTE_MAX_LENGTH ? skipNoteProblem(note) : undefined;
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  });

/** The workflow's rule (src/workflows/skip-reasons.ts), stated as a schema for the OpenAPI document. */
export const skipBodySchema = z
  .object({
    code: z.enum(SKIP_REASON_CODES, { error: SKIP_CODE_MESSAGE }),
    note: operatorNoteSchema
      .optional()
      .meta({ description: 'A ticket or case reference; nothing personal. Required with code `other`.' }),
  })
  .strict()
  .superRefine((body, ctx) => {
    if (SKIP_CODES_NEEDING_A_NOTE.includes(body.code) && normaliseSkipNote(body.note) === undefined)
      ctx.addIssue({ code: 'custom', path: ['note'], message: `is required with code ${body.code}` });
  });

/** The `approve` decision: an optional note, checked like a skip's. Who approved is the credential. */
export const approveBodySchema = z
  .object({
    note: operatorNoteSchema
      .optional()
      .meta({ description: 'A ticket or case reference for the approval; nothing personal.' }),
  })
  .strict();

/** An HTTP-connector system reporting that the order it accepted finished (docs/http-connector-protocol.md). */
export const connectorCallbackBodySchema = z
  .object({
    connector: z.string().regex(HTTP_CONNECTOR_ID, 'must be an HTTP connector id such as http:warehouse'),
    state: z.enum(CONNECTOR_CALLBACK_STATES, { error: 'must be completed, not_found or failed' }),
    deleted: z
      .number({ error: 'must be a number' })
      .int('must be an integer')
      .min(0, 'must not be negative')
      .max(MAX_REPORTED_DELETIONS)
      .optional(),
    reference: z
      .string()
      .regex(CONNECTOR_REFERENCE, 'must be a plain token')
      .refine((r) => connectorReferenceProblem(r) === undefined, {
        error: (issue) => connectorReferenceProblem(String(issue.input)),
        // One issue per field: a reference that is not even a token is refused for that alone.
        when: (payload) => payload.issues.length === 0,
      })
      .optional(),
  })
  .strict();

export const emptyBodySchema = z.object({}).strict();

export const requestIdParamSchema = z.object({ id: requestIdSchema }).strict();

/**
 * Which source's request an id route addresses: the caller's own by default; another's (`source`) or one started before
 * ids were namespaced (`legacy=true`) with the operator scope. Other query parameters are ignored, as before.
 */
export const erasureRefQuerySchema = z
  .object({
    source: z
      .string({ error: 'must be given once' })
      .regex(SOURCE_NAME, 'must be a source name (letters, digits and . _ -, at most 64)')
      .optional(),
    legacy: z.enum(['true', 'false'], { error: 'must be true or false' }).optional(),
  })
  .refine((q) => !(q.legacy === 'true' && q.source !== undefined), {
    path: ['legacy'],
    message: 'cannot be combined with source: a legacy id has no source',
  });

/** An identifier as answers show it: its kind and keyed hash (src/security/subject-ref.ts), never its value. */
const identifierRefSchema = z.object({ kind: z.enum(['email', 'phone']), ref: z.string() });

/** Which source's preview an id route addresses: the caller's own by default; another's with the operator scope. */
export const previewRefQuerySchema = z.object({
  source: z
    .string({ error: 'must be given once' })
    .regex(SOURCE_NAME, 'must be a source name (letters, digits and . _ -, at most 64)')
    .optional(),
});

export const statusResponseSchema = z.object({
  requestId: z.string(),
  /** The run reported on: the latest for this request id (a failed or terminated one may have been submitted again). */
  runId: z.string().optional(),
  status: z.enum(ERASURE_STATUSES),
  step: z.string().optional(),
  startedAt: z.string().optional(),
  statusUrl: z.string(),
  intake: z.object({}).catchall(z.unknown()).optional(),
  actionRequired: z
    .object({
      step: z.string(),
      item: z.string(),
      reason: z.string(),
      errorType: z.string().optional(),
      since: z.string(),
      /** A find above the approval thresholds waits for `approve` (or `skip`): what it found, counts only. */
      approval: z
        .object({
          connector: z.string(),
          identifier: identifierRefSchema,
          records: z.number(),
          mailboxes: z.number(),
          capped: z.boolean(),
          exceeded: z.array(z.string()),
        })
        .optional(),
    })
    .optional(),
  /** The full progress (keyed hashes, counts, vendor request ids) while running. */
  progress: z.object({}).catchall(z.unknown()).optional(),
  /** The receipt once completed. */
  receipt: z.object({}).catchall(z.unknown()).optional(),
});

export type StatusResponse = z.infer<typeof statusResponseSchema>;

/**
 * A preview's status; once `Completed`, the preview result's fields too (src/workflows/types.ts, PreviewResult):
 * counts per system, mailbox (by keyed hash) and Gong list, and the approval thresholds an erasure would stop at.
 */
export const previewResponseSchema = z.object({
  requestId: z.string(),
  /** The source the preview belongs to. */
  owner: z.string(),
  runId: z.string(),
  status: z.enum(PREVIEW_STATUSES),
  startedAt: z.string(),
  statusUrl: z.string(),
  completedAt: z.string().optional(),
  subject: z.array(identifierRefSchema).optional(),
  systems: z
    .array(
      z.object({
        connector: z.string(),
        step: z.enum(['crm', 'email']),
        identifier: identifierRefSchema,
        records: z.number(),
        mailboxes: z.number(),
        capped: z.boolean(),
        mailboxesSearched: z.number().optional(),
        perMailbox: z.array(z.object({ mailbox: z.string(), found: z.number() })).optional(),
        exceeded: z.array(z.string()),
        error: z.string().optional(),
      }),
    )
    .optional(),
  notPreviewed: z.array(z.object({ connector: z.string(), reason: z.string() })).optional(),
  /** Per identifier: Gong's counts per list (`counts`, `total`), or why they could not be read (`error`). */
  gong: z.array(z.object({ identifier: identifierRefSchema }).catchall(z.unknown())).optional(),
  approvalNeeded: z.boolean().optional(),
});

export type PreviewResponse = z.infer<typeof previewResponseSchema>;

export const errorResponseSchema = z.object({
  error: z.object({
    code: z.string(),
    message: z.string(),
    fields: z.array(z.object({ field: z.string(), message: z.string() })).optional(),
  }),
});

export const acceptedResponseSchema = z.object({ requestId: z.string(), accepted: z.literal(true) });

/** Deadlines by regulation, counted from receipt: GDPR Art. 12(3) one month, CCPA 45 days. */
export const DEADLINE_DAYS: Record<string, number> = { gdpr: 30, 'uk-gdpr': 30, ukgdpr: 30, ccpa: 45, cpra: 45 };
