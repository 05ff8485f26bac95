/**
 * The erasure workflow's messages: what callers (CLI, intake API, tests, the Web UI) may ask and
 * send. Every caller uses these definitions, never the names as strings, so a renamed or retyped
 * message fails to compile instead of failing at run time.
 */
import { defineQuery, defineUpdate } from '@temporalio/workflow';
import type { ApproveRequest, ConnectorCallback, ErasureProgress, RetryRequest, SkipRequest } from './types';

/** Where the request stands: step, results so far, and what (if anything) waits for an operator. */
export const progressQuery = defineQuery<ErasureProgress>('progress');
/**
 * Operator: run the failed item again (after fixing credentials, say). Retries recorded before the
 * actor was sent carry no argument, so the handler takes a missing one as `{}`.
 */
export const retryUpdate = defineUpdate<void, [RetryRequest]>('retry');
/** Operator: give up on the failed item; the receipt keeps the reason. */
export const skipUpdate = defineUpdate<void, [SkipRequest]>('skip');
/** Operator: delete what a sweep found above the approval thresholds (status ActionRequired with `approval`). */
export const approveUpdate = defineUpdate<void, [ApproveRequest]>('approve');
/** An HTTP connector (through the intake service, or an operator) reporting an accepted order done. */
export const connectorCallbackUpdate = defineUpdate<void, [ConnectorCallback]>('connectorCallback');
