/**
 * A Temporal client as the CLI and other starters use it: connection settings from
 * @temporalio/envconfig, and the same encrypting data converter as the workers.
 */
import { Client, Connection } from '@temporalio/client';
import { loadClientConnectConfig } from '@temporalio/envconfig';
import { createDataConverter } from '../security/data-converter';
import { envValue } from '../env';
import { readDevSecrets } from '../security/dev-secrets';
import { loadSecurityConfig } from '../security/keys';

export async function connectClient(env: NodeJS.ProcessEnv = process.env): Promise<Client> {
  // Beside `npm start`, fall back to its development keys.
  const dev = envValue(env, 'DSR_PAYLOAD_KEYS') ? undefined : readDevSecrets();
  const { payloadKeys } = loadSecurityConfig(dev ? { ...env, DSR_PAYLOAD_KEYS: dev.DSR_PAYLOAD_KEYS } : env);
  const { connectionOptions, namespace } = loadClientConnectConfig({ overrideEnvVars: env as Record<string, string> });
  const connection = await Connection.connect(connectionOptions);
  return new Client({
    connection,
    namespace: namespace ?? 'default',
    dataConverter: await createDataConverter(payloadKeys),
  });
}
