/**
 * Ketch's open forwarder protocol, dsr/v1 (github.com/ketch-com/ketch-forwarder, api/dsr/v1):
 * a DeleteRequest comes in, a DeleteResponse goes back, DeleteStatusEvents go to the request's
 * callbacks later. Inside `request` and `subject` unknown fields are tolerated (Ketch adds fields,
 * and a strict parse would make every new Ketch release fail our intake); the envelope is strict.
 */
import { z } from 'zod';
import {
  callbackHeaderProblems,
  MAX_CALLBACK_HEADERS,
  MAX_HEADER_NAME_LENGTH,
  MAX_HEADER_VALUE_LENGTH,
} from '../../callbacks/headers';

export const ketchStatuses = ['unknown', 'pending', 'in_progress', 'completed', 'cancelled', 'denied'] as const;
export type KetchStatus = (typeof ketchStatuses)[number];

export const ketchMetadataSchema = z
  .object({
    uid: z
      .string({ error: 'must be a string' })
      .regex(/^[A-Za-z0-9-]{1,64}$/, 'must be an id of letters, digits and - (at most 64)'),
    tenant: z.string({ error: 'must be a string' }).regex(/^[A-Za-z0-9._-]{1,128}$/, 'must be a tenant code'),
  })
  .loose();

const identitySchema = z
  .object({
    identitySpace: z
      .string({ error: 'must be a string' })
      .min(1, 'must not be empty')
      .max(128, 'must be at most 128 characters'),
    identityFormat: z.enum(['raw', 'md5', 'sha1'], { error: 'must be raw, md5 or sha1' }).default('raw'),
    identityValue: z
      .string({ error: 'must be a string' })
      .min(1, 'must not be empty')
      .max(320, 'must be at most 320 characters'),
  })
  .loose();

const callbackSchema = z
  .object({
    url: z.url({ protocol: /^https?$/, error: 'must be an https URL' }).max(2048, 'must be at most 2048 characters'),
    // Checked as a whole, so every issue is reported at `headers`: zod would put a bad name (which may
    // carry a CR/LF or a secret) into the issue's path, and the path into the error message.
    headers: z
      .record(z.string(), z.unknown(), { error: 'must map header names to strings' })
      .superRefine((headers, ctx) => {
        for (const message of callbackHeaderProblems(headers)) ctx.addIssue({ code: 'custom', message });
      })
      .transform((headers) => headers as Record<string, string>) // every value was checked to be a string
      .optional()
      .meta({
        description:
          'Headers to send with each status event (e.g. Authorization): RFC 9110 token names, printable ASCII ' +
          'values; hop-by-hop headers, Host, Content-Length, Expect, Content-Type, Content-Encoding and X-DSR-* ' +
          'are refused',
        propertyNames: { type: 'string', maxLength: MAX_HEADER_NAME_LENGTH },
        additionalProperties: { type: 'string', maxLength: MAX_HEADER_VALUE_LENGTH },
        maxProperties: MAX_CALLBACK_HEADERS,
      }),
  })
  .loose();

const unixSeconds = z
  .number({ error: 'must be a UNIX timestamp in seconds' })
  .int('must be a whole number of seconds')
  .min(0)
  .max(4_102_444_800);

export const ketchDeleteRequestSchema = z
  .object({
    apiVersion: z.literal('dsr/v1', { error: 'must be dsr/v1' }),
    kind: z.literal('DeleteRequest', { error: 'must be DeleteRequest' }),
    metadata: ketchMetadataSchema,
    request: z
      .object({
        controller: z.string().max(128).optional(),
        property: z.string({ error: 'must be a string' }).max(128).optional(),
        environment: z.string({ error: 'must be a string' }).max(128).optional(),
        regulation: z
          .string({ error: 'must be a string' })
          .regex(/^[A-Za-z0-9_-]{1,64}$/, 'must be a regulation code')
          .optional(),
        jurisdiction: z.string({ error: 'must be a string' }).max(128).optional(),
        identities: z.array(identitySchema).max(50, 'at most 50 identities').default([]),
        callbacks: z.array(callbackSchema).max(5, 'at most 5 callbacks').default([]),
        subject: z
          .object({ email: z.string({ error: 'must be a string' }).max(320).optional() })
          .loose()
          .optional(),
        claims: z.record(z.string(), z.unknown()).optional(),
        submittedTimestamp: unixSeconds.optional(),
        dueTimestamp: unixSeconds.optional(),
      })
      .loose(),
  })
  .strict();

export type KetchDeleteRequest = z.output<typeof ketchDeleteRequestSchema>;
export type KetchMetadata = { uid: string; tenant: string };

export interface KetchDeleteResponse {
  apiVersion: 'dsr/v1';
  kind: 'DeleteResponse';
  metadata: KetchMetadata;
  response: { status: KetchStatus; reason?: string; requestID?: string; expectedCompletionTimestamp?: number };
}

export const ketchDeleteStatusEventSchema = z
  .object({
    apiVersion: z.literal('dsr/v1'),
    kind: z.literal('DeleteStatusEvent'),
    metadata: ketchMetadataSchema,
    event: z
      .object({
        status: z.enum(ketchStatuses),
        reason: z.string().optional(),
        requestID: z.string().optional(),
        expectedCompletionTimestamp: z.number().optional(),
      })
      .loose(),
  })
  .strict();

export type KetchDeleteStatusEvent = z.output<typeof ketchDeleteStatusEventSchema>;

export interface KetchError {
  apiVersion: 'dsr/v1';
  kind: 'Error';
  metadata?: KetchMetadata;
  error: { code: number; status: string; message: string };
}
