/**
 * `npm start`: everything on one machine with nothing but npm.
 *   - development keys, generated once and kept in .dsr-erasure/dev-secrets.json
 *   - the Temporal dev server (state in .dsr-erasure/temporal.db, Web UI on :8233, short retention)
 *   - the codec server, wired into the Web UI so it shows decrypted payloads
 *   - a local simulator for every vendor without credentials, with a sandbox subject seeded
 *   - the workers and the intake API
 * Ctrl-C, or SIGTERM to npm or to this process, stops all of it (src/dev/stack.ts). The npm script
 * is `exec node --import tsx src/start.ts`: without `exec`, npm's SIGTERM would reach only the `sh`
 * that npm runs scripts in, which dies without passing it on; tsx's own launcher would add a
 * second relay (one that SIGKILLs its child if it does not confirm a signal within 30 ms).
 */
import { join } from 'node:path';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { z } from 'zod';
import { ConfigError, parseEnv } from './config';
import { blankAsUndefined, envValue } from './env';
import { EncryptionCodec } from './security/codec';
import { createCodecServer } from './security/codec-server';
import { DEV_SECRETS_FILE, DEV_STATE_DIR, loadOrCreateDevSecrets } from './security/dev-secrets';
import { loadSecurityConfig } from './security/keys';
import { startSandbox, toSimulate } from './sandbox';
import { startDevServer } from './temporal/dev-server';
import { runWorkers } from './temporal/workers';
import { startWorkers } from './worker';
import { startIntake } from './intake';
import { hashApiKey } from './intake/config';
import { assertPortsFree, listenNamingPort, type DevPort } from './dev/ports';
import { DevStack, StopRequested } from './dev/stack';

/** A fixed port (0 would pick a random one, which the printed examples could not name). */
const port = (fallback: number) =>
  z.preprocess(blankAsUndefined, z.coerce.number().int().min(1).max(65_535).default(fallback));

const SANDBOX_SUBJECT = { emails: ['jane.doe@example.com'], phones: ['+14255552671'] };
const devEnvSchema = z.object({
  DSR_DEV_TEMPORAL_PORT: port(7233),
  DSR_DEV_UI_PORT: port(8233),
  DSR_CODEC_PORT: port(8888),
  DSR_INTAKE_PORT: port(8080),
  /** Namespace retention for closed erasures, in the whole hours or days the server accepts. */
  DSR_RETENTION: z
    .preprocess(blankAsUndefined, z.string().optional())
    .pipe(
      z
        .string()
        .regex(/^\d+(h|d)$/, 'must be like 24h or 3d')
        .default('3d'),
    )
    .transform((text) => ({ text, seconds: Number.parseInt(text, 10) * (text.endsWith('d') ? 86_400 : 3_600) })),
});

/**
 * The intake credentials `npm start` configures unless DSR_INTAKE_API_KEYS is set: `dev`, an intake system of its own
 * (submit, read, operate in source `dev`), and `dev-operator` (operator: reads and steers every source's requests).
 */
function devApiKeys(secrets: { intakeApiKey: string; intakeOperatorKey: string }): string {
  return [
    `dev:${hashApiKey(secrets.intakeApiKey)};scopes=submit+read+operate;source=dev`,
    `dev-operator:${hashApiKey(secrets.intakeOperatorKey)};scopes=operator`,
  ].join(',');
}

/** How long each part may take to stop before `npm start` gives up on it and exits anyway. */
const STOP_TIMEOUT_MS = 5_000;

async function main(stack: DevStack) {
  // Signals are handled by DevStack, not the SDK (see src/dev/stack.ts).
  Runtime.install({ logger: new DefaultLogger('WARN'), shutdownSignals: [] });
  const dev = parseEnv(devEnvSchema);
  const intakeHost = envValue(process.env, 'DSR_INTAKE_HOST') ?? '127.0.0.1';
  const ports = {
    temporal: { variable: 'DSR_DEV_TEMPORAL_PORT', host: '127.0.0.1', port: dev.DSR_DEV_TEMPORAL_PORT },
    ui: { variable: 'DSR_DEV_UI_PORT', host: '127.0.0.1', port: dev.DSR_DEV_UI_PORT },
    codec: { variable: 'DSR_CODEC_PORT', host: '127.0.0.1', port: dev.DSR_CODEC_PORT },
    intake: { variable: 'DSR_INTAKE_PORT', host: intakeHost, port: dev.DSR_INTAKE_PORT },
  } satisfies Record<string, DevPort>;
  await assertPortsFree(Object.values(ports));
  const stateDir = join(process.cwd(), DEV_STATE_DIR);
  const secrets = loadOrCreateDevSecrets();
  const keys = {
    DSR_PAYLOAD_KEYS: envValue(process.env, 'DSR_PAYLOAD_KEYS') ?? secrets.DSR_PAYLOAD_KEYS,
    DSR_SUBJECT_HASH_KEY: envValue(process.env, 'DSR_SUBJECT_HASH_KEY') ?? secrets.DSR_SUBJECT_HASH_KEY,
  };

  // The codec server first: the dev server's UI is told where it is at start.
  const codec = await EncryptionCodec.create(loadSecurityConfig(keys).payloadKeys);
  const uiOrigins = [`http://localhost:${dev.DSR_DEV_UI_PORT}`, `http://127.0.0.1:${dev.DSR_DEV_UI_PORT}`];
  const codecServer = await createCodecServer({ codec, corsOrigins: uiOrigins, tokens: [secrets.codecToken] });
  await listenNamingPort(ports.codec, () => codecServer.listen({ host: ports.codec.host, port: dev.DSR_CODEC_PORT }));
  stack.add('codec server', () => codecServer.close());
  stack.throwIfStopping();

  // Awaited even when a stop is requested meanwhile: it is a child process, torn down only once started.
  const server = await startDevServer({
    port: dev.DSR_DEV_TEMPORAL_PORT,
    uiPort: dev.DSR_DEV_UI_PORT,
    dbFilename: join(stateDir, 'temporal.db'),
    uiCodecEndpoint: `http://localhost:${dev.DSR_CODEC_PORT}/t/${secrets.codecToken}`,
    retentionSeconds: dev.DSR_RETENTION.seconds,
    log: (m) => console.log(m),
  });
  stack.add('Temporal dev server', () => server.teardown());
  stack.throwIfStopping();

  const { vendors: simulatedVendors, http, ids: simulated } = toSimulate(process.env);
  const sandbox = await stack.step(
    startSandbox({ vendors: simulatedVendors, http, gong: { deletionDelayMs: 10_000 } }),
  );
  stack.add('vendor simulators', () => sandbox.stop());
  sandbox.seedSubject(SANDBOX_SUBJECT);
  const temporalAddress = `127.0.0.1:${dev.DSR_DEV_TEMPORAL_PORT}`;
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    ...sandbox.env,
    ...keys,
    TEMPORAL_ADDRESS: temporalAddress,
    // A simulated Gong deletes in seconds, so the sandbox verifies after seconds, not hours.
    ...(simulatedVendors.includes('gong') && !envValue(process.env, 'DSR_VERIFY_INITIAL_WAIT')
      ? { DSR_VERIFY_INITIAL_WAIT: '15s' }
      : {}),
    // Simulated HTTP-connector systems answer within seconds.
    ...(http.length && !envValue(process.env, 'DSR_EXTERNAL_POLL_INTERVAL')
      ? { DSR_EXTERNAL_POLL_INTERVAL: '3s' }
      : {}),
    DSR_INTAKE_API_KEYS: envValue(process.env, 'DSR_INTAKE_API_KEYS') ?? devApiKeys(secrets),
    DSR_CALLBACK_SIGNING_SECRET: envValue(process.env, 'DSR_CALLBACK_SIGNING_SECRET') ?? secrets.callbackSigningSecret,
    DSR_INTAKE_HOST: intakeHost,
    DSR_INTAKE_PORT: String(dev.DSR_INTAKE_PORT),
  };
  const { workers, connection } = await stack.step(startWorkers(env));
  stack.add('worker connection', () => connection.close());
  const running = runWorkers(workers);
  running.catch(() => undefined); // awaited below; a failure must not end the process before the stop
  stack.add('workers', async () => {
    for (const worker of workers) if (worker.getState() === 'RUNNING') worker.shutdown();
    await running;
  });
  const intake = await stack.step(listenNamingPort(ports.intake, () => startIntake(env)));
  stack.add('intake API', () => intake.close());

  // Examples carry the addresses in use, so they work as printed with non-default ports.
  const cliEnv = dev.DSR_DEV_TEMPORAL_PORT === 7233 ? '' : `TEMPORAL_ADDRESS=${temporalAddress} `;
  const secretsFile = `${DEV_STATE_DIR}/${DEV_SECRETS_FILE}`;
  const ownApiKeys = envValue(process.env, 'DSR_INTAKE_API_KEYS') !== undefined;
  const keyCommand = ownApiKeys
    ? 'KEY=<an API key listed in DSR_INTAKE_API_KEYS>'
    : `KEY=$(node -p 'require("./${secretsFile}").intakeApiKey')`;
  const phone = '"+1 425 555 2671"';
  console.log(`
dsr-erasure is running.
  Temporal Web UI:  http://localhost:${dev.DSR_DEV_UI_PORT}/namespaces/default/workflows
                    (payloads are encrypted; the UI decrypts them through the codec server on :${dev.DSR_CODEC_PORT})
  Temporal server:  ${temporalAddress} (closed erasures kept ${dev.DSR_RETENTION.text})
  Intake API:       ${intake.url} (OpenAPI document, no key needed: ${intake.url}/openapi.json)
  Simulated vendors (no credentials set): ${simulated.length ? simulated.join(', ') : 'none'}

Erase the sandbox subject and wait for the receipt (in another terminal, in this directory; the CLI
reads the development keys from ${secretsFile}):
  ${cliEnv}npx dsr-erasure erase --request-id demo-$(date +%s) --email ${SANDBOX_SUBJECT.emails[0]} --phone ${phone} --wait

Or through the intake API (${ownApiKeys ? 'with one of your API keys' : `the development API key is "intakeApiKey" in ${secretsFile}; "intakeOperatorKey" is the operator's, for any source's requests`}):
  ${keyCommand}
  curl -s -H "Authorization: Bearer $KEY" -H 'Content-Type: application/json' -d '{"requestId":"demo-api-1","emails":["${SANDBOX_SUBJECT.emails[0]}"]}' ${intake.url}/v1/erasures

Stop with Ctrl-C.`);

  await Promise.race([running, stack.untilStopRequested()]);
}

const stack = new DevStack();
let exiting = false;

/** The one way out: stop what was started (the dev server child above all), then exit. */
async function stopAndExit(failure?: unknown): Promise<void> {
  if (exiting) return;
  exiting = true;
  // After Ctrl-C a startup step may fail because the terminal's SIGINT reached the dev server too: not news.
  const failed = failure !== undefined && !(failure instanceof StopRequested) && !stack.signal;
  if (failed)
    console.error(
      failure instanceof Error
        ? `${failure instanceof ConfigError ? '' : `${failure.name}: `}${failure.message}`
        : 'start failed',
    );
  const notStopped = await stack.stopAll(STOP_TIMEOUT_MS);
  if (notStopped.length) console.error(`could not stop: ${notStopped.join('; ')}`);
  else if (stack.signalledAt)
    console.error(`stopped everything ${Date.now() - stack.signalledAt} ms after ${stack.signal}`);
  // Exit explicitly: the SDK's native runtime keeps handles open after everything has stopped.
  process.exit(failed || notStopped.length ? 1 : 0);
}

// A crash anywhere (a simulator's socket, a stray rejection) still takes the dev server down with it.
process.on('uncaughtException', (err) => void stopAndExit(err));
process.on('unhandledRejection', (err) => void stopAndExit(err ?? new Error('unhandled rejection')));
main(stack).then(() => stopAndExit(), stopAndExit);
