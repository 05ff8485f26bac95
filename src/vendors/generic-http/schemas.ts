/**
 * The dsr-erasure HTTP connector protocol, version 1: how we ask a system we have no connector for
 * (an in-house CRM, a data warehouse, a ticketing tool) to erase a subject. docs/http-connector-protocol.md documents
 * it.
 */
import { z } from 'zod';
import { keepSafeToken } from '../../vendor-text';

export const PROTOCOL_VERSION = 1;

/** What we POST. */
export interface ErasureOrder {
  version: typeof PROTOCOL_VERSION;
  requestId: string;
  /**
   * The source the request belongs to: request ids are unique per source only, so the system deduplicates (and calls
   * back, with `?source=`) by both. Absent for requests from before ids were namespaced by source.
   */
  source?: string;
  connector: string;
  identifiers: { kind: 'email' | 'phone'; value: string }[];
}

/**
 * The system's own reference, kept in progress and the receipt: a plain token, and one that looks
 * personal (an email address, a host name, a phone number's digits) is kept as a fixed placeholder,
 * since the erasure it reports still happened.
 */
const reference = z
  .string()
  .max(200)
  .regex(/^[A-Za-z0-9._:/-]*$/, 'reference must be a plain token')
  .transform((r) => (r === '' ? r : keepSafeToken(r)))
  .optional();
/** A reason comes from the other system and may quote personal data; we keep only its length-limited code-like part. */
const reason = z.string().max(500).optional();

/** The answer to the POST: 200 with a final state, or 202 accepted. */
export const orderResponseSchema = z.discriminatedUnion('state', [
  z.looseObject({ state: z.literal('completed'), deleted: z.number().int().nonnegative().optional(), reference }),
  z.looseObject({ state: z.literal('not_found'), reference }),
  z.looseObject({ state: z.literal('failed'), reason, reference }),
  z.looseObject({ state: z.literal('accepted'), statusUrl: z.url().optional(), reference }),
]);

/** The answer to a status poll, and the body of a callback. */
export const statusSchema = z.discriminatedUnion('state', [
  z.looseObject({ state: z.literal('pending') }),
  z.looseObject({ state: z.literal('completed'), deleted: z.number().int().nonnegative().optional(), reference }),
  z.looseObject({ state: z.literal('not_found'), reference }),
  z.looseObject({ state: z.literal('failed'), reason, reference }),
]);

export type OrderResponse = z.output<typeof orderResponseSchema>;
export type ConnectorStatus = z.output<typeof statusSchema>;
export type FinalState = 'completed' | 'not_found' | 'failed';
