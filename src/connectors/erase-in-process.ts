/**
 * The sweep (src/workflows/sweep.ts) run in one process against a connector: no approval, no
 * history. Serves erasures that started before find-then-delete (their workflows still schedule
 * one `eraseWithConnector` activity) and tests that drive a connector directly.
 */
import { advanceSweep, newSweep, sweepOutcome, type SweepOps } from '../workflows/sweep';
import { fingerprint } from '../workflows/fingerprint';
import type { Identifier } from '../subject/identifiers';
import type { ConnectorContext, ConnectorOutcome, ErasureConnector } from './types';

const NO_HEARTBEAT: ConnectorContext = { heartbeat: () => undefined };

export async function eraseInProcess(
  connector: ErasureConnector,
  identifier: Identifier,
  ctx: ConnectorContext = NO_HEARTBEAT,
): Promise<ConnectorOutcome> {
  const listMailboxes = connector.listMailboxes?.bind(connector);
  const ops: SweepOps = {
    ...(listMailboxes && {
      listMailboxes: async () => {
        const listed = await listMailboxes(identifier, ctx);
        return { ...listed, mailboxes: listed.mailboxes.map((address) => ({ address, ref: address })) };
      },
    }),
    find: (mailbox, cursor) => connector.find(identifier, mailbox, cursor, ctx),
    deleteFound: (mailbox, ids) => connector.deleteFound(identifier, mailbox, ids, ctx),
    finish: async (summary) => {
      await connector.finish?.(identifier, ctx);
      return connector.method(identifier, summary);
    },
  };
  const state = newSweep();
  await advanceSweep(state, ops, { approval: () => ({ via: 'within-thresholds' }), budget: Infinity }, fingerprint);
  return sweepOutcome(state, connector.id, identifier, new Date().toISOString());
}
