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
/** 100 keeps pages small for a heartbeat between them; HubSpot allows up to 200. */
const SEARCH_PAGE_SIZE = 100;
/** HubSpot refuses to page past 10,000 results per query; a loop beyond that is a bug, not data. */
const MAX_SEARCH_PAGES = 10_000 / SEARCH_PAGE_SIZE;

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

  /** Ids of every contact matching any of the groups, across all pages, without duplicates. */
  async searchContacts(filterGroups: FilterGroup[], onPage?: () => void): Promise<string[]> {
    const ids = new Set<string>();
    let after: string | undefined;
    for (let page = 0; page < MAX_SEARCH_PAGES; page++) {
      const res = await this.http.send({
        operation: 'search-contacts',
        method: 'POST',
        path: '/crm/v3/objects/contacts/search',
        // `properties` replaces HubSpot's default set (names, dates): fetch no more personal data than needed.
        json: { filterGroups, properties: ['email'], limit: SEARCH_PAGE_SIZE, ...(after ? { after } : {}) },
      });
      const body = this.http.parse('search-contacts', searchResponseSchema, res.body);
      for (const r of body.results) ids.add(r.id);
      onPage?.();
      const next = body.paging?.next?.after;
      if (!next) return [...ids];
      if (next === after) throw this.pagingFailure('repeated the same cursor');
      after = next;
    }
    throw this.pagingFailure(`exceeded ${MAX_SEARCH_PAGES} pages`);
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
