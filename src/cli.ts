/**
 * dsr-erasure: submit and steer erasures from a terminal.
 *   dsr-erasure erase --request-id ID --email E... --phone P... [--wait]
 *   dsr-erasure status ID
 *   dsr-erasure retry ID | skip ID --reason R
 *   dsr-erasure callback ID --connector http:NAME --state completed|not_found|failed
 * Connects like the worker (TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE, TEMPORAL_API_KEY, ...).
 */
import { WorkflowUpdateFailedError } from '@temporalio/client';
import { Command, Option } from 'commander';
import { ConfigError, loadServiceConfig } from './config';
import { connectClient } from './client/connect';
import { erasureHandle, erasureProgress, submitErasure } from './client/erasures';
import { InvalidRequestError, parseErasureRequest } from './subject/request';

const connect = () => connectClient();

const collect = (value: string, previous: string[]) => [...previous, value];
const print = (value: unknown) => console.log(JSON.stringify(value, null, 2));

export function buildCli(): Command {
  const program = new Command('dsr-erasure').description('Erase a data subject from the CRM, then email, then Gong; verified.');

  program
    .command('erase')
    .description('submit an erasure request (idempotent by request id)')
    .requiredOption('--request-id <id>', "the intake system's request id")
    .addOption(new Option('--email <address>', 'an email address of the person (repeatable)').argParser(collect).default([]))
    .addOption(new Option('--phone <number>', 'a phone number with + and country code (repeatable)').argParser(collect).default([]))
    .option('--wait', 'wait for the receipt and print it as JSON')
    .action(async (opts: { requestId: string; email: string[]; phone: string[]; wait?: boolean }) => {
      // Validate before connecting: bad input never reaches Temporal.
      const request = parseErasureRequest({ requestId: opts.requestId, emails: opts.email, phones: opts.phone });
      const config = loadServiceConfig();
      const client = await connect();
      const { handle, started, workflowId } = await submitErasure(client, request, { taskQueue: config.DSR_TASK_QUEUE });
      console.error(started ? `started ${workflowId}` : `${workflowId} already exists; attached to it (nothing new started)`);
      if (opts.wait) print(await handle.result());
      else print({ workflowId, started });
    });

  program
    .command('status <requestId>')
    .description('show the current step and per-step results')
    .action(async (requestId: string) => {
      const client = await connect();
      const handle = erasureHandle(client, requestId);
      const { status } = await handle.describe();
      print(status.name === 'COMPLETED' ? await handle.result() : await erasureProgress(client, requestId));
    });

  program
    .command('retry <requestId>')
    .description('run the failed item of an erasure waiting for an operator again')
    .action(async (requestId: string) => {
      const client = await connect();
      await erasureHandle(client, requestId).executeUpdate('retry', { args: [] });
      console.error('retrying');
    });

  program
    .command('skip <requestId>')
    .description('skip the failed item of an erasure waiting for an operator; the receipt keeps the reason')
    .requiredOption('--reason <text>', 'why it is safe to skip')
    .action(async (requestId: string, opts: { reason: string }) => {
      const client = await connect();
      await erasureHandle(client, requestId).executeUpdate('skip', { args: [{ reason: opts.reason }] });
      console.error('skipped');
    });

  program
    .command('callback <requestId>')
    .description("report that an HTTP connector's accepted order finished (for systems that call back)")
    .requiredOption('--connector <id>', 'the connector, e.g. http:warehouse')
    .addOption(new Option('--state <state>', 'what the system reported').choices(['completed', 'not_found', 'failed']).makeOptionMandatory())
    .option('--reference <ref>', "the system's own reference for the erasure")
    .action(async (requestId: string, opts: { connector: string; state: 'completed' | 'not_found' | 'failed'; reference?: string }) => {
      const client = await connect();
      await erasureHandle(client, requestId).executeUpdate('connectorCallback', { args: [{ connector: opts.connector, state: opts.state, reference: opts.reference }] });
      console.error('delivered');
    });

  return program;
}

/** Runs the CLI and exits: 0 on success, 2 for invalid input, 1 otherwise. */
export async function runCli(argv: string[]): Promise<never> {
  try {
    await buildCli().parseAsync(argv);
    process.exit(0);
  } catch (err) {
    if (err instanceof InvalidRequestError || err instanceof ConfigError) console.error(err.message);
    else if (err instanceof WorkflowUpdateFailedError) console.error(`refused: ${err.cause?.message ?? err.message}`);
    else console.error(err instanceof Error ? err.message : err);
    process.exit(err instanceof InvalidRequestError ? 2 : 1);
  }
}

if (require.main === module) void runCli(process.argv);
