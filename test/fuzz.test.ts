/**
 * Fuzzes the intake API from its own OpenAPI document with schemathesis (PyPI; installed by
 * scripts/test-setup.ts, which `npm test` runs first): valid and invalid bodies, parameters and headers
 * against the real service on a real Temporal server, then (the stateful phase) sequences that follow the
 * document's links: submit → status → retry / skip / connector-callback on the id the API returned. Nothing may
 * answer 5xx, every answer must be one the document declares, every rejection a 4xx carrying a message (the Error
 * schema), and a request just submitted must be found.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { schemathesisBin } from '../scripts/test-setup';
import { bundleWorkflows, startHarness, type Harness } from './helpers/harness';
import { EXAMPLE_REQUEST_ID } from '../src/intake/openapi';
import { API_KEY, startCallbackReceiver, startIntake } from './helpers/intake';

const ST = schemathesisBin();
/**
 * Bounded so `npm test` stays near half a minute here; the nightly-sized run (docs/testing.md) raises them.
 * MAX_EXAMPLES is per operation in the fuzzing phase and the number of scenarios in the stateful phase;
 * STATEFUL_STEPS the most calls one scenario chains.
 */
const MAX_EXAMPLES = process.env.FUZZ_MAX_EXAMPLES || '40';
const STATEFUL_STEPS = process.env.FUZZ_STATEFUL_STEPS || '6';
const SEED = process.env.FUZZ_SEED || '20261124';
/** Followed by a status read that must find the request: proof the stateful phase chained on a real submission. */
const SUBMIT_THEN_STATUS = 'POST /v1/erasures -> [202] getErasure -> GET /v1/erasures/{id}';

let h: Harness;
let intake: Awaited<ReturnType<typeof startIntake>>;
/** Where accepted submissions' status callbacks go (loopback is on the test's allow-list). */
let receiver: Awaited<ReturnType<typeof startCallbackReceiver>>;

beforeAll(async () => {
  h = await startHarness({ bundle: await bundleWorkflows(), sandbox: { gong: { deletionDelayMs: 200 } } });
  intake = await startIntake(h, { DSR_INTAKE_RATE_LIMIT: '100000' });
  receiver = await startCallbackReceiver();
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
  await receiver?.close();
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
  writeFileSync(join(dir, 'schemathesis.toml'), schemathesisConfig());
  const events = join(dir, 'events.ndjson');
  const args = [
    '--config-file',
    join(dir, 'schemathesis.toml'),
    'run',
    docPath,
    '--url',
    intake.url,
    '-H',
    `Authorization: Bearer ${API_KEY}`,
    '--checks',
    [
      'not_a_server_error',
      'status_code_conformance',
      'content_type_conformance',
      'response_schema_conformance',
      // Stateful: a 404 right after a 2xx submission, on the id the submission's answer named.
      'ensure_resource_availability',
    ].join(','),
    '--max-examples',
    MAX_EXAMPLES,
    '--seed',
    SEED,
    '--phases',
    'examples,coverage,fuzzing,stateful',
    '--workers',
    '2',
    '--generation-database',
    'none',
    '--no-color',
    '--report',
    'junit,ndjson',
    '--report-junit-path',
    join(dir, 'junit.xml'),
    '--report-ndjson-path',
    events,
  ];
  const started = Date.now();
  const { code, output } = await run(ST, args);
  if (code !== 0 || process.env.FUZZ_VERBOSE) console.log(output);
  expect(output).not.toMatch(/Server error/i);
  expect(code).toBe(0);
  const links = statefulLinks(readFileSync(events, 'utf8'));
  if (process.env.FUZZ_VERBOSE)
    console.log(
      `schemathesis took ${Math.round((Date.now() - started) / 1000)} s; links followed (answer statuses):\n` +
        [...links].map(([link, statuses]) => `  ${link}: ${[...statuses].join(' ')}`).join('\n'),
    );
  expect(links.get(SUBMIT_THEN_STATUS)).toContain(200);
}, 600_000);

/**
 * The stateful phase's bounds, and known-good identifiers it mixes into generated submissions so that many are
 * accepted (202) and the links from them are followed: schemathesis' own emails and the documented phone pattern
 * rarely pass the service's stricter checks.
 */
function schemathesisConfig(): string {
  return [
    '[phases.stateful]',
    `max-steps = ${Number(STATEFUL_STEPS)}`,
    '',
    '[dictionaries.emails]',
    'values = ["jane.doe@example.com", "j.smith+dsr@example.org", "li.wei@example.net"]',
    '[dictionaries.phones]',
    'values = ["+1 425 555 2671", "+44 20 7946 0958", "+4930901820"]',
    '',
    '[dictionaries.callbackUrls]',
    `values = ${JSON.stringify([receiver.url('/dsr-status')])}`,
    '[dictionaries.requestIds]',
    `values = ${JSON.stringify(Array.from({ length: 500 }, (_, i) => `DSR-FUZZ-${String(i).padStart(6, '0')}`))}`,
    '',
    '[parameters]',
    '"body.requestId" = { dictionary = "requestIds", probability = 0.9 }',
    '"body.callbackUrl" = { dictionary = "callbackUrls", probability = 0.7 }',
    '"body.emails[*]" = { dictionary = "emails", probability = 1.0 }',
    '"body.phones[*]" = { dictionary = "phones", probability = 1.0 }',
    '',
  ].join('\n');
}

/** From schemathesis' ndjson events: each link the stateful phase followed, with the statuses it was answered. */
function statefulLinks(ndjson: string): Map<string, Set<number>> {
  const links = new Map<string, Set<number>>();
  for (const line of ndjson.split('\n')) {
    if (!line) continue;
    const finished = (JSON.parse(line) as { ScenarioFinished?: StatefulScenario }).ScenarioFinished;
    if (finished?.phase !== 'stateful' || !finished.recorder?.cases) continue;
    for (const [caseId, { transition }] of Object.entries(finished.recorder.cases)) {
      const status = finished.recorder.interactions?.[caseId]?.response?.status_code;
      if (!transition || status === undefined) continue;
      links.set(transition.id, (links.get(transition.id) ?? new Set()).add(status));
    }
  }
  return links;
}

/** The part of schemathesis' ndjson ScenarioFinished event read here. */
interface StatefulScenario {
  phase: string;
  recorder?: {
    cases?: Record<string, { transition?: { id: string } }>;
    interactions?: Record<string, { response?: { status_code: number } }>;
  };
}

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
