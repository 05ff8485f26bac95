/**
 * The worker process: connects through @temporalio/envconfig (TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE,
 * TEMPORAL_API_KEY, TEMPORAL_TLS*, or a temporal.toml profile), so the same build runs against a
 * self-hosted cluster or Temporal Cloud.
 */
import { loadClientConnectConfig } from '@temporalio/envconfig';
import { NativeConnection } from '@temporalio/worker';
import { ConfigError, loadServiceConfig, settingsFromConfig } from './config';
import { createDataConverter } from './security/data-converter';
import { loadSecurityConfig } from './security/keys';
import type { WorkerDeps } from './temporal/workers';
import { connectorsFromEnv } from './connectors/registry';
import { createWorkers, runWorkers } from './temporal/workers';
import type { GongClient } from './vendors/gong/client';
import { gong as gongVendor } from './vendors';

/** Everything a worker needs from configuration; fails at start-up naming what is wrong. */
export async function deploymentFromEnv(
  env: NodeJS.ProcessEnv = process.env,
): Promise<Omit<WorkerDeps, 'connection' | 'namespace'>> {
  const config = loadServiceConfig(env);
  const security = loadSecurityConfig(env);
  if (!security.subjectHashKey)
    throw new ConfigError('DSR_SUBJECT_HASH_KEY: is required on workers (base64, at least 32 bytes)');
  const connectors = connectorsFromEnv(config, env);
  let gong: GongClient | undefined;
  try {
    gong = gongVendor.fromEnv(env);
  } catch (err) {
    throw new ConfigError(err instanceof Error ? err.message : String(err));
  }
  if (!gong) throw new ConfigError(`Gong credentials missing: set ${gongVendor.needs}`);
  return {
    taskQueues: { main: config.DSR_TASK_QUEUE, gong: config.DSR_GONG_TASK_QUEUE },
    connectors,
    gong,
    gongRatePerSecond: config.GONG_RATE_LIMIT_PER_SECOND,
    gongRateHeadroom: config.GONG_RATE_HEADROOM,
    roles: config.DSR_WORKER_ROLES,
    settings: settingsFromConfig(config),
    dataConverter: await createDataConverter(security.payloadKeys),
    subjectHashKey: security.subjectHashKey,
    callbacks: { allowedHosts: config.DSR_CALLBACK_ALLOWED_HOSTS, signingSecret: config.DSR_CALLBACK_SIGNING_SECRET },
  };
}

export async function startWorkers(env: NodeJS.ProcessEnv = process.env) {
  const deployment = await deploymentFromEnv(env);
  const { connectionOptions, namespace } = loadClientConnectConfig({ overrideEnvVars: env as Record<string, string> });
  const connection = await NativeConnection.connect(connectionOptions);
  const workers = await createWorkers({ ...deployment, connection, namespace: namespace ?? 'default' });
  return { workers, connection, deployment };
}

if (require.main === module) {
  startWorkers()
    .then(async ({ workers, connection }) => {
      await runWorkers(workers);
      await connection.close();
    })
    .catch((err: unknown) => {
      // Messages only: a stack or error object could carry more than we mean to print.
      console.error(
        err instanceof Error ? `${err.name === 'ConfigError' ? '' : `${err.name}: `}${err.message}` : 'worker failed',
      );
      process.exit(1);
    });
}
