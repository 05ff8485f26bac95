/**
 * The erasure workflow's settings: the waits, retries and queue a deployment (environment
 * variables, src/config.ts) or a request (API, CLI) may set. This schema is their one description:
 * the type is inferred from it and the client checks per-request overrides against it. The defaults
 * live in src/workflows/settings.ts, which the workflow reads without bundling zod (workflow code
 * imports only the type from here).
 */
import { z } from 'zod';
import { DURATION_TEXT, type DurationText } from './workflows/settings';

/** A duration as text, the only form environment variables take: `30s`, `15m`, `4h`, `3d`. */
export const durationTextSchema = z
  .string()
  .regex(DURATION_TEXT, 'must be a duration like 30s, 15m, 4h or 3d')
  .transform((d) => d as DurationText);
/** A duration as text or as a number of milliseconds. */
const duration = z.union([durationTextSchema, z.number().int().positive()]);

const count = z.number().int().positive('must be a positive integer').max(1_000_000_000);
/** Approval thresholds (or an intake system's pre-approval): positive integers. */
export const approvalThresholdsSchema = z.object({ records: count.optional(), mailboxes: count.optional() }).strict();

export const erasureSettingsSchema = z.object({
  /** First wait after the Gong erase calls; Gong says deletion "may take several hours". */
  verifyInitialWait: duration,
  /** Each further wait grows by this factor while references remain... */
  verifyBackoffCoefficient: z.number().min(1).max(10),
  /** ...up to this interval... */
  verifyMaxInterval: duration,
  /** ...and after this much waiting in total the request escalates to an operator. */
  verifyMaxTotalWait: duration,
  /** Attempts per activity for retryable errors (5xx, timeouts, 429) before an operator is asked. */
  activityMaxAttempts: z.number().int().min(1).max(1000),
  /** Longest backoff between activity attempts. */
  activityMaxInterval: duration,
  /** A connector sweep that stops heartbeating this long is retried on another worker. */
  connectorHeartbeatTimeout: duration,
  connectorStartToCloseTimeout: duration,
  /** The task queue Gong activities run on; its workers cap it at Gong's per-company rate. */
  gongTaskQueue: z.string().min(1).max(200),
  /** How often to poll an HTTP connector's status URL after it accepted an order. */
  externalPollInterval: duration,
  /** How long to wait for an HTTP connector to finish (poll or callback) before asking an operator. */
  externalMaxWait: duration,
  /** How long a status callback is retried (with backoff) before it is recorded as failed. */
  callbackMaxWait: duration,
  /**
   * Above these counts a sweep waits for an operator's `approve` before deleting anything: keyed by
   * step (`crm`, `email`) or connector id, which wins (src/workflows/approval.ts).
   */
  approvalThresholds: z.record(
    z.string().regex(/^[a-z][a-z0-9:_-]{0,63}$/, 'must be crm, email or a connector id'),
    approvalThresholdsSchema,
  ),
  /**
   * Vendor calls one sweep makes in a workflow's history before it moves on (to a child workflow,
   * then continue-as-new), so a mailbox with 50,000 matches never outgrows Temporal's history limits.
   */
  sweepCallsPerRun: z.number().int().min(1).max(10_000),
});

export type ErasureSettings = z.infer<typeof erasureSettingsSchema>;
