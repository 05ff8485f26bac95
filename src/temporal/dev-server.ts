/**
 * Starts the official Temporal CLI dev server (`temporal server start-dev`) through the SDK's
 * ephemeral-server support, with this service's search attributes registered.
 */
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { findTemporalCli } from './cli-binary';
import { erasureSearchAttributes } from './search-attributes';

export interface DevServerOptions {
  namespace?: string;
  port?: number;
  /** Web UI port; headless when absent. */
  uiPort?: number;
  /** SQLite file to keep state across restarts; in memory when absent. */
  dbFilename?: string;
  /** `--ui-codec-endpoint` for the embedded UI. */
  uiCodecEndpoint?: string;
  log?: (msg: string) => void;
}

export async function startDevServer(opts: DevServerOptions = {}): Promise<TestWorkflowEnvironment> {
  const path = findTemporalCli({ log: opts.log });
  const extraArgs = opts.uiCodecEndpoint ? ['--ui-codec-endpoint', opts.uiCodecEndpoint] : [];
  return TestWorkflowEnvironment.createLocal({
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
  });
}
