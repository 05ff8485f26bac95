/**
 * The operator gate. Anything that fails for good (bad credentials, a rejected request, retries
 * exhausted) does not fail the request: it waits, status ActionRequired, for an operator to send
 * `retry` or `skip`. One item waits at a time; the first decision on it wins.
 */
import { ActivityFailure, ApplicationFailure, condition, log } from '@temporalio/workflow';
import { actorProblem } from './actor';
import { now, setState } from './progress';
import { describeSkip, skipNoteProblem, skipRequestProblem } from './skip-reasons';
import type { StatusCallbacks } from './status-callbacks';
import type { ApproveRequest, ErasureProgress, PendingApproval, RetryRequest, SkipRequest, StepName } from './types';

export interface FailureReason {
  reason: string;
  errorType?: string;
}

type Decision =
  | { action: 'retry'; by?: string }
  | { action: 'approve'; note?: string; by?: string }
  | { action: 'skip'; reason: string; note?: string; by?: string };

export class OperatorGate {
  private decision: Decision | undefined;

  constructor(
    private readonly progress: ErasureProgress,
    private readonly statusCallbacks: StatusCallbacks,
  ) {}

  /** Validator of the `retry` update. */
  validateRetry(req: RetryRequest | undefined): void {
    this.mustBeWaiting();
    refuseBadActor(req);
    if (this.progress.actionRequired?.approval)
      throw new Error('this erasure waits for approval of what it found: send approve or skip');
  }

  /** Validator of the `approve` update. */
  validateApprove(req: ApproveRequest | undefined): void {
    if (!this.progress.actionRequired?.approval) throw new Error('nothing in this erasure waits for approval');
    this.mustBeWaiting();
    refuseBadActor(req);
    if (req?.note !== undefined) {
      const problem = typeof req.note === 'string' ? skipNoteProblem(req.note) : 'must be a string';
      if (problem) throw new Error(`approve note ${problem}`);
    }
  }

  approve(req: ApproveRequest | undefined): void {
    this.decision = { action: 'approve', note: req?.note, by: req?.by };
  }

  /** Validator of the `skip` update. */
  validateSkip(req: SkipRequest): void {
    this.mustBeWaiting();
    refuseBadActor(req);
    if (this.progress.actionRequired?.item === 'plan')
      throw new Error('the plan cannot be skipped: fix the worker configuration, then retry');
    // Every client, the plain Temporal CLI included: a refused update leaves nothing in history.
    const problem = skipRequestProblem(req);
    if (problem) throw new Error(`skip ${problem.field} ${problem.message}`);
  }

  retry(req: RetryRequest | undefined): void {
    this.decision = { action: 'retry', by: req?.by };
  }

  /** Also takes `{ reason }` alone: histories recorded before reason codes replay with it. */
  skip(req: SkipRequest): void {
    this.decision = { action: 'skip', ...describeSkip(req), by: req.by };
  }

  /** Shows the failure to operators (status ActionRequired) and waits for `retry` or `skip`. */
  async ask(step: StepName, item: string, failure: FailureReason): Promise<'retry' | 'skip'> {
    const made = await this.wait(step, item, failure);
    return made.action === 'skip' ? 'skip' : 'retry';
  }

  /**
   * A sweep found more than the thresholds allow: waits for `approve` (returns who approved) or
   * `skip` (undefined). Nothing was deleted yet.
   */
  async askApproval(step: StepName, item: string, approval: PendingApproval): Promise<{ by?: string } | undefined> {
    const made = await this.wait(
      step,
      item,
      {
        errorType: 'ApprovalRequired',
        reason: `${item} found ${approval.exceeded.join(' and ')}; nothing is deleted until an operator sends approve or skip`,
      },
      approval,
    );
    return made.action === 'approve' ? by(made) : undefined;
  }

  private async wait(step: StepName, item: string, failure: FailureReason, approval?: PendingApproval) {
    const progress = this.progress;
    progress.actionRequired = { step, item, ...failure, ...(approval && { approval }), since: now() };
    const resumeStatus = progress.status;
    setState(progress, 'ActionRequired', step);
    log.warn('erasure needs an operator', { step, item, errorType: failure.errorType });
    this.statusCallbacks.notify('action_required', { actionRequired: progress.actionRequired });
    this.decision = undefined;
    await condition(() => this.decision !== undefined);
    const made = this.decision!;
    progress.actionRequired = undefined;
    setState(progress, resumeStatus, step);
    const at = now();
    if (made.action === 'skip') {
      const why = made.note === undefined ? { reason: made.reason } : { reason: made.reason, note: made.note };
      progress.operatorActions.push({ action: 'skip', step, item, at, ...why, ...by(made) });
      progress.skipped.push({ step, item, ...why, failure: failure.reason, at, ...by(made) });
    } else {
      const note = made.action === 'approve' && made.note !== undefined ? { note: made.note } : {};
      progress.operatorActions.push({ action: made.action, step, item, at, ...note, ...by(made) });
    }
    return made;
  }

  /** Runs one item; on a failure no retry will fix, asks an operator. Undefined if skipped. */
  async run<T>(step: StepName, item: string, work: () => Promise<T>): Promise<T | undefined> {
    for (;;) {
      try {
        return await work();
      } catch (err) {
        if (!(err instanceof ActivityFailure)) throw err; // a bug in this workflow: let Temporal surface it
        if ((await this.ask(step, item, describeFailure(err))) === 'skip') return undefined;
      }
    }
  }

  private mustBeWaiting(): void {
    if (!this.progress.actionRequired) throw new Error('this erasure is not waiting for an operator');
    // Two operators (or a retry and a skip) in the same moment: the first decision wins, the other is refused.
    if (this.decision !== undefined) throw new Error('an operator has already decided on this item');
  }
}

/** What an operator (and a status callback) is told about an activity that failed for good. */
export function describeFailure(err: ActivityFailure): FailureReason {
  const cause = err.cause;
  if (cause instanceof ApplicationFailure) {
    const exhausted = !cause.nonRetryable;
    return {
      reason: exhausted ? `${cause.message} (retries exhausted)` : cause.message,
      errorType: cause.type ?? undefined,
    };
  }
  // Timeouts and cancellations: the activity never answered in time, even after retries.
  return { reason: `${err.activityType} did not complete: ${cause?.message ?? err.message}`, errorType: cause?.name };
}

/** Any client (the plain Temporal CLI too) can send a `by`; the receipt keeps it for years, so only a name passes. */
function refuseBadActor(req: RetryRequest | undefined): void {
  const problem = actorProblem(req);
  if (problem) throw new Error(`${problem.field} ${problem.message}`);
}

/** `by` only when known, so actions recorded before actors were sent keep their shape. */
function by(decision: Decision): { by?: string } {
  return decision.by === undefined ? {} : { by: decision.by };
}
