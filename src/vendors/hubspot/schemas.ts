/**
 * What HubSpot returns, as far as we rely on it. Objects are loose (zod's default strips unknown
 * keys): HubSpot adds fields over time and we must not fail an erasure because of one.
 */
import { z } from 'zod';

/** One page of `POST /crm/v3/objects/contacts/search`. */
export const searchResponseSchema = z.object({
  total: z.number().int().nonnegative(),
  results: z.array(
    z.object({
      id: z.string().min(1),
      // Only the properties we asked for; values may be null when unset.
      properties: z.record(z.string(), z.string().nullable()).optional(),
    }),
  ),
  paging: z.object({ next: z.object({ after: z.string().min(1) }).optional() }).optional(),
});
export type SearchResponse = z.output<typeof searchResponseSchema>;

/**
 * HubSpot's standard error envelope. Everything optional: a malformed-JSON 400 has no `category`,
 * a 429 has `errorType`/`policyName` instead, and a proxy may answer with HTML.
 * `message` and `errors[].message` are free text that can quote the identifier: never log them.
 */
export const errorEnvelopeSchema = z.object({
  status: z.string().optional(),
  message: z.string().optional(),
  correlationId: z.string().optional(),
  category: z.string().optional(),
  subCategory: z.string().optional(),
  errorType: z.string().optional(),
  policyName: z.string().optional(),
  errors: z.array(z.object({ message: z.string().optional(), code: z.string().optional() }).loose()).optional(),
});
export type ErrorEnvelope = z.output<typeof errorEnvelopeSchema>;

export interface SearchFilter {
  propertyName: string;
  operator: 'EQ' | 'CONTAINS_TOKEN';
  value: string;
}

/** Filters inside a group are ANDed; groups are ORed. */
export interface FilterGroup {
  filters: SearchFilter[];
}

/** Search request body, shared by the client (sends it) and the simulator (validates it). */
export const searchRequestSchema = z.object({
  filterGroups: z
    .array(
      z.object({
        filters: z.array(
          z.object({ propertyName: z.string().min(1), operator: z.string().min(1), value: z.string().optional() }),
        ),
      }),
    )
    .default([]),
  properties: z.array(z.string()).optional(),
  limit: z.number().int().positive().optional(),
  after: z.union([z.string(), z.number()]).optional(),
});

export const gdprDeleteRequestSchema = z.object({
  objectId: z.string().min(1),
  idProperty: z.string().optional(),
});
