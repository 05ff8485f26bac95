/**
 * `dsr-erasure list`: erasures through Temporal visibility. Visibility holds the workflow id (owner and
 * request id), the execution status and our two search attributes; nothing personal.
 *
 * While an erasure runs, its status is the ErasureStatus search attribute the workflow keeps up to
 * date. Once closed, the execution status decides: a terminated erasure still carries the status
 * it had when it was stopped, so `Running` also requires a running execution.
 */
import type { Client, WorkflowExecutionInfo } from '@temporalio/client';
import { CLOSED_STATUS, ERASURE_STATUSES, type ErasureStatusName } from '../client/erasures';
import { parseErasureWorkflowId } from '../temporal/names';
import { ErasureStatus, ErasureStep } from '../temporal/search-attributes';
import { erasureWorkflow } from '../workflows/erasure';

/** What `list` filters on: every status but Cancelled and TimedOut, which nothing does to an erasure. */
export type ListStatus = Exclude<ErasureStatusName, 'Cancelled' | 'TimedOut'>;
export const LIST_STATUSES = ERASURE_STATUSES.filter(
  (status): status is ListStatus => status !== 'Cancelled' && status !== 'TimedOut',
);

export const LIST_LIMITS = { defaultLimit: 100, maxLimit: 10_000 } as const;

export interface ListedErasure {
  requestId: string;
  /** The source the request belongs to; absent for one started before ids were namespaced (`--legacy`). */
  owner?: string;
  status: string;
  step?: string;
  startedAt: string;
  closedAt?: string;
}

/** The visibility query for a status (all erasures when none). Values come from a fixed set. */
export function listQuery(status?: ListStatus): string {
  const clauses = [`WorkflowType = '${erasureWorkflow.name}'`];
  switch (status) {
    case undefined:
      break;
    case 'Running':
    case 'WaitingForGong':
    case 'ActionRequired':
      clauses.push(`ExecutionStatus = 'Running'`, `${ErasureStatus.name} = '${status}'`);
      break;
    case 'Completed':
    case 'Failed':
    case 'Terminated':
      clauses.push(`ExecutionStatus = '${status}'`);
      break;
    default:
      throw new RangeError(`unknown status ${String(status)}`);
  }
  return clauses.join(' AND ');
}

export function toListed(info: WorkflowExecutionInfo): ListedErasure {
  const closed = CLOSED_STATUS[info.status.name];
  const step = info.typedSearchAttributes.get(ErasureStep);
  const id = parseErasureWorkflowId(info.workflowId) ?? { requestId: info.workflowId };
  return {
    requestId: id.requestId,
    ...(id.owner === undefined ? {} : { owner: id.owner }),
    status: closed ?? info.typedSearchAttributes.get(ErasureStatus) ?? 'Running',
    ...(step ? { step } : {}),
    startedAt: info.startTime.toISOString(),
    ...(info.closeTime ? { closedAt: info.closeTime.toISOString() } : {}),
  };
}

/**
 * Up to `limit` erasures in the order visibility returns them (running ones first, then by close time); `more` when
 * there were others.
 */
export async function listErasures(
  client: Client,
  opts: { status?: ListStatus; limit?: number } = {},
): Promise<{ erasures: ListedErasure[]; more: boolean }> {
  const limit = opts.limit ?? LIST_LIMITS.defaultLimit;
  const erasures: ListedErasure[] = [];
  for await (const info of client.workflow.list({
    query: listQuery(opts.status),
    pageSize: Math.min(limit + 1, 1000),
  })) {
    if (erasures.length === limit) return { erasures, more: true };
    erasures.push(toListed(info));
  }
  return { erasures, more: false };
}

const LIST_HEADER = ['REQUEST ID', 'OWNER', 'STATUS', 'STEP', 'STARTED'];
/** The owner column of an erasure started before ids were namespaced (reached with --legacy). */
export const LEGACY_OWNER = '(legacy)';

/**
 * A header row, then one line per erasure: request id, owner, status, step, start time, in aligned columns. Nothing
 * when there are none.
 */
export function formatList(erasures: ListedErasure[]): string[] {
  if (erasures.length === 0) return [];
  const rows = [
    LIST_HEADER,
    ...erasures.map((e) => [e.requestId, e.owner ?? LEGACY_OWNER, e.status, e.step ?? '-', e.startedAt]),
  ];
  const last = LIST_HEADER.length - 1;
  const widths = LIST_HEADER.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows.map((r) => r.map((cell, i) => (i < last ? cell.padEnd(widths[i]!) : cell)).join('  '));
}
