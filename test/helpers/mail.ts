/** For the mail connectors' tests: their mailboxes, and one listing's pages (eraseInProcess runs whole sweeps). */
import {
  type ConnectorContext,
  type ErasureConnector,
  type FoundPage,
  type MailboxList,
} from '../../src/connectors/types';
import type { Identifier } from '../../src/subject/identifiers';
import type { SimControls } from '../../src/vendors/sim/server';
import { findPages, recordingContext } from './vendor';

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
  const pages = await findPages(connector, identifier, mailbox, ctx);
  return { ids: pages.flatMap((p) => p.ids), pages };
}

/** A mail simulator as the shared contract checks see it. */
export interface MailSim {
  controls: SimControls;
  messages(mailbox: string): { id: string }[];
}

/**
 * The find/delete contract on three seeded messages in `mailbox`: finding twice changes nothing and
 * calls no delete; deleting one id deletes that message only, and the simulator logs exactly it.
 */
export async function expectExactFindAndDelete(
  connector: ErasureConnector,
  identifier: Identifier,
  mailbox: string,
  ids: string[],
  sim: MailSim,
  deleteOperation: string,
): Promise<void> {
  expect(await connector.find(identifier, mailbox, undefined, recordingContext())).toEqual({ ids });
  expect(await connector.find(identifier, mailbox, undefined, recordingContext())).toEqual({ ids });
  expect(sim.controls.log.filter((r) => r.operation === deleteOperation)).toHaveLength(0);
  expect(sim.messages(mailbox)).toHaveLength(3);

  expect(await connector.deleteFound(identifier, mailbox, [ids[1] as string], recordingContext())).toEqual({
    deleted: [ids[1]],
    alreadyGone: [],
  });
  expect(sim.messages(mailbox).map((m) => m.id)).toEqual([ids[0], ids[2]]);
  expect(sim.controls.deletions).toEqual([ids[1]]);
}
