/**
 * The rules for what an HTTP connector may report about an order it accepted (the
 * `connectorCallback` update). One set, workflow-safe: the workflow's validator enforces it for
 * every client, the intake API's schema and the CLI state it before anything is sent.
 */
import type { ConnectorCallback } from './types';

export const CONNECTOR_CALLBACK_STATES = [
  'completed',
  'not_found',
  'failed',
] as const satisfies readonly ConnectorCallback['state'][];
/** A count a real system could report; larger is a bug or a forged callback. */
export const MAX_REPORTED_DELETIONS = 1_000_000_000;
/** The other system's reference is kept in the receipt: a plain token, never free text. */
export const CONNECTOR_REFERENCE = /^[A-Za-z0-9._:/-]{1,200}$/;

/** The first problem with a callback, naming the field; undefined when it is well-formed. */
export function connectorCallbackProblem(cb: ConnectorCallback): { field: string; message: string } | undefined {
  if (!(CONNECTOR_CALLBACK_STATES as readonly string[]).includes(cb?.state))
    return { field: 'state', message: 'must be completed, not_found or failed' };
  if (
    cb.deleted !== undefined &&
    !(Number.isInteger(cb.deleted) && cb.deleted >= 0 && cb.deleted <= MAX_REPORTED_DELETIONS)
  ) {
    return { field: 'deleted', message: `must be an integer from 0 to ${MAX_REPORTED_DELETIONS}` };
  }
  if (cb.reference !== undefined && !(typeof cb.reference === 'string' && CONNECTOR_REFERENCE.test(cb.reference))) {
    return { field: 'reference', message: 'must be a plain token (letters, digits and . _ : / -, at most 200)' };
  }
  return undefined;
}
