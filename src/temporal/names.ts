/** Task queues, workflow ids and other plaintext names. None may carry personal data. */
export const TASK_QUEUES = {
  /** Workflows, planning, and CRM/email connector activities. */
  main: 'dsr-erasure',
  /** Gong activities only, so the server can cap them at Gong's per-company rate. */
  gong: 'dsr-erasure-gong',
} as const;

export type TaskQueues = { main: string; gong: string };

/** The workflow id derives from the intake system's request id, never from an email or phone. */
export function erasureWorkflowId(requestId: string): string {
  return `erasure-${requestId}`;
}
