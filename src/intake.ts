/**
 * The intake service on its own (`npm run intake`); `npm start` runs it beside the workers.
 * Connects to Temporal like the CLI (TEMPORAL_ADDRESS, ... and DSR_PAYLOAD_KEYS to encrypt inputs).
 */
import { ConfigError, loadServiceConfig, parseEnv } from './config';
import { connectClient } from './client/connect';
import { intakeEnvSchema } from './intake/config';
import { createIntakeServer, type IntakeDeps } from './intake/server';

export async function startIntake(
  env: NodeJS.ProcessEnv = process.env,
  options: Pick<IntakeDeps, 'logStream' | 'logLevel'> = {},
) {
  const config = parseEnv(intakeEnvSchema, env);
  const service = loadServiceConfig(env);
  if (!config.DSR_INTAKE_API_KEYS.length && !config.DSR_INTAKE_WEBHOOK_SECRETS.length) {
    throw new ConfigError(
      'DSR_INTAKE_API_KEYS: set at least one API key (name:sha256-hex; `npx dsr-erasure api-key NAME` makes one), or DSR_INTAKE_WEBHOOK_SECRETS',
    );
  }
  const client = await connectClient(env);
  const app = await createIntakeServer({
    client,
    config,
    taskQueue: service.DSR_TASK_QUEUE,
    callbackAllowedHosts: service.DSR_CALLBACK_ALLOWED_HOSTS,
    ...options,
  });
  const address = await app.listen({ host: config.DSR_INTAKE_HOST, port: config.DSR_INTAKE_PORT });
  return {
    app,
    url: address,
    async close() {
      await app.close();
      await client.connection.close();
    },
  };
}

if (require.main === module) {
  startIntake().then(
    (intake) => {
      const stop = () => void intake.close().then(() => process.exit(0));
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    },
    (err: unknown) => {
      console.error(
        err instanceof Error ? `${err instanceof ConfigError ? '' : `${err.name}: `}${err.message}` : 'intake failed',
      );
      process.exit(1);
    },
  );
}
