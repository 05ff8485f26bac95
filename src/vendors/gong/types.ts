/**
 * What Gong activities hand back to the workflow. Types only: workflow code imports this file.
 * Summaries keep counts, never Gong's payload: it lists other people's addresses (senders,
 * recipients, attendees) and would put them into Temporal's history.
 */
import type { Identifier } from '../../subject/identifiers';

export interface GongReferenceCounts {
  emails: number;
  calls: number;
  meetings: number;
  /** Leads/contacts Gong holds (the sum of `customerData[].objects`). */
  customerDataObjects: number;
  /** Always 0 for a phone number: Gong's phone lookup has no such list. */
  customerEngagement: number;
  /** Entries of lists Gong returned that are not documented (yet): still references. */
  other?: number;
}

export interface GongReferenceSummary {
  identifier: Identifier;
  total: number;
  counts: GongReferenceCounts;
  gongRequestId?: string;
  checkedAt: string;
}

export interface GongEraseResult {
  identifier: Identifier;
  /** Gong's only handle on the asynchronous deletion, for help@gong.io if it never completes. */
  gongRequestId: string;
  requestedAt: string;
}
