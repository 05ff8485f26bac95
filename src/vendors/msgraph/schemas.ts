/**
 * What Microsoft's identity platform and Graph return, as far as the erasure relies on it.
 * Objects are loose (extra fields pass) because Microsoft adds fields without notice.
 */
import { z } from 'zod';

/** POST {login}/{tenant}/oauth2/v2.0/token, client-credentials grant. */
export const tokenResponseSchema = z.object({
  token_type: z.string(),
  expires_in: z.coerce.number().int().positive(),
  access_token: z.string().min(1),
});

/** Token endpoint errors; `error_description` is prose and is never copied into failures. */
export const oauthErrorSchema = z.object({
  error: z.string(),
  error_description: z.string().optional(),
  /** AADSTS numbers, e.g. 7000215 = invalid client secret. */
  error_codes: z.array(z.number()).optional(),
  trace_id: z.string().optional(),
  correlation_id: z.string().optional(),
});

/** Graph's OData error body; `message` can quote the request (and so the subject), never surface it. */
export const graphErrorSchema = z.object({
  error: z.object({
    code: z.string(),
    message: z.string().optional(),
    innerError: z.object({ 'request-id': z.string().optional(), date: z.string().optional() }).optional(),
  }),
});

/** A page of an OData collection; follow `@odata.nextLink` as given, never build $skip ourselves. */
export function graphCollection<T extends z.ZodType>(item: T) {
  return z.object({ value: z.array(item), '@odata.nextLink': z.string().optional() });
}

export const userSchema = z.object({ id: z.string().min(1), userPrincipalName: z.string().nullish() });
export const messageRefSchema = z.object({ id: z.string().min(1) });

export const usersPageSchema = graphCollection(userSchema);
export const messagesPageSchema = graphCollection(messageRefSchema);

export type TokenResponse = z.infer<typeof tokenResponseSchema>;
export type GraphError = z.infer<typeof graphErrorSchema>;
