/** A system reached through the HTTP connector protocol, as a CRM or email step. */
import type { ConnectorStep, ExternalStatus, ExternalSystemConnector } from '../../connectors/types';
import { type GenericHttpClient } from './client';
import { httpConnectorId } from './names';
import { PROTOCOL_VERSION, type ConnectorStatus } from './schemas';

export function createGenericHttpConnector(
  name: string,
  step: ConnectorStep,
  client: GenericHttpClient,
): ExternalSystemConnector {
  const id = httpConnectorId(name);
  const at = () => new Date().toISOString();
  const final = (s: Exclude<ConnectorStatus, { state: 'pending' }>): Exclude<ExternalStatus, { state: 'pending' }> =>
    s.state === 'completed'
      ? { state: s.state, deleted: s.deleted, reference: s.reference, at: at() }
      : { state: s.state, reference: s.reference, at: at() };
  return {
    id,
    step,
    displayName: `${name} (HTTP connector)`,
    kinds: ['email', 'phone'],
    scope: 'subject',
    async order(requestId, attempt, identifiers, source) {
      const answer = await client.order(
        {
          version: PROTOCOL_VERSION,
          requestId,
          ...(source === undefined ? {} : { source }),
          connector: name,
          identifiers,
        },
        attempt,
      );
      // Fields are picked one by one: unknown fields, and the free-text reason, may quote the person.
      if (answer.state === 'accepted')
        return { state: 'accepted', statusUrl: answer.statusUrl, reference: answer.reference, at: at() };
      return final(answer);
    },
    async status(statusUrl): Promise<ExternalStatus> {
      const s = await client.status(statusUrl);
      return s.state === 'pending' ? { state: 'pending', at: at() } : final(s);
    },
  };
}
