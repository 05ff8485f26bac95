/** Task queues, workflow ids and other plaintext names. None may carry personal data. */
export const TASK_QUEUES = {
  /** Workflows, planning, and CRM/email connector activities. */
  main: 'dsr-erasure',
  /** Gong activities only, so the server can cap them at Gong's per-company rate. */
  gong: 'dsr-erasure-gong',
} as const;

export type TaskQueues = { main: string; gong: string };

/**
 * A source: who a request belongs to (an intake credential's source, `cli`, `ketch`). Names from configuration, the
 * same charset as credential names; never `/`, which separates it from the request id in a workflow id.
 */
export const SOURCE_NAME = /^[A-Za-z0-9._-]{1,64}$/;

/** Sources requests are created in without an intake credential: `dsr-erasure erase`/`import`, the Ketch receiver. */
export const CLI_SOURCE = 'cli';
export const KETCH_SOURCE = 'ketch';

/**
 * The workflow id derives from the owner and the intake system's request id, never from an email or phone. The owner
 * namespaces ids: one source's `abc` and another's are different erasures, and no source can take another's id.
 */
export function erasureWorkflowId(owner: string, requestId: string): string {
  return `erasure-${owner}/${requestId}`;
}

/** A preview of an erasure lives beside it, under its own prefix (never counted or listed as an erasure). */
export function previewWorkflowId(owner: string, requestId: string): string {
  return `preview-${owner}/${requestId}`;
}

/** The id of an erasure started before ids were namespaced by owner. */
export function legacyErasureWorkflowId(requestId: string): string {
  return `erasure-${requestId}`;
}

/** Owner and request id from a workflow id; no owner for a legacy id; undefined for an id that is not an erasure's. */
export function parseErasureWorkflowId(workflowId: string): { owner?: string; requestId: string } | undefined {
  if (!workflowId.startsWith('erasure-')) return undefined;
  const rest = workflowId.slice('erasure-'.length);
  const slash = rest.indexOf('/');
  return slash < 0 ? { requestId: rest } : { owner: rest.slice(0, slash), requestId: rest.slice(slash + 1) };
}
