/** What each step of the runbook works with, fixed once the plan is in. Types only. */
import type { ErasureActivities } from './activity-options';
import type { Preapproval } from './approval';
import type { ExternalOrderCallbacks } from './external-orders';
import type { OperatorGate } from './operator';
import type { PlannedSubject } from './subject';
import type { ErasureProgress, ErasureSettings } from './types';

export interface StepContext {
  requestId: string;
  subject: PlannedSubject;
  /** The request's settings over the deployment's (from the plan) over the defaults. */
  settings: ErasureSettings;
  activities: ErasureActivities;
  operator: OperatorGate;
  progress: ErasureProgress;
  orderCallbacks: ExternalOrderCallbacks;
  /** Counts the intake system approved in advance. */
  preapproval?: Preapproval;
}
