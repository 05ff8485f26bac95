/**
 * Fuzzes the intake API from its own OpenAPI document with schemathesis (PyPI; installed by
 * scripts/test-setup.ts, which `npm test` runs first) against the real service on a real Temporal server:
 * first single calls with valid and invalid bodies, parameters and headers, then (the stateful phase) sequences
 * that follow the document's links: submit → status → retry / skip / connector-callback on the id the API
 * returned. Nothing may answer 5xx, every answer must be one the document declares, every rejection a 4xx
 * carrying a message (the Error schema), and a request just submitted must be found.
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
 * Bounded so the file takes under a minute in `npm test`; the nightly-sized run (docs/testing.md) raises them.
 * MAX_EXAMPLES: generated cases per operation in the fuzzing phase, and scenarios in the stateful phase.
 * STATEFUL_STEPS: the most calls one scenario chains.
 */
const MAX_EXAMPLES = Number(process.env.FUZZ_MAX_EXAMPLES || 40);
const STATEFUL_STEPS = Number(process.env.FUZZ_STATEFUL_STEPS || 6);
/**
 * Optional time budget for the stateful run: schemathesis repeats its scenarios until it is spent. Hypothesis
 * ends a stateful suite on its own well before MAX_EXAMPLES scenarios when those are large, so this, not
 * MAX_EXAMPLES, is what makes a nightly run's stateful part longer.
 */
const STATEFUL_SECONDS = Number(process.env.FUZZ_STATEFUL_SECONDS || 0);
/** Jest's limit per run: ten minutes, or more for a nightly-sized one. */
const TIMEOUT_MS = Math.max(600_000, MAX_EXAMPLES * 1_500 + STATEFUL_SECONDS * 2_000);
const SEED = process.env.FUZZ_SEED || '20261124';
const CHECKS = [
  'not_a_server_error',
  'status_code_conformance',
  'content_type_conformance',
  'response_schema_conformance',
];
/** Followed by a status read that must find the request: proof the stateful phase chained on a real submission. */
const SUBMIT_THEN_STATUS = 'POST /v1/erasures -> [202] getErasure -> GET /v1/erasures/{id}';

let h: Harness;
let intake: Awaited<ReturnType<typeof startIntake>>;
/** Where accepted submissions' status callbacks go (loopback is on the test's allow-list). */
let receiver: Awaited<ReturnType<typeof startCallbackReceiver>>;

beforeAll(async () => {
  if (!existsSync(ST))
    throw new Error(
      `schemathesis not found at ${ST}: \`npm test\` installs it first (or run \`npx tsx scripts/test-setup.ts\`)`,
    );
  h = await startHarness({ bundle: await bundleWorkflows(), sandbox: { gong: { deletionDelayMs: 200 } } });
  intake = await startIntake(h, { DSR_INTAKE_RATE_LIMIT: '100000', DSR_INTAKE_AUTH_FAILURE_LIMIT: '100000' });
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

test(
  'single calls: no 5xx and no undeclared answer',
  async () => {
    const { code, output } = await schemathesis({ phases: 'examples,coverage,fuzzing', checks: CHECKS });
    expect(output).not.toMatch(/Server error/i);
    expect(code).toBe(0);
  },
  TIMEOUT_MS,
);

test(
  'stateful: following the links, no 5xx, no undeclared answer, a submitted request is found',
  async () => {
    const { code, output, events } = await schemathesis({
      phases: 'stateful',
      // The operations the links join; the webhook (no signature: 401) and Ketch routes have none, and the
      // single-call run covers them.
      filter: ['--include-path-regex', '^/v1/erasures'],
      extra: STATEFUL_SECONDS ? ['--max-time', String(STATEFUL_SECONDS)] : [],
      // A 404 right after a 2xx submission, on the id that submission's answer named.
      checks: [...CHECKS, 'ensure_resource_availability'],
      config: statefulConfig(),
    });
    expect(output).not.toMatch(/Server error/i);
    expect(code).toBe(0);
    const links = statefulLinks(events);
    if (process.env.FUZZ_VERBOSE)
      console.log(
        'links followed (answer statuses):\n' +
          [...links].map(([link, statuses]) => `  ${link}: ${[...statuses].join(' ')}`).join('\n'),
      );
    expect(links.get(SUBMIT_THEN_STATUS)).toContain(200);
  },
  TIMEOUT_MS,
);

/** One `st run` on the service's own document; prints schemathesis' report when it fails (or FUZZ_VERBOSE is set). */
async function schemathesis(opts: {
  phases: string;
  checks: string[];
  config?: string;
  filter?: string[];
  extra?: string[];
}) {
  const dir = mkdtempSync(join(tmpdir(), 'dsr-fuzz-'));
  const docPath = join(dir, 'openapi.json');
  writeFileSync(docPath, (await intake.call('GET', '/openapi.json')).text);
  // Always a file of ours, so a schemathesis.toml lying around the checkout never changes the run.
  writeFileSync(join(dir, 'schemathesis.toml'), opts.config ?? '');
  const events = join(dir, 'events.ndjson');
  const started = Date.now();
  const { code, output } = await run(ST, [
    '--config-file',
    join(dir, 'schemathesis.toml'),
    'run',
    docPath,
    '--url',
    intake.url,
    '-H',
    `Authorization: Bearer ${API_KEY}`,
    '--checks',
    opts.checks.join(','),
    '--max-examples',
    String(MAX_EXAMPLES),
    '--seed',
    SEED,
    '--phases',
    opts.phases,
    ...(opts.filter ?? []),
    ...(opts.extra ?? []),
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
  ]);
  if (code !== 0 || process.env.FUZZ_VERBOSE)
    console.log(`${output}\n(${opts.phases}: ${Math.round((Date.now() - started) / 1000)} s)`);
  return { code, output, events: existsSync(events) ? readFileSync(events, 'utf8') : '' };
}

/**
 * The stateful phase's bound, and known-good values it mixes into generated submissions so that many are accepted
 * (202) and the links from them lead somewhere: schemathesis' own emails, phones (the documented pattern is looser
 * than the check), callback hosts and short request ids rarely pass the service's checks or are already taken.
 * The single-call phases run without these, on fully generated values.
 */
function statefulConfig(): string {
  const requestIds = Array.from({ length: Math.max(500, 4 * MAX_EXAMPLES) }, (_, i) => `DSR-FUZZ-${i + 1}`);
  return [
    '[phases.stateful]',
    `max-steps = ${STATEFUL_STEPS}`,
    '',
    '[dictionaries.emails]',
    'values = ["jane.doe@example.com", "j.smith+dsr@example.org", "li.wei@example.net"]',
    '[dictionaries.phones]',
    'values = ["+1 425 555 2671", "+44 20 7946 0958", "+4930901820"]',
    '[dictionaries.callbackUrls]',
    `values = ${JSON.stringify([receiver.url('/dsr-status')])}`,
    '[dictionaries.requestIds]',
    `values = ${JSON.stringify(requestIds)}`,
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
