/** Microsoft 365 mail (through Microsoft Graph) as an email connector; simulated in the sandbox. */
import type { ConnectorVendor } from '../descriptor';
import { CREDENTIAL_ENV, graphClientFromEnv } from './client';
import { createM365Connector } from './connector';
import type { GraphSimOptions, GraphSimulator } from './simulator';

const SIM_APP = { tenantId: 'sim-tenant', clientId: 'sim-client-id', clientSecret: 'sim-client-secret' };

export const m365 = {
  id: 'm365',
  step: 'email',
  displayName: 'Microsoft 365 (Exchange Online)',
  needs: 'M365_TENANT_ID, M365_CLIENT_ID and M365_CLIENT_SECRET',
  credentials: CREDENTIAL_ENV,
  fromEnv(env) {
    const graph = graphClientFromEnv(env);
    return graph && createM365Connector(graph.client, graph.mailboxes);
  },
  simulator: {
    key: 'graph',
    async start(options, org) {
      const { createGraphSimulator } = await import('./simulator');
      const simulator = createGraphSimulator({ ...SIM_APP, ...options });
      const url = await simulator.start();
      for (const upn of org.mailboxes) simulator.seedMailbox(upn);
      const env = {
        GRAPH_BASE_URL: url,
        GRAPH_LOGIN_URL: url,
        M365_TENANT_ID: SIM_APP.tenantId,
        M365_CLIENT_ID: SIM_APP.clientId,
        M365_CLIENT_SECRET: SIM_APP.clientSecret,
      };
      return { simulator, env };
    },
    /** Mail from the person in every mailbox, and one message that only copies them. */
    seedSubject(simulator, subject, org) {
      for (const email of subject.emails) {
        for (const [i, upn] of org.mailboxes.entries()) {
          simulator.seedMessage(upn, { from: email, to: [upn] });
          if (i === 0) simulator.seedMessage(upn, { from: upn, to: ['someone@else.example'], cc: [email] });
        }
      }
    },
  },
} as const satisfies ConnectorVendor<GraphSimOptions, GraphSimulator>;
