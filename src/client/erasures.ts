/**
 * Starting and steering erasures from a Temporal client (CLI, intake service, tests).
 */
import { Client, WorkflowExecutionAlreadyStartedError, type WorkflowHandle } from '@temporalio/client';
import { type ErasureRequest } from '../subject/request';
import { ErasureStatus, ErasureStep } from '../temporal/search-attributes';
import { erasureWorkflowId } from '../temporal/names';
import type { erasureWorkflow } from '../workflows/erasure';
import type { ErasureProgress, ErasureSettings } from '../workflows/types';

export interface SubmitOptions {
  taskQueue: string;
  settings?: Partial<ErasureSettings>;
}

export interface Submitted {
  handle: WorkflowHandle<typeof erasureWorkflow>;
  workflowId: string;
  /** False when a workflow for this request id already existed; nothing new was started. */
  started: boolean;
}

/**
 * Idempotent by request id: a second submit attaches to the existing workflow (running or finished)
 * instead of starting another, so nothing is deleted twice. Takes an already validated request.
 */
export async function submitErasure(client: Client, request: ErasureRequest, opts: SubmitOptions): Promise<Submitted> {
  const workflowId = erasureWorkflowId(request.requestId);
  try {
    const handle = await client.workflow.start('erasureWorkflow', {
      workflowId,
      taskQueue: opts.taskQueue,
      args: [{ requestId: request.requestId, subject: { emails: request.emails, phones: request.phones }, settings: opts.settings }],
      // A finished erasure is never re-run under the same request id; a new request needs a new id.
      workflowIdReusePolicy: 'REJECT_DUPLICATE',
      typedSearchAttributes: [
        { key: ErasureStatus, value: 'Running' },
        { key: ErasureStep, value: 'crm' },
      ],
    });
    return { handle: handle as WorkflowHandle<typeof erasureWorkflow>, workflowId, started: true };
  } catch (err) {
    if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
    return { handle: client.workflow.getHandle<typeof erasureWorkflow>(workflowId), workflowId, started: false };
  }
}

export function erasureHandle(client: Client, requestId: string): WorkflowHandle<typeof erasureWorkflow> {
  return client.workflow.getHandle<typeof erasureWorkflow>(erasureWorkflowId(requestId));
}

export async function erasureProgress(client: Client, requestId: string): Promise<ErasureProgress> {
  return erasureHandle(client, requestId).query<ErasureProgress>('progress');
}
