/**
 * Finds the official Temporal CLI (`temporal server start-dev`) for development and tests:
 *   1. TEMPORAL_CLI_PATH, if set;
 *   2. a build cached outside the repo (~/.cache/dsr-erasure/temporal-cli-v1.5.1/temporal);
 *   3. else builds it once from its Go module into that cache (the project machines have Go and
 *      the module proxy, but no route to Temporal's download server);
 *   4. else undefined: the SDK downloads the CLI itself (a machine with internet and no Go).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

/** v1.5.1 is the newest tag whose go.mod has no `replace` directive, so `go install pkg@v` accepts it. */
export const TEMPORAL_CLI_VERSION = 'v1.5.1';
const MODULE = 'github.com/temporalio/cli/cmd/temporal';

export function temporalCliCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  const base = env.XDG_CACHE_HOME || join(homedir(), '.cache');
  return join(base, 'dsr-erasure', `temporal-cli-${TEMPORAL_CLI_VERSION}`);
}

function hasGo(): boolean {
  try {
    execFileSync('go', ['version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

export function findTemporalCli(opts: { build?: boolean; log?: (msg: string) => void } = {}): string | undefined {
  const log = opts.log ?? (() => undefined);
  const explicit = process.env.TEMPORAL_CLI_PATH;
  if (explicit) {
    if (!existsSync(explicit)) throw new Error(`TEMPORAL_CLI_PATH points to ${explicit}, which does not exist`);
    return explicit;
  }
  const dir = temporalCliCacheDir();
  const cached = join(dir, 'temporal');
  if (existsSync(cached)) return cached;
  if (opts.build === false || !hasGo()) return undefined;
  mkdirSync(dir, { recursive: true });
  log(`building the Temporal CLI ${TEMPORAL_CLI_VERSION} from its Go module into ${dir} (once; a few minutes)...`);
  execFileSync('go', ['install', `${MODULE}@${TEMPORAL_CLI_VERSION}`], {
    stdio: ['ignore', 'inherit', 'inherit'],
    env: { ...process.env, GOBIN: dir, GOFLAGS: '-mod=mod' },
  });
  if (!existsSync(cached)) throw new Error(`go install finished but ${cached} is missing`);
  return cached;
}
