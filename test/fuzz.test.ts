/**
 * Fuzzes the intake API from its own OpenAPI document with schemathesis (PyPI; installed by
 * scripts/test-setup.ts, which `npm test` runs first): valid and invalid bodies, parameters and headers
 * against the real service on a real Temporal server. Nothing may answer 5xx, every answer must be
 * one the document declares, every rejection a 4xx carrying a message (the Error schema).
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { schemathesisBin } from '../scripts/test-setup';
import { bundleWorkflows, startHarness, type Harness } from './helpers/harness';
import { EXAMPLE_REQUEST_ID } from '../src/intake/openapi';
import { API_KEY, startIntake } from './helpers/intake';

const ST = schemathesisBin();
/** Bounded so CI stays quick; raise locally with FUZZ_MAX_EXAMPLES. */
const MAX_EXAMPLES = process.env.FUZZ_MAX_EXAMPLES ?? '40';

let h: Harness;
let intake: Awaited<ReturnType<typeof startIntake>>;

beforeAll(async () => {
  h = await startHarness({ bundle: await bundleWorkflows(), sandbox: { gong: { deletionDelayMs: 200 } } });
  intake = await startIntake(h, { DSR_INTAKE_RATE_LIMIT: '100000', DSR_INTAKE_AUTH_FAILURE_LIMIT: '100000' });
  // The document's example request id exists, so operations on an erasure get past 404.
  expect(
    (
      await intake.call('POST', '/v1/erasures', {
        body: { requestId: EXAMPLE_REQUEST_ID, emails: ['jane.doe@example.com'] },
      })
    ).status,
  ).toBe(202);
});

afterAll(async () => {
  await intake?.close();
  await h?.teardown();
});

test('schemathesis finds no 5xx and no undeclared answer', async () => {
  if (!existsSync(ST))
    throw new Error(
      `schemathesis not found at ${ST}: \`npm test\` installs it first (or run \`npx tsx scripts/test-setup.ts\`)`,
    );
  const dir = mkdtempSync(join(tmpdir(), 'dsr-fuzz-'));
  const docPath = join(dir, 'openapi.json');
  writeFileSync(docPath, (await intake.call('GET', '/openapi.json')).text);
  const args = [
    'run',
    docPath,
    '--url',
    intake.url,
    '-H',
    `Authorization: Bearer ${API_KEY}`,
    '--checks',
    'not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance',
    '--max-examples',
    MAX_EXAMPLES,
    '--seed',
    process.env.FUZZ_SEED ?? '20261124',
    '--phases',
    'examples,coverage,fuzzing',
    '--workers',
    '2',
    '--generation-database',
    'none',
    '--no-color',
    '--report',
    'junit',
    '--report-junit-path',
    join(dir, 'junit.xml'),
  ];
  const { code, output } = await run(ST, args);
  if (code !== 0 || process.env.FUZZ_VERBOSE) console.log(output);
  expect(output).not.toMatch(/Server error/i);
  expect(code).toBe(0);
}, 600_000);

function run(cmd: string, args: string[]): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { env: { ...process.env, NO_COLOR: '1' } });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, output }));
  });
}
