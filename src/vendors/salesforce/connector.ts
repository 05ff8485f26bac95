/**
 * Salesforce as an erasure connector. find: the subject's Contacts and Leads, by email (SOQL
 * queryAll, so records already in the Recycle Bin are found too) or by phone (SOSL, live records
 * only). deleteFound: delete exactly those ids (to the Recycle Bin) 200 at a time, then purge them
 * with a Bulk API hardDelete job where the org allows it. Deleting is idempotent: a record already in
 * the Recycle Bin (ENTITY_IS_DELETED) or gone for good counts as already gone, and the first is purged.
 */
import { ApplicationFailure } from '@temporalio/common';
import { z } from 'zod';
import { MAX_FOUND_PER_PAGE, type DeleteReport, type ErasureConnector, type FoundPage } from '../../connectors/types';
import type { Identifier } from '../../subject/identifiers';
import { batchKey } from '../batch-progress';
import { FailureTypes } from '../http';
import { isContactOrLeadId, type SalesforceClient, type SObjectType } from './client';

export const PERMANENT_METHOD = 'permanently deleted (Bulk API hardDelete)';
export const RECYCLE_BIN_METHOD = 'in the Recycle Bin, purged by Salesforce after 15 days';
/** Nothing matched, live or in the Recycle Bin: no claim about how anything was deleted. */
export const NOTHING_FOUND_METHOD = 'nothing found';
/** SOSL does not search the Recycle Bin, so an empty phone search proves less than an empty email one. */
export const NOTHING_FOUND_BY_PHONE_METHOD =
  'nothing found; records already in the Recycle Bin are not searchable by phone';

/**
 * Heartbeat details of deleteFound: counts, and the Bulk jobs already holding the batch's ids, so a
 * retried attempt polls them instead of starting a second job on the same records (which would fail
 * those records and misreport the purge). Keyed by the batch: a retry of another batch starts afresh.
 */
const progressSchema = z.object({
  batch: z.string(),
  deleted: z.number().int().nonnegative(),
  alreadyGone: z.number().int().nonnegative(),
  /** sObject -> Bulk hardDelete job holding its ids. */
  jobs: z.object({ Contact: z.string().optional(), Lead: z.string().optional() }),
});
export type SalesforceDeleteProgress = z.infer<typeof progressSchema>;

/** What a refused delete's failure carries (details[0]): vendor ids only, so the workflow can count the rest. */
export interface RefusedDeleteDetails extends DeleteReport {
  refused: string[];
}

/**
 * The find cursor: how many of the (sorted) matches earlier pages listed. Neither search pages the
 * way a cursor could resume (SOSL not at all), so a later page runs the search again and skips
 * those; the workflow follows a cursor only while nothing is deleted, so the matches are the same.
 * A person has a handful of CRM records: a second page is the exception.
 */
function parseCursor(cursor: string | undefined): number {
  if (cursor === undefined) return 0;
  if (!/^[1-9]\d{0,8}$/.test(cursor)) {
    throw ApplicationFailure.create({
      type: FailureTypes.requestInvalid,
      nonRetryable: true,
      message: 'Salesforce find: cursor is not one this connector returned',
    });
  }
  return Number(cursor);
}

export function createSalesforceConnector(client: SalesforceClient): ErasureConnector {
  return {
    id: 'salesforce',
    step: 'crm',
    displayName: 'Salesforce',
    kinds: ['email', 'phone'],

    async find(identifier, _mailbox, cursor, ctx): Promise<FoundPage> {
      const skip = parseCursor(cursor);
      const ids = [...new Set(await findIds(client, identifier, () => ctx.heartbeat()))].sort();
      const end = skip + MAX_FOUND_PER_PAGE;
      return { ids: ids.slice(skip, end), ...(end < ids.length ? { cursor: String(end) } : {}) };
    },

    async deleteFound(_identifier, _mailbox, ids, ctx): Promise<DeleteReport> {
      // Exactly what find returns: never send another object's id (an Account) to the delete endpoint.
      if (!ids.every(isContactOrLeadId)) {
        throw ApplicationFailure.create({
          type: FailureTypes.requestInvalid,
          nonRetryable: true,
          message: 'Salesforce delete-records: refusing ids that are not Contact or Lead ids',
        });
      }
      const batch = batchKey(ids);
      const resumed = progressSchema.safeParse(ctx.resumeFrom);
      const jobs = resumed.success && resumed.data.batch === batch ? { ...resumed.data.jobs } : {};
      const report = { deleted: [] as string[], alreadyGone: [] as string[], refused: [] as string[] };
      /** Soft-deleted, ours or found so (ENTITY_IS_DELETED): in the Recycle Bin until purged. */
      const toPurge: string[] = [];
      const codes: Record<string, number> = {};
      const beat = () =>
        ctx.heartbeat({
          batch,
          deleted: report.deleted.length,
          alreadyGone: report.alreadyGone.length,
          jobs: { ...jobs },
        } satisfies SalesforceDeleteProgress);

      // A retried attempt deletes the batch again: what the last attempt deleted answers ENTITY_IS_DELETED
      // (still to purge, unless its job did) or not-found (purged): already gone either way.
      await client.deleteRecords(ids, (outcomes) => {
        for (const { id, result } of outcomes) {
          if (result === 'deleted' || result === 'already-deleted') toPurge.push(id);
          if (result === 'deleted') report.deleted.push(id);
          else if (result === 'already-deleted' || result === 'not-found') report.alreadyGone.push(id);
          else {
            report.refused.push(id);
            codes[result.error] = (codes[result.error] ?? 0) + 1;
          }
        }
        beat();
      });

      // Purge what was deleted even when some records were refused: the failure below needs a human,
      // and a phone search (SOSL) cannot see the Recycle Bin, so no later find would list these again.
      const permanent = await purge(client, toPurge, jobs, beat);

      const refused = Object.entries(codes);
      if (refused.length) {
        throw ApplicationFailure.create({
          type: FailureTypes.rejected,
          nonRetryable: true,
          message: `Salesforce delete-records: ${report.refused.length} of ${ids.length} records refused (${refused.map(([code, c]) => `${code} x${c}`).join(', ')}); ${report.deleted.length} deleted (${permanent ? 'purged' : 'left in the Recycle Bin'}), ${report.alreadyGone.length} already gone`,
          details: [{ ...report, permanent } satisfies RefusedDeleteDetails],
        });
      }
      return { deleted: report.deleted, alreadyGone: report.alreadyGone, permanent };
    },

    method(identifier, { found, permanent }) {
      if (found === 0) return identifier.kind === 'phone' ? NOTHING_FOUND_BY_PHONE_METHOD : NOTHING_FOUND_METHOD;
      return permanent ? PERMANENT_METHOD : RECYCLE_BIN_METHOD;
    },
  };
}

/** Every matching Contact and Lead id: by email live and recycled alike (both are deleted, then purged). */
async function findIds(client: SalesforceClient, identifier: Identifier, onPage: () => void): Promise<string[]> {
  if (identifier.kind === 'email') {
    const { live, recycled } = await client.findByEmail(identifier.value, onPage);
    return [...live, ...recycled];
  }
  // SOSL searches live records only, and refuses a number matching SOSL's cap (too many to be one person).
  return client.findByPhone(identifier.value);
}

/**
 * True when every record to purge went through hardDelete (vacuously when there is none: what was
 * not-found is gone for good). False without the permission, with SALESFORCE_HARD_DELETE=none, or if
 * a job could not purge everything: the records sit in the Recycle Bin and Salesforce empties it
 * within 15 days, so the erasure holds and only the method differs.
 */
async function purge(
  client: SalesforceClient,
  ids: string[],
  jobs: Partial<Record<SObjectType, string>>,
  beat: () => void,
): Promise<boolean> {
  if (client.hardDeleteMode === 'none') return false;
  if (ids.length === 0) return true;
  const result = await client.hardDelete(ids, {
    jobs,
    onJob: (object, jobId) => {
      jobs[object] = jobId;
      beat();
    },
    onPoll: beat,
  });
  return result.permanent;
}
