/**
 * Gong: not a CRM or email connector but the last step, erased and then verified (src/workflows),
 * so it is described apart from VENDORS; the worker reads its client and the sandbox its simulator
 * from here like any vendor's.
 */
import type { VendorDescriptor } from '../descriptor';
import type { SimServer } from '../sim/server';
import { gongClientFromEnv, type GongClient } from './client';
import type { GongSimOptions, GongSimulator } from './simulator';

export const gong = {
  id: 'gong',
  displayName: 'Gong',
  needs: 'GONG_ACCESS_KEY and GONG_ACCESS_KEY_SECRET, or GONG_ACCESS_TOKEN',
  credentials: ['GONG_ACCESS_KEY', 'GONG_ACCESS_KEY_SECRET', 'GONG_ACCESS_TOKEN'],
  fromEnv: gongClientFromEnv,
  simulator: {
    key: 'gong',
    async start(options) {
      const { createGongSimulator, GONG_SIM_CREDENTIALS } = await import('./simulator');
      const simulator = createGongSimulator({ ...GONG_SIM_CREDENTIALS, ...options });
      const env = {
        GONG_BASE_URL: await simulator.start(),
        GONG_ACCESS_KEY: GONG_SIM_CREDENTIALS.accessKey,
        GONG_ACCESS_KEY_SECRET: GONG_SIM_CREDENTIALS.accessKeySecret,
      };
      return { simulator, env };
    },
    /** Calls, meetings and email activity that mention the person. */
    seedSubject(simulator, subject) {
      simulator.vendor.seedPerson({
        emails: subject.emails,
        phones: subject.phones,
        emailMessages: 3,
        calls: 2,
        meetings: 1,
      });
    },
  },
} as const satisfies VendorDescriptor<GongClient, GongSimOptions, SimServer<GongSimulator>>;
