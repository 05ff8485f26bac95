/**
 * The request's progress: what the `progress` query answers, and the status and step the
 * ErasureStatus / ErasureStep search attributes mirror so that requests can be listed by them.
 */
import { upsertSearchAttributes } from '@temporalio/workflow';
import { ErasureStatus, ErasureStep } from '../temporal/search-attributes';
import type { ErasureProgress, ErasureStatusValue, ErasureWorkflowInput, StepName } from './types';

/** The workflow's clock (deterministic on replay), as the ISO timestamps progress and receipts carry. */
export const now = (): string => new Date().toISOString();

export function newProgress(input: ErasureWorkflowInput): ErasureProgress {
  const progress: ErasureProgress = {
    requestId: input.requestId,
    status: 'Running',
    step: 'crm',
    startedAt: now(),
    crm: { connectors: [], outcomes: [], external: [] },
    email: { connectors: [], outcomes: [], external: [] },
    gong: { before: [], erasures: [], verification: { outcome: 'pending', checks: [] } },
    skipped: [],
    operatorActions: [],
  };
  if (input.intake) progress.intake = input.intake;
  if (input.callbacks?.length) progress.notifications = [];
  return progress;
}

export function setState(progress: ErasureProgress, status: ErasureStatusValue, step: StepName): void {
  progress.status = status;
  progress.step = step;
  upsertSearchAttributes([
    { key: ErasureStatus, value: status },
    { key: ErasureStep, value: step },
  ]);
}
