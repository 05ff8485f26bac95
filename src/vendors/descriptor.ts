/**
 * What each vendor folder exports about itself, so the registry (src/connectors/registry.ts), the
 * sandbox (src/sandbox.ts) and `npm start` work from one list (src/vendors/index.ts) instead of
 * naming vendors themselves. Descriptors are declared `as const satisfies ConnectorVendor<...>`:
 * checked against these interfaces, yet keeping their literal ids and simulator keys, from which the
 * sandbox's typed options and fields (`sandbox.graph`) are derived.
 */
import type { ConnectorStep, ErasureConnector } from '../connectors/types';
import type { SubjectIdentifiers } from '../subject/identifiers';
import { envValue } from '../env';

/** The sandbox's organisation, shared by the simulators that need one (mailboxes to sweep). */
export interface SandboxOrg {
  domain: string;
  mailboxes: readonly string[];
}

export interface Stoppable {
  stop(): Promise<void>;
}

/**
 * A vendor's stand-in for the sandbox. Methods (not function properties) on purpose: their
 * parameters are checked bivariantly, so the sandbox can hold every vendor's simulator in one list.
 */
export interface VendorSimulator<Options, Sim extends Stoppable> {
  /** Its name on the sandbox and among startSandbox's options: `sandbox.graph`, `{ graph: {...} }`. */
  readonly key: string;
  /**
   * Starts it on loopback; `env` points this service's client at it (as credentials would).
   * Implementations import their simulator here, not at the top: workers load every descriptor
   * (through the registry) and should not load simulators they never run.
   */
  start(options: Options | undefined, org: SandboxOrg): Promise<{ simulator: Sim; env: Record<string, string> }>;
  /** Gives the person the records this vendor would hold about them. */
  seedSubject(simulator: Sim, subject: SubjectIdentifiers, org: SandboxOrg): void;
}

export interface VendorDescriptor<Client, Options, Sim extends Stoppable> {
  /** As listed in configuration (`DSR_CRM_CONNECTORS=hubspot`), and in `startSandbox({ vendors })`. */
  readonly id: string;
  readonly displayName: string;
  /** The variables that configure it, as a phrase for error messages ("X and Y"). */
  readonly needs: string;
  /**
   * Variables whose presence means the deployment configured this vendor: `npm start` simulates it
   * only when none is set, so a half-configured vendor fails at start-up instead of being replaced.
   */
  readonly credentials: readonly string[];
  /** Its client (or connector) from the environment; undefined without credentials; throws naming bad variables. */
  fromEnv(env: NodeJS.ProcessEnv): Client | undefined;
  readonly simulator: VendorSimulator<Options, Sim>;
}

/** A CRM or email system: one entry in VENDORS. */
export interface ConnectorVendor<Options = unknown, Sim extends Stoppable = Stoppable> extends VendorDescriptor<
  ErasureConnector,
  Options,
  Sim
> {
  readonly step: ConnectorStep;
}

/**
 * Whether any of its credentials is set; unset and blank (`HUBSPOT_ACCESS_TOKEN=` in a .env file) are the same thing.
 */
export function credentialsSet(vendor: { credentials: readonly string[] }, env: NodeJS.ProcessEnv): boolean {
  return vendor.credentials.some((name) => envValue(env, name) !== undefined);
}
