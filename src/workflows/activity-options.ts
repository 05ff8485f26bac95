/**
 * The runbook's activities, one named option set per kind of work. Built once per settings value:
 * once from the request's own settings (to plan, and for callbacks sent before the plan), once from
 * the planned settings for everything after.
 */
import { proxyActivities, type ActivityOptions } from '@temporalio/workflow';
import type { RetryPolicy } from '@temporalio/common';
import type { createConnectorActivities } from '../activities/connectors';
import type { createCallbackActivities } from '../callbacks/activities';
import type { createGongActivities } from '../vendors/gong/activities';
import { NON_RETRYABLE_FAILURE_TYPES } from '../failures';
import type { ErasureSettings } from './types';

type ConnectorActivities = ReturnType<typeof createConnectorActivities>;
type GongActivities = ReturnType<typeof createGongActivities>;
type CallbackActivities = ReturnType<typeof createCallbackActivities>;

// No worker on a queue (a Gong worker down, a renamed queue) must reach an operator, not hang.
const NO_WORKER_TIMEOUT = '1h';

export function activityOptions(settings: ErasureSettings) {
  const retry: RetryPolicy = {
    initialInterval: '1s',
    backoffCoefficient: 2,
    maximumInterval: settings.activityMaxInterval,
    maximumAttempts: settings.activityMaxAttempts,
    nonRetryableErrorTypes: NON_RETRYABLE_FAILURE_TYPES,
  };
  const planning: ActivityOptions = { startToCloseTimeout: '30s', scheduleToStartTimeout: NO_WORKER_TIMEOUT, retry };
  const connectors: ActivityOptions = {
    startToCloseTimeout: settings.connectorStartToCloseTimeout,
    heartbeatTimeout: settings.connectorHeartbeatTimeout,
    scheduleToStartTimeout: NO_WORKER_TIMEOUT,
    retry,
  };
  // One HTTP call each, no heartbeat.
  const external: ActivityOptions = { startToCloseTimeout: '2m', scheduleToStartTimeout: NO_WORKER_TIMEOUT, retry };
  // One Gong HTTP call per activity, on a queue the server rate-limits to Gong's quota.
  const gong: ActivityOptions = {
    taskQueue: settings.gongTaskQueue,
    startToCloseTimeout: '1m',
    scheduleToStartTimeout: NO_WORKER_TIMEOUT,
    retry,
  };
  // Status callbacks: retried with backoff for as long as callbackMaxWait allows, not a number of times.
  const callbacks: ActivityOptions = {
    startToCloseTimeout: '1m',
    scheduleToCloseTimeout: settings.callbackMaxWait,
    retry: {
      initialInterval: '1s',
      backoffCoefficient: 2,
      maximumInterval: settings.activityMaxInterval,
      nonRetryableErrorTypes: NON_RETRYABLE_FAILURE_TYPES,
    },
  };
  return { planning, connectors, external, gong, callbacks };
}

export function erasureActivities(settings: ErasureSettings) {
  const options = activityOptions(settings);
  return {
    planning: proxyActivities<ConnectorActivities>(options.planning),
    connectors: proxyActivities<ConnectorActivities>(options.connectors),
    external: proxyActivities<ConnectorActivities>(options.external),
    gong: proxyActivities<GongActivities>(options.gong),
    callbacks: proxyActivities<CallbackActivities>(options.callbacks),
  };
}

export type ErasureActivities = ReturnType<typeof erasureActivities>;
