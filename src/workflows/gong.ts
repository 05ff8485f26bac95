/**
 * Gong, last: it imports from the CRM and the mail system, so it is erased only once both are
 * clean. Gong deletes asynchronously ("may take several hours"), so erasing is followed by waiting
 * on a durable timer, checking what Gong still references, and backing off; if references remain
 * after the longest wait, an operator decides (Gong's integrity guard may have stopped the deletion).
 */
import { sleep } from '@temporalio/workflow';
import type { GongReferenceSummary } from '../vendors/gong/types';
import { now, setState } from './progress';
import { durationMs } from './settings';
import type { StepContext } from './step-context';
import type { Referenced } from './types';

/** Records what Gong holds for each identifier (counts only), then asks Gong to erase it. */
export async function eraseInGong(ctx: StepContext): Promise<void> {
  const { subject, operator, progress } = ctx;
  setState(progress, 'Running', 'gong-erase');
  progress.gong.startedAt = now();
  for (const [index, identifier] of subject.identifiers.entries()) {
    const label = subject.label(index);
    const before = await operator.run('gong-erase', `gong references ${label}`, () =>
      ctx.activities.gong.gongReferences(identifier),
    );
    if (before) progress.gong.before.push(subject.referenced(before, index));
    const erased = await operator.run('gong-erase', `gong erase ${label}`, () =>
      ctx.activities.gong.gongErase(identifier),
    );
    if (erased) progress.gong.erasures.push(subject.referenced(erased, index));
  }
}

/** Waits (backing off) until Gong references none of the identifiers, or an operator decides. */
export async function verifyInGong(ctx: StepContext): Promise<void> {
  const { subject, operator, progress, settings } = ctx;
  const verification = progress.gong.verification;
  const uncheckable = new Set<number>();
  let targets = subject.identifiers.map((_, index) => index);
  for (;;) {
    setState(progress, 'WaitingForGong', 'gong-verify');
    let interval = durationMs(settings.verifyInitialWait);
    let waited = 0;
    for (;;) {
      await sleep(interval);
      waited += interval;
      const summaries: Referenced<GongReferenceSummary>[] = [];
      const remaining: number[] = [];
      for (const index of targets) {
        const s = await operator.run('gong-verify', `gong verify ${subject.label(index)}`, () =>
          ctx.activities.gong.gongReferences(subject.identifiers[index]!),
        );
        if (!s) {
          uncheckable.add(index); // skipped by an operator: never reported as verified
          continue;
        }
        summaries.push(subject.referenced(s, index));
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
    const action = await operator.ask('gong-verify', `gong verification (${targets.length} identifiers)`, {
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
    setState(progress, 'Running', 'gong-erase');
    for (const index of targets) {
      const erased = await operator.run('gong-erase', `gong erase ${subject.label(index)}`, () =>
        ctx.activities.gong.gongErase(subject.identifiers[index]!),
      );
      if (erased) progress.gong.erasures.push(subject.referenced(erased, index));
    }
  }
}
