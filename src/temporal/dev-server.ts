/**
 * Starts the official Temporal CLI dev server (`temporal server start-dev`) through the SDK's
 * ephemeral-server support, with this service's search attributes registered.
 */
import { chmodSync, existsSync } from 'node:fs';
import { google } from '@temporalio/proto';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { findTemporalCli } from './cli-binary';
import { erasureSearchAttributes } from './search-attributes';

/**
 * One partition per task queue. The server splits a queue's rate limit evenly over its partitions
 * (4 by default), so a partition that runs dry wastes its share: with 4, Gong ran at ~0.90 of its
 * limit in bench/gong-rate, with 1 at ~0.97. Production clusters should set the same for the Gong
 * queue (docs/operations.md, "The Gong limit").
 */
const DEV_DYNAMIC_CONFIG: Record<string, unknown> = {
  'matching.numTaskqueueReadPartitions': 1,
  'matching.numTaskqueueWritePartitions': 1,
};

export interface DevServerOptions {
  namespace?: string;
  port?: number;
  /** Web UI port; headless when absent. */
  uiPort?: number;
  /**
   * SQLite file to keep state across restarts; in memory when absent. It and its -wal/-shm files
   * are created (or tightened) to mode 0600: they hold every history, encrypted, and search attributes.
   */
  dbFilename?: string;
  /** `--ui-codec-endpoint` for the embedded UI. */
  uiCodecEndpoint?: string;
  /**
   * How long closed workflows (and their histories) are kept. Histories hold the request's
   * identifiers, encrypted; the shorter they live, the fewer copies exist. Receipts are the proof.
   * In seconds; the server keeps whole hours or days.
   */
  retentionSeconds?: number;
  log?: (msg: string) => void;
}

export async function startDevServer(opts: DevServerOptions = {}): Promise<TestWorkflowEnvironment> {
  const path = findTemporalCli({ log: opts.log });
  const extraArgs = opts.uiCodecEndpoint ? ['--ui-codec-endpoint', opts.uiCodecEndpoint] : [];
  for (const [k, v] of Object.entries(DEV_DYNAMIC_CONFIG))
    extraArgs.push('--dynamic-config-value', `${k}=${JSON.stringify(v)}`);
  // The database is created by the CLI child process, which inherits our umask at spawn: 077 for
  // that moment makes it (and SQLite's -wal/-shm, which copy its mode) 0600 from the first byte.
  const umask = opts.dbFilename ? process.umask(0o077) : undefined;
  const env = await TestWorkflowEnvironment.createLocal({
    server: {
      executable: path ? { type: 'existing-path', path } : { type: 'cached-download' },
      namespace: opts.namespace ?? 'default',
      port: opts.port,
      ui: opts.uiPort !== undefined,
      uiPort: opts.uiPort,
      dbFilename: opts.dbFilename,
      searchAttributes: erasureSearchAttributes,
      extraArgs,
    },
  }).finally(() => {
    if (umask !== undefined) process.umask(umask);
  });
  if (opts.dbFilename) restrictToOwner(opts.dbFilename);
  if (opts.retentionSeconds !== undefined) {
    await env.connection.workflowService.updateNamespace({
      namespace: opts.namespace ?? 'default',
      // fromObject turns the number into the int64 (Long) the proto field holds.
      config: {
        workflowExecutionRetentionTtl: google.protobuf.Duration.fromObject({ seconds: opts.retentionSeconds }),
      },
    });
  }
  return env;
}

/** Files from before (created under a looser umask) are tightened too; SQLite keeps a file's mode. */
function restrictToOwner(dbFilename: string): void {
  for (const file of [dbFilename, `${dbFilename}-wal`, `${dbFilename}-shm`, `${dbFilename}-journal`])
    if (existsSync(file)) chmodSync(file, 0o600);
}
