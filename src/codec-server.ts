/** `npm run codec-server`: the codec server on its own (docker-compose runs it this way). */
import { z } from 'zod';
import { ConfigError, parseEnv } from './config';
import { blankAsUndefined } from './env';
import { EncryptionCodec } from './security/codec';
import { createCodecServer } from './security/codec-server';
import { loadSecurityConfig } from './security/keys';

const codecEnvSchema = z.object({
  DSR_CODEC_TOKENS: z.preprocess(
    blankAsUndefined,
    z.string({ error: 'is required: comma-separated tokens of 24+ characters' }).transform((s) =>
      s
        .split(',')
        .map((t) => t.trim())
        .filter(Boolean),
    ),
  ),
  DSR_CODEC_CORS_ORIGINS: z.preprocess(
    blankAsUndefined,
    z
      .string()
      .default('http://localhost:8233,http://localhost:8080')
      .transform((s) => s.split(',').map((t) => t.trim())),
  ),
  DSR_CODEC_HOST: z.preprocess(blankAsUndefined, z.string().default('127.0.0.1')),
  DSR_CODEC_PORT: z.preprocess(blankAsUndefined, z.coerce.number().int().min(1).max(65535).default(8888)),
});

async function main() {
  const env = parseEnv(codecEnvSchema);
  const codec = await EncryptionCodec.create(loadSecurityConfig().payloadKeys);
  const app = await createCodecServer({ codec, corsOrigins: env.DSR_CODEC_CORS_ORIGINS, tokens: env.DSR_CODEC_TOKENS });
  await app.listen({ host: env.DSR_CODEC_HOST, port: env.DSR_CODEC_PORT });
  console.error(`codec server listening on http://${env.DSR_CODEC_HOST}:${env.DSR_CODEC_PORT}`);
}

main().catch((err: unknown) => {
  console.error(
    err instanceof Error ? `${err instanceof ConfigError ? '' : `${err.name}: `}${err.message}` : 'codec server failed',
  );
  process.exit(1);
});
