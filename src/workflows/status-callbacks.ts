/**
 * Status callbacks: each event goes to every receiver the request named, beside the runbook (a slow
 * receiver never holds up an erasure). Progress records how each delivery ended; the workflow waits
 * for all of them only before it returns its receipt.
 */
import { ActivityFailure, log } from '@temporalio/workflow';
import type { ErasureActivities } from './activity-options';
import { describeFailure } from './operator';
import { now } from './progress';
import type { ErasureProgress, NotificationRecord, StatusCallback, StatusEvent } from './types';

type CallbackSender = ErasureActivities['callbacks'];

export class StatusCallbacks {
  private readonly deliveries: Promise<void>[] = [];
  private eventCount = 0;

  constructor(
    private readonly targets: StatusCallback[],
    private readonly progress: ErasureProgress,
    private sender: CallbackSender,
  ) {}

  /** Once the plan brings the deployment's retry window (callbackMaxWait), later events use it. */
  sendWith(sender: CallbackSender): void {
    this.sender = sender;
  }

  notify(event: StatusEvent['event'], extra: Pick<StatusEvent, 'outcome' | 'actionRequired'> = {}): void {
    if (!this.targets.length) return;
    const { requestId, status, step } = this.progress;
    const statusEvent: StatusEvent = {
      eventId: `${requestId}:${++this.eventCount}:${event}`,
      event,
      requestId,
      status,
      step,
      at: now(),
      ...extra,
    };
    for (const target of this.targets) {
      const record: NotificationRecord = {
        eventId: statusEvent.eventId,
        event,
        protocol: target.protocol,
        host: hostOf(target.url),
        state: 'pending',
        at: statusEvent.at,
      };
      this.progress.notifications!.push(record);
      this.deliveries.push(
        this.sender.deliverStatusCallback(target, statusEvent).then(
          () => {
            record.state = 'delivered';
            record.at = now();
          },
          (err: unknown) => {
            record.state = 'failed';
            record.at = now();
            record.error =
              err instanceof ActivityFailure
                ? describeFailure(err).reason
                : `delivery failed: ${(err as Error)?.name} ${(err as Error)?.message}`;
            log.warn('status callback failed', {
              host: record.host,
              event,
              errorType: err instanceof ActivityFailure ? describeFailure(err).errorType : undefined,
            });
          },
        ),
      );
    }
  }

  /** Every delivery so far has been delivered or has failed for good (each ends in one of the two). */
  async settled(): Promise<void> {
    await Promise.all(this.deliveries);
  }
}

/** `https://host:port/path?q` -> `host:port` (without credentials); no URL parser needed in the sandbox. */
function hostOf(url: string): string {
  return /^[a-z][a-z0-9+.-]*:\/\/(?:[^@/?#]*@)?([^/?#]*)/i.exec(url)?.[1] ?? '(invalid URL)';
}
