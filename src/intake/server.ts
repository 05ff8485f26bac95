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
import rateLimit, { normalizeIP } from '@fastify/rate-limit';
import Fastify, { LogController, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import type { Socket } from 'node:net';
import { isAllowedCallbackUrl } from '../callbacks/hosts';
import {
  approveErasure,
  ErasureNotFoundError,
  ErasureRefusedError,
  type ErasureRef,
  erasureStatus,
  NoWorkerAnsweredError,
  reportConnectorCallback,
  retryErasure,
  skipErasure,
  submitErasure,
  type ErasureStatusReport,
  type Submitted,
} from '../client/erasures';
import {
  PreviewNotFoundError,
  previewStatus,
  startPreview,
  type PreviewRef,
  type PreviewStatusReport,
} from '../client/previews';
import { InvalidRequestError, parseErasureRequest, parseOrInvalid, type ErasureRequest } from '../subject/request';
import { ketchDeleteResponse, ketchError, ketchStatusFor, parseKetchDeleteRequest } from '../vendors/ketch/protocol';
import type { Preapproval } from '../workflows/approval';
import type { IntakeRecord, StatusCallback } from '../workflows/types';
import { KETCH_SOURCE } from '../temporal/names';
import { apiKeyVerifier, AuthError, hasScope, signatureVerifier, type Principal } from './auth';
import { announcesBody, AuthFailureLimiter, signatureHeaderPrecheck } from './auth-guard';
import type { IntakeConfig, Scope } from './config';
import { clientErrorHandler, errorBody, fastifyClientError, logAccess, MAX_PATH_PARAM_LENGTH } from './errors';
import { buildOpenApi } from './openapi';
import {
  approveBodySchema,
  connectorCallbackBodySchema,
  DEADLINE_DAYS,
  emptyBodySchema,
  erasureRefQuerySchema,
  previewBodySchema,
  previewRefQuerySchema,
  requestIdParamSchema,
  skipBodySchema,
  submitBodySchema,
  type PreviewResponse,
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
  /** How long `POST /v1/previews` waits for the result before answering 202 (PREVIEW_WAIT_MS). */
  previewWaitMs?: number;
}

/**
 * A preview usually finishes in seconds (one find round per system, Gong's reads through its rate-limited queue), so
 * its POST waits this long for the result; past it, the caller polls the Location. Bounded so a slow vendor or
 * stopped workers never hold a connection open for long.
 */
export const PREVIEW_WAIT_MS = 5_000;

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
  /** When each socket's current request began (connected, or its previous answer sent): `ms` for clientError. */
  const requestBegan = new WeakMap<Socket, number>();
  const app = Fastify({
    logger: { level: deps.logLevel ?? 'info', ...(deps.logStream ? { stream: deps.logStream } : {}) },
    logController: new LogController({ disableRequestLogging: true }), // our own access log line below, without URLs
    bodyLimit: config.DSR_INTAKE_BODY_LIMIT,
    trustProxy: config.DSR_INTAKE_TRUST_PROXY.length ? config.DSR_INTAKE_TRUST_PROXY : false,
    routerOptions: { maxParamLength: MAX_PATH_PARAM_LENGTH },
    // What the router refuses (bad percent-encoding, a too-long parameter) reaches no route and none of its hooks.
    frameworkErrors: (err, req, reply) => frameworkError(err, req, reply),
    // What Node's parser refuses (header overflow, not HTTP, too slow) never becomes a request.
    clientErrorHandler: clientErrorHandler((socket) => requestBegan.get(socket)),
  });
  app.server.on('connection', (socket: Socket) => requestBegan.set(socket, performance.now()));
  const verifyApiKey = apiKeyVerifier(config.DSR_INTAKE_API_KEYS);
  const verifySignature = signatureVerifier(config.DSR_INTAKE_WEBHOOK_SECRETS, deps.now);
  const precheckSignature = signatureHeaderPrecheck(config.DSR_INTAKE_WEBHOOK_SECRETS.length > 0, deps.now);
  const authFailures = new AuthFailureLimiter(config.DSR_INTAKE_AUTH_FAILURE_LIMIT, deps.now);

  /**
   * Everything about the caller that needs no body, in onRequest (before the body is read or parsed): an address
   * over its failed-authentication limit is refused before its credential is looked at; an API key is checked in
   * full; a webhook's signature header must be present, well-formed and timely. A failure counts against the
   * address, and a refused request's body is never read: the connection closes after the answer.
   */
  function authenticateEarly(req: FastifyRequest, reply: FastifyReply): void {
    const auth = req.routeOptions.config?.auth;
    if (auth === 'none') return;
    try {
      const retryAfter = authFailures.retryAfterSeconds(req.ip);
      if (retryAfter > 0) {
        reply.header('retry-after', String(retryAfter));
        throw new HttpError(
          429,
          'rate_limited',
          `too many failed authentication attempts from this address; retry after ${retryAfter} s`,
        );
      }
      if (auth === 'signature') precheckSignature(header(req, 'x-dsr-signature'));
      else req.principal = verifyApiKey(header(req, 'authorization'));
    } catch (err) {
      if (err instanceof AuthError) authFailures.recordFailure(req.ip);
      if (announcesBody(req.raw)) reply.header('connection', 'close');
      throw err;
    }
  }

  // JSON only; the raw text is kept because webhook signatures are over the exact bytes.
  app.removeAllContentTypeParsers();
  const parseJson = app.getDefaultJsonParser('error', 'error');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (req, body, done) => {
    req.rawBody = body as string;
    parseJson(req, body as string, done);
  });

  app.addHook('onRequest', async (req, reply) => authenticateEarly(req, reply));
  // A signature is over the body: checked once the body is read (its header passed authenticateEarly).
  app.addHook('preValidation', async (req) => {
    if (req.routeOptions.config.auth !== 'signature') return;
    try {
      req.principal = verifySignature(header(req, 'x-dsr-signature'), req.rawBody ?? '');
    } catch (err) {
      if (err instanceof AuthError) authFailures.recordFailure(req.ip);
      throw err;
    }
  });

  await app.register(rateLimit, {
    global: true,
    hook: 'preHandler', // after authentication, so the limit is per credential
    max: config.DSR_INTAKE_RATE_LIMIT,
    timeWindow: 60_000,
    keyGenerator: (req) => (req.principal ? `${req.principal.via}:${req.principal.name}` : `ip:${normalizeIP(req.ip)}`),
    errorResponseBuilder: (_req, ctx) => ({
      statusCode: 429,
      code: 'rate_limited',
      message: `more than ${ctx.max} requests per minute for this credential; retry after ${ctx.after}`,
    }),
  });

  app.addHook('onResponse', async (req, reply) => logAnswer(req, reply, reply.elapsedTime));
  function logAnswer(req: FastifyRequest, reply: FastifyReply, ms: number) {
    if (req.raw.socket) requestBegan.set(req.raw.socket, performance.now());
    logAccess(req.log, {
      method: req.method,
      route: req.routeOptions.url ?? '(no route)',
      status: reply.statusCode,
      ms: Math.round(ms),
      ...(req.principal ? { caller: req.principal.name } : {}),
    });
  }

  /**
   * The router's refusals (FST_ERR_BAD_URL, FST_ERR_MAX_PARAM_LENGTH) arrive here with a request that has no route,
   * no hooks and fastify's default error handler: so the credential check, the answer and the log line are ours,
   * as for an unknown route (without a valid key, 401; with one, 400).
   */
  function frameworkError(err: Error, req: FastifyRequest, reply: FastifyReply): FastifyReply {
    const began = performance.now();
    reply.raw.once('finish', () => logAnswer(req, reply, performance.now() - began));
    if (announcesBody(req.raw)) reply.header('connection', 'close'); // the body is never read
    try {
      authenticateEarly(req, reply);
    } catch (authErr) {
      return handleError(authErr, req, reply);
    }
    return handleError(err, req, reply);
  }

  app.setNotFoundHandler((req, reply) => sendError(req, reply, 404, 'not_found', 'no such route'));
  app.setErrorHandler(handleError);
  function handleError(err: unknown, req: FastifyRequest, reply: FastifyReply): FastifyReply {
    const e = err as { statusCode?: number; code?: string; message?: string; name?: string };
    if (err instanceof InvalidRequestError)
      return sendError(req, reply, 400, 'invalid_request', 'the request is invalid; see fields', err.issues);
    if (err instanceof AuthError) return sendError(req, reply, 401, 'unauthorized', err.message);
    if (err instanceof HttpError) return sendError(req, reply, err.statusCode, err.code, err.message);
    if (err instanceof ErasureNotFoundError || err instanceof WorkflowNotFoundError)
      return sendError(req, reply, 404, 'not_found', 'no erasure with that request id');
    if (err instanceof PreviewNotFoundError)
      return sendError(req, reply, 404, 'not_found', 'no preview with that request id');
    // Not running, or the workflow's validator said no (not waiting for an operator, no such order...): its reason is
    // ours.
    if (err instanceof ErasureRefusedError) return sendError(req, reply, 409, err.code, err.message);
    if (err instanceof NoWorkerAnsweredError) return sendError(req, reply, 503, 'unavailable', err.message);
    if (e.statusCode === 429) return sendError(req, reply, 429, 'rate_limited', e.message ?? 'rate limited');
    if (e.statusCode && e.statusCode >= 400 && e.statusCode < 500) {
      const answer = fastifyClientError(e.statusCode, e.code);
      return sendError(req, reply, answer.statusCode, answer.code, answer.message);
    }
    req.log.error({ errName: e.name, errCode: e.code }, 'request failed');
    const unavailable = e.name === 'ServiceError' || /UNAVAILABLE|DEADLINE_EXCEEDED/.test(String(e.code ?? ''));
    return unavailable
      ? sendError(req, reply, 503, 'unavailable', 'Temporal is not reachable; try again')
      : sendError(req, reply, 500, 'internal', 'internal error');
  }

  /** The URL the caller polls: with `?source=` / `?legacy=true` when the erasure is not in the caller's own source. */
  const statusUrl = (ref: ErasureRef, caller: Principal) => {
    const query = ref.legacy ? '?legacy=true' : ref.owner === caller.source ? '' : `?source=${ref.owner}`;
    return `${config.DSR_INTAKE_PUBLIC_URL?.replace(/\/$/, '') ?? ''}/v1/erasures/${encodeURIComponent(ref.requestId)}${query}`;
  };
  /** The same for a preview (previews have no legacy ids). */
  const previewUrl = (ref: PreviewRef, caller: Principal) => {
    const query = ref.owner === caller.source ? '' : `?source=${ref.owner}`;
    return `${config.DSR_INTAKE_PUBLIC_URL?.replace(/\/$/, '') ?? ''}/v1/previews/${encodeURIComponent(ref.requestId)}${query}`;
  };
  const statusOf = async (ref: ErasureRef, caller: Principal, detail = true) =>
    statusResponse(await erasureStatus(client, ref, { detail }), statusUrl(ref, caller));

  /** The authenticated caller, if it holds `scope`; 403 naming the scope otherwise (never the credential). */
  function authorize(req: FastifyRequest, scope: Scope | 'callback:<connector>'): Principal {
    const principal = req.principal!; // every route that calls this authenticates first (preValidation)
    const held =
      scope === 'callback:<connector>'
        ? principal.scopes.some((s) => s === 'operator' || s.startsWith('callback:'))
        : hasScope(principal, scope);
    if (!held) throw forbidden(scope);
    return principal;
  }

  /**
   * The erasure an id route addresses: in the caller's own source, unless `?source=` names another (the operator
   * scope, or `crossSource` for connector callbacks, whose systems get orders for every source) or `?legacy=true`
   * asks for one started before ids were namespaced (operator). Another source's request is otherwise simply not
   * there: its namespaced id does not exist for this caller (404).
   */
  function refOf(req: FastifyRequest, caller: Principal, crossSource = hasScope(caller, 'operator')): ErasureRef {
    const requestId = idOf(req);
    const query = parseOrInvalid(erasureRefQuerySchema, req.query ?? {});
    if (query.legacy === 'true') {
      if (!hasScope(caller, 'operator')) throw forbidden('operator', 'a legacy request id (?legacy=true)');
      return { requestId, legacy: true };
    }
    const owner = query.source ?? caller.source;
    if (owner !== caller.source && !crossSource) throw forbidden('operator', "another source's request (?source=)");
    return { owner, requestId };
  }

  /** A preview's id route: the caller's own source's, or with `?source=` another's (operator scope). */
  function previewRefOf(req: FastifyRequest, caller: Principal): PreviewRef {
    const requestId = idOf(req);
    const query = parseOrInvalid(previewRefQuerySchema, req.query ?? {});
    const owner = query.source ?? caller.source;
    if (owner !== caller.source && !hasScope(caller, 'operator'))
      throw forbidden('operator', "another source's preview (?source=)");
    return { owner, requestId };
  }

  /** Starts (or finds) the erasure; refuses an id that already names someone else. */
  async function start(
    request: ErasureRequest,
    owner: string,
    intake: IntakeRecord,
    callbacks: StatusCallback[],
    preapproval?: Preapproval,
  ): Promise<Submitted> {
    const submitted = await submitErasure(client, request, {
      taskQueue: deps.taskQueue,
      owner,
      intake,
      callbacks,
      ...(preapproval && { preapproval }),
    });
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
    const caller = authorize(req, 'submit');
    const body = parseOrInvalid(submitBodySchema, req.body);
    if (body.callbackUrl && !isAllowedCallbackUrl(body.callbackUrl, deps.callbackAllowedHosts)) {
      throw new InvalidRequestError([
        {
          field: 'callbackUrl',
          message: 'must be an https URL on a host and port allowed by DSR_CALLBACK_ALLOWED_HOSTS',
        },
      ]);
    }
    const intake: IntakeRecord = {
      source,
      submittedBy: caller.name,
      regulation: body.regulation,
      receivedAt: body.receivedAt,
      dueAt: dueAt(body.regulation, body.receivedAt),
    };
    const callbacks: StatusCallback[] = body.callbackUrl ? [{ protocol: 'dsr-erasure', url: body.callbackUrl }] : [];
    const ref: ErasureRef = { owner: caller.source, requestId: body.requestId };
    // The submitting credential approves what it pre-approved; the receipt names it.
    const preapproval = body.preapproval && { ...body.preapproval, by: caller.name };
    const submitted = await start(
      { requestId: body.requestId, emails: body.emails, phones: body.phones },
      ref.owner,
      prune(intake),
      callbacks,
      preapproval,
    );
    if (submitted.outcome === 'started') {
      const url = statusUrl(ref, caller);
      const answer: StatusResponse = {
        requestId: body.requestId,
        runId: submitted.runId,
        status: 'Running',
        step: 'crm',
        statusUrl: url,
        intake: { ...submitted.intake },
      };
      return reply.code(202).header('location', url).send(answer);
    }
    // The summary (statusUrl has the details), with how the erasure was first submitted, as 202 and GET have it.
    const summary = await statusOf(ref, caller, false);
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

  app.get('/v1/erasures/:id', { config: { auth: 'api-key' } }, async (req) => {
    const caller = authorize(req, 'read');
    return statusOf(refOf(req, caller), caller);
  });

  // Operator actions and callbacks carry the credential's name (`by`): progress and the receipt record who acted.
  app.post('/v1/erasures/:id/retry', { config: { auth: 'api-key' } }, async (req, reply) => {
    const caller = authorize(req, 'operate');
    const ref = refOf(req, caller);
    if (req.body !== undefined && req.body !== null) parseOrInvalid(emptyBodySchema, req.body);
    await retryErasure(client, ref, { by: caller.name });
    return reply.code(202).send({ requestId: ref.requestId, accepted: true });
  });

  app.post('/v1/erasures/:id/skip', { config: { auth: 'api-key' } }, async (req, reply) => {
    const caller = authorize(req, 'operate');
    const ref = refOf(req, caller);
    const { code, note } = parseOrInvalid(skipBodySchema, req.body ?? {});
    await skipErasure(client, ref, { code, note, by: caller.name });
    return reply.code(202).send({ requestId: ref.requestId, accepted: true });
  });

  app.post('/v1/erasures/:id/approve', { config: { auth: 'api-key' } }, async (req, reply) => {
    const caller = authorize(req, 'operate');
    const ref = refOf(req, caller);
    const { note } = parseOrInvalid(approveBodySchema, req.body ?? {});
    await approveErasure(client, ref, { ...(note === undefined ? {} : { note }), by: caller.name });
    return reply.code(202).send({ requestId: ref.requestId, accepted: true });
  });

  // Previews: what an erasure would find, deleting nothing. Submitters ask for them, in their own source.
  app.post('/v1/previews', { config: { auth: 'api-key' } }, async (req, reply) => {
    const caller = authorize(req, 'submit');
    const request = parseOrInvalid(previewBodySchema, req.body);
    const ref: PreviewRef = { owner: caller.source, requestId: request.requestId };
    const started = await startPreview(client, request, {
      taskQueue: deps.taskQueue,
      owner: ref.owner,
      intake: { source: 'api', submittedBy: caller.name },
    });
    if (started.outcome === 'conflict') {
      throw new HttpError(
        409,
        'conflict',
        `a preview with request id ${request.requestId} already exists with different identifiers; a new preview needs a new id`,
      );
    }
    const url = previewUrl(ref, caller);
    const report = await previewStatus(client, ref, { waitMs: deps.previewWaitMs ?? PREVIEW_WAIT_MS });
    if (report.status === 'Running') return reply.code(202).header('location', url).send(previewResponse(report, url));
    return reply.code(200).send(previewResponse(report, url));
  });

  app.get('/v1/previews/:id', { config: { auth: 'api-key' } }, async (req) => {
    const caller = authorize(req, 'read');
    const ref = previewRefOf(req, caller);
    return previewResponse(await previewStatus(client, ref), previewUrl(ref, caller));
  });

  app.post('/v1/erasures/:id/connector-callback', { config: { auth: 'api-key' } }, async (req, reply) => {
    authorize(req, 'callback:<connector>');
    const callback = parseOrInvalid(connectorCallbackBodySchema, req.body ?? {});
    // Only for the connector the credential reports for (an in-house system's key cannot settle another's order).
    const caller = authorize(req, `callback:${callback.connector}`);
    const ref = refOf(req, caller, true);
    await reportConnectorCallback(client, ref, { ...callback, by: caller.name });
    return reply.code(202).send({ requestId: ref.requestId, accepted: true });
  });

  // Ketch's forwarder protocol (dsr/v1): Ketch sends the Authorization header configured for the endpoint.
  // Its requests belong to source `ketch`: no other credential can create, see or take a Ketch request's id.
  app.post('/v1/ketch/dsr', { config: { auth: 'api-key', format: 'ketch' } }, async (req, reply) => {
    const caller = authorize(req, 'ketch');
    const ketch = parseKetchDeleteRequest(req.body, {
      emailSpaces: config.DSR_KETCH_EMAIL_SPACES,
      phoneSpaces: config.DSR_KETCH_PHONE_SPACES,
    });
    const request = parseErasureRequest({ requestId: ketch.requestId, emails: ketch.emails, phones: ketch.phones });
    const refused = ketch.callbacks.findIndex((c) => !isAllowedCallbackUrl(c.url, deps.callbackAllowedHosts));
    if (refused >= 0)
      throw new HttpError(
        400,
        'configuration',
        `request.callbacks[${refused}].url is not an https URL on a host and port allowed by DSR_CALLBACK_ALLOWED_HOSTS`,
      );
    const ref: ErasureRef = { owner: KETCH_SOURCE, requestId: request.requestId };
    const submitted = await start(request, ref.owner, { ...ketch.intake, submittedBy: caller.name }, ketch.callbacks);
    const status = submitted.outcome === 'started' ? 'Running' : (await statusOf(ref, caller, false)).status;
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
    if (req.routeOptions?.config?.format === 'ketch') {
      const detail = fields?.length
        ? `${message}: ${fields.map((f) => `${f.field} ${f.message}`).join('; ')}`
        : message;
      return reply
        .code(statusCode)
        .send(ketchError(metadataOf(req.body), statusCode, ketchErrorStatus(statusCode, code), detail));
    }
    return reply.code(statusCode).send(errorBody(code, message, fields));
  }

  return app;
}

/** 403: the message names the scope needed (and what for), never the credential or its value. */
function forbidden(scope: string, what?: string): HttpError {
  return new HttpError(
    403,
    'forbidden',
    what
      ? `${what} needs the ${scope} scope, which this credential lacks`
      : `this needs the ${scope} scope, which this credential lacks`,
  );
}

/** The API's form of a status report: with the URL to poll. */
function statusResponse(report: ErasureStatusReport, statusUrl: string): StatusResponse {
  return { ...report, statusUrl } as StatusResponse;
}

/** The API's form of a preview: its status, and once completed the result's fields beside it. */
function previewResponse({ result, ...report }: PreviewStatusReport, statusUrl: string): PreviewResponse {
  return { ...report, ...result, statusUrl };
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
