/**
 * `npm start` as a new user runs it: the real npm script, in a scratch directory (so it has its own
 * .dsr-erasure state), on free ports. The banner's curl works as printed; SIGTERM to the npm process,
 * or Ctrl-C (SIGINT to the terminal's whole process group), leaves no process and no port behind;
 * a busy port is named by the variable that moves it. Linux: processes are found through /proc.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'undici';

const ROOT = join(__dirname, '..');
/** Measured at about 1.5 s on a busy 2-core machine; the margin is for CI load. */
const STOP_WITHIN_MS = 10_000;
const START_WITHIN_MS = 120_000;

interface Started {
  npm: ChildProcess;
  dir: string;
  ports: Record<'DSR_DEV_TEMPORAL_PORT' | 'DSR_DEV_UI_PORT' | 'DSR_CODEC_PORT' | 'DSR_INTAKE_PORT', number>;
  output: () => string;
  exited: Promise<number | null>;
}

let current: Started | undefined;
const scratchDirs: string[] = [];

afterEach(() => {
  // A failed test must not leave its stack running for the rest of the run.
  if (current?.npm.pid) for (const pid of processGroup(current.npm.pid)) tryKill(pid, 'SIGKILL');
  current = undefined;
});

afterAll(() => {
  for (const dir of scratchDirs) rmSync(dir, { recursive: true, force: true });
});

function tryKill(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch {
    // already gone
  }
}

/** Pids of the live processes in a process group (npm, node, the Temporal CLI, esbuild). */
function processGroup(pgid: number): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
    } catch {
      continue; // exited meanwhile
    }
    // Fields after the command name (which may hold spaces): state ppid pgrp ...
    const [state, , pgrp] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (Number(pgrp) === pgid && state !== 'Z') pids.push(Number(entry));
  }
  return pids;
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = createServer();
    probe.once('error', () => resolve(false));
    probe.listen({ port, host: '127.0.0.1', exclusive: true }, () => probe.close(() => resolve(true)));
  });
}

/** A scratch checkout: the project's files linked in, its own state directory. */
function scratchDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'dsr-npm-start-'));
  scratchDirs.push(dir);
  for (const name of ['package.json', 'tsconfig.json', 'src', 'node_modules'])
    symlinkSync(join(ROOT, name), join(dir, name));
  return dir;
}

/** The environment of a new user: no credentials or keys of ours, only the given ports. */
function userEnv(ports: Record<string, number>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  const ours = /^(DSR_|TEMPORAL_|HUBSPOT_|GONG_|M365_|GRAPH_|SALESFORCE_|GOOGLE_|HTTP_CONNECTOR_)/;
  for (const [k, v] of Object.entries(process.env)) if (!ours.test(k) || k === 'TEMPORAL_CLI_PATH') env[k] = v;
  for (const [k, v] of Object.entries(ports)) env[k] = String(v);
  return env;
}

function npmStart(dir: string, ports: Started['ports']): Started {
  // Its own process group, like a terminal's foreground job, so Ctrl-C can be played as SIGINT to the group.
  // Under the common umask 022, so the modes asserted are npm start's own doing, not this machine's.
  const npm = spawn('sh', ['-c', 'umask 022 && exec npm start'], {
    cwd: dir,
    env: userEnv(ports),
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  npm.stdout!.on('data', (d: Buffer) => (output += d.toString()));
  npm.stderr!.on('data', (d: Buffer) => (output += d.toString()));
  const exited = new Promise<number | null>((resolve) => npm.once('exit', (code) => resolve(code)));
  current = { npm, dir, ports, output: () => output, exited };
  return current;
}

async function startStack(): Promise<Started> {
  const ports = {
    DSR_DEV_TEMPORAL_PORT: await freePort(),
    DSR_DEV_UI_PORT: await freePort(),
    DSR_CODEC_PORT: await freePort(),
    DSR_INTAKE_PORT: await freePort(),
  };
  const started = npmStart(scratchDir(), ports);
  const deadline = Date.now() + START_WITHIN_MS;
  let exitCode: number | null | undefined;
  void started.exited.then((code) => (exitCode = code));
  while (!started.output().includes('Stop with Ctrl-C.')) {
    if (exitCode !== undefined || Date.now() > deadline)
      throw new Error(`npm start did not start (exit ${exitCode}):\n${started.output()}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return started;
}

/** Sends the signal, then waits until npm has exited and every process and port it had is gone. */
async function stopAndMeasure(
  started: Started,
  send: () => void,
): Promise<{ ms: number; left: number[]; busy: number[] }> {
  const pgid = started.npm.pid!;
  expect(processGroup(pgid).length).toBeGreaterThanOrEqual(3); // npm, node, the Temporal CLI
  const t0 = Date.now();
  send();
  let left: number[] = [];
  let busy: number[] = [];
  while (Date.now() - t0 < STOP_WITHIN_MS + 5_000) {
    left = processGroup(pgid);
    busy = [];
    for (const port of Object.values(started.ports)) if (!(await portIsFree(port))) busy.push(port);
    if (!left.length && !busy.length) break;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return { ms: Date.now() - t0, left, busy };
}

test(
  "the banner's curl works as printed, shows no key, state is private, and SIGTERM to npm stops everything",
  async () => {
    const started = await startStack();
    const banner = started.output();
    // Keys and the Temporal database (histories, search attributes) readable by their owner only,
    // whatever the umask (npm start is run with the common 022).
    const stateDir = join(started.dir, '.dsr-erasure');
    const modes = Object.fromEntries(
      readdirSync(stateDir).map((name) => [name, (statSync(join(stateDir, name)).mode & 0o777).toString(8)]),
    );
    expect(modes).toMatchObject({ 'dev-secrets.json': '600', 'temporal.db': '600' });
    expect(Object.values(modes).every((mode) => mode === '600')).toBe(true);
    expect((statSync(stateDir).mode & 0o777).toString(8)).toBe('700');
    const { intakeApiKey, intakeOperatorKey } = JSON.parse(
      readFileSync(join(started.dir, '.dsr-erasure', 'dev-secrets.json'), 'utf8'),
    ) as { intakeApiKey: string; intakeOperatorKey: string };
    expect(banner).not.toContain(intakeApiKey);
    expect(banner).not.toContain(intakeOperatorKey);
    // The CLI example carries the address in use, since the port is not 7233.
    expect(banner).toContain(`TEMPORAL_ADDRESS=127.0.0.1:${started.ports.DSR_DEV_TEMPORAL_PORT} npx dsr-erasure erase`);
    const lines = banner.split('\n').map((l) => l.trim());
    const keyLine = lines.find((l) => l.startsWith('KEY='));
    const curlLine = lines.find((l) => l.startsWith('curl '));
    expect(keyLine).toBe(`KEY=$(node -p 'require("./.dsr-erasure/dev-secrets.json").intakeApiKey')`);
    expect(curlLine).toContain(`http://127.0.0.1:${started.ports.DSR_INTAKE_PORT}/v1/erasures`);
    const curl = spawnSync('sh', ['-c', `${keyLine}\n${curlLine}`], { cwd: started.dir, encoding: 'utf8' });
    expect(curl.status).toBe(0);
    expect(JSON.parse(curl.stdout)).toMatchObject({ requestId: 'demo-api-1', status: 'Running' });
    // The development set: `dev` submits in source dev; `dev-operator` reads it there, naming the source.
    const intakeUrl = `http://127.0.0.1:${started.ports.DSR_INTAKE_PORT}/v1/erasures/demo-api-1`;
    const read = async (key: string, query = '') => {
      const res = await request(`${intakeUrl}${query}`, { headers: { authorization: `Bearer ${key}` } });
      await res.body.dump();
      return res.statusCode;
    };
    expect(await read(intakeApiKey)).toBe(200);
    expect(await read(intakeOperatorKey)).toBe(404);
    expect(await read(intakeOperatorKey, '?source=dev')).toBe(200);
    const submit = await request(`http://127.0.0.1:${started.ports.DSR_INTAKE_PORT}/v1/erasures`, {
      method: 'POST',
      headers: { authorization: `Bearer ${intakeOperatorKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ requestId: 'demo-api-2', emails: ['jane.doe@example.com'] }),
    });
    await submit.body.dump();
    expect(submit.statusCode).toBe(403);

    const { ms, left, busy } = await stopAndMeasure(started, () => process.kill(started.npm.pid!, 'SIGTERM'));
    console.log(`npm start stopped ${ms} ms after SIGTERM to npm`);
    expect({ left, busy }).toEqual({ left: [], busy: [] });
    expect(ms).toBeLessThan(STOP_WITHIN_MS);
    expect(await started.exited).toBe(0);
  },
  START_WITHIN_MS + 60_000,
);

test(
  'Ctrl-C (SIGINT to the whole process group) stops everything',
  async () => {
    const started = await startStack();
    const { ms, left, busy } = await stopAndMeasure(started, () => process.kill(-started.npm.pid!, 'SIGINT'));
    console.log(`npm start stopped ${ms} ms after Ctrl-C`);
    expect({ left, busy }).toEqual({ left: [], busy: [] });
    expect(ms).toBeLessThan(STOP_WITHIN_MS);
  },
  START_WITHIN_MS + 60_000,
);

test('a busy port is named by the variable that moves it, and nothing is left running', async () => {
  const holder: Server = createServer();
  await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve));
  const taken = (holder.address() as { port: number }).port;
  try {
    const ports = {
      DSR_DEV_TEMPORAL_PORT: await freePort(),
      DSR_DEV_UI_PORT: await freePort(),
      DSR_CODEC_PORT: await freePort(),
      DSR_INTAKE_PORT: taken,
    };
    const started = npmStart(scratchDir(), ports);
    expect(await started.exited).toBe(1);
    expect(started.output()).toContain(`DSR_INTAKE_PORT: port ${taken} on 127.0.0.1 is in use`);
    expect(started.output()).toContain(`DSR_INTAKE_PORT=<port>`);
    expect(processGroup(started.npm.pid!)).toEqual([]);
  } finally {
    await new Promise((resolve) => holder.close(resolve));
  }
}, 60_000);
