/**
 * What Google's OAuth endpoint, the Admin SDK Directory API and the Gmail API return, as far as the
 * erasure relies on it. Objects are loose (extra fields pass) because Google adds fields without notice.
 */
import { z } from 'zod';

/**
 * A service-account key file as downloaded from the Cloud console. Only the fields we use are checked;
 * `private_key` is a PEM (PKCS#8) and must never appear in logs or failure messages.
 */
export const serviceAccountKeySchema = z.object({
  type: z.literal('service_account'),
  client_email: z.email(),
  private_key: z.string().includes('PRIVATE KEY'),
  /** Goes into the JWT header as `kid` so Google picks the right public key without trying them all. */
  private_key_id: z.string().optional(),
  client_id: z.string().optional(),
  token_uri: z.url().optional(),
});

/** POST {token_uri}, grant_type=urn:ietf:params:oauth:grant-type:jwt-bearer. */
export const tokenResponseSchema = z.object({
  access_token: z.string().min(1),
  expires_in: z.coerce.number().int().positive(),
  token_type: z.string().optional(),
});

/** Token endpoint errors (`invalid_grant`, `unauthorized_client`...); `error_description` is prose, never surfaced. */
export const oauthErrorSchema = z.object({
  error: z.string(),
  error_description: z.string().optional(),
});

/**
 * Google's API error body. `message` and `errors[].message` can quote the request (the search term,
 * the impersonated mailbox), so only `status` and `errors[].reason` ever leave this folder.
 */
export const googleErrorSchema = z.object({
  error: z.object({
    code: z.number().int(),
    message: z.string().optional(),
    /** Canonical gRPC-style status, e.g. `PERMISSION_DENIED`, `RESOURCE_EXHAUSTED`. */
    status: z.string().optional(),
    errors: z
      .array(z.object({ reason: z.string().optional(), domain: z.string().optional(), message: z.string().optional() }))
      .optional(),
  }),
});

/** GET /admin/directory/v1/users. `users` is absent (not empty) on an empty page. */
export const directoryUsersPageSchema = z.object({
  users: z.array(z.object({ primaryEmail: z.string().min(1), suspended: z.boolean().optional() })).optional(),
  nextPageToken: z.string().optional(),
});

/** GET /admin/directory/v1/users/{userKey} with `fields=primaryEmail,suspended`. */
export const directoryUserSchema = z.object({ primaryEmail: z.string().min(1), suspended: z.boolean().optional() });

/** GET /gmail/v1/users/{userId}/messages. `messages` is absent when nothing matches. */
export const gmailListPageSchema = z.object({
  messages: z.array(z.object({ id: z.string().min(1), threadId: z.string().optional() })).optional(),
  nextPageToken: z.string().optional(),
  resultSizeEstimate: z.number().int().nonnegative().optional(),
});

export type ServiceAccountKey = z.infer<typeof serviceAccountKeySchema>;
export type GoogleError = z.infer<typeof googleErrorSchema>;
