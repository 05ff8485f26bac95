/**
 * A preview: what an erasure of this person would delete, without deleting anything. It runs the
 * same plan, every connector's first find round (the sweep stops where an erasure would ask for
 * approval, before any delete) and Gong's `data-for-*` reads through the same rate-limited queue,
 * and answers with counts per system, per mailbox (by keyed hash) and per Gong list, and which
 * approval thresholds the erasure would stop at. Durable and visible in the Web UI like an erasure.
 */
import { ActivityFailure } from '@temporalio/workflow';
import type { ErasurePlan } from '../activities/connectors';
import { listIdentifiers } from '../subject/identifiers';
import { erasureActivities } from './activity-options';
import { exceededThresholds, thresholdsFor } from './approval';
import { sweepActivities } from './connector-sweep';
import { fingerprint } from './fingerprint';
import { describeFailure } from './operator';
import { now } from './progress';
import { resolveSettings } from './settings';
import { PlannedSubject } from './subject';
import { advanceSweep, firstRoundCounts, newSweep } from './sweep';
import type { PreviewResult, PreviewSystem, PreviewWorkflowInput } from './types';

export async function previewWorkflow(input: PreviewWorkflowInput): Promise<PreviewResult> {
  const startedAt = now();
  const identifiers = listIdentifiers(input.subject);
  const plan: ErasurePlan = await erasureActivities(resolveSettings(input.settings)).planning.planErasure(identifiers);
  const settings = resolveSettings({ ...plan.settings, ...input.settings });
  const activities = erasureActivities(settings);
  const subject = new PlannedSubject(identifiers, plan.subjectRefs);

  const systems: PreviewSystem[] = [];
  const notPreviewed: PreviewResult['notPreviewed'] = [];
  for (const step of ['crm', 'email'] as const) {
    for (const connector of plan.connectors.filter((c) => c.step === step)) {
      if (connector.scope === 'subject') {
        notPreviewed.push({
          connector: connector.id,
          reason: 'reached by order (HTTP connector protocol), which has no dry run',
        });
        continue;
      }
      for (const [index, identifier] of identifiers.entries()) {
        if (!connector.kinds.includes(identifier.kind)) continue;
        const state = newSweep();
        const thresholds = thresholdsFor(settings.approvalThresholds, connector);
        const system: PreviewSystem = {
          connector: connector.id,
          step,
          identifier: subject.refs[index]!,
          records: 0,
          mailboxes: 0,
          capped: false,
          exceeded: [],
        };
        try {
          // Stops where an erasure would ask for approval: after the first find, before any delete.
          await advanceSweep(
            state,
            sweepActivities(activities.connectors, connector, identifier),
            { approval: () => 'ask', budget: Infinity },
            fingerprint,
          );
          const counts = firstRoundCounts(state);
          Object.assign(system, counts, { exceeded: exceededThresholds(counts, thresholds) });
          if (connector.mailboxes) {
            system.mailboxesSearched = state.mailboxes.length;
            system.perMailbox = state.mailboxes
              .map((m, i) => ({ mailbox: m.ref ?? '', found: state.matched[i] ?? 0 }))
              .filter((m) => m.found > 0);
          }
        } catch (err) {
          if (!(err instanceof ActivityFailure)) throw err;
          system.error = describeFailure(err).reason;
        }
        systems.push(system);
      }
    }
  }

  const gong: PreviewResult['gong'] = [];
  for (const [index, identifier] of identifiers.entries()) {
    try {
      gong.push(subject.referenced(await activities.gong.gongReferences(identifier), index));
    } catch (err) {
      if (!(err instanceof ActivityFailure)) throw err;
      gong.push({ identifier: subject.refs[index]!, error: describeFailure(err).reason });
    }
  }

  return {
    requestId: input.requestId,
    startedAt,
    completedAt: now(),
    subject: subject.refs,
    systems,
    notPreviewed,
    gong,
    approvalNeeded: systems.some((s) => s.exceeded.length > 0),
  };
}
