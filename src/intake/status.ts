/**
 * The status of one erasure as the API reports it: the live progress while it runs (from the
 * workflow's `progress` query), the receipt once done, the search attributes if no worker answers.
 */
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import { erasureHandle } from '../client/erasures';
import { ErasureStatus, ErasureStep } from '../temporal/search-attributes';
import type { ErasureProgress, ErasureReceipt } from '../workflows/types';
import type { PublicStatus, StatusResponse } from './schemas';

export class RequestNotFoundError extends Error {
  override name = 'RequestNotFoundError';
}

/** How long a status call waits for a worker to answer the progress query. */
const QUERY_DEADLINE_MS = 3_000;

/**
 * `detail: false` answers a running erasure from its search attributes alone (status and step),
 * without asking a worker: what a repeated submission needs, cheap even while workers are down.
 */
export async function erasureStatus(client: Client, requestId: string, statusUrl: string, { detail = true } = {}): Promise<StatusResponse> {
  const handle = erasureHandle(client, requestId);
  let description;
  try {
    description = await handle.describe();
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) throw new RequestNotFoundError(`no erasure with request id ${requestId}`);
    throw err;
  }
  const base = { requestId, statusUrl, startedAt: description.startTime.toISOString() };
  const execution = description.status.name;
  if (execution === 'COMPLETED') {
    const receipt = (await handle.result()) as ErasureReceipt;
    return { ...base, status: 'Completed', step: 'done', intake: receipt.intake as Record<string, unknown> | undefined, receipt: receipt as unknown as Record<string, unknown> };
  }
  const closed: Record<string, PublicStatus> = { FAILED: 'Failed', TERMINATED: 'Terminated', CANCELLED: 'Cancelled', TIMED_OUT: 'TimedOut', CONTINUED_AS_NEW: 'Running' };
  if (closed[execution]) return { ...base, status: closed[execution] };
  const fromSearchAttributes = (): StatusResponse => ({
    ...base,
    status: (description.typedSearchAttributes.get(ErasureStatus) as PublicStatus | undefined) ?? 'Running',
    step: description.typedSearchAttributes.get(ErasureStep),
  });
  if (!detail) return fromSearchAttributes();
  try {
    const progress = await client.withDeadline(Date.now() + QUERY_DEADLINE_MS, () => handle.query<ErasureProgress>('progress'));
    return {
      ...base,
      status: progress.status,
      step: progress.step,
      intake: progress.intake as Record<string, unknown> | undefined,
      actionRequired: progress.actionRequired,
      progress: progress as unknown as Record<string, unknown>,
    };
  } catch {
    // No worker answered (all down, or not yet started): the search attributes still tell where it is.
    return fromSearchAttributes();
  }
}
