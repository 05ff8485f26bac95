/**
 * Approval for large erasures. A shared address (`sales@`, `info@`) or a mistyped one can match
 * thousands of messages across every mailbox; a sweep whose first find exceeds the deployment's
 * thresholds stops before deleting anything until an operator approves (or skips it). An intake
 * system may pre-approve a request up to given counts. Workflow-safe.
 */
import type { ApprovalRecord, ConnectorDescriptor } from '../connectors/types';

/** What a sweep's first round found. `capped`: a search stopped at its cap, so `records` is a lower bound. */
export interface ApprovalCounts {
  records: number;
  /** Mailboxes holding matches (0 for a system without mailboxes). */
  mailboxes: number;
  capped: boolean;
}

/** Above these counts an operator approves. Both optional: an unset one never asks. */
export interface ApprovalThresholds {
  /** Records (CRM) or messages (mail) matching one identifier in one system. */
  records?: number;
  /** Mailboxes holding matches for one identifier. */
  mailboxes?: number;
}

/** Keyed by step (`crm`, `email`) for every connector of it, or by connector id (`m365`), which wins. */
export type ApprovalThresholdSettings = Record<string, ApprovalThresholds>;

export const DEFAULT_APPROVAL_THRESHOLDS: ApprovalThresholdSettings = {
  crm: { records: 5 },
  email: { records: 500, mailboxes: 25 },
};

/** Counts an intake system approved in advance (the submitting credential is recorded as approver). */
export interface Preapproval extends ApprovalThresholds {
  by?: string;
}

export type ApprovalDecision = ApprovalRecord | { via: 'within-thresholds' };

export function thresholdsFor(
  settings: ApprovalThresholdSettings,
  connector: Pick<ConnectorDescriptor, 'id' | 'step'>,
): ApprovalThresholds {
  return { ...settings[connector.step], ...settings[connector.id] };
}

/** Which thresholds the counts exceed, as short phrases for operators (counts only). */
export function exceededThresholds(counts: ApprovalCounts, thresholds: ApprovalThresholds): string[] {
  const over: string[] = [];
  const atLeast = counts.capped ? 'at least ' : '';
  if (thresholds.records !== undefined && counts.records > thresholds.records)
    over.push(`${atLeast}${counts.records} records (approval above ${thresholds.records})`);
  if (thresholds.mailboxes !== undefined && counts.mailboxes > thresholds.mailboxes)
    over.push(`${counts.mailboxes} mailboxes (approval above ${thresholds.mailboxes})`);
  return over;
}

export function decideApproval(
  counts: ApprovalCounts,
  thresholds: ApprovalThresholds,
  preapproval: Preapproval | undefined,
  at: string,
): ApprovalDecision | 'ask' {
  if (exceededThresholds(counts, thresholds).length === 0) return { via: 'within-thresholds' };
  // A count the pre-approval does not name keeps the deployment's threshold; a capped search says
  // "at least", which no records limit covers.
  const records = preapproval?.records ?? thresholds.records;
  const mailboxes = preapproval?.mailboxes ?? thresholds.mailboxes;
  const covered =
    preapproval !== undefined &&
    (records === undefined || (!counts.capped && counts.records <= records)) &&
    (mailboxes === undefined || counts.mailboxes <= mailboxes);
  if (!covered) return 'ask';
  return {
    via: 'pre-approved',
    ...(preapproval.by === undefined ? {} : { by: preapproval.by }),
    at,
    records: counts.records,
    mailboxes: counts.mailboxes,
  };
}
