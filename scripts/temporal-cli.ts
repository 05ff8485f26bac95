/** Prints the Temporal CLI path, building it into the cache first if needed (used by .ci/run). */
import { findTemporalCli } from '../src/temporal/cli-binary';

const path = findTemporalCli({ log: (m) => console.error(m) });
console.log(path ?? '(none: the Temporal SDK will download the CLI on first use)');
