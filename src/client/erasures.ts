/**
 * Starting and steering erasures from a Temporal client: the one place the CLI, the intake service
 * and the tests go through, so they submit, report status and act as an operator the same way
 * (same fallbacks, same refusals).
 */
import {
  Client,
  WorkflowExecutionAlreadyStartedError,
  WorkflowNotFoundError,
  WorkflowUpdateFailedError,
  WorkflowUpdateRPCTimeoutOrCancelledError,
  type WorkflowExecutionDescription,
  type WorkflowHandle,
} from '@temporalio/client';
import { fromPayloadsAtIndex, type Payload } from '@temporalio/common';
import { z } from 'zod';
import { approvalThresholdsSchema, erasureSettingsSchema } from '../settings-schema';
import { InvalidRequestError, parseOrInvalid, type ErasureRequest } from '../subject/request';
import { ErasureStatus, ErasureStep } from '../temporal/search-attributes';
import { erasureWorkflowId, legacyErasureWorkflowId } from '../temporal/names';
import { actorProblem } from '../workflows/actor';
import type { Preapproval } from '../workflows/approval';
import {
  approveUpdate,
  connectorCallbackUpdate,
  progressQuery,
  retryUpdate,
  skipUpdate,
} from '../workflows/definitions';
import { connectorCallbackProblem } from '../workflows/connector-callback';
import { normaliseSkipNote, skipNoteProblem, skipRequestProblem, type SkipDecision } from '../workflows/skip-reasons';
import { erasureWorkflow } from '../workflows/erasure';
import type {
  ActionRequired,
  Actor,
  ApproveRequest,
  ConnectorCallback,
  ErasureProgress,
  ErasureReceipt,
  ErasureSettings,
  ErasureWorkflowInput,
  IntakeRecord,
  RetryRequest,
  SkipRequest,
  StatusCallback,
} from '../workflows/types';

/**
 * Which erasure: a request id in its owner's namespace (the source that submitted it), or, with `legacy`, one started
 * before ids were namespaced (workflow id `erasure-<requestId>`).
 */
export type ErasureRef = { owner: string; requestId: string; legacy?: false } | { requestId: string; legacy: true };

export function erasureRefWorkflowId(ref: ErasureRef): string {
  return ref.legacy ? legacyErasureWorkflowId(ref.requestId) : erasureWorkflowId(ref.owner, ref.requestId);
}

/**
 * Per-request overrides are checked here: a bad value inside the workflow would stall it, not fail clearly.
 * Approval thresholds are the deployment's alone: a request is pre-approved instead, which the receipt records.
 */
export const settingsSchema = erasureSettingsSchema.omit({ approvalThresholds: true }).partial().strict();

/**
 * The counts an intake system approves in advance (src/workflows/approval.ts): positive integers, at least one of
 * them (an empty pre-approval would approve nothing). Who approved (`by`) is added by whoever knows the credential.
 */
export const preapprovalCountsSchema = approvalThresholdsSchema.refine(
  (counts) => counts.records !== undefined || counts.mailboxes !== undefined,
  // One problem at a time: an unknown or bad field is reported by itself.
  { message: 'must give records or mailboxes (positive integers)', when: (payload) => payload.issues.length === 0 },
);

export interface SubmitOptions {
  taskQueue: string;
  /** The source the request belongs to: its id lives in this source's namespace. Recorded as `intake.owner`. */
  owner: string;
  settings?: Partial<ErasureSettings>;
  intake?: IntakeRecord;
  callbacks?: StatusCallback[];
  /**
   * Counts approved in advance: a sweep finding more than the thresholds but within these deletes without waiting
   * for an operator. `by` (the submitting credential, or `cli`) is recorded as the approver on the receipt.
   */
  preapproval?: Preapproval;
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
  /** `started`: the run just started (for the others, `erasureStatus` tells the latest run). */
  runId?: string;
  /** How the erasure was submitted: this submission's record when started, the first one's when it already existed. */
  intake?: IntakeRecord;
}

/**
 * Idempotent by request id: a second submit attaches to the existing workflow (running or finished)
 * instead of starting another, so nothing is deleted twice. Takes an already validated request.
 */
export async function submitErasure(client: Client, request: ErasureRequest, opts: SubmitOptions): Promise<Submitted> {
  const ref: ErasureRef = { owner: opts.owner, requestId: request.requestId };
  const workflowId = erasureRefWorkflowId(ref);
  const intake = opts.intake && { ...opts.intake, owner: opts.owner };
  const settings = opts.settings === undefined ? undefined : checkedSettings(opts.settings);
  const preapproval = opts.preapproval === undefined ? undefined : checkedPreapproval(opts.preapproval);
  try {
    const handle = await client.workflow.start(erasureWorkflow, {
      workflowId,
      taskQueue: opts.taskQueue,
      args: [
        {
          requestId: request.requestId,
          subject: { emails: request.emails, phones: request.phones },
          settings,
          intake,
          callbacks: opts.callbacks?.length ? opts.callbacks : undefined,
          ...(preapproval && { preapproval }),
        },
      ],
      // A completed erasure is never re-run under the same request id (a new request needs a new id);
      // one that failed or was terminated can be submitted again.
      workflowIdReusePolicy: 'ALLOW_DUPLICATE_FAILED_ONLY',
      typedSearchAttributes: [
        { key: ErasureStatus, value: 'Running' },
        { key: ErasureStep, value: 'crm' },
      ],
    });
    return { handle, workflowId, outcome: 'started', runId: handle.firstExecutionRunId, intake };
  } catch (err) {
    if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
    const stored = await storedInput(client, workflowId);
    const same = stored !== undefined && sameIdentifiers(stored.subject, request);
    return same
      ? { handle: erasureHandle(client, ref), workflowId, outcome: 'exists', intake: stored.intake }
      : { handle: erasureHandle(client, ref), workflowId, outcome: 'conflict' };
  }
}

/**
 * The input a workflow (an erasure, or a preview) was started with, decrypted from the first event of its latest
 * run. The identifiers exist nowhere else in plaintext-free form we could compare against.
 */
export async function storedInput<T = ErasureWorkflowInput>(
  client: Client,
  workflowId: string,
): Promise<T | undefined> {
  const namespace = client.options.namespace;
  const { history } = await client.workflowService.getWorkflowExecutionHistory({
    namespace,
    execution: { workflowId },
    maximumPageSize: 1,
  });
  const started = history?.events?.[0]?.workflowExecutionStartedEventAttributes;
  if (!started) return undefined;
  // What the SDK does to a workflow's input: the codecs in reverse order of encoding, then the payload converter.
  const { payloadConverter, payloadCodecs } = client.workflow.options.loadedDataConverter;
  const context = { type: 'workflow', namespace, workflowId } as const;
  let payloads = (started.input?.payloads ?? []) as Payload[];
  for (const codec of [...payloadCodecs].reverse()) payloads = await codec.decode(payloads, context);
  return fromPayloadsAtIndex<T>(payloadConverter, 0, payloads, context);
}

/** Same person: the same set of (normalised) emails and phones, in any order. */
export function sameIdentifiers(
  stored: { emails: string[]; phones: string[] },
  request: { emails: string[]; phones: string[] },
): boolean {
  const key = (s: { emails: string[]; phones: string[] }) =>
    JSON.stringify([[...new Set(s.emails)].sort(), [...new Set(s.phones)].sort()]);
  return key(stored) === key(request);
}

/** A request's settings overrides, checked (an InvalidRequestError naming `settings.<field>` otherwise). */
export function checkedSettings(settings: unknown): Partial<ErasureSettings> {
  const result = settingsSchema.safeParse(settings);
  if (result.success) return result.data as Partial<ErasureSettings>;
  throw new InvalidRequestError(
    result.error.issues.map((i) => ({ field: `settings.${i.path.join('.')}`, message: i.message })),
  );
}

/** Checked before anything starts: counts as the schema says, `by` a plain name (the receipt keeps it). */
function checkedPreapproval(preapproval: Preapproval): Preapproval {
  const { by, ...counts } = preapproval;
  // Wrapped, so fields are named `preapproval.records` and a problem with the whole, `preapproval`.
  const { preapproval: parsed } = parseOrInvalid(z.object({ preapproval: preapprovalCountsSchema }), {
    preapproval: counts,
  });
  const problem = actorProblem({ by });
  if (problem) throw new InvalidRequestError([{ field: `preapproval.${problem.field}`, message: problem.message }]);
  return { ...parsed, ...(by === undefined ? {} : { by }) };
}

export function erasureHandle(client: Client, ref: ErasureRef): WorkflowHandle<typeof erasureWorkflow> {
  return client.workflow.getHandle<typeof erasureWorkflow>(erasureRefWorkflowId(ref));
}

/** No erasure was ever submitted under this request id (or its history is past retention). */
export class ErasureNotFoundError extends Error {
  override name = 'ErasureNotFoundError';
}

/**
 * An operator action the erasure did not take: `not_running` (it has finished, failed or was
 * stopped), or `refused` by the workflow itself (nothing waits for an operator, no such order...),
 * whose reason is the message.
 */
export class ErasureRefusedError extends Error {
  override name = 'ErasureRefusedError';
  constructor(
    readonly code: 'not_running' | 'refused',
    message: string,
  ) {
    super(message);
  }
}

/** No worker took an operator action within the deadline (workers down, or all busy). */
export class NoWorkerAnsweredError extends Error {
  override name = 'NoWorkerAnsweredError';
}

/** Every status an erasure can be reported in: the workflow's own while it runs, then how its execution closed. */
export const ERASURE_STATUSES = [
  'Running',
  'WaitingForGong',
  'ActionRequired',
  'Completed',
  'Failed',
  'Terminated',
  'Cancelled',
  'TimedOut',
] as const;
export type ErasureStatusName = (typeof ERASURE_STATUSES)[number];

/** The status of a closed execution, by Temporal's execution status name. */
export const CLOSED_STATUS: Partial<Record<string, ErasureStatusName>> = {
  COMPLETED: 'Completed',
  FAILED: 'Failed',
  TERMINATED: 'Terminated',
  CANCELLED: 'Cancelled',
  TIMED_OUT: 'TimedOut',
};

export interface ErasureStatusReport {
  requestId: string;
  /** The run reported on (the latest for this request id). */
  runId: string;
  status: ErasureStatusName;
  step?: string;
  startedAt: string;
  intake?: IntakeRecord;
  actionRequired?: ActionRequired;
  /** The full progress (keyed hashes, counts, vendor request ids) while running, when a worker answered. */
  progress?: ErasureProgress;
  /** The receipt once completed. */
  receipt?: ErasureReceipt;
}

/** How long a status call waits for a worker to answer the progress query. */
const QUERY_DEADLINE_MS = 3_000;
/** How long an operator action waits for a worker to take it. */
const UPDATE_DEADLINE_MS = 15_000;

async function describe(handle: WorkflowHandle, requestId: string): Promise<WorkflowExecutionDescription> {
  try {
    return await handle.describe();
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) throw new ErasureNotFoundError(`no erasure with request id ${requestId}`);
    throw err;
  }
}

/**
 * Where an erasure stands: the receipt once completed; while running, the live progress from the
 * workflow's progress query, or its search attributes (status and step) when no worker answers
 * within a few seconds. `detail: false` skips the query: cheap even while workers are down, and
 * all a repeated submission needs.
 */
export async function erasureStatus(
  client: Client,
  ref: ErasureRef,
  { detail = true } = {},
): Promise<ErasureStatusReport> {
  const { requestId } = ref;
  const handle = erasureHandle(client, ref);
  const description = await describe(handle, requestId);
  const base = { requestId, runId: description.runId, startedAt: description.startTime.toISOString() };
  const execution = description.status.name;
  if (execution === 'COMPLETED') {
    const receipt = await handle.result();
    return { ...base, status: 'Completed', step: 'done', intake: receipt.intake, receipt };
  }
  const closed = CLOSED_STATUS[execution];
  if (closed) return { ...base, status: closed };
  const fromSearchAttributes = (): ErasureStatusReport => ({
    ...base,
    status: (description.typedSearchAttributes.get(ErasureStatus) as ErasureStatusName | undefined) ?? 'Running',
    step: description.typedSearchAttributes.get(ErasureStep),
  });
  if (!detail) return fromSearchAttributes();
  try {
    const progress = await client.withDeadline(Date.now() + QUERY_DEADLINE_MS, () => handle.query(progressQuery));
    return {
      ...base,
      status: progress.status,
      step: progress.step,
      intake: progress.intake,
      actionRequired: progress.actionRequired,
      progress,
    };
  } catch {
    // No worker answered (all down, or not yet started): the search attributes still tell where it is.
    return fromSearchAttributes();
  }
}

/** Operator: run the failed item of an erasure waiting for an operator again; `by` names who, in the receipt. */
export function retryErasure(client: Client, ref: ErasureRef, retry: RetryRequest = {}): Promise<void> {
  return operatorAction(client, ref, (handle) => handle.executeUpdate(retryUpdate, { args: [retry] }));
}

/**
 * Operator: skip the failed item of an erasure waiting for an operator; the receipt keeps the reason
 * code, the note (src/workflows/skip-reasons.ts) and who decided.
 */
export async function skipErasure(client: Client, ref: ErasureRef, decision: SkipDecision & Actor): Promise<void> {
  // The workflow's validator would refuse it too; checking first names the field and sends nothing.
  const problem = skipRequestProblem(decision);
  if (problem) throw new InvalidRequestError([problem]);
  const note = normaliseSkipNote(decision.note);
  const skip: SkipRequest = {
    code: decision.code,
    ...(note === undefined ? {} : { note }),
    ...(decision.by === undefined ? {} : { by: decision.by }),
  };
  return operatorAction(client, ref, (handle) => handle.executeUpdate(skipUpdate, { args: [skip] }));
}

/**
 * Operator: delete what a sweep found above the approval thresholds (status ActionRequired with
 * `actionRequired.approval`); the receipt's outcome records who approved. When nothing waits for approval the
 * workflow refuses, and the reason comes back as an ErasureRefusedError.
 */
export async function approveErasure(client: Client, ref: ErasureRef, approval: ApproveRequest = {}): Promise<void> {
  // The workflow's validator would refuse these too; checking first names the field and sends nothing.
  const problem =
    approval.note !== undefined &&
    (typeof approval.note === 'string' ? skipNoteProblem(approval.note) : 'must be a string');
  if (problem) throw new InvalidRequestError([{ field: 'note', message: problem }]);
  const actor = actorProblem(approval);
  if (actor) throw new InvalidRequestError([actor]);
  const note = normaliseSkipNote(approval.note);
  const approve: ApproveRequest = {
    ...(note === undefined ? {} : { note }),
    ...(approval.by === undefined ? {} : { by: approval.by }),
  };
  return operatorAction(client, ref, (handle) => handle.executeUpdate(approveUpdate, { args: [approve] }));
}

/** An HTTP connector's accepted order finished (its system called back, or an operator reports it). */
export async function reportConnectorCallback(
  client: Client,
  ref: ErasureRef,
  callback: ConnectorCallback,
): Promise<void> {
  // The workflow's validator would refuse it too; checking first names the field and sends nothing.
  const problem = connectorCallbackProblem(callback);
  if (problem) throw new InvalidRequestError([problem]);
  return operatorAction(client, ref, (handle) => handle.executeUpdate(connectorCallbackUpdate, { args: [callback] }));
}

/**
 * Sends an update to a running erasure. A finished one is refused before anything is sent; the
 * workflow's validator refusal comes back as its reason. When no worker takes the update within
 * the deadline the call fails rather than hanging while workers are down; Temporal may still
 * deliver the update once a worker is back, so the caller is told to check before sending again.
 */
async function operatorAction(
  client: Client,
  ref: ErasureRef,
  send: (handle: WorkflowHandle<typeof erasureWorkflow>) => Promise<void>,
): Promise<void> {
  const handle = erasureHandle(client, ref);
  const { status } = await describe(handle, ref.requestId);
  if (status.name !== 'RUNNING')
    throw new ErasureRefusedError('not_running', `this erasure is ${status.name.toLowerCase()}; nothing to act on`);
  try {
    await client.withDeadline(Date.now() + UPDATE_DEADLINE_MS, () => send(handle));
  } catch (err) {
    if (err instanceof WorkflowUpdateFailedError)
      throw new ErasureRefusedError('refused', err.cause?.message ?? 'refused by the erasure');
    if (err instanceof WorkflowUpdateRPCTimeoutOrCancelledError) {
      throw new NoWorkerAnsweredError(
        `no worker took the action within ${UPDATE_DEADLINE_MS / 1000}s (are the workers running?); it may still be applied once one does: check the status before sending it again`,
      );
    }
    throw err;
  }
}
