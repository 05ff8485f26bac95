/** Defaults for the runbook's waits and retries; deployments and tests override them per request. */
import { msToNumber } from '@temporalio/common/lib/time';
import { TASK_QUEUES } from '../temporal/names';
import type { Duration } from '@temporalio/common';
import type { ErasureSettings } from './types';

export const DEFAULT_SETTINGS: ErasureSettings = {
  // Gong: "The deletion is not immediate, and may take several hours to complete."
  verifyInitialWait: '4h',
  verifyBackoffCoefficient: 2,
  verifyMaxInterval: '24h',
  // GDPR gives a month to answer (Art. 12(3)); escalating after 3 days leaves time to act.
  verifyMaxTotalWait: '72h',
  activityMaxAttempts: 12,
  activityMaxInterval: '10m',
  connectorHeartbeatTimeout: '2m',
  connectorStartToCloseTimeout: '30m',
  gongTaskQueue: TASK_QUEUES.gong,
  externalPollInterval: '5m',
  externalMaxWait: '72h',
  callbackMaxWait: '72h',
};

export function resolveSettings(overrides: Partial<ErasureSettings> | undefined): ErasureSettings {
  return { ...DEFAULT_SETTINGS, ...overrides };
}

export function durationMs(d: Duration): number {
  return msToNumber(d);
}
