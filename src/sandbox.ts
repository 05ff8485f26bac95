/**
 * Local stand-ins for every vendor: the simulators on loopback, plus the environment variables that
 * point this service's clients at them. `npm start` uses it for vendors without credentials; tests
 * and the benchmark use it for all of them. Which vendors exist, and how each is simulated, comes
 * from their descriptors (src/vendors/index.ts).
 */
import { loadServiceConfig, serviceEnvSchema, type ServiceConfig } from './config';
import type { SubjectIdentifiers } from './subject/identifiers';
import { credentialsSet, type SandboxOrg, type Stoppable, type VendorDescriptor } from './vendors/descriptor';
import type { GenericHttpSimulator } from './vendors/generic-http/simulator';
import { gong, httpConnectors, SIMULATED_VENDORS, VENDORS, type SandboxHttpSystem } from './vendors';

export type { SandboxHttpSystem } from './vendors';

export const SANDBOX_MAILBOXES = ['dpo@sandbox.example', 'sales@sandbox.example', 'support@sandbox.example'];
const ORG: SandboxOrg = { domain: 'sandbox.example', mailboxes: SANDBOX_MAILBOXES };

type Simulated = (typeof SIMULATED_VENDORS)[number];
type SimulatorOf<V extends Simulated> = Awaited<ReturnType<V['simulator']['start']>>['simulator'];
type OptionsOf<V extends Simulated> = NonNullable<Parameters<V['simulator']['start']>[0]>;

/** A vendor the sandbox can simulate, by its configuration id: `gong`, `hubspot`, `m365`, ... */
export type SandboxVendor = Simulated['id'];
/** Each started simulator under its vendor's key: `sandbox.hubspot`, `sandbox.graph`, ... */
export type SandboxSimulators = { [V in Simulated as V['simulator']['key']]?: SimulatorOf<V> };
/** Options for a vendor's simulator under the same key: `{ graph: { ratePerSecond: 0 } }`. */
export type SandboxSimulatorOptions = { [V in Simulated as V['simulator']['key']]?: OptionsOf<V> };

export type SandboxOptions = SandboxSimulatorOptions & {
  /** Default: Gong and the connectors of the default configuration (what a deployment with no settings needs). */
  vendors?: SandboxVendor[];
  http?: SandboxHttpSystem[];
};

/** Descriptors with their types erased, to run them in one loop (their methods accept their own types). */
type AnySimulated = VendorDescriptor<unknown, unknown, Stoppable>;

/** What a configuration uses: Gong always (the step after the connectors), then each listed vendor. */
function usedBy(config: ServiceConfig): Simulated[] {
  const listed: string[] = [...config.DSR_CRM_CONNECTORS, ...config.DSR_EMAIL_CONNECTORS];
  return [gong, ...listed.flatMap((id) => VENDORS.filter((vendor) => vendor.id === id))];
}

export type Sandbox = Awaited<ReturnType<typeof startSandbox>>;

export async function startSandbox(opts: SandboxOptions = {}) {
  const wanted = new Set<string>(opts.vendors ?? usedBy(serviceEnvSchema.parse({})).map((vendor) => vendor.id));
  const options: Record<string, unknown> = opts;
  const env: Record<string, string> = {};
  const simulators: Record<string, Stoppable> = {};
  const seeders: ((subject: SubjectIdentifiers) => void)[] = [];
  for (const vendor of SIMULATED_VENDORS as readonly AnySimulated[]) {
    if (!wanted.has(vendor.id)) continue;
    const { key } = vendor.simulator;
    const started = await vendor.simulator.start(options[key], ORG);
    simulators[key] = started.simulator;
    Object.assign(env, started.env);
    seeders.push((subject) => vendor.simulator.seedSubject(started.simulator, subject, ORG));
  }
  const http = new Map<string, GenericHttpSimulator>();
  for (const system of opts.http ?? []) {
    const started = await httpConnectors.simulator.start(system);
    Object.assign(env, started.env);
    http.set(system.name, started.simulator);
    seeders.push((subject) => httpConnectors.simulator.seedSubject(started.simulator, subject));
  }

  return {
    ...(simulators as SandboxSimulators),
    /** HTTP-connector systems by name. */
    http,
    /** Variables that point the service's clients at the simulators. */
    env,
    /** Gives the person a CRM contact, mail in every mailbox, references in Gong and records in each HTTP system. */
    seedSubject(subject: SubjectIdentifiers) {
      for (const seed of seeders) seed(subject);
    },
    async stop() {
      await Promise.all([...Object.values(simulators), ...http.values()].map((sim) => sim.stop()));
    },
  };
}

/**
 * What `npm start` simulates: Gong and each configured connector when none of its credentials is
 * set (a half-configured vendor is left to fail at start-up, naming what is missing).
 */
export function toSimulate(env: NodeJS.ProcessEnv): {
  vendors: SandboxVendor[];
  http: SandboxHttpSystem[];
  ids: string[];
} {
  const config = loadServiceConfig(env);
  const vendors = usedBy(config)
    .filter((vendor) => !credentialsSet(vendor, env))
    .map((vendor) => vendor.id);
  const http: SandboxHttpSystem[] = [];
  for (const id of [...config.DSR_CRM_CONNECTORS, ...config.DSR_EMAIL_CONNECTORS]) {
    const name = httpConnectors.nameOf(id);
    if (name && !httpConnectors.credentialsSet(name, env)) http.push({ name, mode: 'poll' });
  }
  return { vendors, http, ids: [...vendors, ...http.map((system) => httpConnectors.idOf(system.name))] };
}
