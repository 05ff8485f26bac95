/**
 * Spaces this process's Gong calls at least `1 / ratePerSecond` apart (a bucket of one).
 *
 * Why, on top of the server-side task-queue limit: Temporal's matching service hands out tasks
 * from a token bucket whose capacity is one second's worth (burst = ceil(rate)), so after an idle
 * spell it dispatches a burst of 3 at once, and 3 more within the next second. Against Gong's
 * per-second limit that burst is a 429. The server limit keeps the total across workers at the
 * rate; the pacer removes the burst inside each worker.
 */
export class Pacer {
  private queue: Promise<void> = Promise.resolve();
  private lastSentAt = -Infinity;
  readonly intervalMs: number;

  constructor(ratePerSecond: number) {
    this.intervalMs = 1000 / ratePerSecond;
  }

  private pausedUntil = 0;

  /**
   * Holds every caller of this process until `ms` from now: after a 429, the next queued calls
   * would only be refused too (and each refusal uses one of the request's retry attempts).
   */
  pauseFor(ms: number): void {
    this.pausedUntil = Math.max(this.pausedUntil, Date.now() + ms);
  }

  /**
   * Resolves when this caller may send; callers go in arrival order. Spacing is measured from when
   * the previous caller actually went, so a timer that fires late never lets the next one go early.
   */
  wait(): Promise<void> {
    const turn = this.queue.then(async () => {
      const delay = Math.max(this.lastSentAt + this.intervalMs, this.pausedUntil) - Date.now();
      if (delay > 0) await new Promise((resolve) => setTimeout(resolve, delay));
      this.lastSentAt = Date.now();
    });
    this.queue = turn;
    return turn;
  }
}
