/**
 * Salesforce as an erasure connector: find the subject's Contacts and Leads, delete them (to the
 * Recycle Bin) 200 at a time, then purge them with a Bulk API hardDelete job where the org allows it.
 * Progress is heartbeated after each chunk and job, so a retry resumes instead of starting over
 * (records already in the Recycle Bin no longer match a search, but must still be purged).
 * An operator's retry starts a new activity without that heartbeat: the email search then finds the
 * failed run's soft-deleted records through queryAll; the phone search (SOSL) cannot.
 */
import { ApplicationFailure } from '@temporalio/common';
import { z } from 'zod';
import {
  MAX_IDS_IN_RECEIPT,
  type ConnectorContext,
  type ConnectorOutcome,
  type ErasureConnector,
} from '../../connectors/types';
import type { Identifier } from '../../subject/identifiers';
import { FailureTypes } from '../http';
import { DELETE_CHUNK_SIZE, type SalesforceClient } from './client';

export const PERMANENT_METHOD = 'permanently deleted (Bulk API hardDelete)';
export const RECYCLE_BIN_METHOD = 'in the Recycle Bin, purged by Salesforce after 15 days';
/** Nothing matched, live or in the Recycle Bin: no claim about how anything was deleted. */
export const NOTHING_FOUND_METHOD = 'nothing found';
/** SOSL does not search the Recycle Bin, so an empty phone search proves less than an empty email one. */
export const NOTHING_FOUND_BY_PHONE_METHOD =
  'nothing found; records already in the Recycle Bin are not searchable by phone';

/**
 * Heartbeat details: vendor record ids and counts, never the identifier. `ids` holds every match so
 * a retry deletes the same set; a person has a handful of CRM records, so this stays small.
 */
const progressSchema = z.object({
  phase: z.enum(['delete', 'hard-delete']),
  ids: z.array(z.string()),
  /** Chunks of `ids` already sent to the delete endpoint. */
  chunksDone: z.number().int().nonnegative(),
  deleted: z.number().int().nonnegative(),
  alreadyGone: z.number().int().nonnegative(),
  deletedIds: z.array(z.string()),
  /** Soft-deleted ids (ours, ENTITY_IS_DELETED ones, recycled matches) that sit in the Recycle Bin until purged. */
  purge: z.array(z.string()),
  /** Matches the search found already in the Recycle Bin (not in `ids`: they go straight to `purge`). */
  recycled: z.number().int().nonnegative().default(0),
  /** statusCode -> records Salesforce refused to delete. */
  rejected: z.record(z.string(), z.number().int().positive()),
  /** sObject -> Bulk job already holding its ids (resumed by polling, not by a second job). */
  jobs: z.object({ Contact: z.string().optional(), Lead: z.string().optional() }),
});
export type SalesforceProgress = z.infer<typeof progressSchema>;

export function createSalesforceConnector(client: SalesforceClient): ErasureConnector {
  return {
    id: 'salesforce',
    step: 'crm',
    displayName: 'Salesforce',
    kinds: ['email', 'phone'],
    async erase(identifier: Identifier, ctx: ConnectorContext): Promise<ConnectorOutcome> {
      const beat = () => ctx.heartbeat(structuredClone(p));
      const resumed = progressSchema.safeParse(ctx.resumeFrom);
      const p: SalesforceProgress = resumed.success ? resumed.data : await start(client, identifier, ctx);
      if (!resumed.success) beat();

      const chunks = Math.ceil(p.ids.length / DELETE_CHUNK_SIZE);
      while (p.phase === 'delete' && p.chunksDone < chunks) {
        const chunk = p.ids.slice(p.chunksDone * DELETE_CHUNK_SIZE, (p.chunksDone + 1) * DELETE_CHUNK_SIZE);
        for (const { id, result } of await client.deleteRecords(chunk)) {
          if (result === 'deleted') {
            p.deleted += 1;
            p.purge.push(id);
            if (p.deletedIds.length < MAX_IDS_IN_RECEIPT) p.deletedIds.push(id);
          } else if (result === 'already-deleted' || result === 'not-found') {
            p.alreadyGone += 1;
            if (result === 'already-deleted') p.purge.push(id);
          } else p.rejected[result.error] = (p.rejected[result.error] ?? 0) + 1;
        }
        p.chunksDone += 1;
        beat();
      }
      p.phase = 'hard-delete';

      // Purge what we did delete even when some records were refused: the failure below needs a human,
      // and a later run's phone search only finds what is still live, so it could never purge these.
      const permanent = await purge(client, p, beat);
      const found = p.ids.length + p.recycled;

      const refused = Object.entries(p.rejected);
      if (refused.length) {
        const total = refused.reduce((n, [, c]) => n + c, 0);
        throw ApplicationFailure.create({
          type: FailureTypes.rejected,
          nonRetryable: true,
          message: `Salesforce delete-records: ${total} of ${p.ids.length} records refused (${refused.map(([code, c]) => `${code} x${c}`).join(', ')}); ${p.deleted} deleted (${permanent ? 'purged' : 'left in the Recycle Bin'}), ${p.alreadyGone} already gone`,
        });
      }
      return {
        connector: 'salesforce',
        identifier,
        found,
        deleted: p.deleted,
        alreadyGone: p.alreadyGone,
        deletedIds: p.deletedIds,
        method:
          found === 0
            ? identifier.kind === 'phone'
              ? NOTHING_FOUND_BY_PHONE_METHOD
              : NOTHING_FOUND_METHOD
            : permanent
              ? PERMANENT_METHOD
              : RECYCLE_BIN_METHOD,
        completedAt: new Date().toISOString(),
      };
    },
  };
}

async function start(
  client: SalesforceClient,
  identifier: Identifier,
  ctx: ConnectorContext,
): Promise<SalesforceProgress> {
  const progress = (ids: string[], recycled: string[] = []): SalesforceProgress => ({
    phase: 'delete',
    ids,
    chunksDone: 0,
    deleted: 0,
    // Gone from view (an earlier run or a user deleted them) but recoverable: they only need the purge.
    alreadyGone: recycled.length,
    deletedIds: [],
    purge: [...recycled],
    recycled: recycled.length,
    rejected: {},
    jobs: {},
  });
  if (identifier.kind === 'email') {
    const { live, recycled } = await client.findByEmail(identifier.value, () => ctx.heartbeat({ phase: 'search' }));
    return progress(live, recycled);
  }
  // SOSL searches live records only, and has no queryAll: a phone match that an earlier, failed run
  // soft-deleted stays in the Recycle Bin unseen until Salesforce empties it (the email search
  // usually reaches the same record). The receipt says so when a phone search finds nothing.
  return progress(await client.findByPhone(identifier.value));
}

/**
 * True when every match is purged: all that this run soft-deleted or found in the Recycle Bin went
 * through hardDelete. With nothing to purge it is vacuously true; the caller reports an empty search
 * as such, and matches that were all not-found are gone for good (a refused one fails the run).
 */
async function purge(client: SalesforceClient, p: SalesforceProgress, beat: () => void): Promise<boolean> {
  if (client.hardDeleteMode === 'none') return false;
  if (p.purge.length === 0) return true;
  beat();
  const result = await client.hardDelete(p.purge, {
    jobs: p.jobs,
    onJob: (object, jobId) => {
      p.jobs[object] = jobId;
      beat();
    },
    onPoll: beat,
  });
  // Without the permission, or if the job could not purge everything, the records still sit in the
  // Recycle Bin and Salesforce empties it within 15 days: the erasure holds, only the method differs.
  return result.permanent;
}
