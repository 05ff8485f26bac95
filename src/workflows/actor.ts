/**
 * Who sent an operator action or a connector callback (`by`): a credential's name or `cli`. Workflow-safe: the
 * workflow's validators check it for every client (the plain Temporal CLI included), since progress and the receipt
 * keep it for years and it must never be free text.
 */
import { looksPersonal } from '../vendor-text';
import type { Actor } from './types';

/** The credential-name charset (src/intake/config.ts). */
export const ACTOR_NAME = /^[A-Za-z0-9._-]{1,64}$/;

/** The problem with `by`, naming the field; undefined when absent or a plain name. */
export function actorProblem(actor: Actor | undefined): { field: string; message: string } | undefined {
  const by = actor?.by;
  if (by === undefined || (typeof by === 'string' && ACTOR_NAME.test(by) && !looksPersonal(by))) return undefined;
  return {
    field: 'by',
    message: 'must be a credential name (letters, digits and . _ -, at most 64, not like an address or number)',
  };
}
