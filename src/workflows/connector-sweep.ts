/**
 * Running a sweep (sweep.ts) for one connector and identifier inside the erasure: its vendor calls
 * as activities, a failure no retry fixes or a count above the thresholds to the operator gate, and
 * a sweep too long for one history handed to a child workflow that continues-as-new as it goes.
 * A short sweep (the usual: a few CRM records, a few messages) stays in the erasure's own history.
 */
import { ActivityFailure, ApplicationFailure, continueAsNew, executeChild, workflowInfo } from '@temporalio/workflow';
import type { ConnectorDescriptor, DeleteReport } from '../connectors/types';
import type { Identifier } from '../subject/identifiers';
import { erasureActivities, type ErasureActivities } from './activity-options';
import {
  decideApproval,
  exceededThresholds,
  thresholdsFor,
  type ApprovalThresholds,
  type Preapproval,
} from './approval';
import { fingerprint } from './fingerprint';
import { describeFailure, type FailureReason } from './operator';
import { now } from './progress';
import type { StepContext } from './step-context';
import {
  advanceSweep,
  countPartialDelete,
  firstRoundCounts,
  newSweep,
  sweepOutcome,
  type SweepOps,
  type SweepState,
  type SweepStop,
} from './sweep';
import type { ErasureSettings } from './types';

export interface ConnectorSweepInput {
  connector: ConnectorDescriptor;
  identifier: Identifier;
  state: SweepState;
  settings: ErasureSettings;
  thresholds: ApprovalThresholds;
  preapproval?: Preapproval;
}

export type ConnectorSweepResult =
  | { state: SweepState; stop: SweepStop }
  /** `partial`: what a delete that failed for good did delete, from its failure's details. */
  | { state: SweepState; failure: FailureReason; partial?: DeleteReport };

/** The sweep's vendor calls, as activities on the connectors' options. */
export function sweepActivities(
  activities: ErasureActivities['connectors'],
  connector: ConnectorDescriptor,
  identifier: Identifier,
): SweepOps {
  return {
    ...(connector.mailboxes && {
      listMailboxes: () => activities.listConnectorMailboxes(connector.id, identifier),
    }),
    find: (mailbox, cursor) => activities.findWithConnector(connector.id, identifier, mailbox, cursor),
    deleteFound: (mailbox, ids) => activities.deleteWithConnector(connector.id, identifier, mailbox, ids),
    finish: (summary) => activities.finishWithConnector(connector.id, identifier, summary),
  };
}

/** Advances the sweep in this workflow until it stops; a failure for good comes back as `failure`. */
async function advanceHere(input: ConnectorSweepInput, activities: ErasureActivities): Promise<ConnectorSweepResult> {
  const { state, thresholds, preapproval } = input;
  try {
    const stop = await advanceSweep(
      state,
      sweepActivities(activities.connectors, input.connector, input.identifier),
      {
        approval: (counts) => decideApproval(counts, thresholds, preapproval, now()),
        budget: input.settings.sweepCallsPerRun,
      },
      fingerprint,
    );
    return { state, stop };
  } catch (err) {
    if (!(err instanceof ActivityFailure)) throw err; // a bug in this workflow: let Temporal surface it
    const partial = partialReport(err);
    return { state, failure: describeFailure(err), ...(partial && { partial }) };
  }
}

/**
 * A sweep that outgrew the erasure's history: the same steps in a workflow of its own, which
 * continues-as-new each time it has made `sweepCallsPerRun` vendor calls. It returns to the erasure
 * whenever a person must decide (approval, a failure for good), and when it is done.
 */
export async function connectorSweepWorkflow(input: ConnectorSweepInput): Promise<ConnectorSweepResult> {
  const result = await advanceHere(input, erasureActivities(input.settings));
  if ('stop' in result && result.stop.stop === 'yield') {
    return continueAsNew<typeof connectorSweepWorkflow>({ ...input, state: result.state });
  }
  return result;
}

/** Erases the identifier from one connector through a sweep, asking the operator where needed. */
export async function runConnectorSweep(
  ctx: StepContext,
  step: 'crm' | 'email',
  connector: ConnectorDescriptor,
  index: number,
): Promise<void> {
  const { subject, operator, progress, settings } = ctx;
  const identifier = subject.identifiers[index]!;
  const label = subject.label(index);
  const item = `${connector.id} ${label}`;
  const input: ConnectorSweepInput = {
    connector,
    identifier,
    state: newSweep(),
    settings,
    thresholds: thresholdsFor(settings.approvalThresholds, connector),
    ...(ctx.preapproval && { preapproval: ctx.preapproval }),
  };
  const record = () =>
    progress[step].outcomes.push(subject.referenced(sweepOutcome(input.state, connector.id, identifier, now()), index));
  // Once a sweep has outgrown this history it stays in child workflows, one per stretch between decisions.
  let inChild = false;
  let children = 0;
  for (;;) {
    const result = inChild
      ? await executeChild(connectorSweepWorkflow, childOptions(item, ++children, input))
      : await advanceHere(input, ctx.activities);
    input.state = result.state;
    if ('failure' in result) {
      if ((await operator.ask(step, item, result.failure)) === 'retry') continue;
      if (result.partial) countPartialDelete(input.state, result.partial);
      if (input.state.found > 0) record(); // what was deleted before the skip stays on the receipt
      return;
    }
    switch (result.stop.stop) {
      case 'done':
        record();
        return;
      case 'yield':
        inChild = true;
        break;
      case 'approval': {
        const counts = firstRoundCounts(input.state);
        const approved = await operator.askApproval(step, item, {
          connector: connector.id,
          identifier: subject.refs[index]!,
          ...counts,
          exceeded: exceededThresholds(counts, input.thresholds),
        });
        if (!approved) return; // skipped: nothing was deleted
        input.state.approval = {
          via: 'operator',
          ...approved,
          at: now(),
          records: counts.records,
          mailboxes: counts.mailboxes,
        };
        break;
      }
    }
  }
}

/** The DeleteReport a connector put in its failure's details, if it did (vendor ids only). */
function partialReport(err: ActivityFailure): DeleteReport | undefined {
  const details = err.cause instanceof ApplicationFailure ? err.cause.details?.[0] : undefined;
  if (typeof details !== 'object' || details === null) return undefined;
  const { deleted, alreadyGone } = details as Partial<DeleteReport>;
  const ids = (v: unknown): v is string[] => Array.isArray(v) && v.every((id) => typeof id === 'string');
  return ids(deleted) && ids(alreadyGone) ? { deleted, alreadyGone } : undefined;
}

/** `sweep-<owner>/<request>/<connector>/<email#1>/<n>`: positions and names only, never the identifier. */
function childOptions(item: string, n: number, input: ConnectorSweepInput) {
  const parent = workflowInfo().workflowId.replace(/^erasure-/, '');
  return { workflowId: `sweep-${parent}/${item.replace(' ', '/')}/${n}`, args: [input] as [ConnectorSweepInput] };
}
