/**
 * HubSpot as an erasure connector: find every contact holding the identifier, GDPR-delete each,
 * and for an email also GDPR-delete by address so HubSpot blocklists it.
 * Idempotent by construction: each run searches afresh, and deletes of what is already gone are
 * counted, not failed.
 */
import { MAX_IDS_IN_RECEIPT, type ConnectorOutcome, type ErasureConnector } from '../../connectors/types';
import type { Identifier } from '../../subject/identifiers';
import type { HubSpotClient } from './client';
import type { FilterGroup } from './schemas';

// HubSpot's blocklist stops re-creation by import or the UI, not by a form, a connected inbox or the API.
const EMAIL_METHOD =
  'HubSpot GDPR delete (permanent) of each matching contact, then GDPR delete by email address, which deletes any contact search missed and blocklists the address against re-creation by import or the UI';
const PHONE_METHOD = 'HubSpot GDPR delete (permanent) of each contact holding the number';

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

export function createHubSpotConnector(client: HubSpotClient): ErasureConnector {
  return {
    id: 'hubspot',
    step: 'crm',
    displayName: 'HubSpot',
    kinds: ['email', 'phone'],
    async erase(identifier, ctx): Promise<ConnectorOutcome> {
      const ids = await client.searchContacts(filterGroupsFor(identifier), () => ctx.heartbeat({ phase: 'search' }));
      const deletedIds: string[] = [];
      let deleted = 0;
      let alreadyGone = 0;
      for (const id of ids) {
        // Raced by a concurrent run, a user or search lag (HubSpot search is eventually consistent).
        if ((await client.gdprDelete(id)) === 'not-found') alreadyGone += 1;
        else {
          deleted += 1;
          if (deletedIds.length < MAX_IDS_IN_RECEIPT) deletedIds.push(id);
        }
        // Counts only: heartbeat details are stored by Temporal and must hold no personal data.
        ctx.heartbeat({ phase: 'delete', deleted, alreadyGone, remaining: ids.length - deleted - alreadyGone });
      }
      if (identifier.kind === 'email') {
        // 204 whether or not a contact still had the address, so it is not counted in `deleted`.
        await client.gdprDelete(identifier.value, 'email');
      }
      return {
        connector: 'hubspot',
        identifier,
        found: ids.length,
        deleted,
        alreadyGone,
        deletedIds,
        method: identifier.kind === 'email' ? EMAIL_METHOD : PHONE_METHOD,
        completedAt: new Date().toISOString(),
      };
    },
  };
}
