/**
 * The erasure runbook for one data-subject request:
 *
 *   1. CRM     delete the person from every CRM connector (HubSpot, ...)
 *   2. Email   delete their mail from every email connector (Microsoft 365, ...)
 *   3. Gong    record what Gong holds, then ask Gong to erase each email and phone
 *   4. Wait    Gong deletes asynchronously (hours); wait on a durable timer, verify, back off
 *   5. Receipt what was found, deleted, when, Gong's request ids, the verification result
 *
 * Gong imports from the CRM and the mail system, so each step starts only after the previous one
 * succeeded for every identifier; otherwise Gong would re-import what we just erased.
 * Anything that fails for good (bad credentials, a rejected request, retries exhausted) does not
 * fail the request: it waits, status ActionRequired, for an operator to `retry` or `skip`.
 */
import {
  ActivityFailure,
  ApplicationFailure,
  condition,
  log,
  proxyActivities,
  setHandler,
  sleep,
  upsertSearchAttributes,
} from '@temporalio/workflow';
import type { RetryPolicy } from '@temporalio/common';
import type { createConnectorActivities, ErasurePlan } from '../activities/connectors';
import type { createCallbackActivities } from '../callbacks/activities';
import type { ConnectorDescriptor, ConnectorStep, ExternalOrderResult, ExternalStatus } from '../connectors/types';
import { listIdentifiers, type Identifier, type IdentifierRef } from '../subject/identifiers';
import type { GongReferenceSummary } from '../vendors/gong/types';
import type { createGongActivities } from '../vendors/gong/activities';
import { ErasureStatus, ErasureStep } from '../temporal/search-attributes';
import { connectorCallbackUpdate, progressQuery, retryUpdate, skipUpdate } from './definitions';
import { durationMs, resolveSettings } from './settings';
import { NON_RETRYABLE_FAILURE_TYPES } from '../failures';
import type {
  ErasureProgress,
  ErasureReceipt,
  ErasureSettings,
  ErasureStatusValue,
  ErasureWorkflowInput,
  ConnectorCallback,
  NotificationRecord,
  StatusEvent,
  ExternalSystemRecord,
  Referenced,
  SkipRequest,
  StepName,
} from './types';

type ConnectorActivities = ReturnType<typeof createConnectorActivities>;
type GongActivities = ReturnType<typeof createGongActivities>;
type CallbackActivities = ReturnType<typeof createCallbackActivities>;

function activityProxies(settings: ErasureSettings) {
  const retry: RetryPolicy = {
    initialInterval: '1s',
    backoffCoefficient: 2,
    maximumInterval: settings.activityMaxInterval,
    maximumAttempts: settings.activityMaxAttempts,
    nonRetryableErrorTypes: NON_RETRYABLE_FAILURE_TYPES,
  };
  // No worker on a queue (a Gong worker down, a renamed queue) must reach an operator, not hang.
  const scheduleToStartTimeout = '1h';
  return {
    planning: proxyActivities<ConnectorActivities>({ startToCloseTimeout: '30s', scheduleToStartTimeout, retry }),
    connectors: proxyActivities<ConnectorActivities>({
      startToCloseTimeout: settings.connectorStartToCloseTimeout,
      heartbeatTimeout: settings.connectorHeartbeatTimeout,
      scheduleToStartTimeout,
      retry,
    }),
    // One HTTP call each, no heartbeat.
    external: proxyActivities<ConnectorActivities>({ startToCloseTimeout: '2m', scheduleToStartTimeout, retry }),
    // One Gong HTTP call per activity, on a queue the server rate-limits to Gong's quota.
    gong: proxyActivities<GongActivities>({ taskQueue: settings.gongTaskQueue, startToCloseTimeout: '1m', scheduleToStartTimeout, retry }),
    // Status callbacks: retried with backoff for as long as callbackMaxWait allows, not a number of times.
    callbacks: proxyActivities<CallbackActivities>({
      startToCloseTimeout: '1m',
      scheduleToCloseTimeout: settings.callbackMaxWait,
      retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: settings.activityMaxInterval, nonRetryableErrorTypes: NON_RETRYABLE_FAILURE_TYPES },
    }),
  };
}

export async function erasureWorkflow(input: ErasureWorkflowInput): Promise<ErasureReceipt> {
  // Plan with default options first: the deployment's settings arrive with the plan.
  const planner = activityProxies(resolveSettings(input.settings)).planning;
  const identifiers = listIdentifiers(input.subject);
  const now = () => new Date().toISOString();

  const progress: ErasureProgress = {
    requestId: input.requestId,
    status: 'Running',
    step: 'crm',
    startedAt: now(),
    crm: { connectors: [], outcomes: [], external: [] },
    email: { connectors: [], outcomes: [], external: [] },
    gong: { before: [], erasures: [], verification: { outcome: 'pending', checks: [] } },
    skipped: [],
    operatorActions: [],
  };
  if (input.intake) progress.intake = input.intake;

  // Status callbacks run beside the runbook (a slow receiver never holds up an erasure); the
  // workflow waits for all of them only before it returns.
  const callbackTargets = input.callbacks ?? [];
  if (callbackTargets.length) progress.notifications = [];
  const deliveries: Promise<void>[] = [];
  let callbackSettings = resolveSettings(input.settings);
  let eventCount = 0;
  function notify(event: StatusEvent['event'], extra: Pick<StatusEvent, 'outcome' | 'actionRequired'> = {}) {
    if (!callbackTargets.length) return;
    const statusEvent: StatusEvent = { eventId: `${input.requestId}:${++eventCount}:${event}`, event, requestId: input.requestId, status: progress.status, step: progress.step, at: now(), ...extra };
    const sender = activityProxies(callbackSettings).callbacks;
    for (const target of callbackTargets) {
      const record: NotificationRecord = { eventId: statusEvent.eventId, event, protocol: target.protocol, host: hostOf(target.url), state: 'pending', at: statusEvent.at };
      progress.notifications!.push(record);
      deliveries.push(
        sender.deliverStatusCallback(target, statusEvent).then(
          () => {
            record.state = 'delivered';
            record.at = now();
          },
          (err: unknown) => {
            record.state = 'failed';
            record.at = now();
            record.error = err instanceof ActivityFailure ? describeFailure(err).reason : `delivery failed: ${(err as Error)?.name} ${(err as Error)?.message}`;
            log.warn('status callback failed', { host: record.host, event, errorType: err instanceof ActivityFailure ? describeFailure(err).errorType : undefined });
          },
        ),
      );
    }
  }

  let decision: { action: 'retry' } | { action: 'skip'; reason: string } | undefined;
  setHandler(progressQuery, () => progress);
  const mustBeWaiting = () => {
    if (!progress.actionRequired) throw new Error('this erasure is not waiting for an operator');
    // Two operators (or a retry and a skip) in the same moment: the first decision wins, the other is refused.
    if (decision !== undefined) throw new Error('an operator has already decided on this item');
  };
  setHandler(retryUpdate, () => {
    decision = { action: 'retry' };
  }, { validator: mustBeWaiting });
  setHandler(skipUpdate, ({ reason }) => {
    decision = { action: 'skip', reason: reason.trim() };
  }, {
    validator: (req: SkipRequest) => {
      mustBeWaiting();
      if (progress.actionRequired?.item === 'plan') throw new Error('the plan cannot be skipped: fix the worker configuration, then retry');
      if (typeof req?.reason !== 'string' || req.reason.trim().length === 0) throw new Error('skip needs a reason');
      if (req.reason.length > 1000) throw new Error('skip reason must be at most 1000 characters');
    },
  });

  // Callbacks are accepted only for an order that is outstanding: from the moment it is sent (a
  // fast system may call back before this workflow has seen its 202) until it is settled.
  const outstandingOrders = new Set<string>();
  const callbacks = new Map<string, ConnectorCallback>();
  setHandler(connectorCallbackUpdate, (cb) => {
    callbacks.set(cb.connector, cb);
  }, {
    validator: (cb: ConnectorCallback) => {
      if (!outstandingOrders.has(cb?.connector)) throw new Error('no order to that connector is outstanding in this erasure');
      if (!['completed', 'not_found', 'failed'].includes(cb.state)) throw new Error('state must be completed, not_found or failed');
      if (cb.deleted !== undefined && !(Number.isInteger(cb.deleted) && cb.deleted >= 0)) throw new Error('deleted must be a non-negative integer');
      if (cb.reference !== undefined && !/^[A-Za-z0-9._:/-]{0,200}$/.test(cb.reference)) throw new Error('reference must be a plain token');
    },
  });

  const setState = (status: ErasureStatusValue, step: StepName) => {
    progress.status = status;
    progress.step = step;
    upsertSearchAttributes([
      { key: ErasureStatus, value: status },
      { key: ErasureStep, value: step },
    ]);
  };

  /** Shows the failure to operators (status ActionRequired) and waits for `retry` or `skip`. */
  async function awaitOperator(step: StepName, item: string, failure: { reason: string; errorType?: string }) {
    progress.actionRequired = { step, item, ...failure, since: now() };
    const resumeStatus = progress.status;
    setState('ActionRequired', step);
    log.warn('erasure needs an operator', { step, item, errorType: failure.errorType });
    notify('action_required', { actionRequired: progress.actionRequired });
    decision = undefined;
    await condition(() => decision !== undefined);
    const made = decision!;
    progress.actionRequired = undefined;
    setState(resumeStatus, step);
    const at = now();
    if (made.action === 'skip') {
      progress.operatorActions.push({ action: 'skip', step, item, at, reason: made.reason });
      progress.skipped.push({ step, item, reason: made.reason, failure: failure.reason, at });
    } else {
      progress.operatorActions.push({ action: 'retry', step, item, at });
    }
    return made.action;
  }

  /** Runs one item; on a failure no retry will fix, waits for an operator. Undefined if skipped. */
  async function withOperator<T>(step: StepName, item: string, run: () => Promise<T>): Promise<T | undefined> {
    for (;;) {
      try {
        return await run();
      } catch (err) {
        if (!(err instanceof ActivityFailure)) throw err; // a bug in this workflow: let Temporal surface it
        if ((await awaitOperator(step, item, describeFailure(err))) === 'skip') return undefined;
      }
    }
  }

  async function runConnectorStep(step: ConnectorStep, record: ErasureProgress['crm'], plan: ConnectorDescriptor[]) {
    setState('Running', step);
    record.connectors = plan.filter((c) => c.step === step);
    record.startedAt = now();
    for (const connector of record.connectors) {
      if (connector.scope === 'subject') {
        await runExternalSystem(step, record, connector);
        continue;
      }
      for (const [index, identifier] of identifiers.entries()) {
        if (!connector.kinds.includes(identifier.kind)) continue;
        const outcome = await withOperator(step, `${connector.id} ${itemLabel(identifiers, index)}`, () =>
          act.connectors.eraseWithConnector(connector.id, identifier),
        );
        if (outcome) record.outcomes.push(referenced(outcome, index));
      }
    }
    record.completedAt = now();
  }

  /**
   * A system reached by order: send it, then wait for completion by status URL (polled on a durable
   * timer) or by callback (the connectorCallback update). `failed`, or no answer in time, asks an
   * operator; retry re-sends the order, which the system deduplicates by request id.
   */
  async function runExternalSystem(step: ConnectorStep, record: ErasureProgress['crm'], connector: ConnectorDescriptor) {
    const indices = identifiers.flatMap((id, i) => (connector.kinds.includes(id.kind) ? [i] : []));
    const item = `${connector.id} order`;
    // A new order after `failed` gets a new idempotency key, or the system would answer `failed` again.
    for (let attempt = 1; ; attempt++) {
      const orderedAt = now();
      callbacks.delete(connector.id);
      outstandingOrders.add(connector.id);
      let done: { result: Final; via: ExternalSystemRecord['via'] } | undefined;
      try {
        const answer = await withOperator(step, item, () => act.external.orderExternalErasure(connector.id, input.requestId, attempt, indices.map((i) => identifiers[i]!)));
        if (!answer) return;
        done = answer.state === 'accepted' ? await awaitExternalCompletion(step, item, connector, answer) : { result: answer, via: 'response' };
      } finally {
        outstandingOrders.delete(connector.id);
      }
      if (!done) return; // skipped by an operator while waiting
      const { result, via } = done;
      if (result.state === 'failed') {
        const reference = result.reference ? ` (their reference ${result.reference})` : '';
        const action = await awaitOperator(step, item, { errorType: 'ExternalErasureFailed', reason: `${connector.id} reported that the erasure failed${reference}; retry sends a new order` });
        if (action === 'skip') return;
        continue;
      }
      const entry: ExternalSystemRecord = {
        connector: connector.id,
        identifiers: indices.map((i) => refs[i]!),
        state: result.state,
        via,
        deleted: result.state === 'completed' ? result.deleted : undefined,
        reference: result.reference,
        orderedAt,
        completedAt: result.at,
      };
      record.external.push(entry);
      return;
    }
  }

  type Final = Exclude<ExternalStatus, { state: 'pending' }>;
  async function awaitExternalCompletion(step: ConnectorStep, item: string, connector: ConnectorDescriptor, accepted: Extract<ExternalOrderResult, { state: 'accepted' }>): Promise<{ result: Final; via: 'status-url' | 'callback' } | undefined> {
    const maxWait = durationMs(settings.externalMaxWait);
    const overdue = () =>
      awaitOperator(step, item, {
        errorType: 'ExternalErasureOverdue',
        reason: `${connector.id} accepted the order but has not finished after ${Math.round(maxWait / 60_000)} min; retry keeps waiting`,
      });
    if (accepted.statusUrl) {
      const statusUrl = accepted.statusUrl;
      for (let waited = 0; ; ) {
        // A system with a status URL may still call back; whichever comes first settles the order.
        if (await condition(() => callbacks.has(connector.id), settings.externalPollInterval)) return takeCallback(connector.id);
        waited += durationMs(settings.externalPollInterval);
        const status = await withOperator(step, item, () => act.external.checkExternalErasure(connector.id, statusUrl));
        if (!status) return undefined;
        if (status.state !== 'pending') return { result: status, via: 'status-url' };
        if (waited >= maxWait) {
          if ((await overdue()) === 'skip') return undefined;
          waited = 0;
        }
      }
    }
    for (;;) {
      if (await condition(() => callbacks.has(connector.id), maxWait)) return takeCallback(connector.id);
      if ((await overdue()) === 'skip') return undefined;
    }
  }

  function takeCallback(connectorId: string): { result: Final; via: 'callback' } {
    const cb = callbacks.get(connectorId)!;
    callbacks.delete(connectorId);
    const at = now();
    const result: Final = cb.state === 'completed' ? { state: 'completed', deleted: cb.deleted, reference: cb.reference, at } : { state: cb.state, reference: cb.reference, at };
    return { result, via: 'callback' };
  }

  // 1-2. CRM, then email. The plan (which connectors this deployment runs) is recorded in history.
  let plan: ErasurePlan | undefined;
  while (!plan) plan = await withOperator('crm', 'plan', () => planner.planErasure(identifiers)); // a plan cannot be skipped
  const settings = resolveSettings({ ...plan.settings, ...input.settings });
  callbackSettings = settings;
  // Progress and the receipt name identifiers only by keyed hash.
  const refs: IdentifierRef[] = identifiers.map((id, i) => ({ kind: id.kind, ref: plan.subjectRefs[i]! }));
  const referenced = <T extends { identifier: Identifier }>(result: T, index: number): Referenced<T> => ({ ...result, identifier: refs[index]! });
  const act = activityProxies(settings);
  await runConnectorStep('crm', progress.crm, plan.connectors);
  await runConnectorStep('email', progress.email, plan.connectors);

  // 3. Gong: snapshot what it holds, then erase each identifier.
  setState('Running', 'gong-erase');
  progress.gong.startedAt = now();
  for (const [index, identifier] of identifiers.entries()) {
    const label = itemLabel(identifiers, index);
    const before = await withOperator('gong-erase', `gong references ${label}`, () => act.gong.gongReferences(identifier));
    if (before) progress.gong.before.push(referenced(before, index));
    const erased = await withOperator('gong-erase', `gong erase ${label}`, () => act.gong.gongErase(identifier));
    if (erased) progress.gong.erasures.push(referenced(erased, index));
  }

  // 4. Wait for Gong's asynchronous deletion, verify, back off, escalate.
  await verifyInGong();

  setState('Completed', 'done');
  const receipt: ErasureReceipt = {
    ...progress,
    completedAt: now(),
    outcome: progress.skipped.length ? 'erased-with-exceptions' : 'erased',
    subject: refs,
  };
  notify('completed', { outcome: receipt.outcome });
  await Promise.all(deliveries); // the receipt shares progress.notifications, so it shows how each ended
  return receipt;

  async function verifyInGong(): Promise<void> {
    const verification = progress.gong.verification;
    const uncheckable = new Set<number>();
    let targets = identifiers.map((_, index) => index);
    for (;;) {
      setState('WaitingForGong', 'gong-verify');
      let interval = durationMs(settings.verifyInitialWait);
      let waited = 0;
      for (;;) {
        await sleep(interval);
        waited += interval;
        const summaries: Referenced<GongReferenceSummary>[] = [];
        const remaining: number[] = [];
        for (const index of targets) {
          const s = await withOperator('gong-verify', `gong verify ${itemLabel(identifiers, index)}`, () => act.gong.gongReferences(identifiers[index]!));
          if (!s) {
            uncheckable.add(index); // skipped by an operator: never reported as verified
            continue;
          }
          summaries.push(referenced(s, index));
          if (s.total > 0) remaining.push(index);
        }
        verification.checks.push({ at: now(), remaining: remaining.length, summaries });
        if (remaining.length === 0) {
          verification.outcome = uncheckable.size ? 'skipped' : 'verified';
          verification.verifiedAt = uncheckable.size ? undefined : now();
          return;
        }
        targets = remaining;
        if (waited >= durationMs(settings.verifyMaxTotalWait)) break;
        interval = Math.min(interval * settings.verifyBackoffCoefficient, durationMs(settings.verifyMaxInterval));
      }
      // Gong's integrity guard may have stopped the deletion; Gong asks for support with its request ids.
      const requestIds = progress.gong.erasures.map((e) => e.gongRequestId).join(', ');
      const action = await awaitOperator('gong-verify', `gong verification (${targets.length} identifiers)`, {
        errorType: 'GongDeletionIncomplete',
        reason:
          `Gong still references ${targets.length} identifier(s) after ${Math.round(waited / 60_000)} min of waiting; ` +
          `contact Gong support (help@gong.io) with request ids ${requestIds}. retry re-sends the erase and waits again.`,
      });
      if (action === 'skip') {
        verification.outcome = 'skipped';
        return;
      }
      // Operator chose retry: erase the remaining identifiers again and restart the wait.
      setState('Running', 'gong-erase');
      for (const index of targets) {
        const erased = await withOperator('gong-erase', `gong erase ${itemLabel(identifiers, index)}`, () => act.gong.gongErase(identifiers[index]!));
        if (erased) progress.gong.erasures.push(referenced(erased, index));
      }
    }
  }
}

/** `https://host:port/path?q` -> `host:port` (without credentials); no URL parser needed in the sandbox. */
function hostOf(url: string): string {
  return /^[a-z][a-z0-9+.-]*:\/\/(?:[^@/?#]*@)?([^/?#]*)/i.exec(url)?.[1] ?? '(invalid URL)';
}

/** `email#2` / `phone#1`: a position in the request, so logs and failures never hold the value. */
function itemLabel(list: Identifier[], index: number): string {
  const id = list[index]!;
  const ordinal = list.slice(0, index + 1).filter((i) => i.kind === id.kind).length;
  return `${id.kind}#${ordinal}`;
}

function describeFailure(err: ActivityFailure): { reason: string; errorType?: string } {
  const cause = err.cause;
  if (cause instanceof ApplicationFailure) {
    const exhausted = !cause.nonRetryable;
    return {
      reason: exhausted ? `${cause.message} (retries exhausted)` : cause.message,
      errorType: cause.type ?? undefined,
    };
  }
  // Timeouts and cancellations: the activity never answered in time, even after retries.
  return { reason: `${err.activityType} did not complete: ${cause?.message ?? err.message}`, errorType: cause?.name };
}
