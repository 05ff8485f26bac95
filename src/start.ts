/**
 * `npm start`: everything on one machine with nothing but npm.
 *   - the Temporal dev server (state in .dsr-erasure/temporal.db, Web UI on :8233)
 *   - a local simulator for every vendor without credentials, with a sandbox subject seeded
 *   - the workers
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { ConfigError } from './config';
import { startSandbox, type SandboxVendor } from './sandbox';
import { startDevServer } from './temporal/dev-server';
import { runWorkers } from './temporal/workers';
import { startWorkers } from './worker';

const SANDBOX_SUBJECT = { emails: ['jane.doe@example.com'], phones: ['+14255552671'] };
const TEMPORAL_PORT = Number(process.env.DSR_DEV_TEMPORAL_PORT ?? 7233);
const UI_PORT = Number(process.env.DSR_DEV_UI_PORT ?? 8233);

function vendorsWithoutCredentials(env: NodeJS.ProcessEnv): SandboxVendor[] {
  const missing: SandboxVendor[] = [];
  if (!env.GONG_ACCESS_KEY && !env.GONG_ACCESS_TOKEN) missing.push('gong');
  if (!env.HUBSPOT_ACCESS_TOKEN) missing.push('hubspot');
  if (!env.M365_TENANT_ID) missing.push('m365');
  return missing;
}

async function main() {
  Runtime.install({ logger: new DefaultLogger('WARN') });
  const stateDir = join(process.cwd(), '.dsr-erasure');
  mkdirSync(stateDir, { recursive: true });

  const server = await startDevServer({
    port: TEMPORAL_PORT,
    uiPort: UI_PORT,
    dbFilename: join(stateDir, 'temporal.db'),
    log: (m) => console.log(m),
  });

  const simulated = vendorsWithoutCredentials(process.env);
  const sandbox = await startSandbox({ vendors: simulated, gong: { deletionDelayMs: 10_000 } });
  sandbox.seedSubject(SANDBOX_SUBJECT);
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    ...sandbox.env,
    TEMPORAL_ADDRESS: `127.0.0.1:${TEMPORAL_PORT}`,
    // A simulated Gong deletes in seconds, so the sandbox verifies after seconds, not hours.
    ...(simulated.includes('gong') && !process.env.DSR_VERIFY_INITIAL_WAIT ? { DSR_VERIFY_INITIAL_WAIT: '15s' } : {}),
  };
  const { workers, connection } = await startWorkers(env);

  const phone = '"+1 425 555 2671"';
  console.log(`
dsr-erasure is running.
  Temporal Web UI:  http://localhost:${UI_PORT}/namespaces/default/workflows
  Temporal server:  127.0.0.1:${TEMPORAL_PORT}
  Simulated vendors (no credentials set): ${simulated.length ? simulated.join(', ') : 'none'}

Erase the sandbox subject and wait for the receipt (in another terminal):
  npx dsr-erasure erase --request-id demo-$(date +%s) --email ${SANDBOX_SUBJECT.emails[0]} --phone ${phone} --wait

Stop with Ctrl-C.`);

  await runWorkers(workers);
  await connection.close();
  await sandbox.stop();
  await server.teardown();
}

main().catch((err: unknown) => {
  console.error(err instanceof ConfigError ? err.message : err);
  process.exit(1);
});
