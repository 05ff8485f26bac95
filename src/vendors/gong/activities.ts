/**
 * Gong activities, registered on the dedicated Gong task queue (TASK_QUEUES.gong) whose workers
 * cap activities per second at Gong's per-company quota. That cap only holds if every activity
 * makes one HTTP call, so each is exactly one client call, paced (see pacer.ts); Temporal does
 * all retrying.
 */
import type { Identifier } from '../../subject/identifiers';
import type { GongClient } from './client';
import type { Pacer } from './pacer';
import type { GongEraseResult, GongReferenceSummary } from './types';

export function createGongActivities(client: GongClient, pacer?: Pacer) {
  const paced = async () => pacer?.wait();
  return {
    /** Counts of what Gong holds for the identifier (before erasing, and to verify afterwards). */
    async gongReferences(identifier: Identifier): Promise<GongReferenceSummary> {
      await paced();
      return client.references(identifier);
    },
    /** Asks Gong to erase the identifier; Gong deletes asynchronously. Idempotent. */
    async gongErase(identifier: Identifier): Promise<GongEraseResult> {
      await paced();
      return client.erase(identifier);
    },
  };
}

export type GongActivities = ReturnType<typeof createGongActivities>;
