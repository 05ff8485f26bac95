/**
 * dsr-erasure: submit and steer erasures from a terminal.
 *   dsr-erasure erase --request-id ID --email E... --phone P... [--wait]
 *                     [--preapprove-records N] [--preapprove-mailboxes N]
 *   dsr-erasure preview --email E... --phone P... [--request-id ID]
 *   dsr-erasure import FILE.csv [--rate N] [--dry-run] [--json]
 *   dsr-erasure list [--status S] [--limit N] [--json]
 *   dsr-erasure status ID [--source S | --legacy]
 *   dsr-erasure retry ID | skip ID --code C [--note N] | approve ID [--note N]   [--source S | --legacy]
 *   dsr-erasure callback ID --connector http:NAME --state completed|not_found|failed [--source S | --legacy]
 * Connects like the worker (TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE, TEMPORAL_API_KEY, ...).
 */
import type { Client } from '@temporalio/client';
import { randomBytes, randomUUID } from 'node:crypto';
import { hashApiKey } from './intake/config';
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { ConfigError, loadServiceConfig } from './config';
import { connectClient } from './client/connect';
import {
  approveErasure,
  ErasureNotFoundError,
  ErasureRefusedError,
  type ErasureRef,
  erasureStatus,
  reportConnectorCallback,
  retryErasure,
  skipErasure,
  submitErasure,
} from './client/erasures';
import { PreviewNotFoundError, startPreview } from './client/previews';
import { formatSummary, IMPORT_LIMITS, ImportFileError, importErasures } from './cli/import';
import { formatPreview } from './cli/preview';
import { formatList, LIST_LIMITS, LIST_STATUSES, listErasures, type ListStatus } from './cli/list';
import { importProgress } from './cli/progress';
import { InvalidRequestError, parseErasureRequest } from './subject/request';
import { CLI_SOURCE, SOURCE_NAME } from './temporal/names';
import { CONNECTOR_CALLBACK_STATES } from './workflows/connector-callback';
import { SKIP_REASON_CODES, type SkipReasonCode } from './workflows/skip-reasons';
import type { ConnectorCallback } from './workflows/types';

/** What the CLI talks to; tests run it in-process with their own. */
export interface CliDeps {
  env?: NodeJS.ProcessEnv;
  stdout?: NodeJS.WritableStream;
  /** The progress bar is drawn only when this is a terminal. */
  stderr?: NodeJS.WritableStream & { isTTY?: boolean };
  connect?: (env: NodeJS.ProcessEnv) => Promise<Client>;
}

/** A request id reused for someone else: refused, nothing started. */
export class RequestConflictError extends Error {
  override name = 'RequestConflictError';
}

const collect = (value: string, previous: string[]) => [...previous, value];

function numberOption(min: number, max: number, integer: boolean) {
  return (value: string) => {
    const n = Number(value);
    if (!Number.isFinite(n) || n < min || n > max || (integer && !Number.isInteger(n))) {
      throw new InvalidArgumentError(`must be ${integer ? 'an integer' : 'a number'} from ${min} to ${max}`);
    }
    return n;
  };
}

/** Which erasure a command acts on: `--source` (default `cli`) names its owner; `--legacy`, one from before owners. */
interface RefOptions {
  source: string;
  legacy?: boolean;
}

/** Adds --source and --legacy to a command that addresses one erasure. */
function addRefOptions(command: Command): Command {
  return command
    .addOption(
      new Option('--source <source>', "the source the request belongs to (an API credential's source, or ketch)")
        .default(CLI_SOURCE)
        .argParser((value: string) => {
          if (!SOURCE_NAME.test(value))
            throw new InvalidArgumentError('a source is letters, digits and . _ - (at most 64)');
          return value;
        })
        .conflicts('legacy'),
    )
    .option('--legacy', 'an erasure started before request ids were namespaced by source');
}

function refOf(requestId: string, opts: RefOptions): ErasureRef {
  return opts.legacy ? { requestId, legacy: true } : { owner: opts.source, requestId };
}

/** What operator actions from the CLI record as `by`: it talks to Temporal directly, with no intake credential. */
const CLI_ACTOR = { by: CLI_SOURCE } as const;

/** Pre-approved counts: positive integers, as the API takes them (the workflow's schema bounds them). */
const preapprovedCount = numberOption(1, 1_000_000_000, true);

/** The identifier options `erase` and `preview` share. */
function addIdentifierOptions(command: Command): Command {
  return command
    .addOption(
      new Option('--email <address>', 'an email address of the person (repeatable)').argParser(collect).default([]),
    )
    .addOption(
      new Option('--phone <number>', 'a phone number with + and country code (repeatable)')
        .argParser(collect)
        .default([]),
    );
}

interface CliState {
  exitCode: number;
  close(): Promise<void>;
}

function createCli(deps: CliDeps = {}): { program: Command; state: CliState } {
  const env = deps.env ?? process.env;
  const stdout = deps.stdout ?? process.stdout;
  const stderr = deps.stderr ?? process.stderr;
  const out = (line: string) => stdout.write(`${line}\n`);
  const err = (line: string) => stderr.write(`${line}\n`);
  const print = (value: unknown) => out(JSON.stringify(value, null, 2));

  // One connection per run, opened on first use and closed at the end.
  let client: Promise<Client> | undefined;
  const connect = () => (client ??= (deps.connect ?? connectClient)(env));
  const state: CliState = {
    exitCode: 0,
    async close() {
      const opened = client;
      client = undefined;
      if (opened) await opened.then((c) => c.connection.close()).catch(() => undefined);
    },
  };

  const program = new Command('dsr-erasure').description(
    'Erase a data subject from the CRM, then email, then Gong; verified.',
  );
  // Before any subcommand is added, so they inherit it: errors come back to runCli instead of exiting.
  program.exitOverride().configureOutput({ writeOut: (s) => stdout.write(s), writeErr: (s) => stderr.write(s) });

  addIdentifierOptions(
    program
      .command('erase')
      .description('submit an erasure request (idempotent by request id)')
      .requiredOption('--request-id <id>', "the intake system's request id"),
  )
    .option('--wait', 'wait for the receipt and print it as JSON')
    .option(
      '--preapprove-records <n>',
      'delete up to this many records (messages) per system and identifier without waiting for approval',
      preapprovedCount,
    )
    .option(
      '--preapprove-mailboxes <n>',
      'delete from up to this many mailboxes per system and identifier without waiting for approval',
      preapprovedCount,
    )
    .action(
      async (opts: {
        requestId: string;
        email: string[];
        phone: string[];
        wait?: boolean;
        preapproveRecords?: number;
        preapproveMailboxes?: number;
      }) => {
        // Validate before connecting: bad input never reaches Temporal.
        const request = parseErasureRequest({ requestId: opts.requestId, emails: opts.email, phones: opts.phone });
        const config = loadServiceConfig(env);
        const preapproved = opts.preapproveRecords !== undefined || opts.preapproveMailboxes !== undefined;
        const { handle, outcome, workflowId, ...submitted } = await submitErasure(await connect(), request, {
          taskQueue: config.DSR_TASK_QUEUE,
          owner: CLI_SOURCE,
          intake: { source: 'cli' },
          ...(preapproved && {
            preapproval: {
              ...(opts.preapproveRecords !== undefined && { records: opts.preapproveRecords }),
              ...(opts.preapproveMailboxes !== undefined && { mailboxes: opts.preapproveMailboxes }),
              ...CLI_ACTOR,
            },
          }),
        });
        if (outcome === 'conflict') {
          throw new RequestConflictError(
            `refused: request id ${request.requestId} already exists with different identifiers; nothing was started (a new request needs a new id)`,
          );
        }
        // The run id names this run in the Web UI and `temporal workflow show`; an existing erasure's is its latest
        // run's.
        const runId = submitted.runId ?? (await handle.describe()).runId;
        err(
          outcome === 'started'
            ? `started ${workflowId} (run ${runId})`
            : `${workflowId} (run ${runId}) already exists with the same identifiers; attached to it (nothing new started)`,
        );
        if (opts.wait) print(await handle.result());
        else print({ workflowId, runId, outcome });
      },
    );

  addIdentifierOptions(
    program
      .command('preview')
      .description(
        'what an erasure of this person would delete, per system, mailbox and Gong list, and which approval thresholds it would stop at; deletes nothing',
      )
      .option('--request-id <id>', 'an id for the preview (default: a new random one); the same id attaches to it'),
  ).action(async (opts: { requestId?: string; email: string[]; phone: string[] }) => {
    const request = parseErasureRequest({
      requestId: opts.requestId ?? randomUUID(),
      emails: opts.email,
      phones: opts.phone,
    });
    const config = loadServiceConfig(env);
    const { handle, outcome, workflowId } = await startPreview(await connect(), request, {
      taskQueue: config.DSR_TASK_QUEUE,
      owner: CLI_SOURCE,
      intake: { source: 'cli' },
    });
    if (outcome === 'conflict') {
      throw new RequestConflictError(
        `refused: a preview with request id ${request.requestId} already exists with different identifiers; nothing was started (a new preview needs a new id)`,
      );
    }
    err(
      outcome === 'started'
        ? `started ${workflowId}; waiting for its result (nothing is deleted)`
        : `${workflowId} already exists with the same identifiers; its result:`,
    );
    const result = await handle.result();
    for (const line of formatPreview(result)) err(line);
    print(result);
  });

  program
    .command('import <file>')
    .description(
      'start one erasure per row of a CSV file (request_id, emails, phones[, regulation, received_at]); safe to re-run',
    )
    .option(
      '--rate <n>',
      `starts per second, at most ${IMPORT_LIMITS.maxRate}`,
      numberOption(0.1, IMPORT_LIMITS.maxRate, false),
      IMPORT_LIMITS.defaultRate,
    )
    .option('--dry-run', 'validate every row and print the summary; start nothing, do not connect')
    .option('--json', 'also print the summary as JSON on stdout')
    .action(async (file: string, opts: { rate: number; dryRun?: boolean; json?: boolean }) => {
      const config = loadServiceConfig(env);
      const progress = importProgress(stderr);
      let summary;
      try {
        summary = await importErasures(
          connect,
          { path: file },
          {
            taskQueue: config.DSR_TASK_QUEUE,
            ratePerSecond: opts.rate,
            dryRun: opts.dryRun,
            onValidated: ({ toStart, rejected }) => progress.begin(toStart, rejected),
            onRow: ({ outcome }) => progress.row(outcome),
          },
        );
      } finally {
        progress.end();
      }
      for (const line of formatSummary(summary)) err(line);
      if (opts.json) print(summary);
      state.exitCode = summary.errors?.length ? 1 : summary.rejected.length ? 2 : 0;
    });

  program
    .command('list')
    .description('list erasures (request id, status, step, start time) through Temporal visibility')
    .addOption(new Option('--status <status>', 'only erasures in this status').choices(LIST_STATUSES))
    .option(
      '--limit <n>',
      `at most this many (default ${LIST_LIMITS.defaultLimit})`,
      numberOption(1, LIST_LIMITS.maxLimit, true),
      LIST_LIMITS.defaultLimit,
    )
    .option('--json', 'print a JSON array')
    .action(async (opts: { status?: ListStatus; limit: number; json?: boolean }) => {
      const { erasures, more } = await listErasures(await connect(), { status: opts.status, limit: opts.limit });
      if (opts.json) print(erasures);
      else for (const line of formatList(erasures)) out(line);
      if (erasures.length === 0) err(opts.status ? `no erasures with status ${opts.status}` : 'no erasures');
      if (more) err(`showing the first ${opts.limit}; use --limit for more`);
    });

  addRefOptions(
    program
      .command('status <requestId>')
      .description('show the status, current step and per-step results (the receipt once completed)'),
  ).action(async (requestId: string, opts: RefOptions) => {
    print(await erasureStatus(await connect(), refOf(requestId, opts)));
  });

  addRefOptions(
    program.command('retry <requestId>').description('run the failed item of an erasure waiting for an operator again'),
  ).action(async (requestId: string, opts: RefOptions) => {
    await retryErasure(await connect(), refOf(requestId, opts), CLI_ACTOR);
    err('retrying');
  });

  addRefOptions(
    program
      .command('skip <requestId>')
      .description('skip the failed item of an erasure waiting for an operator; the receipt keeps the code and note')
      .addOption(
        new Option('--code <code>', 'why it is safe to skip (docs/operations.md)')
          .choices(SKIP_REASON_CODES)
          .makeOptionMandatory(),
      )
      .option('--note <text>', `a ticket or case reference, nothing personal (required with --code other)`),
  ).action(async (requestId: string, opts: RefOptions & { code: SkipReasonCode; note?: string }) => {
    await skipErasure(await connect(), refOf(requestId, opts), { code: opts.code, note: opts.note, ...CLI_ACTOR });
    err('skipped');
  });

  addRefOptions(
    program
      .command('approve <requestId>')
      .description(
        'an erasure waiting for approval (its find exceeded the thresholds): delete what it found; the receipt records the approval',
      )
      .option('--note <text>', 'a ticket or case reference, nothing personal'),
  ).action(async (requestId: string, opts: RefOptions & { note?: string }) => {
    await approveErasure(await connect(), refOf(requestId, opts), {
      ...(opts.note === undefined ? {} : { note: opts.note }),
      ...CLI_ACTOR,
    });
    err('approved');
  });

  addRefOptions(
    program
      .command('callback <requestId>')
      .description("report that an HTTP connector's accepted order finished (for systems that call back)")
      .requiredOption('--connector <id>', 'the connector, e.g. http:warehouse')
      .addOption(
        new Option('--state <state>', 'what the system reported')
          .choices(CONNECTOR_CALLBACK_STATES)
          .makeOptionMandatory(),
      )
      .option('--reference <ref>', "the system's own reference for the erasure"),
  ).action(
    async (
      requestId: string,
      opts: RefOptions & { connector: string; state: ConnectorCallback['state']; reference?: string },
    ) => {
      await reportConnectorCallback(await connect(), refOf(requestId, opts), {
        connector: opts.connector,
        state: opts.state,
        reference: opts.reference,
        ...CLI_ACTOR,
      });
      err('delivered');
    },
  );

  program
    .command('api-key <name>')
    .description('generate an intake API key: prints the key (give it to the caller) and its DSR_INTAKE_API_KEYS entry')
    .action((name: string) => {
      if (!/^[A-Za-z0-9._-]{1,64}$/.test(name))
        throw new ConfigError('api-key: the name may contain letters, digits and . _ - (at most 64)');
      const key = `dsr_${randomBytes(32).toString('base64url')}`;
      out(`key:                 ${key}`);
      out(`DSR_INTAKE_API_KEYS: ${name}:${hashApiKey(key)}`);
    });

  return { program, state };
}

/**
 * Runs one command line (`argv` as process.argv: node, script, args...) and returns the exit code:
 * 0 on success, 2 for invalid input (or rejected import rows, or a conflicting request id), 1 otherwise
 * (an operator action the erasure refused included: the reason is printed).
 */
export async function executeCli(argv: string[], deps: CliDeps = {}): Promise<number> {
  const { program, state } = createCli(deps);
  const err = (line: string) => (deps.stderr ?? process.stderr).write(`${line}\n`);
  try {
    await program.parseAsync(argv);
    return state.exitCode;
  } catch (e) {
    if (e instanceof CommanderError) return e.exitCode; // commander has printed the usage error or help
    if (
      e instanceof InvalidRequestError ||
      e instanceof ConfigError ||
      e instanceof RequestConflictError ||
      e instanceof ImportFileError ||
      e instanceof ErasureNotFoundError ||
      e instanceof PreviewNotFoundError
    )
      err(e.message);
    else if (e instanceof ErasureRefusedError) err(`refused: ${e.message}`);
    else err(e instanceof Error ? e.message : String(e));
    return e instanceof InvalidRequestError || e instanceof RequestConflictError || e instanceof ImportFileError
      ? 2
      : 1;
  } finally {
    await state.close();
  }
}

/** Runs the CLI and exits with executeCli's code. */
export async function runCli(argv: string[]): Promise<never> {
  process.exit(await executeCli(argv));
}

if (require.main === module) void runCli(process.argv);
