/**
 * Service configuration from environment variables, validated with zod at start-up. Vendor
 * credentials are read by each vendor folder's `...FromEnv`; this file holds what is shared.
 */
import { z } from 'zod';
import { blankAsUndefined, envList, optionalEnv } from './env';
import { allowedHostsProblems } from './callbacks/hosts';
import { durationTextSchema, type ErasureSettings } from './settings-schema';
import { TASK_QUEUES } from './temporal/names';
import { HTTP_CONNECTOR_ID } from './vendors/generic-http/names';
import { DEFAULT_APPROVAL_THRESHOLDS, type ApprovalThresholdSettings } from './workflows/approval';

/**
 * The erasure settings a deployment sets through its environment, each a duration; the workflow's
 * defaults (src/workflows/settings.ts) apply to those unset, and a request's own settings win.
 * `DSR_GONG_TASK_QUEUE` (gongTaskQueue) also names the Gong worker's queue, so it is listed with the queues.
 */
const SETTINGS_ENV_VARS = {
  DSR_VERIFY_INITIAL_WAIT: 'verifyInitialWait',
  DSR_VERIFY_MAX_INTERVAL: 'verifyMaxInterval',
  DSR_VERIFY_MAX_TOTAL_WAIT: 'verifyMaxTotalWait',
  DSR_EXTERNAL_POLL_INTERVAL: 'externalPollInterval',
  DSR_EXTERNAL_MAX_WAIT: 'externalMaxWait',
  DSR_CALLBACK_MAX_WAIT: 'callbackMaxWait',
} as const satisfies Record<string, keyof ErasureSettings>;
type SettingsEnvVar = keyof typeof SETTINGS_ENV_VARS;

const settingsEnvSchema = Object.fromEntries(
  Object.keys(SETTINGS_ENV_VARS).map((name) => [name, optionalEnv(durationTextSchema)]),
) as Record<SettingsEnvVar, ReturnType<typeof optionalEnv<typeof durationTextSchema>>>;

/** `<crm|email|connector id>.<records|mailboxes>`: a step's threshold (every connector of it), or one connector's. */
function approvalThresholdKey(key: string): { target: string; count: 'records' | 'mailboxes' } | undefined {
  const dot = key.lastIndexOf('.');
  const target = key.slice(0, dot);
  const count = key.slice(dot + 1);
  if (dot < 0 || (count !== 'records' && count !== 'mailboxes')) return undefined;
  // Vendor ids are plain lower-case words (hubspot, m365); HTTP connectors are http:<name>.
  return /^[a-z][a-z0-9]{0,31}$/.test(target) || HTTP_CONNECTOR_ID.test(target) ? { target, count } : undefined;
}
const MAX_THRESHOLD = 1_000_000_000;

/**
 * DSR_APPROVAL_THRESHOLDS: `crm.records=5,email.records=500,email.mailboxes=25,m365.records=2000`, each entry
 * overriding that one default (src/workflows/approval.ts), the others kept: setting the records threshold alone must
 * not drop the mailboxes one. A problem names the entry's key (its position when it has no recognisable key), so
 * an operator finds it in a long list.
 */
const approvalThresholdsEnv = envList.transform((entries, ctx): ApprovalThresholdSettings => {
  const thresholds: ApprovalThresholdSettings = Object.fromEntries(
    Object.entries(DEFAULT_APPROVAL_THRESHOLDS).map(([key, counts]) => [key, { ...counts }]),
  );
  const seen = new Set<string>();
  for (const [i, entry] of entries.entries()) {
    const eq = entry.indexOf('=');
    const key = (eq < 0 ? entry : entry.slice(0, eq)).trim();
    const value = eq < 0 ? '' : entry.slice(eq + 1).trim();
    const match = approvalThresholdKey(key);
    const problem = !match
      ? `entry ${i + 1}${key && /^[\w.:-]{1,80}$/.test(key) ? ` (${key})` : ''} must be <crm|email|connector id>.<records|mailboxes>=<positive integer>, e.g. email.records=500`
      : eq < 0 || !/^\d{1,10}$/.test(value) || Number(value) < 1 || Number(value) > MAX_THRESHOLD
        ? `${key} must be a positive integer (at most ${MAX_THRESHOLD}), e.g. ${key}=${key.endsWith('.records') ? 500 : 25}`
        : seen.has(key)
          ? `${key} is given twice`
          : undefined;
    if (problem) {
      ctx.addIssue({ code: 'custom', message: problem });
      continue;
    }
    seen.add(key);
    const { target, count } = match!;
    thresholds[target] = { ...thresholds[target], [count]: Number(value) };
  }
  return thresholds;
});

export const serviceEnvSchema = z
  .object({
    // Blank means unset everywhere (src/env.ts) except these two: a blank step list is refused by the
    // registry rather than read as the default, since it more likely means a system was left out.
    DSR_CRM_CONNECTORS: envList.default(['hubspot']),
    DSR_EMAIL_CONNECTORS: envList.default(['m365']),
    DSR_TASK_QUEUE: z.preprocess(blankAsUndefined, z.string().min(1).default(TASK_QUEUES.main)),
    DSR_GONG_TASK_QUEUE: z.preprocess(blankAsUndefined, z.string().min(1).default(TASK_QUEUES.gong)),
    /** Gong's default per-company limit; raise it only if Gong support raised yours. */
    GONG_RATE_LIMIT_PER_SECOND: z.preprocess(blankAsUndefined, z.coerce.number().positive().max(100).default(3)),
    /** Share of that limit to use; lower it if Gong answers 429s (the quota is shared with other integrations). */
    GONG_RATE_HEADROOM: z.preprocess(blankAsUndefined, z.coerce.number().min(0.1).max(1).default(0.97)),
    /** `main`, `gong` or both (default): run the Gong worker in exactly one process. */
    DSR_WORKER_ROLES: z.preprocess(
      blankAsUndefined,
      envList.pipe(z.array(z.enum(['main', 'gong'])).min(1)).default(['main', 'gong']),
    ),
    /** Hosts and ports status callbacks may go to: `hooks.example.com` (:443), `*.example.com:8443`. Empty: none. */
    DSR_CALLBACK_ALLOWED_HOSTS: envList
      .superRefine((entries, ctx) => {
        for (const message of allowedHostsProblems(entries)) ctx.addIssue({ code: 'custom', message });
      })
      .default([]),
    /** Signs our status callbacks (X-DSR-Signature); receivers verify with the same secret. */
    DSR_CALLBACK_SIGNING_SECRET: optionalEnv(z.string().min(32, 'must be at least 32 characters')),
    /** Above these counts a sweep waits for an operator's `approve`; merged over the defaults. */
    DSR_APPROVAL_THRESHOLDS: optionalEnv(approvalThresholdsEnv),
    /** Vendor calls a sweep makes per workflow history before it moves to a child workflow / continues-as-new. */
    DSR_SWEEP_CALLS_PER_RUN: optionalEnv(
      z
        .string()
        .regex(/^\d{1,5}$/, 'must be a whole number from 1 to 10000')
        .transform(Number)
        .pipe(
          z
            .number()
            .min(1, 'must be a whole number from 1 to 10000')
            .max(10_000, 'must be a whole number from 1 to 10000'),
        ),
    ),
    ...settingsEnvSchema,
  })
  .superRefine((config, ctx) => {
    // A threshold for a connector this deployment does not run is most likely a misspelt id: it would never apply.
    const listed = new Set([...config.DSR_CRM_CONNECTORS, ...config.DSR_EMAIL_CONNECTORS]);
    for (const key of Object.keys(config.DSR_APPROVAL_THRESHOLDS ?? {})) {
      if (key === 'crm' || key === 'email' || listed.has(key)) continue;
      ctx.addIssue({
        code: 'custom',
        path: ['DSR_APPROVAL_THRESHOLDS'],
        message: `${key}.* names a connector that is in neither DSR_CRM_CONNECTORS nor DSR_EMAIL_CONNECTORS (keys are crm, email or a listed connector id)`,
      });
    }
  });

export type ServiceConfig = z.output<typeof serviceEnvSchema>;

export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** Parses a zod schema over the environment; the error names each variable and what is wrong. */
export function parseEnv<S extends z.ZodType>(schema: S, env: NodeJS.ProcessEnv = process.env): z.output<S> {
  const result = schema.safeParse(env);
  if (result.success) return result.data;
  const problems = result.error.issues.map((i) => `${i.path.join('.') || 'environment'}: ${i.message}`);
  throw new ConfigError(`invalid configuration: ${problems.join('; ')}`);
}

export function loadServiceConfig(env: NodeJS.ProcessEnv = process.env): ServiceConfig {
  return parseEnv(serviceEnvSchema, env);
}

/** This deployment's settings: the worker's planning activity hands them to each workflow. */
export function settingsFromConfig(config: ServiceConfig): Partial<ErasureSettings> {
  const settings: Partial<ErasureSettings> = { gongTaskQueue: config.DSR_GONG_TASK_QUEUE };
  if (config.DSR_APPROVAL_THRESHOLDS) settings.approvalThresholds = config.DSR_APPROVAL_THRESHOLDS;
  if (config.DSR_SWEEP_CALLS_PER_RUN) settings.sweepCallsPerRun = config.DSR_SWEEP_CALLS_PER_RUN;
  for (const [name, key] of Object.entries(SETTINGS_ENV_VARS) as [
    SettingsEnvVar,
    (typeof SETTINGS_ENV_VARS)[SettingsEnvVar],
  ][]) {
    const value = config[name];
    if (value) settings[key] = value;
  }
  return settings;
}
