/**
 * Previews from a Temporal client: what an erasure of a person would find, per system, mailbox and Gong list,
 * deleting nothing (src/workflows/preview.ts). The CLI, the intake service and the tests start and read them here.
 * A preview is a workflow of its own beside the erasure (`preview-<owner>/<requestId>`), idempotent by request id
 * like a submission: the same id with the same identifiers attaches to it, other identifiers are a conflict.
 */
import {
  Client,
  WorkflowExecutionAlreadyStartedError,
  WorkflowFailedError,
  WorkflowNotFoundError,
  type WorkflowExecutionDescription,
  type WorkflowHandle,
} from '@temporalio/client';
import type { ErasureRequest } from '../subject/request';
import { previewWorkflowId } from '../temporal/names';
import { previewWorkflow } from '../workflows/preview';
import type { ErasureSettings, IntakeRecord, PreviewResult, PreviewWorkflowInput } from '../workflows/types';
import { checkedSettings, CLOSED_STATUS, sameIdentifiers, storedInput, type ErasureStatusName } from './erasures';

/** Which preview: a request id in its owner's namespace (the source that asked for it). */
export interface PreviewRef {
  owner: string;
  requestId: string;
}

export interface PreviewOptions {
  taskQueue: string;
  /** The source the preview belongs to; only it (or an operator) reads it. */
  owner: string;
  settings?: Partial<ErasureSettings>;
  intake?: IntakeRecord;
}

export interface PreviewStarted {
  handle: WorkflowHandle<typeof previewWorkflow>;
  workflowId: string;
  /** As for a submission: `started`, `exists` (same identifiers; nothing new started) or `conflict` (refuse). */
  outcome: 'started' | 'exists' | 'conflict';
  /** `started`: the run just started. */
  runId?: string;
}

/** A preview runs, then completes with its result; one that failed or was stopped reports how its run closed. */
export type PreviewStatusName = Exclude<ErasureStatusName, 'WaitingForGong' | 'ActionRequired'>;
export const PREVIEW_STATUSES = [
  'Running',
  'Completed',
  'Failed',
  'Terminated',
  'Cancelled',
  'TimedOut',
] as const satisfies readonly PreviewStatusName[];

export interface PreviewStatusReport {
  requestId: string;
  /** The source the preview belongs to. */
  owner: string;
  /** The run reported on (the latest for this request id). */
  runId: string;
  status: PreviewStatusName;
  startedAt: string;
  /** Once completed: counts per system, mailbox (keyed hash) and Gong list, and the thresholds it would stop at. */
  result?: PreviewResult;
}

/** No preview was ever started under this request id in this source (or its history is past retention). */
export class PreviewNotFoundError extends Error {
  override name = 'PreviewNotFoundError';
}

export function previewHandle(client: Client, ref: PreviewRef): WorkflowHandle<typeof previewWorkflow> {
  return client.workflow.getHandle<typeof previewWorkflow>(previewWorkflowId(ref.owner, ref.requestId));
}

/**
 * Starts a preview, or attaches to the one this request id already names. Takes an already validated request.
 * A completed preview is never re-run under the same id (its counts are what that id saw; a fresh look needs a new
 * id); one that failed or was stopped can be started again.
 */
export async function startPreview(
  client: Client,
  request: ErasureRequest,
  opts: PreviewOptions,
): Promise<PreviewStarted> {
  const ref: PreviewRef = { owner: opts.owner, requestId: request.requestId };
  const workflowId = previewWorkflowId(ref.owner, ref.requestId);
  const settings = opts.settings === undefined ? undefined : checkedSettings(opts.settings);
  const input: PreviewWorkflowInput = {
    requestId: request.requestId,
    subject: { emails: request.emails, phones: request.phones },
    ...(settings && { settings }),
    ...(opts.intake && { intake: { ...opts.intake, owner: opts.owner } }),
  };
  try {
    const handle = await client.workflow.start(previewWorkflow, {
      workflowId,
      taskQueue: opts.taskQueue,
      args: [input],
      workflowIdReusePolicy: 'ALLOW_DUPLICATE_FAILED_ONLY',
    });
    return { handle, workflowId, outcome: 'started', runId: handle.firstExecutionRunId };
  } catch (err) {
    if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
    const stored = await storedInput<PreviewWorkflowInput>(client, workflowId);
    const same = stored !== undefined && sameIdentifiers(stored.subject, request);
    return { handle: previewHandle(client, ref), workflowId, outcome: same ? 'exists' : 'conflict' };
  }
}

/**
 * Where a preview stands, with its result once completed. `waitMs`: while it runs, wait up to this long for the
 * result (a preview usually takes seconds), then report it running.
 */
export async function previewStatus(
  client: Client,
  ref: PreviewRef,
  { waitMs = 0 }: { waitMs?: number } = {},
): Promise<PreviewStatusReport> {
  const handle = previewHandle(client, ref);
  let description = await describe(handle, ref);
  if (description.status.name === 'RUNNING' && waitMs > 0) {
    if (await closedWithin(client, handle, waitMs)) description = await describe(handle, ref);
  }
  const base = {
    requestId: ref.requestId,
    owner: ref.owner,
    runId: description.runId,
    startedAt: description.startTime.toISOString(),
  };
  const execution = description.status.name;
  if (execution === 'COMPLETED') return { ...base, status: 'Completed', result: await handle.result() };
  const closed = CLOSED_STATUS[execution] as PreviewStatusName | undefined;
  return { ...base, status: closed ?? 'Running' };
}

/**
 * Waits for the preview's run to close, at most `ms`; whether it did. Best effort: the preview runs whatever happens
 * to this wait, so a long poll the server cuts short (or refuses under load) means "still running", and the caller
 * polls; an outage shows on that poll.
 */
async function closedWithin(client: Client, handle: WorkflowHandle, ms: number): Promise<boolean> {
  try {
    // A long poll on the close event, cut off at the deadline.
    await client.withDeadline(Date.now() + ms, () => handle.result());
    return true;
  } catch (err) {
    return err instanceof WorkflowFailedError; // closed, just not completed: the status says how
  }
}

async function describe(handle: WorkflowHandle, ref: PreviewRef): Promise<WorkflowExecutionDescription> {
  try {
    return await handle.describe();
  } catch (err) {
    if (err instanceof WorkflowNotFoundError)
      throw new PreviewNotFoundError(`no preview with request id ${ref.requestId}`);
    throw err;
  }
}
