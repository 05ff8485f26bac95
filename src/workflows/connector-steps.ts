/**
 * The CRM and email steps: every connector the plan lists for the step, in order; a connector per
 * identifier it can search by, or one order for the whole request for a system reached by order.
 */
import type { ConnectorDescriptor, ConnectorStep } from '../connectors/types';
import { patched } from '@temporalio/workflow';
import { runConnectorSweep } from './connector-sweep';
import { runExternalOrder } from './external-orders';
import { now, setState } from './progress';
import type { StepContext } from './step-context';

const FIND_THEN_DELETE = 'find-then-delete';

export async function runConnectorStep(
  ctx: StepContext,
  step: ConnectorStep,
  plan: ConnectorDescriptor[],
): Promise<void> {
  const { subject, operator, progress } = ctx;
  const record = progress[step];
  setState(progress, 'Running', step);
  record.connectors = plan.filter((c) => c.step === step);
  record.startedAt = now();
  for (const connector of record.connectors) {
    if (connector.scope === 'subject') {
      await runExternalOrder(ctx, step, connector);
      continue;
    }
    for (const [index, identifier] of subject.identifiers.entries()) {
      if (!connector.kinds.includes(identifier.kind)) continue;
      // Find, record, then delete what was found: exact receipts. Erasures started before it run
      // the connector in one activity, as they did.
      if (patched(FIND_THEN_DELETE)) {
        await runConnectorSweep(ctx, step, connector, index);
        continue;
      }
      const outcome = await operator.run(step, `${connector.id} ${subject.label(index)}`, () =>
        ctx.activities.connectors.eraseWithConnector(connector.id, identifier),
      );
      if (outcome) record.outcomes.push(subject.referenced(outcome, index));
    }
  }
  record.completedAt = now();
}
