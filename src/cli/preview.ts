/**
 * `dsr-erasure preview`: the summary printed on stderr beside the JSON result. Identifiers by position in the
 * request (`email#1`), as operator messages name them; counts only.
 */
import type { IdentifierRef } from '../subject/identifiers';
import type { PreviewResult } from '../workflows/types';

export function formatPreview(result: PreviewResult): string[] {
  const label = identifierLabels(result.subject);
  const lines: string[] = [];
  for (const system of result.systems) {
    const where = `${system.connector} ${label(system.identifier)}`;
    if (system.error !== undefined) {
      lines.push(`${where}: could not be previewed: ${system.error}`);
      continue;
    }
    const atLeast = system.capped ? 'at least ' : '';
    const found =
      system.step === 'email'
        ? `${atLeast}${system.records} messages in ${system.mailboxes} of ${system.mailboxesSearched ?? '?'} mailboxes`
        : `${atLeast}${system.records} records`;
    const approval = system.exceeded.length ? `; would wait for approval: ${system.exceeded.join(', ')}` : '';
    lines.push(`${where}: ${found}${approval}`);
  }
  for (const { connector, reason } of result.notPreviewed) lines.push(`${connector}: not previewed (${reason})`);
  for (const gong of result.gong) {
    const where = `gong ${label(gong.identifier)}`;
    if ('error' in gong) lines.push(`${where}: could not be read: ${gong.error}`);
    else {
      const lists = Object.entries(gong.counts).map(([list, n]) => `${list} ${n}`);
      lines.push(`${where}: ${gong.total} references (${lists.join(', ')})`);
    }
  }
  lines.push(
    result.approvalNeeded
      ? 'an erasure would wait for approval (dsr-erasure approve), unless pre-approved (erase --preapprove-records N / --preapprove-mailboxes N)'
      : 'an erasure would not need approval',
  );
  return lines;
}

/** `email#2`: the identifier's position among those of its kind in the request. */
function identifierLabels(subject: IdentifierRef[]): (identifier: IdentifierRef) => string {
  return (identifier) => {
    const ofKind = subject.filter((s) => s.kind === identifier.kind);
    const position = ofKind.findIndex((s) => s.ref === identifier.ref);
    return `${identifier.kind}#${position < 0 ? '?' : position + 1}`;
  };
}
