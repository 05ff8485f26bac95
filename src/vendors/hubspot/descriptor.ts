/** HubSpot as a CRM connector, configured by HUBSPOT_ACCESS_TOKEN; simulated in the sandbox. */
import type { ConnectorVendor } from '../descriptor';
import { hubspotClientFromEnv } from './client';
import { createHubSpotConnector } from './connector';
import type { HubSpotSimOptions, HubSpotSimulator } from './simulator';

const SIM_TOKEN = 'sim-hubspot-token';

export const hubspot = {
  id: 'hubspot',
  step: 'crm',
  displayName: 'HubSpot',
  needs: 'HUBSPOT_ACCESS_TOKEN',
  credentials: ['HUBSPOT_ACCESS_TOKEN'],
  fromEnv(env) {
    const client = hubspotClientFromEnv(env);
    return client && createHubSpotConnector(client);
  },
  simulator: {
    key: 'hubspot',
    async start(options) {
      const { createHubSpotSimulator } = await import('./simulator');
      const simulator = createHubSpotSimulator({ accessToken: SIM_TOKEN, ...options });
      return { simulator, env: { HUBSPOT_BASE_URL: await simulator.start(), HUBSPOT_ACCESS_TOKEN: SIM_TOKEN } };
    },
    seedSubject(simulator, subject) {
      const [firstPhone] = subject.phones;
      const primaries = new Set(simulator.contacts().map((c) => c.email));
      // HubSpot keeps primary emails unique: a subject seeded again (tests seed several times) gets
      // contacts holding the address as a secondary one, which the search finds as well.
      for (const email of subject.emails)
        simulator.seedContact(
          primaries.has(email.toLowerCase())
            ? { additionalEmails: [email], phone: firstPhone }
            : { email, phone: firstPhone },
        );
      if (subject.emails.length === 0) for (const phone of subject.phones) simulator.seedContact({ phone });
    },
  },
} as const satisfies ConnectorVendor<HubSpotSimOptions, HubSpotSimulator>;
