/**
 * `dsr-erasure import` and `dsr-erasure list`, run in-process (executeCli, as the bin runs it) against
 * the real dev server. No workers: starting needs none, and the erasures stay Running for `list`.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { Client, Connection } from '@temporalio/client';
import type { WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { executeCli } from '../src/cli';
import { CONFLICT_REASON, formatSummary, importErasures, type ImportSummary } from '../src/cli/import';
import type { ListedErasure } from '../src/cli/list';
import { storedInput } from '../src/client/erasures';
import { CLI_SOURCE, erasureWorkflowId } from '../src/temporal/names';
import { startHarness, temporalAddress, uniqueRequestId, type Harness } from './helpers/harness';

let h: Harness;
let dir: string;
const started: string[] = [];

beforeAll(async () => {
  // Workers are never started, so no workflow bundle is needed.
  h = await startHarness({ bundle: undefined as unknown as WorkflowBundleWithSourceMap, noWorkers: true });
  dir = await mkdtemp(join(tmpdir(), 'dsr-import-'));
});

afterAll(async () => {
  await Promise.all(
    started.map((id) =>
      h
        .handle(id)
        .terminate('test cleanup')
        .catch(() => undefined),
    ),
  );
  await h.teardown();
  await rm(dir, { recursive: true, force: true });
});

function sink(tty = false) {
  let text = '';
  const stream = Object.assign(new Writable({ write: (chunk, _enc, done) => ((text += String(chunk)), done()) }), {
    isTTY: tty,
    columns: 120,
  });
  return { stream, text: () => text };
}

async function cli(args: string[], opts: { env?: Record<string, string>; tty?: boolean } = {}) {
  const stdout = sink();
  const stderr = sink(opts.tty);
  const code = await executeCli(['node', 'dsr-erasure', ...args], {
    env: opts.env ?? h.env,
    stdout: stdout.stream,
    stderr: stderr.stream,
  });
  return { code, stdout: stdout.text(), stderr: stderr.text() };
}

async function csvFile(name: string, lines: string[], { bom = false, eol = '\n' } = {}) {
  const path = join(dir, name);
  await writeFile(path, `${bom ? '\ufeff' : ''}${lines.join(eol)}${eol}`);
  return path;
}

/** Visibility is eventually consistent: list until the predicate holds. */
async function listUntil(args: string[], predicate: (rows: ListedErasure[]) => boolean, timeoutMs = 20_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const res = await cli(['list', ...args, '--json', '--limit', '10000']);
    expect(res.code).toBe(0);
    const rows = JSON.parse(res.stdout) as ListedErasure[];
    if (predicate(rows)) return rows;
    if (Date.now() > deadline) throw new Error(`list ${args.join(' ')} never matched`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

// Personal data used below; none may appear in any output.
const PERSONAL = [
  'ann@example.com',
  'ann.two@example.com',
  '4255550101',
  'carl@example.com',
  '7946 0958',
  '2079460958',
  '0170 5551234',
  '5551234',
  'dup@example.com',
  'dora',
  '4255550102',
  'erin@example.com',
  'other@example.com',
];
const expectNoPersonalData = (...outputs: string[]) => {
  for (const out of outputs) for (const value of PERSONAL) expect(out.toLowerCase()).not.toContain(value.toLowerCase());
};

test('import starts valid rows, rejects bad and repeated ones by line, and a re-run starts nothing; list shows them', async () => {
  const [a, b, c, d, e] = ['a', 'b', 'c', 'd', 'e'].map((x) => uniqueRequestId(`csv-${x}`)) as [
    string,
    string,
    string,
    string,
    string,
  ];
  const path = await csvFile(
    'people.csv',
    [
      'request_id,emails,phones,regulation,received_at',
      `${a},"Ann@Example.com; ann.two@example.com",,GDPR,2026-11-20T09:00:00Z`, // line 2
      `${b},,+1 425 555 0101,ccpa,2026-11-21`, // line 3
      `${c},carl@example.com,"+44 20 7946 0958;0170 5551234",,`, // line 4: the second phone has no country code
      `${a},dup@example.com,,,`, // line 5: repeats line 2
      `${d},dora@example.com,"+1 (425)\r\n555-0102",,`, // lines 6-7: a quoted line break
      '',
      `${e},erin@example.com,,,`, // line 9
    ],
    { bom: true, eol: '\r\n' },
  );

  const first = await cli(['import', path, '--rate', '50', '--json']);
  expect(first.code).toBe(2);
  const summary = JSON.parse(first.stdout) as ImportSummary;
  expect(summary).toMatchObject({ rows: 6, valid: 4, started: 4, alreadyPresent: 0 });
  expect(summary.rejected).toEqual([
    { line: 4, requestId: c, reasons: [expect.stringMatching(/^phones\[1\] must start with \+ and a country code/)] },
    { line: 5, requestId: a, reasons: ['request_id repeats line 2'] },
  ]);
  expect(first.stderr).toContain('6 rows: 4 started, 0 already present, 2 rejected');
  expect(first.stderr).toContain(`line 4 (${c}): phones[1]`);
  expect(first.stderr).not.toContain('\u001b'); // not a terminal: no progress bar
  expectNoPersonalData(first.stdout, first.stderr);
  started.push(a, b, d, e);

  // What was started: normalised identifiers, and where the request came from.
  const input = await storedInput(h.client, erasureWorkflowId(CLI_SOURCE, a));
  expect(input?.subject).toEqual({ emails: ['ann@example.com', 'ann.two@example.com'], phones: [] });
  expect(input?.intake).toEqual({
    source: 'csv-import',
    owner: 'cli',
    regulation: 'gdpr',
    receivedAt: '2026-11-20T09:00:00Z',
    dueAt: '2026-12-20T09:00:00.000Z',
  });
  expect((await storedInput(h.client, erasureWorkflowId(CLI_SOURCE, d)))?.subject.phones).toEqual(['+14255550102']);

  // Safe to re-run: nothing new, every valid row already present, the same rejections.
  const again = await cli(['import', path, '--rate', '50', '--json']);
  expect(again.code).toBe(2);
  expect(JSON.parse(again.stdout)).toEqual({ ...summary, started: 0, alreadyPresent: 4 });

  // A request id reused with someone else's address is refused; a new row beside it still starts.
  const f = uniqueRequestId('csv-f');
  const conflicting = await csvFile('conflict.csv', [
    'emails,request_id,phones',
    `other@example.com,${a},`,
    `erin@example.com,${e},`,
    `other@example.com,${f},`,
  ]);
  const startedAt = Date.now();
  const third = await cli(['import', conflicting, '--rate', '10', '--json']);
  expect(Date.now() - startedAt).toBeGreaterThanOrEqual(190); // 3 starts at 10/s: at least 2 intervals
  expect(third.code).toBe(2);
  expect(JSON.parse(third.stdout)).toEqual({
    rows: 3,
    valid: 3,
    started: 1,
    alreadyPresent: 1,
    rejected: [{ line: 2, requestId: a, reasons: [CONFLICT_REASON] }],
  });
  expect(third.stderr).toContain(`line 2 (${a}): ${CONFLICT_REASON}`);
  expectNoPersonalData(again.stdout, again.stderr, third.stdout, third.stderr);
  started.push(f);
  expect((await storedInput(h.client, erasureWorkflowId(CLI_SOURCE, a)))?.subject.emails).toEqual([
    'ann@example.com',
    'ann.two@example.com',
  ]);

  // list --status Running shows them (ErasureStatus set at start), with their step.
  const ours = new Set(started);
  const running = await listUntil(
    ['--status', 'Running'],
    (rows) => rows.filter((r) => ours.has(r.requestId)).length === ours.size,
  );
  for (const row of running.filter((r) => ours.has(r.requestId)))
    expect(row).toMatchObject({ owner: 'cli', status: 'Running', step: 'crm', startedAt: expect.any(String) });
  const text = await cli(['list', '--status', 'Running', '--limit', '10000']);
  expect(text.stdout.split('\n')[0]).toMatch(/^REQUEST ID\s+OWNER\s+STATUS\s+STEP\s+STARTED$/);
  expect(text.stdout.split('\n').find((l) => l.startsWith(`${a} `))).toMatch(
    new RegExp(`^${a}\\s+cli\\s+Running\\s+crm\\s+\\d{4}-\\d\\d-\\d\\dT`),
  );
  expect((await cli(['list', '--status', 'Completed', '--json', '--limit', '10000'])).stdout).not.toContain(a);

  // A terminated erasure keeps ErasureStatus=Running; list goes by the execution status.
  await h.handle({ owner: CLI_SOURCE, requestId: e }).terminate('test: operator stopped it');
  await listUntil(['--status', 'Terminated'], (rows) =>
    rows.some((r) => r.requestId === e && r.status === 'Terminated'),
  );
  await listUntil(['--status', 'Running'], (rows) => !rows.some((r) => r.requestId === e));
});

test('a malformed file or header is refused with its line and csv-parse code, before connecting, never quoting cells', async () => {
  const offline = { ...h.env, TEMPORAL_ADDRESS: '127.0.0.1:1' };
  const quote = await csvFile('quote.csv', [
    'request_id,emails,phones',
    'r-1,ann@example.com,',
    'r-2,"carl@example.com,',
    'r-3,erin@example.com,',
  ]);
  const res = await cli(['import', quote, '--json'], { env: offline });
  expect(res.code).toBe(2);
  expect(JSON.parse(res.stdout)).toEqual({
    rows: 0,
    valid: 0,
    started: 0,
    alreadyPresent: 0,
    invalidFile: true,
    rejected: [{ line: 3, reasons: ['malformed CSV (CSV_QUOTE_NOT_CLOSED); nothing was started'] }],
  });

  const width = await csvFile(
    'width.csv',
    ['request_id,emails,phones', 'r-1,ann@example.com,', 'r-2,carl@example.com,,0170 5551234'],
    { eol: '\r\n' },
  );
  const res2 = await cli(['import', width], { env: offline });
  expect(res2.code).toBe(2);
  expect(res2.stderr).toContain('line 3: malformed CSV (CSV_RECORD_INCONSISTENT_FIELDS_LENGTH)');

  // No header row: the first row is someone's data, so columns are named by position only.
  const headless = await csvFile('headless.csv', ['r-1,ann@example.com,+1 425 555 0101']);
  const res3 = await cli(['import', headless], { env: offline });
  expect(res3.code).toBe(2);
  expect(res3.stderr).toContain(
    'line 1: column 1 is not a known column; column 2 is not a known column; column 3 is not a known column; missing column request_id',
  );
  const typo = await csvFile('typo.csv', ['request_id,email,phones', 'r-1,ann@example.com,']);
  expect((await cli(['import', typo], { env: offline })).stderr).toContain(
    'column 2 is not a known column (did you mean emails?)',
  );
  expectNoPersonalData(res.stdout, res.stderr, res2.stderr, res3.stderr);

  const missing = await cli(['import', join(dir, 'nope.csv')], { env: offline });
  expect(missing).toMatchObject({ code: 2, stderr: expect.stringContaining('(ENOENT)') });
});

test('--dry-run validates every row without connecting; --rate is bounded', async () => {
  const offline = { ...h.env, TEMPORAL_ADDRESS: '127.0.0.1:1' };
  const path = await csvFile('dry.csv', [
    'request_id,emails,phones,received_at',
    'r-1,ann@example.com,,2026-11-24T09:00',
    'r-2,,+1 425 555 0101,',
    'r-3,,,',
  ]);
  const res = await cli(['import', path, '--dry-run', '--json'], { env: offline });
  expect(res.code).toBe(2);
  expect(JSON.parse(res.stdout)).toEqual({
    rows: 3,
    valid: 1,
    started: 0,
    alreadyPresent: 0,
    dryRun: true,
    rejected: [
      { line: 2, requestId: 'r-1', reasons: [expect.stringMatching(/^received_at must be an ISO 8601 date/)] },
      {
        line: 4,
        requestId: 'r-3',
        reasons: ['emails must contain at least one email address, or phones at least one phone number'],
      },
    ],
  });
  expect(res.stderr).toContain('dry run: 3 rows, 1 valid, 2 rejected; nothing was started');
  expectNoPersonalData(res.stdout, res.stderr);

  const tooFast = await cli(['import', path, '--rate', '51'], { env: offline });
  expect(tooFast.code).toBe(1);
  expect(tooFast.stderr).toContain('must be a number from 0.1 to 50');
});

test('on a terminal, a progress bar is drawn on stderr and cleared before the summary', async () => {
  const id = uniqueRequestId('csv-tty');
  const path = await csvFile('tty.csv', ['request_id,emails,phones', `${id},erin@example.com,`]);
  const res = await cli(['import', path, '--rate', '50'], { tty: true });
  expect(res.code).toBe(0);
  started.push(id);
  expect(res.stderr).toContain('importing');
  expect(res.stderr).toContain('1 row: 1 started, 0 already present, 0 rejected');
  expect(res.stdout).toBe('');
});

test('when Temporal fails a start, the import stops taking rows and says which were not tried', async () => {
  const connection = await Connection.connect({ address: temporalAddress() });
  const broken = new Client({ connection, dataConverter: h.client.options.dataConverter });
  await connection.close();
  const [x, y, z] = ['x', 'y', 'z'].map((s) => uniqueRequestId(`csv-${s}`));
  const text = [
    'request_id,emails,phones',
    `${x},ann@example.com,+1 425 555 0101`,
    `${y},erin@example.com,`,
    `${z},carl@example.com,`,
  ].join('\n');
  const summary = await importErasures(broken, { text }, { taskQueue: h.taskQueue, ratePerSecond: 50, maxInFlight: 1 });
  expect(summary).toMatchObject({
    rows: 3,
    valid: 3,
    started: 0,
    alreadyPresent: 0,
    rejected: [],
    notAttempted: 2,
    errors: [{ line: 2, requestId: x, error: expect.any(String) }],
  });
  const printed = formatSummary(summary).join('\n');
  expect(printed).toContain(`line 2 (${x}): not started: `);
  expect(printed).toContain('2 valid rows were not tried. Re-run the same file to continue');
  expectNoPersonalData(printed);
});
