/**
 * Deleting a batch one call per id (HubSpot, Microsoft Graph), so that a retried attempt goes on
 * from where the last one got instead of starting over: under repeated 5xx a batch that always
 * restarts might never finish. A retried attempt of the same activity gets the last heartbeat of
 * the one before; the key makes sure it resumes only from progress on the same ids.
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';
import type { ConnectorContext, DeleteReport } from '../connectors/types';

/** A digest of the batch's ids, in order: short whatever the batch size, and no id in plain sight. */
export function batchKey(ids: readonly string[]): string {
  return createHash('sha256').update(ids.join('\n')).digest('base64url');
}

/** Heartbeat details: how far through the batch it got, by position (no ids). */
const progressSchema = z
  .object({
    batch: z.string(),
    /** Ids of the batch, from the start, with an answer. */
    done: z.number().int().nonnegative(),
    /** Positions (below `done`) of the ids that were already gone. */
    alreadyGone: z.array(z.number().int().nonnegative()),
  })
  .refine((p) => p.alreadyGone.every((i) => i < p.done));
export type OneByOneProgress = z.infer<typeof progressSchema>;

/**
 * Deletes `ids` in order with `deleteOne`, heartbeating progress after each; resumes from the
 * previous attempt's progress on the same batch. An id passed twice is deleted (and reported) once.
 */
export async function deleteOneByOne(
  ids: readonly string[],
  ctx: ConnectorContext,
  deleteOne: (id: string) => Promise<'deleted' | 'not-found'>,
): Promise<Pick<DeleteReport, 'deleted' | 'alreadyGone'>> {
  const unique = [...new Set(ids)];
  const batch = batchKey(unique);
  const resumed = progressSchema.safeParse(ctx.resumeFrom);
  const progress: OneByOneProgress =
    resumed.success && resumed.data.batch === batch && resumed.data.done <= unique.length
      ? resumed.data
      : { batch, done: 0, alreadyGone: [] };
  for (; progress.done < unique.length; progress.done++) {
    if ((await deleteOne(unique[progress.done]!)) === 'not-found') progress.alreadyGone.push(progress.done);
    // A copy: heartbeats are sent later (throttled), after `progress` has moved on.
    ctx.heartbeat({ ...progress, done: progress.done + 1, alreadyGone: [...progress.alreadyGone] });
  }
  const gone = new Set(progress.alreadyGone);
  return {
    deleted: unique.filter((_, i) => !gone.has(i)),
    alreadyGone: unique.filter((_, i) => gone.has(i)),
  };
}
