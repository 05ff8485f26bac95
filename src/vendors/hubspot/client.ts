/**
 * HubSpot CRM contacts: search and GDPR delete, nothing else. HTTP-to-failure mapping lives in
 * VendorHttp; this file only knows HubSpot's paths, bodies and error envelope.
 */
import { ApplicationFailure } from '@temporalio/common';
import type { Dispatcher } from 'undici';
import { z } from 'zod';
import { invalidVariables, optionalEnv } from '../../env';
import { FailureTypes, VendorHttp, type VendorErrorInfo } from '../http';
import { errorEnvelopeSchema, searchResponseSchema, type FilterGroup } from './schemas';

export const HUBSPOT_DEFAULT_BASE_URL = 'https://api.hubapi.com';
/** HubSpot allows up to 200; 100 keeps each find call (one page) short. */
export const SEARCH_PAGE_SIZE = 100;
/** HubSpot answers at most 10,000 results per query: it refuses an `after` past them (400). */
export const MAX_SEARCH_RESULTS = 10_000;

/** One page of a contact search: matching contact ids, and `after` when HubSpot has more. */
export interface SearchPage {
  ids: string[];
  after?: string;
}

export interface HubSpotClientOptions {
  baseUrl?: string;
  accessToken: string;
  timeoutMs?: number;
  dispatcher?: Dispatcher;
}

/** Only ids and machine codes go into failure messages; `message` can quote the email being erased. */
export function describeHubSpotError(body: unknown): VendorErrorInfo {
  const parsed = errorEnvelopeSchema.safeParse(body);
  if (!parsed.success) return {};
  const { correlationId, category, errorType, policyName } = parsed.data;
  const codes = [category, errorType, policyName].filter((c): c is string => !!c);
  return { vendorRequestId: correlationId, codes };
}

export class HubSpotClient {
  readonly http: VendorHttp;

  constructor(options: HubSpotClientOptions) {
    this.http = new VendorHttp({
      vendor: 'HubSpot',
      baseUrl: options.baseUrl ?? HUBSPOT_DEFAULT_BASE_URL,
      authHeaders: () => ({ authorization: `Bearer ${options.accessToken}` }),
      timeoutMs: options.timeoutMs,
      dispatcher: options.dispatcher,
      describeError: describeHubSpotError,
    });
  }

  /**
   * One page of the contacts matching any of the groups, and HubSpot's cursor to the next page.
   * Read-only; the caller follows `after` only while nothing is deleted (deleting shifts HubSpot's
   * offsets), and stops at MAX_SEARCH_RESULTS.
   */
  async searchContactsPage(filterGroups: FilterGroup[], after?: string): Promise<SearchPage> {
    const res = await this.http.send({
      operation: 'search-contacts',
      method: 'POST',
      path: '/crm/v3/objects/contacts/search',
      // `properties` replaces HubSpot's default set (names, dates): fetch no more personal data than needed.
      json: { filterGroups, properties: ['email'], limit: SEARCH_PAGE_SIZE, ...(after ? { after } : {}) },
    });
    const body = this.http.parse('search-contacts', searchResponseSchema, res.body);
    const next = body.paging?.next?.after;
    // A cursor that does not move, or pages that list nothing, would have the caller page forever.
    if (next !== undefined && next === after) throw this.pagingFailure('repeated the same cursor');
    if (next !== undefined && body.results.length === 0) throw this.pagingFailure('gave an empty page with a cursor');
    return { ids: [...new Set(body.results.map((r) => r.id))], after: next };
  }

  /**
   * Permanent (GDPR) delete. By id, a 404 means the contact is already gone. By email, HubSpot
   * answers 204 whether or not a contact had it, and blocklists the address either way.
   */
  async gdprDelete(objectId: string, idProperty?: 'email'): Promise<'deleted' | 'not-found'> {
    const res = await this.http.send({
      operation: 'gdpr-delete',
      method: 'POST',
      path: '/crm/v3/objects/contacts/gdpr-delete',
      json: idProperty ? { objectId, idProperty } : { objectId },
      passStatuses: [404],
    });
    return res.status === 404 ? 'not-found' : 'deleted';
  }

  private pagingFailure(reason: string): ApplicationFailure {
    return ApplicationFailure.create({
      type: FailureTypes.invalidResponse,
      nonRetryable: true,
      message: `HubSpot search-contacts: paging ${reason}`,
    });
  }
}

const envSchema = z.object({
  HUBSPOT_ACCESS_TOKEN: optionalEnv(z.string().trim()),
  HUBSPOT_BASE_URL: optionalEnv(z.url()),
});

/** A client when HUBSPOT_ACCESS_TOKEN is set; undefined means the HubSpot connector is not configured. */
export function hubspotClientFromEnv(env: Record<string, string | undefined> = process.env): HubSpotClient | undefined {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    // Names only: the values are a secret and a URL.
    const fields = invalidVariables(parsed.error).join(', ');
    throw new Error(`invalid HubSpot configuration: ${fields}`);
  }
  const { HUBSPOT_ACCESS_TOKEN: accessToken, HUBSPOT_BASE_URL: baseUrl } = parsed.data;
  return accessToken ? new HubSpotClient({ accessToken, baseUrl }) : undefined;
}
