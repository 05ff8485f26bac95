/**
 * The erasure runbook for one data-subject request:
 *
 *   Plan    which connectors this deployment runs, its settings, the identifiers' keyed hashes
 *   1. CRM     find the person in every CRM connector (HubSpot, ...), record it, delete exactly that
 *   2. Email   the same for their mail in every email connector (Microsoft 365, ...)
 *   3. Gong    record what Gong holds, then ask Gong to erase each email and phone
 *   4. Wait    Gong deletes asynchronously (hours); wait on a durable timer, verify, back off
 *   5. Receipt what was found, deleted, when, Gong's request ids, the verification result
 *
 * Gong imports from the CRM and the mail system, so each step starts only after the previous one
 * succeeded for every identifier; otherwise Gong would re-import what we just erased.
 * A find above the deployment's thresholds (a shared address) waits for an operator's `approve`.
 * Anything that fails for good (bad credentials, a rejected request, retries exhausted) does not
 * fail the request: it waits, status ActionRequired, for an operator to `retry` or `skip`
 * (operator.ts). Status callbacks, if the request named receivers, run beside the runbook.
 */
import { setHandler } from '@temporalio/workflow';
import type { ErasurePlan } from '../activities/connectors';
import { listIdentifiers } from '../subject/identifiers';
import { erasureActivities } from './activity-options';
import { runConnectorStep } from './connector-steps';
import { approveUpdate, connectorCallbackUpdate, progressQuery, retryUpdate, skipUpdate } from './definitions';
import { ExternalOrderCallbacks } from './external-orders';
import { eraseInGong, verifyInGong } from './gong';
import { OperatorGate } from './operator';
import { newProgress, now, setState } from './progress';
import { resolveSettings } from './settings';
import { StatusCallbacks } from './status-callbacks';
import type { StepContext } from './step-context';
import { PlannedSubject } from './subject';
import type { ErasureReceipt, ErasureWorkflowInput } from './types';

export async function erasureWorkflow(input: ErasureWorkflowInput): Promise<ErasureReceipt> {
  // Until the plan brings the deployment's settings, planning and callbacks use the request's own.
  const requestActivities = erasureActivities(resolveSettings(input.settings));
  const identifiers = listIdentifiers(input.subject);
  const progress = newProgress(input);
  const statusCallbacks = new StatusCallbacks(input.callbacks ?? [], progress, requestActivities.callbacks);
  const operator = new OperatorGate(progress, statusCallbacks);
  const orderCallbacks = new ExternalOrderCallbacks();

  setHandler(progressQuery, () => progress);
  setHandler(retryUpdate, (req) => operator.retry(req), { validator: (req) => operator.validateRetry(req) });
  setHandler(skipUpdate, (req) => operator.skip(req), { validator: (req) => operator.validateSkip(req) });
  setHandler(approveUpdate, (req) => operator.approve(req), { validator: (req) => operator.validateApprove(req) });
  setHandler(connectorCallbackUpdate, (cb) => orderCallbacks.receive(cb), {
    validator: (cb) => orderCallbacks.validate(cb),
  });

  // Plan: recorded in history, so a replay runs the connectors and settings this request ran with.
  let plan: ErasurePlan | undefined;
  while (!plan) plan = await operator.run('crm', 'plan', () => requestActivities.planning.planErasure(identifiers)); // a plan cannot be skipped
  const settings = resolveSettings({ ...plan.settings, ...input.settings });
  const activities = erasureActivities(settings);
  statusCallbacks.sendWith(activities.callbacks);
  // Progress and the receipt name identifiers only by keyed hash.
  const subject = new PlannedSubject(identifiers, plan.subjectRefs);
  const ctx: StepContext = {
    requestId: input.requestId,
    subject,
    settings,
    activities,
    operator,
    progress,
    orderCallbacks,
    ...(input.preapproval && { preapproval: input.preapproval }),
  };

  // 1-2. CRM, then email.
  await runConnectorStep(ctx, 'crm', plan.connectors);
  await runConnectorStep(ctx, 'email', plan.connectors);

  // 3. Gong: snapshot what it holds, then erase each identifier.
  await eraseInGong(ctx);

  // 4. Wait for Gong's asynchronous deletion, verify, back off, escalate.
  await verifyInGong(ctx);

  // 5. The receipt.
  setState(progress, 'Completed', 'done');
  const receipt: ErasureReceipt = {
    ...progress,
    completedAt: now(),
    outcome: progress.skipped.length ? 'erased-with-exceptions' : 'erased',
    subject: subject.refs,
  };
  statusCallbacks.notify('completed', { outcome: receipt.outcome });
  await statusCallbacks.settled(); // the receipt shares progress.notifications, so it shows how each ended
  return receipt;
}
