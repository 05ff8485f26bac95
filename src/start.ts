/**
 * `npm start`: everything on one machine with nothing but npm.
 *   - development keys, generated once and kept in .dsr-erasure/dev-secrets.json
 *   - the Temporal dev server (state in .dsr-erasure/temporal.db, Web UI on :8233, short retention)
 *   - the codec server, wired into the Web UI so it shows decrypted payloads
 *   - a local simulator for every vendor without credentials, with a sandbox subject seeded
 *   - the workers
 */
import { join } from 'node:path';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import type { Duration } from '@temporalio/common';
import { z } from 'zod';
import { ConfigError, parseEnv } from './config';
import { EncryptionCodec } from './security/codec';
import { createCodecServer } from './security/codec-server';
import { DEV_STATE_DIR, loadOrCreateDevSecrets } from './security/dev-secrets';
import { loadSecurityConfig } from './security/keys';
import { startSandbox, toSimulate } from './sandbox';
import { startDevServer } from './temporal/dev-server';
import { runWorkers } from './temporal/workers';
import { startWorkers } from './worker';
import { startIntake } from './intake';
import { hashApiKey } from './intake/config';

const SANDBOX_SUBJECT = { emails: ['jane.doe@example.com'], phones: ['+14255552671'] };
const devEnvSchema = z.object({
  DSR_DEV_TEMPORAL_PORT: z.coerce.number().int().default(7233),
  DSR_DEV_UI_PORT: z.coerce.number().int().default(8233),
  DSR_CODEC_PORT: z.coerce.number().int().default(8888),
  DSR_INTAKE_PORT: z.coerce.number().int().default(8080),
  /** Namespace retention for closed erasures. */
  DSR_RETENTION: z.string().regex(/^\d+(h|d)$/, 'must be like 24h or 3d').default('3d').transform((d) => d as Duration),
});

async function main() {
  Runtime.install({ logger: new DefaultLogger('WARN') });
  const dev = parseEnv(devEnvSchema);
  const stateDir = join(process.cwd(), DEV_STATE_DIR);
  const secrets = loadOrCreateDevSecrets();
  const keys = {
    DSR_PAYLOAD_KEYS: process.env.DSR_PAYLOAD_KEYS ?? secrets.DSR_PAYLOAD_KEYS,
    DSR_SUBJECT_HASH_KEY: process.env.DSR_SUBJECT_HASH_KEY ?? secrets.DSR_SUBJECT_HASH_KEY,
  };

  // The codec server first: the dev server's UI is told where it is at start.
  const codec = await EncryptionCodec.create(loadSecurityConfig(keys).payloadKeys);
  const uiOrigins = [`http://localhost:${dev.DSR_DEV_UI_PORT}`, `http://127.0.0.1:${dev.DSR_DEV_UI_PORT}`];
  const codecServer = await createCodecServer({ codec, corsOrigins: uiOrigins, tokens: [secrets.codecToken] });
  await codecServer.listen({ host: '127.0.0.1', port: dev.DSR_CODEC_PORT });

  const server = await startDevServer({
    port: dev.DSR_DEV_TEMPORAL_PORT,
    uiPort: dev.DSR_DEV_UI_PORT,
    dbFilename: join(stateDir, 'temporal.db'),
    uiCodecEndpoint: `http://localhost:${dev.DSR_CODEC_PORT}/t/${secrets.codecToken}`,
    retention: dev.DSR_RETENTION,
    log: (m) => console.log(m),
  });

  const { vendors: simulatedVendors, http, ids: simulated } = toSimulate(process.env);
  const sandbox = await startSandbox({ vendors: simulatedVendors, http, gong: { deletionDelayMs: 10_000 } });
  sandbox.seedSubject(SANDBOX_SUBJECT);
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    ...sandbox.env,
    ...keys,
    TEMPORAL_ADDRESS: `127.0.0.1:${dev.DSR_DEV_TEMPORAL_PORT}`,
    // A simulated Gong deletes in seconds, so the sandbox verifies after seconds, not hours.
    ...(simulatedVendors.includes('gong') && !process.env.DSR_VERIFY_INITIAL_WAIT ? { DSR_VERIFY_INITIAL_WAIT: '15s' } : {}),
    // Simulated HTTP-connector systems answer within seconds.
    ...(http.length && !process.env.DSR_EXTERNAL_POLL_INTERVAL ? { DSR_EXTERNAL_POLL_INTERVAL: '3s' } : {}),
    DSR_INTAKE_API_KEYS: process.env.DSR_INTAKE_API_KEYS ?? `dev:${hashApiKey(secrets.intakeApiKey)}`,
    DSR_CALLBACK_SIGNING_SECRET: process.env.DSR_CALLBACK_SIGNING_SECRET ?? secrets.callbackSigningSecret,
    DSR_INTAKE_PORT: String(dev.DSR_INTAKE_PORT),
  };
  const { workers, connection } = await startWorkers(env);
  const intake = await startIntake(env);

  const phone = '"+1 425 555 2671"';
  console.log(`
dsr-erasure is running.
  Temporal Web UI:  http://localhost:${dev.DSR_DEV_UI_PORT}/namespaces/default/workflows
                    (payloads are encrypted; the UI decrypts them through the codec server on :${dev.DSR_CODEC_PORT})
  Temporal server:  127.0.0.1:${dev.DSR_DEV_TEMPORAL_PORT} (closed erasures kept ${dev.DSR_RETENTION})
  Simulated vendors (no credentials set): ${simulated.length ? simulated.join(', ') : 'none'}

Erase the sandbox subject and wait for the receipt (in another terminal; the CLI reads the
development keys from .dsr-erasure/dev-secrets.json):
  npx dsr-erasure erase --request-id demo-$(date +%s) --email ${SANDBOX_SUBJECT.emails[0]} --phone ${phone} --wait

Or through the intake API on ${intake.url} (OpenAPI document at /openapi.json):
  curl -s -H 'Authorization: Bearer ${process.env.DSR_INTAKE_API_KEYS ? '<your API key>' : secrets.intakeApiKey}' -H 'Content-Type: application/json' \\
    -d '{"requestId":"demo-api-1","emails":["${SANDBOX_SUBJECT.emails[0]}"]}' ${intake.url}/v1/erasures

Stop with Ctrl-C.`);

  await runWorkers(workers);
  await intake.close();
  await connection.close();
  await sandbox.stop();
  await server.teardown();
  await codecServer.close();
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? `${err instanceof ConfigError ? '' : `${err.name}: `}${err.message}` : 'start failed');
  process.exit(1);
});
