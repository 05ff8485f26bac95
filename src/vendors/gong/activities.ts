/**
 * Gong activities, registered on the dedicated Gong task queue (TASK_QUEUES.gong) whose workers
 * cap activities per second at Gong's per-company quota. That cap only holds if every activity
 * makes one HTTP call, so each is exactly one client call, paced (see pacer.ts); Temporal does
 * all retrying.
 */
import { ApplicationFailure } from '@temporalio/common';
import type { Identifier } from '../../subject/identifiers';
import { FailureTypes } from '../http';
import type { GongClient } from './client';
import type { Pacer } from './pacer';
import type { GongEraseResult, GongReferenceSummary } from './types';

export function createGongActivities(client: GongClient, pacer?: Pacer) {
  /** One paced call; a 429 pauses this process's other Gong calls for its Retry-After. */
  async function paced<T>(call: () => Promise<T>): Promise<T> {
    await pacer?.wait();
    try {
      return await call();
    } catch (err) {
      // VendorHttp states nextRetryDelay in milliseconds (a number), never as a duration string.
      if (
        err instanceof ApplicationFailure &&
        err.type === FailureTypes.rateLimited &&
        typeof err.nextRetryDelay === 'number'
      ) {
        pacer?.pauseFor(err.nextRetryDelay);
      }
      throw err;
    }
  }
  return {
    /** Counts of what Gong holds for the identifier (before erasing, and to verify afterwards). */
    async gongReferences(identifier: Identifier): Promise<GongReferenceSummary> {
      return paced(() => client.references(identifier));
    },
    /** Asks Gong to erase the identifier; Gong deletes asynchronously. Idempotent. */
    async gongErase(identifier: Identifier): Promise<GongEraseResult> {
      return paced(() => client.erase(identifier));
    },
  };
}

export type GongActivities = ReturnType<typeof createGongActivities>;
