/**
 * Intake service configuration. API keys are kept as SHA-256 hashes (`name:hex`), so the
 * configuration never holds a usable credential; webhook secrets are HMAC keys and cannot be.
 *
 *   DSR_INTAKE_API_KEYS=onetrust:5e884898da28...,ops-cli:9f86d081884c...
 *   DSR_INTAKE_WEBHOOK_SECRETS=portal:<random, 32+ characters>
 */
import { createHash } from 'node:crypto';
import { isIP } from 'node:net';
import { z } from 'zod';
import { blankAsUndefined, optionalEnv } from '../env';

const name = z.string().regex(/^[A-Za-z0-9._-]{1,64}$/, 'names are letters, digits and . _ - (at most 64)');
const entries = <T extends z.ZodType>(value: T) =>
  z
    .string()
    .default('')
    .transform((s, ctx) => {
      const out: { name: string; value: z.output<T> }[] = [];
      for (const [i, entry] of s
        .split(',')
        .map((e) => e.trim())
        .filter(Boolean)
        .entries()) {
        const at = entry.indexOf(':');
        const n = name.safeParse(entry.slice(0, at));
        const v = value.safeParse(entry.slice(at + 1));
        if (at < 1 || !n.success || !v.success) {
          // Never echo the entry: it is a secret or a hash of one.
          ctx.addIssue({
            code: 'custom',
            message: `entry ${i + 1} must be name:value (${n.success ? (v.success ? 'missing name' : (v.error.issues[0]?.message ?? 'bad value')) : 'bad name'})`,
          });
          return z.NEVER;
        }
        out.push({ name: n.data, value: v.data });
      }
      return out;
    });

const list = z.string().transform((s) =>
  s
    .split(',')
    .map((x) => x.trim())
    .filter(Boolean),
);

/** An address or CIDR block, or one of proxy-addr's names for the usual private ranges. */
const proxyAddress = z.string().refine((s) => {
  if (['loopback', 'linklocal', 'uniquelocal'].includes(s)) return true;
  const [address = '', prefix, ...rest] = s.split('/');
  const family = isIP(address);
  if (!family || rest.length) return false;
  return prefix === undefined || (/^\d{1,3}$/.test(prefix) && Number(prefix) <= (family === 4 ? 32 : 128));
}, 'entries are IP addresses or CIDR blocks (10.0.0.0/8), or loopback, linklocal, uniquelocal');

export const intakeEnvSchema = z.object({
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
  DSR_INTAKE_TRUST_PROXY: z.preprocess(blankAsUndefined, list.pipe(z.array(proxyAddress)).default([])),
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
  DSR_KETCH_EMAIL_SPACES: z.preprocess(blankAsUndefined, list.default(['email', 'email_address'])),
  DSR_KETCH_PHONE_SPACES: z.preprocess(blankAsUndefined, list.default(['phone', 'phone_number', 'mobile'])),
});

export type IntakeConfig = z.output<typeof intakeEnvSchema>;

/** What goes into DSR_INTAKE_API_KEYS for a key: `dsr-erasure api-key NAME` prints it. */
export function hashApiKey(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex');
}
