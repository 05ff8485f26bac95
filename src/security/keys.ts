/**
 * Key material, from configuration:
 *   DSR_PAYLOAD_KEYS      "newest-id:base64key,older-id:base64key,..." (AES-256: 32 bytes each).
 *                         The FIRST key encrypts; every listed key decrypts. Rotate by putting a
 *                         new key first and keeping the old ones until no history needs them.
 *   DSR_SUBJECT_HASH_KEY  base64, at least 32 bytes: the HMAC key for subject references.
 * Key ids are stored in plaintext in each payload's metadata, so they must say nothing secret.
 */
import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { parseEnv } from '../config';
import { blankAsUndefined, optionalEnv } from '../env';

export interface PayloadKey {
  id: string;
  raw: Buffer;
}

const base64 = (minBytes: number, exactBytes?: number) =>
  z
    .string()
    .trim()
    .regex(/^[A-Za-z0-9+/]+={0,2}$/, 'must be base64')
    .transform((s) => Buffer.from(s, 'base64'))
    .refine((b) => (exactBytes ? b.length === exactBytes : b.length >= minBytes), {
      message: exactBytes ? `must decode to exactly ${exactBytes} bytes` : `must decode to at least ${minBytes} bytes`,
    });

const keyIdSchema = z.string().regex(/^[A-Za-z0-9._-]{1,64}$/, 'key ids may contain only letters, digits and . _ -');

export const payloadKeysSchema = z
  .string({ error: 'is required (generate a key with: npx tsx scripts/generate-key.ts)' })
  .transform((value, ctx) => {
    const keys: PayloadKey[] = [];
    for (const [i, entry] of value
      .split(',')
      .map((e) => e.trim())
      .filter(Boolean)
      .entries()) {
      const sep = entry.indexOf(':');
      const id = keyIdSchema.safeParse(sep > 0 ? entry.slice(0, sep) : '');
      const raw = base64(32, 32).safeParse(sep > 0 ? entry.slice(sep + 1) : '');
      if (!id.success)
        ctx.addIssue({
          code: 'custom',
          message: `entry ${i + 1}: expected id:base64key; ${id.error.issues[0]?.message}`,
        });
      else if (!raw.success)
        ctx.addIssue({ code: 'custom', message: `entry ${i + 1} (${id.data}): key ${raw.error.issues[0]?.message}` });
      else if (keys.some((k) => k.id === id.data))
        ctx.addIssue({ code: 'custom', message: `key id ${id.data} is listed twice` });
      else keys.push({ id: id.data, raw: raw.data });
    }
    if (keys.length === 0) ctx.addIssue({ code: 'custom', message: 'must list at least one key' });
    return keys;
  });

export const securityEnvSchema = z.object({
  DSR_PAYLOAD_KEYS: z.preprocess(blankAsUndefined, payloadKeysSchema),
  DSR_SUBJECT_HASH_KEY: optionalEnv(base64(32)),
});

export interface SecurityConfig {
  payloadKeys: PayloadKey[];
  subjectHashKey?: Buffer;
}

export function loadSecurityConfig(env: NodeJS.ProcessEnv = process.env): SecurityConfig {
  const parsed = parseEnv(securityEnvSchema, env);
  return { payloadKeys: parsed.DSR_PAYLOAD_KEYS, subjectHashKey: parsed.DSR_SUBJECT_HASH_KEY };
}

export function generateKey(bytes = 32): string {
  return randomBytes(bytes).toString('base64');
}
