/**
 * Heartbeat progress of one deleteFound batch. A retried attempt of the same activity gets the last
 * heartbeat of the one before; the key makes sure it resumes only from progress on the same ids.
 */
import { createHash } from 'node:crypto';

/** A digest of the batch's ids, in order: short whatever the batch size, and no id in plain sight. */
export function batchKey(ids: readonly string[]): string {
  return createHash('sha256').update(ids.join('\n')).digest('base64url');
}
