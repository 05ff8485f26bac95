/**
 * Installs what the tests need beyond node_modules, so a fresh clone needs only
 * `npm install && npm test` (this is the `pretest` script; a second run takes about a second):
 *   - the Temporal CLI dev server, found or built once by src/temporal/cli-binary.ts;
 *   - schemathesis (PyPI, pinned) in .venv-fuzz, which test/fuzz.test.ts runs.
 * When something cannot be installed, `npm test` stops here saying what is missing and how to
 * provide it, rather than a test being skipped or failing later with less to go on.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { findTemporalCli, TEMPORAL_CLI_VERSION } from '../src/temporal/cli-binary';

export const SCHEMATHESIS_VERSION = '4.32.5';
const ROOT = join(__dirname, '..');
const VENV = join(ROOT, '.venv-fuzz');
const VENV_ST = join(VENV, 'bin', 'st');
/** The schemathesis command test/fuzz.test.ts runs: SCHEMATHESIS_BIN if set, else the one installed here. */
export function schemathesisBin(env: NodeJS.ProcessEnv = process.env): string {
  return env.SCHEMATHESIS_BIN || VENV_ST;
}
/** Written after a complete install, so a later run need not start Python to check. */
const STAMP = join(VENV, `schemathesis-${SCHEMATHESIS_VERSION}.installed`);

class SetupError extends Error {}

function run(cmd: string, args: string[]): void {
  try {
    execFileSync(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8' });
  } catch (err) {
    const { stdout, stderr, message } = err as { stdout?: string; stderr?: string; message: string };
    const detail = `${stdout ?? ''}${stderr ?? ''}`.trim().split('\n').slice(-15).join('\n');
    throw new SetupError(`\`${cmd} ${args.join(' ')}\` failed:\n${detail || message}`);
  }
}

function ensureTemporalCli(): void {
  let path: string | undefined;
  try {
    path = findTemporalCli({ log: (m) => console.error(m) });
  } catch (err) {
    throw new SetupError(
      `the Temporal CLI ${TEMPORAL_CLI_VERSION} could not be built with Go (${err instanceof Error ? err.message : String(err)}).\n` +
        'Fix the Go build (it needs the Go module proxy), or set TEMPORAL_CLI_PATH to a `temporal` binary.',
    );
  }
  if (!path)
    console.error(
      'Temporal CLI: none cached and no Go; the Temporal SDK downloads it when the tests start (needs internet access).',
    );
}

function ensureSchemathesis(): void {
  if (process.env.SCHEMATHESIS_BIN || (existsSync(STAMP) && existsSync(VENV_ST))) return;
  console.error(`installing schemathesis ${SCHEMATHESIS_VERSION} into .venv-fuzz for test/fuzz.test.ts (once)...`);
  try {
    run('python3', ['-m', 'venv', VENV]);
  } catch (err) {
    throw new SetupError(
      `${(err as Error).message}\ntest/fuzz.test.ts needs Python 3.9+ with its venv module (Debian/Ubuntu: apt install python3-venv), ` +
        'or set SCHEMATHESIS_BIN to an installed `st`.',
    );
  }
  try {
    run(join(VENV, 'bin', 'pip'), [
      'install',
      '--quiet',
      '--disable-pip-version-check',
      `schemathesis==${SCHEMATHESIS_VERSION}`,
    ]);
  } catch (err) {
    throw new SetupError(
      `${(err as Error).message}\ninstalling schemathesis needs access to PyPI (or a mirror in PIP_INDEX_URL), ` +
        'or set SCHEMATHESIS_BIN to an installed `st`.',
    );
  }
  if (!existsSync(VENV_ST)) throw new SetupError(`pip installed schemathesis but ${VENV_ST} is missing`);
  writeFileSync(STAMP, `${SCHEMATHESIS_VERSION}\n`);
}

if (require.main === module) {
  try {
    ensureTemporalCli();
    ensureSchemathesis();
  } catch (err) {
    console.error(`\nnpm test: setup failed: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  }
}
