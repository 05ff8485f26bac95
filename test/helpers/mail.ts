/** For the mail connectors' tests: their mailboxes, and one listing's pages (eraseInProcess runs whole sweeps). */
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
