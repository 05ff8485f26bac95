/**
 * What Salesforce returns, as far as the erasure relies on it. Objects are loose (zod strips unknown
 * keys) because Salesforce adds fields every release. Every `message` / `error_description` is prose
 * that can quote the record or the query (and so the identifier): read codes, never messages.
 */
import { z } from 'zod';

/** POST {My Domain}/services/oauth2/token, client-credentials grant. No expires_in, no refresh token. */
export const tokenResponseSchema = z.object({
  access_token: z.string().min(1),
  /** The API host for this org; every REST call goes here, not to the login URL. */
  instance_url: z.url(),
  token_type: z.string().optional(),
  issued_at: z.string().optional(),
  id: z.string().optional(),
  scope: z.string().optional(),
  signature: z.string().optional(),
});

/** Token endpoint errors, e.g. `{"error":"invalid_client","error_description":"invalid client credentials"}`. */
export const oauthErrorSchema = z.object({
  error: z.string(),
  error_description: z.string().optional(),
});

/** REST and Bulk 2.0 error body: `[{"errorCode":"INVALID_SESSION_ID","message":"..."}]`. */
export const restErrorSchema = z.array(
  z.object({
    errorCode: z.string(),
    message: z.string().optional(),
    fields: z.array(z.string()).optional(),
  }),
);

const recordAttributesSchema = z.object({ type: z.string(), url: z.string().optional() });

/**
 * One page of GET /services/data/vXX.X/query or /queryAll; follow `nextRecordsUrl` until `done`.
 * `IsDeleted` comes back only when selected (queryAll: true for a record in the Recycle Bin).
 */
export const queryResultSchema = z.object({
  totalSize: z.number().int().nonnegative(),
  done: z.boolean(),
  nextRecordsUrl: z.string().optional(),
  records: z.array(
    z.object({ Id: z.string().min(1), IsDeleted: z.boolean().optional(), attributes: recordAttributesSchema }),
  ),
});

/** GET /services/data/vXX.X/search (SOSL). No paging: at most 2,000 rows in one answer. */
export const searchResultSchema = z.object({
  searchRecords: z.array(z.object({ Id: z.string().min(1), attributes: recordAttributesSchema })),
});

/**
 * DELETE /composite/sobjects: one DeleteResult per requested id, in request order. A failed item may
 * carry no `id` (Salesforce omits it), so results are matched to ids by position.
 */
export const compositeDeleteResultSchema = z.array(
  z.object({
    id: z.string().nullish(),
    success: z.boolean(),
    errors: z
      .array(
        z.object({ statusCode: z.string(), message: z.string().optional(), fields: z.array(z.string()).optional() }),
      )
      .default([]),
  }),
);

export const BULK_JOB_STATES = ['Open', 'UploadComplete', 'InProgress', 'JobComplete', 'Failed', 'Aborted'] as const;

/** Bulk API 2.0 ingest job info (create, PATCH state, GET). Counts are absent until processing starts. */
export const bulkJobInfoSchema = z.object({
  id: z.string().min(1),
  state: z.enum(BULK_JOB_STATES),
  object: z.string().optional(),
  operation: z.string().optional(),
  numberRecordsProcessed: z.number().int().nonnegative().default(0),
  numberRecordsFailed: z.number().int().nonnegative().default(0),
  /** Prose; never copied into failures. */
  errorMessage: z.string().optional(),
});

/** Bulk API 2.0 create-job request body, shared by the client (sends it) and the simulator (validates it). */
export const createJobRequestSchema = z.object({
  object: z.string().min(1),
  operation: z.enum(['insert', 'update', 'upsert', 'delete', 'hardDelete']),
  contentType: z.literal('CSV').default('CSV'),
  lineEnding: z.enum(['LF', 'CRLF']).default('LF'),
  columnDelimiter: z.literal('COMMA').default('COMMA'),
});

export const patchJobRequestSchema = z.object({ state: z.enum(['UploadComplete', 'Aborted']) });

export type TokenResponse = z.output<typeof tokenResponseSchema>;
export type QueryResult = z.output<typeof queryResultSchema>;
export type SearchResult = z.output<typeof searchResultSchema>;
export type CompositeDeleteResult = z.output<typeof compositeDeleteResultSchema>;
export type BulkJobInfo = z.output<typeof bulkJobInfoSchema>;
export type BulkJobState = (typeof BULK_JOB_STATES)[number];
