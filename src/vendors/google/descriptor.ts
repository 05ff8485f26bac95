/** Gmail (Google Workspace, domain-wide delegation) as an email connector; simulated in the sandbox. */
import type { ConnectorVendor } from '../descriptor';
import { googleClientFromEnv, KEY_ENV } from './client';
import { createGmailConnector } from './connector';
import type { GoogleSimOptions, GoogleSimulator } from './simulator';

export const gmail = {
  id: 'gmail',
  step: 'email',
  displayName: 'Google Workspace (Gmail)',
  needs: 'GOOGLE_SERVICE_ACCOUNT_JSON (or _FILE) and GOOGLE_ADMIN_USER (or GOOGLE_MAILBOXES)',
  credentials: KEY_ENV,
  fromEnv(env) {
    const google = googleClientFromEnv(env);
    return google && createGmailConnector(google.client, google.mailboxes);
  },
  simulator: {
    key: 'google',
    async start(options, org) {
      const { createGoogleSimulator } = await import('./simulator');
      const simulator = createGoogleSimulator({ domain: org.domain, ...options });
      const url = await simulator.start();
      for (const user of org.mailboxes) simulator.seedUser(user);
      const env = {
        GOOGLE_SERVICE_ACCOUNT_JSON: JSON.stringify(simulator.serviceAccount),
        GOOGLE_ADMIN_USER: simulator.vendor.options.adminUser,
        GOOGLE_TOKEN_URL: simulator.tokenUrl,
        GMAIL_BASE_URL: url,
        GOOGLE_DIRECTORY_BASE_URL: url,
      };
      return { simulator, env };
    },
    /** Mail from the person in every mailbox, and one in spam that only blind-copies them. */
    seedSubject(simulator, subject, org) {
      for (const email of subject.emails) {
        for (const [i, upn] of org.mailboxes.entries()) {
          simulator.seedMessage(upn, { from: email, to: [upn] });
          if (i === 1)
            simulator.seedMessage(upn, { from: upn, to: ['someone@else.example'], bcc: [email], labels: ['SPAM'] });
        }
      }
    },
  },
} as const satisfies ConnectorVendor<GoogleSimOptions, GoogleSimulator>;
