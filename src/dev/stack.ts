/**
 * What `npm start` has started, stopped in reverse order on Ctrl-C (SIGINT), SIGTERM or SIGHUP,
 * including when the signal arrives mid-startup. The Temporal dev server is a child *process*:
 * exiting without tearing it down would leave it running with its ports, so every exit path goes
 * through stopAll(). Everything else lives in this process and ends with it.
 *
 * The SDK's own signal handling is switched off (Runtime shutdownSignals: []) because it only stops
 * workers, and only once they run; a signal during startup would be swallowed.
 */

/** Thrown out of startup when a stop was requested; main() then stops what had started. */
export class StopRequested extends Error {
  constructor(readonly signal: NodeJS.Signals) {
    super(`stopped by ${signal}`);
    this.name = 'StopRequested';
  }
}

interface Started {
  name: string;
  stop: () => Promise<unknown>;
}

export class DevStack {
  private readonly started: Started[] = [];
  private readonly requested: Promise<NodeJS.Signals>;
  /** The first stop signal received, if any, and when. */
  signal?: NodeJS.Signals;
  signalledAt?: number;

  constructor(signals: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP']) {
    this.requested = new Promise((resolve) => {
      // Ctrl-C reaches this process twice (from the terminal and forwarded by npm): the first counts.
      const onSignal = (signal: NodeJS.Signals) => {
        if (this.signal) return;
        this.signal = signal;
        this.signalledAt = Date.now();
        console.error(`\n${signal}: stopping...`);
        resolve(signal);
      };
      for (const signal of signals) process.on(signal, onSignal);
    });
  }

  /** Registers how to stop something that has started. */
  add(name: string, stop: () => Promise<unknown>): void {
    this.started.push({ name, stop });
  }

  throwIfStopping(): void {
    if (this.signal) throw new StopRequested(this.signal);
  }

  /**
   * Awaits a startup step that starts nothing outside this process, or gives up on it when a stop is
   * requested meanwhile (bundling workflows takes seconds; a stop should not wait for it).
   */
  async step<T>(pending: Promise<T>): Promise<T> {
    pending.catch(() => undefined); // an abandoned step's later failure is of no interest
    const outcome = await Promise.race([pending.then((value) => ({ value })), this.requested]);
    if (typeof outcome === 'string') throw new StopRequested(outcome);
    return outcome.value;
  }

  /** Resolves with the signal once a stop is requested. */
  untilStopRequested(): Promise<NodeJS.Signals> {
    return this.requested;
  }

  /**
   * Stops everything started, newest first. Each gets at most `timeoutMs`, so one that hangs (a
   * worker waiting on an activity) does not keep the ones after it, the dev server among them, running.
   * Returns the names of those that failed or did not stop in time.
   */
  async stopAll(timeoutMs: number): Promise<string[]> {
    const failed: string[] = [];
    for (const { name, stop } of this.started.splice(0).reverse()) {
      let timer: NodeJS.Timeout | undefined;
      const timedOut = new Promise<'timeout'>((resolve) => {
        timer = setTimeout(() => resolve('timeout'), timeoutMs);
      });
      try {
        if ((await Promise.race([stop(), timedOut])) === 'timeout')
          failed.push(`${name} (did not stop within ${timeoutMs / 1000} s)`);
      } catch (err) {
        failed.push(`${name} (${err instanceof Error ? err.message : String(err)})`);
      } finally {
        clearTimeout(timer);
      }
    }
    return failed;
  }
}
