/**
 * Codec server: lets an authorised operator read encrypted payloads in the Temporal Web UI.
 * The UI POSTs `{payloads: [{metadata, data}]}` (bytes base64) to `<endpoint>/decode` or `/encode`.
 *
 * Authentication, either:
 *   - `Authorization: Bearer <token>` (a UI with "pass access token", or any HTTP client), or
 *   - a capability URL `<origin>/t/<token>` configured as the UI's codec endpoint, for UIs that
 *     cannot send headers (the dev server's UI): whoever may open that UI may read payloads.
 * Tokens are compared as SHA-256 digests in constant time. Nothing is logged: decoded bodies are
 * exactly the personal data this service erases.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import cors from '@fastify/cors';
import type { Payload, PayloadCodec } from '@temporalio/common';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { z } from 'zod';

export interface CodecServerOptions {
  codec: PayloadCodec;
  /** Browser origins of the Web UI, e.g. http://localhost:8233. */
  corsOrigins: string[];
  /** Accepted tokens (at least 24 characters each). */
  tokens: string[];
}

const base64 = z.string().regex(/^[A-Za-z0-9+/]*={0,2}$/, 'must be base64');
const bodySchema = z.object({
  payloads: z
    .array(z.object({ metadata: z.record(z.string(), base64).optional(), data: base64.optional() }))
    .max(10_000),
});

const digest = (token: string) => createHash('sha256').update(token).digest();

function toPayload(json: z.infer<typeof bodySchema>['payloads'][number]): Payload {
  return {
    metadata: Object.fromEntries(Object.entries(json.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v, 'base64')])),
    data: Buffer.from(json.data ?? '', 'base64'),
  };
}

function toJson(payload: Payload) {
  return {
    metadata: Object.fromEntries(
      Object.entries(payload.metadata ?? {}).map(([k, v]) => [
        k,
        Buffer.from(v ?? new Uint8Array()).toString('base64'),
      ]),
    ),
    data: Buffer.from(payload.data ?? new Uint8Array()).toString('base64'),
  };
}

export async function createCodecServer(opts: CodecServerOptions): Promise<FastifyInstance> {
  if (opts.tokens.length === 0 || opts.tokens.some((t) => t.length < 24)) {
    throw new Error('codec server: configure at least one token of 24 or more characters (DSR_CODEC_TOKENS)');
  }
  const accepted = opts.tokens.map(digest);
  const authorised = (token: string | undefined) => {
    if (!token) return false;
    const d = digest(token);
    return accepted.reduce((ok, a) => timingSafeEqual(a, d) || ok, false);
  };

  const app = Fastify({ logger: false, bodyLimit: 8 * 1024 * 1024 });
  await app.register(cors, {
    origin: opts.corsOrigins,
    methods: ['POST', 'GET', 'OPTIONS'],
    allowedHeaders: ['content-type', 'x-namespace', 'authorization'],
  });

  const handle = (direction: 'encode' | 'decode') => async (req: FastifyRequest, reply: FastifyReply) => {
    const params = req.params as { token?: string };
    const bearer = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
    if (!authorised(params.token ?? bearer)) return reply.code(401).send({ error: 'unauthorized' });
    const body = bodySchema.safeParse(req.body);
    if (!body.success)
      return reply
        .code(400)
        .send({ error: `invalid body: ${body.error.issues.map((i) => i.path.join('.')).join(', ')}` });
    try {
      const payloads = body.data.payloads.map(toPayload);
      const result = direction === 'decode' ? await opts.codec.decode(payloads) : await opts.codec.encode(payloads);
      return { payloads: result.map(toJson) };
    } catch (err) {
      // Codec errors name key ids, never payload contents.
      return reply.code(400).send({ error: err instanceof Error ? err.message : 'codec failure' });
    }
  };
  for (const direction of ['encode', 'decode'] as const) {
    app.post(`/${direction}`, handle(direction));
    app.post(`/t/:token/${direction}`, handle(direction));
  }
  app.get('/health', async () => ({ ok: true }));
  return app;
}
