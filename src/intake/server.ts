/**
 * The intake API: intake systems (OneTrust, Transcend, in-house portals, Ketch) and operators
 * submit, poll and steer erasures over authenticated HTTP. Fastify, one route per action, zod at
 * the boundary; the workflow does the work.
 *
 * Personal data stays out of everything this writes down: access logs name the route pattern
 * (never the URL), the caller's credential name, the status and the time taken; error answers
 * name fields, never submitted values.
 */
import { Client, WorkflowNotFoundError } from '@temporalio/client';
import rateLimit from '@fastify/rate-limit';
import Fastify, { LogController, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { isAllowedCallbackUrl } from '../callbacks/hosts';
import {
  ErasureNotFoundError,
  ErasureRefusedError,
  erasureStatus,
  NoWorkerAnsweredError,
  reportConnectorCallback,
  retryErasure,
  skipErasure,
  submitErasure,
  type ErasureStatusReport,
  type Submitted,
} from '../client/erasures';
import { InvalidRequestError, parseErasureRequest, parseOrInvalid, type ErasureRequest } from '../subject/request';
import { ketchDeleteResponse, ketchError, ketchStatusFor, parseKetchDeleteRequest } from '../vendors/ketch/protocol';
import type { IntakeRecord, StatusCallback } from '../workflows/types';
import { apiKeyVerifier, AuthError, signatureVerifier, type Principal } from './auth';
import type { IntakeConfig } from './config';
import { buildOpenApi } from './openapi';
import {
  connectorCallbackBodySchema,
  DEADLINE_DAYS,
  emptyBodySchema,
  requestIdParamSchema,
  skipBodySchema,
  submitBodySchema,
  type StatusResponse,
} from './schemas';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** How the route authenticates; every route but health and the OpenAPI document has one. */
    auth?: 'api-key' | 'signature' | 'none';
    /** Ketch's routes answer errors in Ketch's Error format. */
    format?: 'ketch';
  }
  interface FastifyRequest {
    principal?: Principal;
    rawBody?: string;
  }
}

export interface IntakeDeps {
  client: Client;
  config: IntakeConfig;
  /** The workflow task queue (DSR_TASK_QUEUE). */
  taskQueue: string;
  /** DSR_CALLBACK_ALLOWED_HOSTS: callback URLs elsewhere are refused at submission. */
  callbackAllowedHosts: string[];
  /** Where access logs go (JSON lines); stdout by default. */
  logStream?: { write(line: string): void };
  logLevel?: string;
  now?: () => number;
}

export class HttpError extends Error {
  constructor(
    public readonly statusCode: number,
    public readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export async function createIntakeServer(deps: IntakeDeps): Promise<FastifyInstance> {
  const { client, config } = deps;
  const app = Fastify({
    logger: { level: deps.logLevel ?? 'info', ...(deps.logStream ? { stream: deps.logStream } : {}) },
    logController: new LogController({ disableRequestLogging: true }), // our own access log line below, without URLs
    bodyLimit: config.DSR_INTAKE_BODY_LIMIT,
    trustProxy: false,
    routerOptions: { maxParamLength: 200 },
  });
  const verifyApiKey = apiKeyVerifier(config.DSR_INTAKE_API_KEYS);
  const verifySignature = signatureVerifier(
    config.DSR_INTAKE_WEBHOOK_SECRETS.map((s) => ({ name: s.name, secret: s.value })),
    deps.now,
  );

  // JSON only; the raw text is kept because webhook signatures are over the exact bytes.
  app.removeAllContentTypeParsers();
  const parseJson = app.getDefaultJsonParser('error', 'error');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (req, body, done) => {
    req.rawBody = body as string;
    parseJson(req, body as string, done);
  });

  app.addHook('preValidation', async (req) => {
    const auth = req.routeOptions.config.auth;
    if (auth === 'none') return;
    if (auth === 'signature') req.principal = verifySignature(header(req, 'x-dsr-signature'), req.rawBody ?? '');
    else req.principal = verifyApiKey(header(req, 'authorization'));
  });

  await app.register(rateLimit, {
    global: true,
    hook: 'preHandler', // after authentication, so the limit is per credential
    max: config.DSR_INTAKE_RATE_LIMIT,
    timeWindow: 60_000,
    keyGenerator: (req) => (req.principal ? `${req.principal.via}:${req.principal.name}` : `ip:${req.ip}`),
    errorResponseBuilder: (_req, ctx) => ({
      statusCode: 429,
      code: 'rate_limited',
      message: `more than ${ctx.max} requests per minute for this credential; retry after ${ctx.after}`,
    }),
  });

  app.addHook('onResponse', async (req, reply) => {
    req.log.info(
      {
        method: req.method,
        route: req.routeOptions.url ?? '(no route)',
        status: reply.statusCode,
        ms: Math.round(reply.elapsedTime),
        caller: req.principal?.name,
      },
      'request',
    );
  });

  app.setNotFoundHandler((req, reply) => sendError(req, reply, 404, 'not_found', 'no such route'));
  app.setErrorHandler((err: unknown, req, reply) => {
    const e = err as { statusCode?: number; code?: string; message?: string; name?: string };
    if (err instanceof InvalidRequestError)
      return sendError(req, reply, 400, 'invalid_request', 'the request is invalid; see fields', err.issues);
    if (err instanceof AuthError) return sendError(req, reply, 401, 'unauthorized', err.message);
    if (err instanceof HttpError) return sendError(req, reply, err.statusCode, err.code, err.message);
    if (err instanceof ErasureNotFoundError || err instanceof WorkflowNotFoundError)
      return sendError(req, reply, 404, 'not_found', 'no erasure with that request id');
    // Not running, or the workflow's validator said no (not waiting for an operator, no such order...): its reason is
    // ours.
    if (err instanceof ErasureRefusedError) return sendError(req, reply, 409, err.code, err.message);
    if (err instanceof NoWorkerAnsweredError) return sendError(req, reply, 503, 'unavailable', err.message);
    if (e.statusCode === 429) return sendError(req, reply, 429, 'rate_limited', e.message ?? 'rate limited');
    if (e.statusCode && e.statusCode >= 400 && e.statusCode < 500)
      return sendError(req, reply, e.statusCode, ...fastifyClientError(e.code));
    req.log.error({ errName: e.name, errCode: e.code }, 'request failed');
    const unavailable = e.name === 'ServiceError' || /UNAVAILABLE|DEADLINE_EXCEEDED/.test(String(e.code ?? ''));
    return unavailable
      ? sendError(req, reply, 503, 'unavailable', 'Temporal is not reachable; try again')
      : sendError(req, reply, 500, 'internal', 'internal error');
  });

  const statusUrl = (requestId: string) =>
    `${config.DSR_INTAKE_PUBLIC_URL?.replace(/\/$/, '') ?? ''}/v1/erasures/${encodeURIComponent(requestId)}`;
  const statusOf = async (requestId: string, detail = true) =>
    statusResponse(await erasureStatus(client, requestId, { detail }), statusUrl(requestId));

  /** Starts (or finds) the erasure; refuses an id that already names someone else. */
  async function start(request: ErasureRequest, intake: IntakeRecord, callbacks: StatusCallback[]): Promise<Submitted> {
    const submitted = await submitErasure(client, request, { taskQueue: deps.taskQueue, intake, callbacks });
    if (submitted.outcome === 'conflict') {
      throw new HttpError(
        409,
        'conflict',
        `request id ${request.requestId} already exists with different identifiers; a new request needs a new id`,
      );
    }
    return submitted;
  }

  async function submitRoute(req: FastifyRequest, reply: FastifyReply, source: IntakeRecord['source']) {
    const body = parseOrInvalid(submitBodySchema, req.body);
    if (body.callbackUrl && !isAllowedCallbackUrl(body.callbackUrl, deps.callbackAllowedHosts)) {
      throw new InvalidRequestError([
        { field: 'callbackUrl', message: 'must be an https URL on a host allowed by DSR_CALLBACK_ALLOWED_HOSTS' },
      ]);
    }
    const intake: IntakeRecord = {
      source,
      submittedBy: req.principal?.name,
      regulation: body.regulation,
      receivedAt: body.receivedAt,
      dueAt: dueAt(body.regulation, body.receivedAt),
    };
    const callbacks: StatusCallback[] = body.callbackUrl ? [{ protocol: 'dsr-erasure', url: body.callbackUrl }] : [];
    const submitted = await start(
      { requestId: body.requestId, emails: body.emails, phones: body.phones },
      prune(intake),
      callbacks,
    );
    if (submitted.outcome === 'started') {
      const url = statusUrl(body.requestId);
      const answer: StatusResponse = {
        requestId: body.requestId,
        runId: submitted.runId,
        status: 'Running',
        step: 'crm',
        statusUrl: url,
        intake: { ...prune(intake) },
      };
      return reply.code(202).header('location', url).send(answer);
    }
    // The summary (statusUrl has the details), with how the erasure was first submitted, as 202 and GET have it.
    const summary = await statusOf(body.requestId, false);
    return reply
      .code(200)
      .send({ ...summary, intake: summary.intake ?? (submitted.intake as StatusResponse['intake']) });
  }

  const idOf = (req: FastifyRequest) => parseOrInvalid(requestIdParamSchema, req.params).id;

  app.get('/healthz', { config: { auth: 'none', rateLimit: false } }, async () => ({ ok: true }));
  // Documentation, readable before a caller has a key; it holds no personal data. Rate-limited per address.
  app.get('/openapi.json', { config: { auth: 'none' } }, async () => buildOpenApi(config.DSR_INTAKE_PUBLIC_URL));

  app.post('/v1/erasures', { config: { auth: 'api-key' } }, (req, reply) => submitRoute(req, reply, 'api'));
  app.post('/v1/webhooks/erasures', { config: { auth: 'signature' } }, (req, reply) =>
    submitRoute(req, reply, 'webhook'),
  );

  app.get('/v1/erasures/:id', { config: { auth: 'api-key' } }, async (req) => statusOf(idOf(req)));

  app.post('/v1/erasures/:id/retry', { config: { auth: 'api-key' } }, async (req, reply) => {
    const id = idOf(req);
    if (req.body !== undefined && req.body !== null) parseOrInvalid(emptyBodySchema, req.body);
    await retryErasure(client, id);
    return reply.code(202).send({ requestId: id, accepted: true });
  });

  app.post('/v1/erasures/:id/skip', { config: { auth: 'api-key' } }, async (req, reply) => {
    const id = idOf(req);
    const { code, note } = parseOrInvalid(skipBodySchema, req.body ?? {});
    await skipErasure(client, id, { code, note });
    return reply.code(202).send({ requestId: id, accepted: true });
  });

  app.post('/v1/erasures/:id/connector-callback', { config: { auth: 'api-key' } }, async (req, reply) => {
    const id = idOf(req);
    const callback = parseOrInvalid(connectorCallbackBodySchema, req.body ?? {});
    await reportConnectorCallback(client, id, callback);
    return reply.code(202).send({ requestId: id, accepted: true });
  });

  // Ketch's forwarder protocol (dsr/v1): Ketch sends the Authorization header configured for the endpoint.
  app.post('/v1/ketch/dsr', { config: { auth: 'api-key', format: 'ketch' } }, async (req, reply) => {
    const ketch = parseKetchDeleteRequest(req.body, {
      emailSpaces: config.DSR_KETCH_EMAIL_SPACES,
      phoneSpaces: config.DSR_KETCH_PHONE_SPACES,
    });
    const request = parseErasureRequest({ requestId: ketch.requestId, emails: ketch.emails, phones: ketch.phones });
    const refused = ketch.callbacks.filter((c) => !isAllowedCallbackUrl(c.url, deps.callbackAllowedHosts));
    if (refused.length)
      throw new HttpError(
        400,
        'configuration',
        'a callback URL is not on a host allowed by DSR_CALLBACK_ALLOWED_HOSTS',
      );
    const submitted = await start(request, { ...ketch.intake, submittedBy: req.principal?.name }, ketch.callbacks);
    const status = submitted.outcome === 'started' ? 'Running' : (await statusOf(request.requestId, false)).status;
    return reply
      .code(200)
      .send(ketchDeleteResponse(ketch.metadata, { ...ketchStatusFor({ status }), requestID: request.requestId }));
  });

  function sendError(
    req: FastifyRequest,
    reply: FastifyReply,
    statusCode: number,
    code: string,
    message: string,
    fields?: { field: string; message: string }[],
  ) {
    if (req.routeOptions.config?.format === 'ketch') {
      const detail = fields?.length
        ? `${message}: ${fields.map((f) => `${f.field} ${f.message}`).join('; ')}`
        : message;
      return reply
        .code(statusCode)
        .send(ketchError(metadataOf(req.body), statusCode, ketchErrorStatus(statusCode, code), detail));
    }
    return reply.code(statusCode).send({ error: { code, message, ...(fields ? { fields } : {}) } });
  }

  return app;
}

/** The API's form of a status report: with the URL to poll. */
function statusResponse(report: ErasureStatusReport, statusUrl: string): StatusResponse {
  return { ...report, statusUrl } as StatusResponse;
}

function header(req: FastifyRequest, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

function dueAt(regulation: string | undefined, receivedAt: string | undefined): string | undefined {
  const days = regulation ? DEADLINE_DAYS[regulation] : undefined;
  if (!days || !receivedAt) return undefined;
  return new Date(Date.parse(receivedAt) + days * 86_400_000).toISOString();
}

function prune<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}

/** Fastify's own 4xx (body too large, wrong media type, bad JSON) with fixed messages: theirs can quote the body. */
function fastifyClientError(code: string | undefined): [string, string] {
  switch (code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return ['body_too_large', 'request body is too large'];
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return ['unsupported_media_type', 'Content-Type must be application/json'];
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return ['invalid_request', 'body must not be empty when Content-Type is application/json'];
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return ['invalid_request', 'Content-Length does not match the body'];
    default:
      return ['invalid_request', 'body is not valid JSON'];
  }
}

function ketchErrorStatus(statusCode: number, code: string): string {
  if (code === 'configuration') return 'configuration';
  if (statusCode === 401 || statusCode === 403) return 'forbidden';
  if (statusCode === 404) return 'not_found';
  if (statusCode === 409) return 'conflict';
  if (statusCode === 503 || statusCode === 429) return 'unavailable';
  if (statusCode >= 500) return 'internal';
  return 'invalid';
}

function metadataOf(body: unknown): { uid: string; tenant: string } | undefined {
  const m = (body as { metadata?: { uid?: unknown; tenant?: unknown } } | undefined)?.metadata;
  return typeof m?.uid === 'string' &&
    typeof m.tenant === 'string' &&
    /^[A-Za-z0-9-]{1,64}$/.test(m.uid) &&
    /^[A-Za-z0-9._-]{1,128}$/.test(m.tenant)
    ? { uid: m.uid, tenant: m.tenant }
    : undefined;
}
