/**
 * Starting and steering erasures from a Temporal client (CLI, intake service, tests).
 */
import { Client, WorkflowExecutionAlreadyStartedError, type WorkflowHandle } from '@temporalio/client';
import { decodeFromPayloadsAtIndex } from '@temporalio/common/lib/internal-non-workflow';
import { erasureSettingsSchema } from '../settings-schema';
import { InvalidRequestError, type ErasureRequest } from '../subject/request';
import { ErasureStatus, ErasureStep } from '../temporal/search-attributes';
import { erasureWorkflowId } from '../temporal/names';
import type { erasureWorkflow } from '../workflows/erasure';
import type { ErasureProgress, ErasureSettings, ErasureWorkflowInput, IntakeRecord, StatusCallback } from '../workflows/types';

/** Per-request overrides are checked here: a bad value inside the workflow would stall it, not fail clearly. */
export const settingsSchema = erasureSettingsSchema.partial().strict();

export interface SubmitOptions {
  taskQueue: string;
  settings?: Partial<ErasureSettings>;
  intake?: IntakeRecord;
  callbacks?: StatusCallback[];
}

export interface Submitted {
  handle: WorkflowHandle<typeof erasureWorkflow>;
  workflowId: string;
  /**
   * `started`: a new workflow. `exists`: one for this request id and these identifiers already
   * existed; nothing new was started. `conflict`: one exists for this request id with other
   * identifiers; nothing was started and the caller must refuse (an id reused by mistake).
   */
  outcome: 'started' | 'exists' | 'conflict';
  started: boolean;
}

/**
 * Idempotent by request id: a second submit attaches to the existing workflow (running or finished)
 * instead of starting another, so nothing is deleted twice. Takes an already validated request.
 */
export async function submitErasure(client: Client, request: ErasureRequest, opts: SubmitOptions): Promise<Submitted> {
  const workflowId = erasureWorkflowId(request.requestId);
  const settings = opts.settings === undefined ? undefined : (parseOrThrow(opts.settings) as Partial<ErasureSettings>);
  try {
    const handle = await client.workflow.start('erasureWorkflow', {
      workflowId,
      taskQueue: opts.taskQueue,
      args: [{ requestId: request.requestId, subject: { emails: request.emails, phones: request.phones }, settings, intake: opts.intake, callbacks: opts.callbacks?.length ? opts.callbacks : undefined }],
      // A completed erasure is never re-run under the same request id (a new request needs a new id);
      // one that failed or was terminated can be submitted again.
      workflowIdReusePolicy: 'ALLOW_DUPLICATE_FAILED_ONLY',
      typedSearchAttributes: [
        { key: ErasureStatus, value: 'Running' },
        { key: ErasureStep, value: 'crm' },
      ],
    });
    return { handle: handle as WorkflowHandle<typeof erasureWorkflow>, workflowId, outcome: 'started', started: true };
  } catch (err) {
    if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
    const stored = await storedInput(client, workflowId);
    const same = stored !== undefined && sameIdentifiers(stored.subject, request);
    return { handle: client.workflow.getHandle<typeof erasureWorkflow>(workflowId), workflowId, outcome: same ? 'exists' : 'conflict', started: false };
  }
}

/**
 * The input an erasure was started with, decrypted from the first event of its latest run. The
 * identifiers exist nowhere else in plaintext-free form we could compare against.
 */
export async function storedInput(client: Client, workflowId: string): Promise<ErasureWorkflowInput | undefined> {
  const { history } = await client.workflowService.getWorkflowExecutionHistory({
    namespace: client.options.namespace,
    execution: { workflowId },
    maximumPageSize: 1,
  });
  const started = history?.events?.[0]?.workflowExecutionStartedEventAttributes;
  if (!started) return undefined;
  return decodeFromPayloadsAtIndex<ErasureWorkflowInput>(client.workflow.options.loadedDataConverter, 0, started.input?.payloads);
}

/** Same person: the same set of (normalised) emails and phones, in any order. */
function sameIdentifiers(stored: { emails: string[]; phones: string[] }, request: { emails: string[]; phones: string[] }): boolean {
  const key = (s: { emails: string[]; phones: string[] }) => JSON.stringify([[...new Set(s.emails)].sort(), [...new Set(s.phones)].sort()]);
  return key(stored) === key(request);
}

function parseOrThrow(settings: unknown) {
  const result = settingsSchema.safeParse(settings);
  if (result.success) return result.data;
  throw new InvalidRequestError(result.error.issues.map((i) => ({ field: `settings.${i.path.join('.')}`, message: i.message })));
}

export function erasureHandle(client: Client, requestId: string): WorkflowHandle<typeof erasureWorkflow> {
  return client.workflow.getHandle<typeof erasureWorkflow>(erasureWorkflowId(requestId));
}

export async function erasureProgress(client: Client, requestId: string): Promise<ErasureProgress> {
  return erasureHandle(client, requestId).query<ErasureProgress>('progress');
}
