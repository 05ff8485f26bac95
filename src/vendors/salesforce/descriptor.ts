/** Salesforce as a CRM connector (client-credentials flow on the org's My Domain); simulated in the sandbox. */
import type { ConnectorVendor } from '../descriptor';
import { CREDENTIAL_ENV, salesforceClientFromEnv } from './client';
import { createSalesforceConnector } from './connector';
import type { SalesforceSimOptions, SalesforceSimulator } from './simulator';

export const salesforce = {
  id: 'salesforce',
  step: 'crm',
  displayName: 'Salesforce',
  needs: 'SALESFORCE_LOGIN_URL, SALESFORCE_CLIENT_ID and SALESFORCE_CLIENT_SECRET',
  credentials: CREDENTIAL_ENV,
  fromEnv(env) {
    const client = salesforceClientFromEnv(env);
    return client && createSalesforceConnector(client);
  },
  simulator: {
    key: 'salesforce',
    async start(options) {
      const { createSalesforceSimulator, SALESFORCE_SIM_CREDENTIALS } = await import('./simulator');
      const simulator = createSalesforceSimulator(options);
      const env = {
        SALESFORCE_LOGIN_URL: await simulator.start(),
        SALESFORCE_CLIENT_ID: SALESFORCE_SIM_CREDENTIALS.clientId,
        SALESFORCE_CLIENT_SECRET: SALESFORCE_SIM_CREDENTIALS.clientSecret,
      };
      return { simulator, env };
    },
    seedSubject(simulator, subject) {
      const [firstPhone] = subject.phones;
      for (const email of subject.emails) simulator.seedContact({ Email: email, Phone: firstPhone });
      for (const phone of subject.phones) simulator.seedLead({ MobilePhone: phone });
    },
  },
} as const satisfies ConnectorVendor<SalesforceSimOptions, SalesforceSimulator>;
