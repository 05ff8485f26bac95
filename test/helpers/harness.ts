/**
 * A real Temporal dev server (started once by global-setup), real workers built the way
 * production builds them, and the vendor simulators on loopback.
 */
import { randomUUID } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import {
  bundleWorkflowCode,
  DefaultLogger,
  NativeConnection,
  Runtime,
  type Worker,
  type WorkflowBundleWithSourceMap,
} from '@temporalio/worker';
import { erasureHandle, submitErasure, type ErasureRef, type SubmitOptions } from '../../src/client/erasures';
import { createDataConverter, FAILURE_CONVERTER_PATH } from '../../src/security/data-converter';
import { generateKey, loadSecurityConfig } from '../../src/security/keys';
import { startSandbox, type SandboxOptions } from '../../src/sandbox';
import { parseErasureRequest, type ErasureRequestInput } from '../../src/subject/request';
import { createWorkers } from '../../src/temporal/workers';
import { deploymentFromEnv } from '../../src/worker';
import { progressQuery } from '../../src/workflows/definitions';
import type { ErasureProgress, ErasureSettings } from '../../src/workflows/types';

/**
 * Worker lifecycle chatter hides test output; warnings and errors still show. A test file may install its own first.
 */
function ensureRuntime(): void {
  try {
    Runtime.install({ logger: new DefaultLogger('WARN') });
  } catch {
    // already installed by the test file
  }
}

export function temporalAddress(): string {
  const address = process.env.TEMPORAL_TEST_ADDRESS;
  if (!address) throw new Error('TEMPORAL_TEST_ADDRESS unset: jest globalSetup did not start the Temporal dev server');
  return address;
}

export function bundleWorkflows(): Promise<WorkflowBundleWithSourceMap> {
  return bundleWorkflowCode({
    workflowsPath: require.resolve('../../src/workflows'),
    failureConverterPath: FAILURE_CONVERTER_PATH,
    logger: quietLogger,
  });
}

/** Fresh keys per harness, as a deployment would configure them. */
export function testKeys(id = 'test-key-1'): Record<string, string> {
  return { DSR_PAYLOAD_KEYS: `${id}:${generateKey()}`, DSR_SUBJECT_HASH_KEY: generateKey() };
}

const noop = () => undefined;
const quietLogger = { trace: noop, debug: noop, info: noop, warn: noop, error: noop, log: noop };

/** Short waits so the verification loop runs in seconds. */
export const FAST: Partial<ErasureSettings> = {
  verifyInitialWait: '1s',
  verifyBackoffCoefficient: 2,
  verifyMaxInterval: '2s',
  verifyMaxTotalWait: '10s',
  activityMaxAttempts: 5,
  activityMaxInterval: '2s',
  connectorHeartbeatTimeout: '3s',
};

/**
 * Worker environment for tests about counting, whose seeded volumes would otherwise stop for approval:
 * the deployment's approval thresholds, raised (per-request settings cannot carry them).
 */
export const NO_APPROVALS = {
  DSR_APPROVAL_THRESHOLDS: 'crm.records=1000000,email.records=1000000,email.mailboxes=10000',
};

export interface HarnessOptions {
  bundle: WorkflowBundleWithSourceMap;
  sandbox?: SandboxOptions;
  /** Extra worker environment (e.g. GONG_RATE_LIMIT_PER_SECOND). */
  env?: Record<string, string>;
  /** Start no in-process workers (the test runs its own). */
  noWorkers?: boolean;
}

export type Harness = Awaited<ReturnType<typeof startHarness>>;

/** The source the harness submits in unless told otherwise; a request id alone names a request there. */
export const TEST_OWNER = 'test';
const refOf = (request: string | ErasureRef): ErasureRef =>
  typeof request === 'string' ? { owner: TEST_OWNER, requestId: request } : request;

export async function startHarness(opts: HarnessOptions) {
  ensureRuntime();
  const address = temporalAddress();
  const sandbox = await startSandbox(opts.sandbox);
  const id = randomUUID().slice(0, 8);
  const env: Record<string, string> = {
    ...sandbox.env,
    TEMPORAL_ADDRESS: address,
    DSR_TASK_QUEUE: `test-${id}`,
    DSR_GONG_TASK_QUEUE: `test-${id}-gong`,
    ...testKeys(),
    ...opts.env,
  };
  const connection = await Connection.connect({ address });
  const client = new Client({
    connection,
    dataConverter: await createDataConverter(loadSecurityConfig(env).payloadKeys),
  });
  const nativeConnection = await NativeConnection.connect({ address });
  let workers: Worker[] = [];
  let running: Promise<unknown> = Promise.resolve();

  const harness = {
    sandbox,
    client,
    env,
    taskQueue: env.DSR_TASK_QUEUE!,
    /** Starts workers; `override` changes their environment (e.g. a rotated keyring). */
    async startWorkers(override: Record<string, string> = {}) {
      Object.assign(env, override);
      workers = await createWorkers({
        ...(await deploymentFromEnv(env)),
        connection: nativeConnection,
        namespace: 'default',
        workflowBundle: opts.bundle,
      });
      running = Promise.all(workers.map((w) => w.run()));
    },
    async stopWorkers() {
      for (const w of workers) if (w.getState() === 'RUNNING') w.shutdown();
      await running;
      workers = [];
    },
    /** Validates like every entry point, then submits; request ids are made unique per test. */
    async submit(
      input: ErasureRequestInput,
      settings: Partial<ErasureSettings> = FAST,
      extra: Omit<SubmitOptions, 'taskQueue' | 'settings' | 'owner'> & { owner?: string } = {},
    ) {
      const request = parseErasureRequest(input);
      return submitErasure(client, request, { taskQueue: harness.taskQueue, settings, owner: TEST_OWNER, ...extra });
    },
    /** The erasure's workflow handle, typed (query, updates, result), as the client module names it. */
    handle: (request: string | ErasureRef) => erasureHandle(client, refOf(request)),
    async waitForProgress(
      request: string | ErasureRef,
      predicate: (p: ErasureProgress) => boolean,
      timeoutMs = 60_000,
    ) {
      const requestId = refOf(request).requestId;
      const handle = erasureHandle(client, refOf(request));
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        try {
          const progress = await handle.query(progressQuery);
          if (predicate(progress)) return progress;
        } catch {
          // not started yet, or no worker has picked it up
        }
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${requestId}`);
        await new Promise((r) => setTimeout(r, 200));
      }
    },
    async teardown() {
      await harness.stopWorkers();
      await nativeConnection.close();
      await connection.close();
      await sandbox.stop();
    },
  };
  if (!opts.noWorkers) await harness.startWorkers();
  return harness;
}

export function uniqueRequestId(prefix: string): string {
  return `${prefix}-${randomUUID().slice(0, 8)}`;
}
