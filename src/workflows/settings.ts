/**
 * Defaults for the runbook's waits and retries (deployments and requests override them), and the
 * duration arithmetic the workflow does on them. Workflow-safe: the schema that describes and
 * checks settings (src/settings-schema.ts) is imported as a type only, so zod stays out of the
 * workflow bundle.
 */
import type { ErasureSettings } from '../settings-schema';
import { TASK_QUEUES } from '../temporal/names';
import { DEFAULT_APPROVAL_THRESHOLDS } from './approval';

/**
 * Durations in settings: `30s`, `15m`, `4h`, `3d`. The schema admits exactly this form (or a number
 * of milliseconds), so every validated value parses here. Temporal's own parser (the `ms` package)
 * reads more forms, but it is not a public entry point and our settings never need them.
 */
export type DurationText = `${number}${'ms' | 's' | 'm' | 'h' | 'd'}`;
export const DURATION_TEXT = /^(\d+)(ms|s|m|h|d)$/;
const UNIT_MS = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

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
  approvalThresholds: DEFAULT_APPROVAL_THRESHOLDS,
  // 200 calls of up to 1,000 ids each: well inside Temporal's history limits (50 MB, 51,200 events).
  sweepCallsPerRun: 200,
};

export function resolveSettings(overrides: Partial<ErasureSettings> | undefined): ErasureSettings {
  return { ...DEFAULT_SETTINGS, ...overrides };
}

/** A settings duration in milliseconds. */
export function durationMs(duration: DurationText | number): number {
  if (typeof duration === 'number') return duration;
  const match = DURATION_TEXT.exec(duration);
  if (!match)
    throw new TypeError(`not a duration: ${JSON.stringify(duration)} (expected a form like 30s, 15m, 4h or 3d)`);
  return Number(match[1]) * UNIT_MS[match[2] as keyof typeof UNIT_MS];
}
