/**
 * The data subject as the runbook names it once planned: identifiers by position in logs and
 * operator messages (`email#2`), by keyed hash in progress and the receipt; never by value.
 */
import type { Identifier, IdentifierRef } from '../subject/identifiers';
import type { Referenced } from './types';

export class PlannedSubject {
  /** Keyed hashes (computed by the worker, which alone holds the key), in the identifiers' order. */
  readonly refs: IdentifierRef[];

  constructor(
    readonly identifiers: Identifier[],
    subjectRefs: string[],
  ) {
    this.refs = identifiers.map((id, i) => ({ kind: id.kind, ref: subjectRefs[i]! }));
  }

  /** `email#2` / `phone#1`: a position in the request, so logs and failures never hold the value. */
  label(index: number): string {
    const id = this.identifiers[index]!;
    const ordinal = this.identifiers.slice(0, index + 1).filter((i) => i.kind === id.kind).length;
    return `${id.kind}#${ordinal}`;
  }

  /** A vendor result as progress keeps it: the identifier replaced by its keyed hash. */
  referenced<T extends { identifier: Identifier }>(result: T, index: number): Referenced<T> {
    return { ...result, identifier: this.refs[index]! };
  }
}
