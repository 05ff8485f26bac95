/**
 * The mail connectors' tests drive find/deleteFound the way the workflow does (src/workflows/sweep.ts),
 * in one process and without Temporal.
 */
import {
  MAX_FOUND_PER_PAGE,
  type ConnectorContext,
  type ErasureConnector,
  type FoundPage,
  type MailboxList,
} from '../../src/connectors/types';
import type { Identifier } from '../../src/subject/identifiers';
import { recordingContext } from './vendor';

/** The connector's mailboxes (mail connectors all have listMailboxes). */
export async function listMailboxes(
  connector: ErasureConnector,
  identifier: Identifier,
  ctx: ConnectorContext = recordingContext(),
): Promise<MailboxList> {
  if (!connector.listMailboxes) throw new Error(`${connector.id} lists no mailboxes`);
  return connector.listMailboxes(identifier, ctx);
}

/** Every page of one listing in `mailbox`, following the cursors. */
export async function findAll(
  connector: ErasureConnector,
  identifier: Identifier,
  mailbox: string,
  ctx: ConnectorContext = recordingContext(),
): Promise<{ ids: string[]; pages: FoundPage[] }> {
  const pages: FoundPage[] = [];
  let cursor: string | undefined;
  do {
    const page = await connector.find(identifier, mailbox, cursor, ctx);
    expect(page.ids.length).toBeLessThanOrEqual(MAX_FOUND_PER_PAGE);
    pages.push(page);
    cursor = page.cursor;
  } while (cursor !== undefined);
  return { ids: pages.flatMap((p) => p.ids), pages };
}

export interface MailSweep {
  mailboxes: string[];
  unreachable: number;
  /** Ids found (each once, in order), and what deleteFound said of them. */
  found: string[];
  deleted: string[];
  alreadyGone: string[];
  /** Mailboxes whose find answered `noMailbox`. */
  noMailbox: number;
  rounds: number;
  method: string;
}

/**
 * List the mailboxes; then rounds of: every page of every mailbox, and a delete (in batches of at most
 * MAX_FOUND_PER_PAGE) of the ids not seen before; until a round finds nothing new.
 */
export async function sweepMail(
  connector: ErasureConnector,
  identifier: Identifier,
  ctx: ConnectorContext = recordingContext(),
): Promise<MailSweep> {
  const { mailboxes, unreachable = 0 } = await listMailboxes(connector, identifier, ctx);
  const sweep: MailSweep = {
    mailboxes,
    unreachable,
    found: [],
    deleted: [],
    alreadyGone: [],
    noMailbox: 0,
    rounds: 0,
    method: '',
  };
  const seen = new Set<string>();
  const empty = new Set<string>();
  for (;;) {
    sweep.rounds += 1;
    let fresh = 0;
    for (const mailbox of mailboxes) {
      if (empty.has(mailbox)) continue;
      const { ids, pages } = await findAll(connector, identifier, mailbox, ctx);
      if (pages.some((p) => p.noMailbox)) {
        empty.add(mailbox);
        continue;
      }
      const newIds = [...new Set(ids)].filter((id) => !seen.has(`${mailbox} ${id}`));
      for (const id of newIds) seen.add(`${mailbox} ${id}`);
      sweep.found.push(...newIds);
      fresh += newIds.length;
      for (let i = 0; i < newIds.length; i += MAX_FOUND_PER_PAGE) {
        const batch = newIds.slice(i, i + MAX_FOUND_PER_PAGE);
        const report = await connector.deleteFound(identifier, mailbox, batch, ctx);
        expect([...report.deleted, ...report.alreadyGone].sort()).toEqual([...batch].sort());
        sweep.deleted.push(...report.deleted);
        sweep.alreadyGone.push(...report.alreadyGone);
      }
    }
    if (fresh === 0) break;
  }
  sweep.noMailbox = empty.size;
  sweep.method = connector.method(identifier, { found: sweep.found.length, permanent: true, unreachable });
  return sweep;
}
