/**
 * Service configuration from environment variables, validated with zod at start-up. Vendor
 * credentials are read by each vendor folder's `...FromEnv`; this file holds what is shared.
 */
import { z } from 'zod';
import { blankAsUndefined, envList, optionalEnv } from './env';
import { allowedHostsProblems } from './callbacks/hosts';
import { durationTextSchema, type ErasureSettings } from './settings-schema';
import { TASK_QUEUES } from './temporal/names';

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

export const serviceEnvSchema = z.object({
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
  ...settingsEnvSchema,
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
  for (const [name, key] of Object.entries(SETTINGS_ENV_VARS) as [
    SettingsEnvVar,
    (typeof SETTINGS_ENV_VARS)[SettingsEnvVar],
  ][]) {
    const value = config[name];
    if (value) settings[key] = value;
  }
  return settings;
}
