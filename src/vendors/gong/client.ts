/**
 * Gong data privacy: look up what Gong holds for an email/phone, and ask Gong to erase it.
 * HTTP-to-failure mapping lives in VendorHttp; this file only knows Gong's paths and error body.
 * Each method makes exactly one HTTP call and never retries itself: the activity is the unit
 * the Gong task queue rate-limits, and Temporal's retry policy does the retrying.
 */
import { ApplicationFailure } from '@temporalio/common';
import type { Dispatcher } from 'undici';
import { z } from 'zod';
import { blankAsUndefined, optionalEnv } from '../../env';
import type { Identifier, IdentifierKind } from '../../subject/identifiers';
import { basicAuth, FailureTypes, keepSafeToken, VendorHttp, type VendorErrorInfo } from '../http';
import {
  emailAddressReferencesSchema,
  eraseAcceptedSchema,
  errorResponseSchema,
  phoneNumberReferencesSchema,
  type EmailAddressReferences,
  type PhoneNumberReferences,
} from './schemas';
import type { GongEraseResult, GongReferenceCounts, GongReferenceSummary } from './types';

export const GONG_DEFAULT_BASE_URL = 'https://api.gong.io';

export type GongAuth =
  { kind: 'basic'; accessKey: string; accessKeySecret: string } | { kind: 'bearer'; token: string };

export interface GongClientOptions {
  /** Tenant-specific (`https://us-NNNNN.api.gong.io`, or OAuth's `api_base_url_for_customer`). */
  baseUrl: string;
  auth: GongAuth;
  timeoutMs?: number;
  dispatcher?: Dispatcher;
}

/** Both endpoints take the value as a query parameter; VendorHttp encodes `+` as %2B, as Gong requires. */
const ENDPOINTS: Record<IdentifierKind, { read: string; erase: string; param: string }> = {
  email: { read: 'data-for-email-address', erase: 'erase-data-for-email-address', param: 'emailAddress' },
  phone: { read: 'data-for-phone-number', erase: 'erase-data-for-phone-number', param: 'phoneNumber' },
};

/**
 * Only Gong's request id goes into failure messages; `errors` is prose that can quote the identifier.
 * Filtered here too (not only by VendorHttp): the 404 below keeps it in the receipt.
 */
export function describeGongError(body: unknown): VendorErrorInfo {
  const parsed = errorResponseSchema.safeParse(body);
  return parsed.success && parsed.data.requestId ? { vendorRequestId: keepSafeToken(parsed.data.requestId) } : {};
}

/** Fields of the read answers that describe the lookup, not data Gong holds about the person. */
const LOOKUP_FIELDS = new Set(['requestId', 'suppliedPhoneNumber', 'matchingPhoneNumbers', 'emailAddresses']);
const COUNTED_LISTS = new Set(['emails', 'calls', 'meetings', 'customerData', 'customerEngagement']);

/**
 * Every list Gong returns counts: the documented ones by name, and any list Gong adds later under
 * `other`, so a verification never passes while Gong still answers with references we did not know.
 */
export function countReferences(body: EmailAddressReferences | PhoneNumberReferences): GongReferenceCounts {
  const other = Object.entries(body)
    .filter(([field, value]) => Array.isArray(value) && !LOOKUP_FIELDS.has(field) && !COUNTED_LISTS.has(field))
    .reduce((n, [, value]) => n + (value as unknown[]).length, 0);
  return {
    emails: body.emails?.length ?? 0,
    calls: body.calls?.length ?? 0,
    meetings: body.meetings?.length ?? 0,
    customerDataObjects: (body.customerData ?? []).reduce((n, d) => n + (d.objects?.length ?? 0), 0),
    // Phone payloads have no such list (a loose object would pass one through if Gong adds it).
    customerEngagement: Array.isArray(body.customerEngagement) ? body.customerEngagement.length : 0,
    ...(other > 0 && { other }),
  };
}

export class GongClient {
  readonly http: VendorHttp;
  readonly baseUrl: string;
  readonly authKind: GongAuth['kind'];

  constructor(options: GongClientOptions) {
    const { auth } = options;
    const authorization =
      auth.kind === 'basic' ? basicAuth(auth.accessKey, auth.accessKeySecret) : `Bearer ${auth.token}`;
    this.baseUrl = options.baseUrl;
    this.authKind = auth.kind;
    this.http = new VendorHttp({
      vendor: 'Gong',
      baseUrl: options.baseUrl,
      authHeaders: () => ({ authorization }),
      timeoutMs: options.timeoutMs,
      dispatcher: options.dispatcher,
      describeError: describeGongError,
    });
  }

  /** What Gong still holds for the identifier, as counts. One GET. */
  async references(identifier: Identifier): Promise<GongReferenceSummary> {
    const { read: operation, param } = ENDPOINTS[identifier.kind];
    const res = await this.http.send({
      operation,
      method: 'GET',
      path: `/v2/data-privacy/${operation}`,
      query: { [param]: identifier.value },
      // Undocumented for data privacy, but Gong's list endpoints answer "nothing found" with 404.
      passStatuses: [404],
    });
    const checkedAt = new Date().toISOString();
    if (res.status === 404) {
      // Only Gong's own 404 (its error body with a request id) means "no references". A bare 404
      // is a wrong base URL or path, and reading it as "nothing left" would verify an erasure falsely.
      const gongRequestId = describeGongError(res.body).vendorRequestId;
      if (!gongRequestId) {
        throw ApplicationFailure.create({
          type: FailureTypes.unexpected,
          nonRetryable: true,
          message: `Gong ${operation}: HTTP 404 without a Gong error body; check the Gong base URL`,
        });
      }
      return { identifier, total: 0, counts: countReferences({}), gongRequestId, checkedAt };
    }
    const schema = identifier.kind === 'email' ? emailAddressReferencesSchema : phoneNumberReferencesSchema;
    const body = this.http.parse(operation, schema, res.body);
    const counts = countReferences(body);
    const total = Object.values(counts).reduce((a, b) => a + b, 0);
    // Kept in progress and the receipt (and quoted to operators): a safe token or the placeholder.
    const gongRequestId = body.requestId ? keepSafeToken(body.requestId) : undefined;
    return { identifier, total, counts, gongRequestId, checkedAt };
  }

  /**
   * Asks Gong to erase everything referencing the identifier. One POST, no body. Gong answers 200
   * at once and deletes asynchronously (hours); only a later `references` shows whether it did.
   * Repeating it is harmless, and Gong answers 200 for an identifier it does not know.
   */
  async erase(identifier: Identifier): Promise<GongEraseResult> {
    const { erase: operation, param } = ENDPOINTS[identifier.kind];
    const requestedAt = new Date().toISOString();
    const res = await this.http.send({
      operation,
      method: 'POST',
      path: `/v2/data-privacy/${operation}`,
      query: { [param]: identifier.value },
    });
    const body = this.http.parse(operation, eraseAcceptedSchema, res.body);
    return { identifier, gongRequestId: keepSafeToken(body.requestId), requestedAt };
  }
}

const optionalVar = optionalEnv(z.string().trim());

const gongEnvSchema = z.object({
  GONG_BASE_URL: z.preprocess(
    blankAsUndefined,
    z
      .url({ protocol: /^https?$/, error: 'must be an http(s) URL, e.g. https://us-12345.api.gong.io' })
      .default(GONG_DEFAULT_BASE_URL),
  ),
  GONG_ACCESS_KEY: optionalVar,
  GONG_ACCESS_KEY_SECRET: optionalVar,
  GONG_ACCESS_TOKEN: optionalVar,
});

/**
 * The Gong client configured by the environment, or undefined when no Gong credentials are set.
 * Errors name the variable, never its value (the URL may embed credentials, the rest are secrets).
 */
export function gongClientFromEnv(env: NodeJS.ProcessEnv): GongClient | undefined {
  const parsed = gongEnvSchema.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.')} ${i.message}`);
    throw new Error(`Gong configuration: ${problems.join('; ')}`);
  }
  const {
    GONG_BASE_URL: baseUrl,
    GONG_ACCESS_KEY: accessKey,
    GONG_ACCESS_KEY_SECRET: accessKeySecret,
    GONG_ACCESS_TOKEN: token,
  } = parsed.data;
  if (accessKey && !accessKeySecret)
    throw new Error('Gong configuration: GONG_ACCESS_KEY is set but GONG_ACCESS_KEY_SECRET is not');
  if (accessKeySecret && !accessKey)
    throw new Error('Gong configuration: GONG_ACCESS_KEY_SECRET is set but GONG_ACCESS_KEY is not');
  // Refuse to guess which credential was meant: they may belong to different Gong tenants.
  if (accessKey && token) {
    throw new Error(
      'Gong configuration: set either GONG_ACCESS_KEY and GONG_ACCESS_KEY_SECRET (Basic) or GONG_ACCESS_TOKEN (Bearer), not both',
    );
  }
  if (accessKey && accessKeySecret)
    return new GongClient({ baseUrl, auth: { kind: 'basic', accessKey, accessKeySecret } });
  if (token) return new GongClient({ baseUrl, auth: { kind: 'bearer', token } });
  return undefined;
}
