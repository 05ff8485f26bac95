/**
 * The rules for what an HTTP connector may report about an order it accepted (the
 * `connectorCallback` update). One set, workflow-safe: the workflow's validator enforces it for
 * every client, the intake API's schema and the CLI state it before anything is sent.
 */
import { personalDataKind } from '../vendor-text';
import type { ConnectorCallback } from './types';

export const CONNECTOR_CALLBACK_STATES = [
  'completed',
  'not_found',
  'failed',
] as const satisfies readonly ConnectorCallback['state'][];
/** A count a real system could report; larger is a bug or a forged callback. */
export const MAX_REPORTED_DELETIONS = 1_000_000_000;
/**
 * The other system's reference is kept in the receipt: a plain token, never free text, and never
 * one that looks personal (connectorReferenceProblem).
 */
export const CONNECTOR_REFERENCE = /^[A-Za-z0-9._:/-]{1,200}$/;

/**
 * Why a well-formed reference may still not be kept: it looks like an email address, a host name or
 * a phone number (the vendor-text rule, src/vendor-text.ts). The whole callback is refused, so the
 * system can send its own id instead; a placeholder would hide which order was meant.
 */
export function connectorReferenceProblem(reference: string): string | undefined {
  const kind = personalDataKind(reference);
  return kind && `must not look like personal data (this looks like a ${kind})`;
}

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
  const personal = cb.reference === undefined ? undefined : connectorReferenceProblem(cb.reference);
  if (personal) return { field: 'reference', message: personal };
  return undefined;
}
