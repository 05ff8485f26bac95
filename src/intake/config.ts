/**
 * Intake service configuration. API keys are kept as SHA-256 hashes, so the configuration never holds a usable
 * credential; webhook secrets are HMAC keys and cannot be. Each entry names a credential, and may give its scopes
 * (what it may do) and its source (whose requests it sees):
 *
 *   DSR_INTAKE_API_KEYS=onetrust:5e884898da28...,ketch:9f86d0...;scopes=ketch,ops:60303a...;scopes=operator
 *   DSR_INTAKE_WEBHOOK_SECRETS=portal:<random, 32+ characters>;scopes=submit+read
 */
import { createHash } from 'node:crypto';
import { isIP } from 'node:net';
import { z } from 'zod';
import { blankAsUndefined, envList, optionalEnv } from '../env';
import { CLI_SOURCE, KETCH_SOURCE, SOURCE_NAME } from '../temporal/names';
import { looksPersonal } from '../vendor-text';
import { HTTP_CONNECTOR_ID } from '../vendors/generic-http/names';

/**
 * What a credential may do. `submit`, `read`, `operate` (retry, skip) act on its own source's requests only;
 * `callback:<connector>` reports that HTTP connector's order results for any source's request (in-house systems get
 * orders for every source); `ketch` may use the Ketch receiver, whose requests belong to source `ketch`; `operator`
 * reads, operates and reports every callback across all sources.
 */
export type Scope = 'submit' | 'read' | 'operate' | 'ketch' | 'operator' | `callback:${string}`;
export const PLAIN_SCOPES = ['submit', 'read', 'operate', 'ketch', 'operator'] as const;
/** What a credential configured without `scopes=` may do: everything an intake system needs, on its own source. */
export const DEFAULT_SCOPES: readonly Scope[] = ['submit', 'read', 'operate'];

export function isScope(s: string): s is Scope {
  return (
    (PLAIN_SCOPES as readonly string[]).includes(s) ||
    (s.startsWith('callback:') && HTTP_CONNECTOR_ID.test(s.slice('callback:'.length)))
  );
}

/** One configured API key or webhook secret. */
export interface Credential<V = string> {
  name: string;
  /** The key's SHA-256 (hex), or the webhook secret. */
  value: V;
  scopes: Scope[];
  /** Whose requests it submits and sees; the credential's name unless configured. */
  source: string;
}

const NAME = /^[A-Za-z0-9._-]{1,64}$/;

/**
 * Comma-separated `name:value[;scopes=a+b+c][;source=s]`. A value may therefore hold neither `,` nor `;`. Errors name
 * the entry by number and the problem, never its text: it is a secret or a hash of one.
 */
const entries = <T extends z.ZodType<string>>(value: T) =>
  z
    .string()
    .default('')
    .transform((s, ctx) => {
      const out: Credential<z.output<T>>[] = [];
      const fail = (i: number, problem: string) => {
        ctx.addIssue({ code: 'custom', message: `entry ${i + 1} is invalid: ${problem}` });
        return z.NEVER;
      };
      for (const [i, entry] of s
        .split(',')
        .map((e) => e.trim())
        .filter(Boolean)
        .entries()) {
        const at = entry.indexOf(':');
        if (at < 1) return fail(i, 'must be name:value[;scopes=a+b][;source=s] (missing name)');
        const name = entry.slice(0, at);
        // The name is recorded as `by` in receipts kept for years: the workflow refuses one that looks personal.
        if (!NAME.test(name) || looksPersonal(name))
          return fail(i, 'bad name: names are letters, digits and . _ - (at most 64), not like an address or number');
        const [raw, ...options] = entry.slice(at + 1).split(';');
        const v = value.safeParse(raw);
        if (!v.success) return fail(i, v.error.issues[0]?.message ?? 'bad value');
        let scopes: Scope[] | undefined;
        let source: string | undefined;
        for (const option of options) {
          const eq = option.indexOf('=');
          const key = option.slice(0, eq).trim();
          const given = option.slice(eq + 1).trim();
          if (eq < 0 || (key !== 'scopes' && key !== 'source'))
            return fail(i, 'unknown option: after the value only ;scopes=... and ;source=... may follow');
          if ((key === 'scopes' ? scopes : source) !== undefined) return fail(i, `${key} is given twice`);
          if (key === 'source') {
            if (!SOURCE_NAME.test(given))
              return fail(i, 'bad source: sources are letters, digits and . _ - (at most 64)');
            source = given;
            continue;
          }
          const list = given.split('+').map((x) => x.trim());
          // Named by position, not quoted: a value with a stray `;` would put part of a secret here.
          const unknown = list.findIndex((x) => !isScope(x));
          if (unknown >= 0)
            return fail(
              i,
              `scope ${unknown + 1} is unknown: scopes are submit, read, operate, ketch, operator and callback:http:<name>`,
            );
          scopes = [...new Set(list)] as Scope[];
        }
        if (out.some((c) => c.name === name)) return fail(i, 'the name is already used by another entry');
        // Only the CLI and the Ketch receiver create requests in their sources (Ketch's ids are its own).
        if ((source ?? name) === CLI_SOURCE || (source ?? name) === KETCH_SOURCE)
          if ((scopes ?? DEFAULT_SCOPES).includes('submit'))
            return fail(i, `sources ${CLI_SOURCE} and ${KETCH_SOURCE} are reserved: a credential there cannot submit`);
        out.push({ name, value: v.data, scopes: scopes ?? [...DEFAULT_SCOPES], source: source ?? name });
      }
      return out;
    });

/** An address or CIDR block, or one of proxy-addr's names for the usual private ranges. */
const proxyAddress = z.string().refine((s) => {
  if (['loopback', 'linklocal', 'uniquelocal'].includes(s)) return true;
  const [address = '', prefix, ...rest] = s.split('/');
  const family = isIP(address);
  if (!family || rest.length) return false;
  return prefix === undefined || (/^\d{1,3}$/.test(prefix) && Number(prefix) <= (family === 4 ? 32 : 128));
}, 'entries are IP addresses or CIDR blocks (10.0.0.0/8), or loopback, linklocal, uniquelocal');

export const intakeEnvSchema = z
  .object({
    DSR_INTAKE_HOST: z.preprocess(blankAsUndefined, z.string().default('127.0.0.1')),
    DSR_INTAKE_PORT: z.preprocess(blankAsUndefined, z.coerce.number().int().min(0).max(65535).default(8080)),
    DSR_INTAKE_API_KEYS: entries(
      z
        .string()
        .regex(
          /^[0-9a-f]{64}$/,
          'the value must be the hex SHA-256 of the key (`npx dsr-erasure api-key NAME` prints it)',
        ),
    ),
    DSR_INTAKE_WEBHOOK_SECRETS: entries(z.string().min(32, 'webhook secrets must be at least 32 characters')),
    /** Requests per minute per API key or webhook secret. */
    DSR_INTAKE_RATE_LIMIT: z.preprocess(blankAsUndefined, z.coerce.number().int().min(1).max(100_000).default(120)),
    /** Failed authentication attempts per minute per client address before it gets 429 (auth-guard.ts). */
    DSR_INTAKE_AUTH_FAILURE_LIMIT: z.preprocess(
      blankAsUndefined,
      z.coerce.number().int().min(1).max(100_000).default(10),
    ),
    /** Proxies whose X-Forwarded-For names the client (addresses or CIDRs): the address limits are per real client. */
    DSR_INTAKE_TRUST_PROXY: z.preprocess(blankAsUndefined, envList.pipe(z.array(proxyAddress)).default([])),
    DSR_INTAKE_BODY_LIMIT: z.preprocess(
      blankAsUndefined,
      z.coerce
        .number()
        .int()
        .min(1024)
        .max(1_048_576)
        .default(64 * 1024),
    ),
    /** Base of status URLs handed back (https://dsr.example.com); relative URLs if unset. */
    DSR_INTAKE_PUBLIC_URL: optionalEnv(z.url()),
    /** Ketch identity spaces that carry an email address / a phone number. */
    DSR_KETCH_EMAIL_SPACES: z.preprocess(blankAsUndefined, envList.default(['email', 'email_address'])),
    DSR_KETCH_PHONE_SPACES: z.preprocess(blankAsUndefined, envList.default(['phone', 'phone_number', 'mobile'])),
  })
  // A name is what the audit trail and `by` record: one credential per name across both lists.
  .superRefine((config, ctx) => {
    const keys = new Set(config.DSR_INTAKE_API_KEYS.map((k) => k.name));
    for (const [i, secret] of config.DSR_INTAKE_WEBHOOK_SECRETS.entries())
      if (keys.has(secret.name))
        ctx.addIssue({
          code: 'custom',
          path: ['DSR_INTAKE_WEBHOOK_SECRETS'],
          message: `entry ${i + 1} is invalid: the name is already used by an entry of DSR_INTAKE_API_KEYS`,
        });
  });

export type IntakeConfig = z.output<typeof intakeEnvSchema>;

/** What goes into DSR_INTAKE_API_KEYS for a key: `dsr-erasure api-key NAME` prints it. */
export function hashApiKey(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex');
}
