/**
 * Systems reached by order (the HTTP connector protocol): one order for the whole request, sent,
 * then waited for by status URL (polled on a durable timer) or by callback (the connectorCallback
 * update). `failed`, or no answer in time, asks an operator; retry re-sends the order, which the
 * system deduplicates by request id.
 */
import { condition } from '@temporalio/workflow';
import type { Duration } from '@temporalio/common';
import type { ConnectorDescriptor, ConnectorStep, ExternalOrderResult, ExternalStatus } from '../connectors/types';
import { actorProblem } from './actor';
import { connectorCallbackProblem } from './connector-callback';
import { now } from './progress';
import { durationMs } from './settings';
import type { StepContext } from './step-context';
import type { ConnectorCallback, ExternalSystemRecord } from './types';

type Final = Exclude<ExternalStatus, { state: 'pending' }>;
type Accepted = Extract<ExternalOrderResult, { state: 'accepted' }>;
interface Settled {
  result: Final;
  via: ExternalSystemRecord['via'];
  /** Who reported a callback (the credential's name, or `cli`). */
  reportedBy?: string;
}

/**
 * Callbacks are accepted only for an order that is outstanding: from the moment it is sent (a fast
 * system may call back before this workflow has seen its 202) until it is settled.
 */
export class ExternalOrderCallbacks {
  private readonly outstanding = new Set<string>();
  private readonly received = new Map<string, ConnectorCallback>();

  /** Validator of the `connectorCallback` update. */
  validate(cb: ConnectorCallback): void {
    if (!this.outstanding.has(cb?.connector))
      throw new Error('no order to that connector is outstanding in this erasure');
    const problem = connectorCallbackProblem(cb) ?? actorProblem(cb);
    if (problem) throw new Error(`${problem.field} ${problem.message}`);
  }

  receive(cb: ConnectorCallback): void {
    this.received.set(cb.connector, cb);
  }

  /** An order is about to be sent: from now on its callback is accepted (an older one is dropped). */
  open(connectorId: string): void {
    this.received.delete(connectorId);
    this.outstanding.add(connectorId);
  }

  close(connectorId: string): void {
    this.outstanding.delete(connectorId);
  }

  /** Waits up to `timeout` for the connector's callback; true once it is there. */
  arrived(connectorId: string, timeout: Duration): Promise<boolean> {
    return condition(() => this.received.has(connectorId), timeout);
  }

  take(connectorId: string): Settled {
    const cb = this.received.get(connectorId)!;
    this.received.delete(connectorId);
    const at = now();
    const result: Final =
      cb.state === 'completed'
        ? { state: 'completed', deleted: cb.deleted, reference: cb.reference, at }
        : { state: cb.state, reference: cb.reference, at };
    return { result, via: 'callback', ...(cb.by === undefined ? {} : { reportedBy: cb.by }) };
  }
}

/** Orders the erasure from one system and records how it ended (unless an operator skipped it). */
export async function runExternalOrder(
  ctx: StepContext,
  step: ConnectorStep,
  connector: ConnectorDescriptor,
): Promise<void> {
  const { subject, operator, orderCallbacks } = ctx;
  const indices = subject.identifiers.flatMap((id, i) => (connector.kinds.includes(id.kind) ? [i] : []));
  const item = `${connector.id} order`;
  // A new order after `failed` gets a new idempotency key, or the system would answer `failed` again.
  for (let attempt = 1; ; attempt++) {
    const orderedAt = now();
    orderCallbacks.open(connector.id);
    let done: Settled | undefined;
    try {
      const answer = await operator.run(step, item, () =>
        ctx.activities.external.orderExternalErasure(
          connector.id,
          ctx.requestId,
          attempt,
          indices.map((i) => subject.identifiers[i]!),
        ),
      );
      if (!answer) return;
      done =
        answer.state === 'accepted'
          ? await awaitCompletion(ctx, step, item, connector, answer)
          : { result: answer, via: 'response' };
    } finally {
      orderCallbacks.close(connector.id);
    }
    if (!done) return; // skipped by an operator while waiting
    const { result, via, reportedBy } = done;
    if (result.state === 'failed') {
      const reference = result.reference ? ` (their reference ${result.reference})` : '';
      const action = await operator.ask(step, item, {
        errorType: 'ExternalErasureFailed',
        reason: `${connector.id} reported that the erasure failed${reference}; retry sends a new order`,
      });
      if (action === 'skip') return;
      continue;
    }
    ctx.progress[step].external.push({
      connector: connector.id,
      identifiers: indices.map((i) => subject.refs[i]!),
      state: result.state,
      via,
      deleted: result.state === 'completed' ? result.deleted : undefined,
      reference: result.reference,
      ...(reportedBy === undefined ? {} : { reportedBy }),
      orderedAt,
      completedAt: result.at,
    });
    return;
  }
}

/** Waits for an accepted order to finish; undefined if an operator skipped it meanwhile. */
async function awaitCompletion(
  ctx: StepContext,
  step: ConnectorStep,
  item: string,
  connector: ConnectorDescriptor,
  accepted: Accepted,
): Promise<Settled | undefined> {
  const { settings, operator, orderCallbacks } = ctx;
  const maxWait = durationMs(settings.externalMaxWait);
  const overdue = () =>
    operator.ask(step, item, {
      errorType: 'ExternalErasureOverdue',
      reason: `${connector.id} accepted the order but has not finished after ${Math.round(maxWait / 60_000)} min; retry keeps waiting`,
    });
  if (accepted.statusUrl) {
    const statusUrl = accepted.statusUrl;
    for (let waited = 0; ;) {
      // A system with a status URL may still call back; whichever comes first settles the order.
      if (await orderCallbacks.arrived(connector.id, settings.externalPollInterval))
        return orderCallbacks.take(connector.id);
      waited += durationMs(settings.externalPollInterval);
      const status = await operator.run(step, item, () =>
        ctx.activities.external.checkExternalErasure(connector.id, statusUrl),
      );
      if (!status) return undefined;
      if (status.state !== 'pending') return { result: status, via: 'status-url' };
      if (waited >= maxWait) {
        if ((await overdue()) === 'skip') return undefined;
        waited = 0;
      }
    }
  }
  for (;;) {
    if (await orderCallbacks.arrived(connector.id, maxWait)) return orderCallbacks.take(connector.id);
    if ((await overdue()) === 'skip') return undefined;
  }
}
