/**
 * One real Temporal dev server for the whole test run; test files connect to it by address.
 * Nothing mocks Temporal.
 */
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { startDevServer } from '../src/temporal/dev-server';

declare global {
  var __TEMPORAL_ENV__: TestWorkflowEnvironment | undefined;
}

export default async function globalSetup(): Promise<void> {
  const env = await startDevServer({ log: (m) => console.log(m) });
  globalThis.__TEMPORAL_ENV__ = env;
  const address = env.connection.options.address;
  process.env.TEMPORAL_TEST_ADDRESS = address;
  process.env.TEMPORAL_TEST_NAMESPACE = env.namespace ?? 'default';
}
