/**
 * HubSpot as an erasure connector: find the contacts holding the identifier (search, a page at a
 * time), GDPR-delete exactly those, and for an email finish with a GDPR delete by address so HubSpot
 * blocklists it. Deleting is idempotent: a contact already gone (404) counts as gone, not failed.
 */
import { ApplicationFailure } from '@temporalio/common';
import type { DeleteReport, ErasureConnector, FoundPage } from '../../connectors/types';
import type { Identifier } from '../../subject/identifiers';
import { deleteOneByOne } from '../batch-progress';
import { FailureTypes } from '../http';
import { MAX_SEARCH_RESULTS, type HubSpotClient } from './client';
import type { FilterGroup } from './schemas';

// HubSpot's blocklist stops re-creation by import or the UI, not by a form, a connected inbox or the API.
export const EMAIL_METHOD =
  'HubSpot GDPR delete (permanent) of each matching contact, then GDPR delete by email address, which deletes any contact search missed and blocklists the address against re-creation by import or the UI';
export const PHONE_METHOD = 'HubSpot GDPR delete (permanent) of each contact holding the number';

/** Groups are ORed by HubSpot, so one search covers every property the identifier may sit in. */
export function filterGroupsFor(identifier: Identifier): FilterGroup[] {
  const eq = (propertyName: string, value: string): FilterGroup => ({
    filters: [{ propertyName, operator: 'EQ', value }],
  });
  if (identifier.kind === 'email') {
    return [
      eq('email', identifier.value),
      // Secondary addresses are a `;`-separated list, so only a token match finds one.
      { filters: [{ propertyName: 'hs_additional_emails', operator: 'CONTAINS_TOKEN', value: identifier.value }] },
    ];
  }
  // `phone`/`mobilephone` are free text; E.164-validated portals store `+digits`, which EQ finds.
  // Formatted numbers ("+1 (425) 555-2671") are found through HubSpot's digits-only computed copies.
  const digits = identifier.value.replace(/\D/g, '');
  return [
    eq('phone', identifier.value),
    eq('mobilephone', identifier.value),
    eq('hs_searchable_calculated_phone_number', digits),
    eq('hs_searchable_calculated_mobile_number', digits),
  ];
}

/**
 * The find cursor: results listed so far, and HubSpot's `after`. The count lets find stop where
 * HubSpot stops answering (MAX_SEARCH_RESULTS), which also bounds a listing whose cursor cycles
 * (the client refuses pages that list nothing).
 */
const CURSOR = /^(\d+):(\S+)$/;

function parseCursor(cursor: string | undefined): { listed: number; after?: string } {
  if (cursor === undefined) return { listed: 0 };
  const m = CURSOR.exec(cursor);
  if (!m) {
    throw ApplicationFailure.create({
      type: FailureTypes.requestInvalid,
      nonRetryable: true,
      message: 'HubSpot find: cursor is not one this connector returned',
    });
  }
  return { listed: Number(m[1]), after: m[2] };
}

export function createHubSpotConnector(client: HubSpotClient): ErasureConnector {
  return {
    id: 'hubspot',
    step: 'crm',
    displayName: 'HubSpot',
    kinds: ['email', 'phone'],

    async find(identifier, _mailbox, cursor): Promise<FoundPage> {
      const { listed, after } = parseCursor(cursor);
      const page = await client.searchContactsPage(filterGroupsFor(identifier), after);
      if (!page.after) return { ids: page.ids };
      const total = listed + page.ids.length;
      // HubSpot refuses to page past its cap; deleting these makes room, so the next round finds the rest.
      if (total >= MAX_SEARCH_RESULTS) return { ids: page.ids, capped: true };
      return { ids: page.ids, cursor: `${total}:${page.after}` };
    },

    async deleteFound(_identifier, _mailbox, ids, ctx): Promise<DeleteReport> {
      // 404: an earlier attempt whose answer was lost, a concurrent run, a user, or search lag
      // (HubSpot search is eventually consistent). GDPR delete is permanent: HubSpot keeps no recycle bin of it.
      return { ...(await deleteOneByOne(ids, ctx, (id) => client.gdprDelete(id))), permanent: true };
    },

    async finish(identifier): Promise<void> {
      // 204 whether or not a contact still had the address: it deletes any contact search missed, and
      // blocklists the address. Nothing to count (the workflow's finds recorded what was found).
      if (identifier.kind === 'email') await client.gdprDelete(identifier.value, 'email');
    },

    method: (identifier) => (identifier.kind === 'email' ? EMAIL_METHOD : PHONE_METHOD),
  };
}
