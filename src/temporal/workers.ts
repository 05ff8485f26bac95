/**
 * The two workers a deployment runs. Gong activities get their own task queue so the Temporal
 * server enforces Gong's per-company limit across every worker process
 * (`maxTaskQueueActivitiesPerSecond` is applied server-side at poll time). Every worker on that
 * queue must use the same value, or pollers "thrash with the last poller winning".
 */
import type { DataConverter } from '@temporalio/common';
import { NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
import { createConnectorActivities } from '../activities/connectors';
import { createCallbackActivities, type CallbackDeliveryConfig } from '../callbacks/activities';
import type { AnyConnector } from '../connectors/types';
import type { GongClient } from '../vendors/gong/client';
import { createGongActivities } from '../vendors/gong/activities';
import { Pacer } from '../vendors/gong/pacer';
import type { ErasureSettings } from '../workflows/types';
import type { TaskQueues } from './names';

export interface WorkerDeps {
  connection: NativeConnection;
  namespace: string;
  taskQueues: TaskQueues;
  connectors: AnyConnector[];
  gong: GongClient;
  /** Gong's per-company limit (3/s by default). */
  gongRatePerSecond: number;
  /**
   * Fraction of that limit we aim for, leaving room for network jitter (GONG_RATE_HEADROOM, 0.97 by
   * default). A rolling-second limit of 3 tolerates requests 1/3 s apart only if none arrives early;
   * aiming at 97% leaves ~10 ms of jitter per interval. Measured in bench/gong-rate.
   */
  gongRateHeadroom: number;
  /** This deployment's waits and queues, handed to each workflow with its plan. */
  settings?: Partial<ErasureSettings>;
  /** Encrypts payloads and failures (src/security). */
  dataConverter: DataConverter;
  subjectHashKey: Buffer;
  /**
   * Which workers this process runs. Run the Gong worker in ONE process: the server caps the queue
   * across processes, but only within a process are calls also spaced (Pacer); two Gong processes
   * can each send a burst at the same moment.
   */
  roles?: ('main' | 'gong')[];
  /** Where status callbacks may go and how they are signed. */
  callbacks?: CallbackDeliveryConfig;
  /** A prebundled workflow (tests bundle once per file); otherwise bundled from source. */
  workflowBundle?: WorkerOptions['workflowBundle'];
}

export async function createWorkers(deps: WorkerDeps): Promise<Worker[]> {
  const roles = deps.roles ?? ['main', 'gong'];
  const workers: Worker[] = [];
  const shared = { connection: deps.connection, namespace: deps.namespace, dataConverter: deps.dataConverter };
  const workflows = deps.workflowBundle
    ? { workflowBundle: deps.workflowBundle }
    : { workflowsPath: require.resolve('../workflows') };
  if (roles.includes('main'))
    workers.push(
      await Worker.create({
        ...shared,
        taskQueue: deps.taskQueues.main,
        ...workflows,
        activities: {
          ...createConnectorActivities({
            connectors: deps.connectors,
            settings: deps.settings,
            subjectHashKey: deps.subjectHashKey,
          }),
          ...createCallbackActivities(deps.callbacks ?? { allowedHosts: [] }),
        },
      }),
    );
  const gongRate = deps.gongRatePerSecond * deps.gongRateHeadroom;
  if (roles.includes('gong'))
    workers.push(
      await Worker.create({
        ...shared,
        taskQueue: deps.taskQueues.gong,
        activities: createGongActivities(deps.gong, new Pacer(gongRate)),
        // The server-side cap across every worker on the queue; the Pacer smooths each worker's bursts.
        maxTaskQueueActivitiesPerSecond: gongRate,
      }),
    );
  return workers;
}

/** Runs all workers until a shutdown signal (SIGINT/SIGTERM) stops them. */
export async function runWorkers(workers: Worker[]): Promise<void> {
  await Promise.all(workers.map((w) => w.run()));
}
