/**
 * The OpenAPI 3.1 document, generated from the same zod schemas the routes validate with
 * (zod's JSON Schema output is draft 2020-12, which OpenAPI 3.1 uses as is).
 */
import { z } from 'zod';
import { requestIdSchema } from '../subject/request';
import { SOURCE_NAME } from '../temporal/names';
import { ketchDeleteRequestSchema } from '../vendors/ketch/schemas';
import {
  acceptedResponseSchema,
  approveBodySchema,
  connectorCallbackBodySchema,
  emptyBodySchema,
  errorResponseSchema,
  previewBodySchema,
  previewResponseSchema,
  skipBodySchema,
  statusResponseSchema,
  submitBodySchema,
} from './schemas';

const ref = (id: string) => ({ $ref: `#/components/schemas/${id}` });
const json = (id: string) => ({ content: { 'application/json': { schema: ref(id) } } });
const error = (description: string) => ({ description, ...json('Error') });

/** The rejections every authenticated route can answer. */
const rejections = {
  '400': error('invalid input; `fields` names each field and what is wrong'),
  '401': error('missing or invalid credentials'),
  '403': error('the credential lacks the scope this needs; the message names the scope'),
  '413': error('body too large'),
  '415': error('Content-Type is not application/json'),
  '429': error('rate limit for this credential, or for failed authentication from this address; see Retry-After'),
  '503': error('Temporal is not reachable, or no worker took the action in time'),
};

/** The example request id names a request the fuzz test creates, so fuzzing reaches existing erasures too. */
export const EXAMPLE_REQUEST_ID = 'DSR-1042';
/**
 * OpenAPI links from each answer that names a request to the operations on it, so a client (and the fuzz test's
 * stateful phase) can follow submit → status → retry / skip / connector-callback with the id the API returned.
 */
// The request id, and its owner as `?source=`, so a link works for any caller allowed to follow it (its own source, or
// an operator's view of another).
const byRequestId = { id: '$response.body#/requestId', 'query.source': '$response.body#/intake/owner' };
const linksTo = (...operationIds: string[]) =>
  Object.fromEntries(operationIds.map((operationId) => [operationId, { operationId, parameters: byRequestId }]));
const STEER = ['retryErasure', 'skipErasure', 'reportConnectorCallback'];
/** A preview's owner is `owner` in its answers. */
const toPreview = {
  getPreview: {
    operationId: 'getPreview',
    parameters: { id: '$response.body#/requestId', 'query.source': '$response.body#/owner' },
  },
};

const idParam = {
  name: 'id',
  in: 'path',
  required: true,
  description: "The intake system's request id",
  schema: z.toJSONSchema(requestIdSchema),
  example: EXAMPLE_REQUEST_ID,
};
/** Addressing another source's request, or one from before ids were namespaced: operator scope. */
const refParams = [
  idParam,
  {
    name: 'source',
    in: 'query',
    required: false,
    description:
      "The source the request belongs to (default: the credential's own). Another source's needs the operator scope (or, for connector-callback, the connector's callback scope).",
    schema: { type: 'string', pattern: SOURCE_NAME.source },
  },
  {
    name: 'legacy',
    in: 'query',
    required: false,
    description: 'true: a request started before request ids were namespaced by source (operator scope)',
    schema: { type: 'string', enum: ['true', 'false'] },
  },
];

/** A preview's id, and its owner for an operator (previews have no legacy ids). */
const previewRefParams = [idParam, refParams[1]];

export function buildOpenApi(publicUrl?: string) {
  const components = Object.fromEntries(
    (
      [
        ['ErasureSubmission', submitBodySchema],
        ['SkipDecision', skipBodySchema],
        ['ApproveDecision', approveBodySchema],
        ['PreviewRequest', previewBodySchema],
        ['Preview', previewResponseSchema],
        ['Empty', emptyBodySchema],
        ['ConnectorCallback', connectorCallbackBodySchema],
        ['ErasureStatus', statusResponseSchema],
        ['Accepted', acceptedResponseSchema],
        ['Error', errorResponseSchema],
        ['KetchDeleteRequest', ketchDeleteRequestSchema],
      ] as const
    ).map(([id, schema]) => {
      const generated = z.toJSONSchema(schema as z.ZodType, { io: 'input', unrepresentable: 'any' }) as Record<
        string,
        unknown
      >;
      delete generated.$schema; // the document's dialect applies
      delete generated.id;
      return [id, generated];
    }),
  );
  // zod's refine (atLeastOneIdentifier) has no JSON Schema form: state it, so generated clients and the fuzz test's
  // valid submissions carry an identifier.
  const identifierNeeded = ['emails', 'phones'].map((field) => ({
    required: [field],
    properties: { [field]: { minItems: 1 } },
  }));
  components.ErasureSubmission = { ...components.ErasureSubmission, anyOf: identifierNeeded };
  components.PreviewRequest = { ...components.PreviewRequest, anyOf: identifierNeeded };
  const submission = (operationId: string, summary: string) => ({
    operationId,
    summary,
    requestBody: { required: true, ...json('ErasureSubmission') },
    responses: {
      '202': {
        description: 'started; poll the Location / statusUrl',
        ...json('ErasureStatus'),
        links: linksTo('getErasure', ...STEER),
      },
      '200': {
        description: 'a request with this id and these identifiers already exists: its status',
        ...json('ErasureStatus'),
        links: linksTo('getErasure', ...STEER),
      },
      ...rejections,
      '409': error('this request id already exists with different identifiers'),
    },
  });
  const operatorAction = (operationId: string, summary: string, body: string, required: boolean) => ({
    operationId,
    summary,
    parameters: refParams,
    requestBody: { required, ...json(body) },
    responses: {
      '202': { description: 'accepted by the erasure', ...json('Accepted'), links: linksTo('getErasure') },
      ...rejections,
      '404': error('no erasure with that request id'),
      '409': error(
        'the erasure refused: not waiting for an operator (or, for approve, nothing waits for approval), already decided, or finished',
      ),
    },
  });
  return {
    openapi: '3.1.0',
    info: {
      title: 'dsr-erasure intake API',
      version: '1.0.0',
      description:
        'Submit, poll and steer data-subject erasure requests (CRM, then email, then Gong, verified). Personal data is accepted only in request bodies and never returned.',
    },
    ...(publicUrl ? { servers: [{ url: publicUrl }] } : {}),
    security: [{ apiKey: [] }],
    paths: {
      '/v1/erasures': { post: submission('submitErasure', 'Submit an erasure request (idempotent by requestId)') },
      '/v1/webhooks/erasures': {
        post: {
          ...submission(
            'submitErasureWebhook',
            'Submit an erasure request as a signed webhook (X-DSR-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "t.body">)',
          ),
          security: [{ webhookSignature: [] }],
        },
      },
      '/v1/erasures/{id}': {
        get: {
          operationId: 'getErasure',
          summary: 'Status, current step, and the receipt when done',
          parameters: refParams,
          responses: {
            '200': {
              description: 'the status',
              ...json('ErasureStatus'),
              // Approval is asked for in the status (actionRequired.approval), so its link starts here.
              links: linksTo(...STEER, 'approveErasure'),
            },
            ...rejections,
            '404': error('no erasure with that request id'),
          },
        },
      },
      '/v1/erasures/{id}/retry': {
        post: operatorAction(
          'retryErasure',
          'Run the failed item of an erasure waiting for an operator again',
          'Empty',
          false,
        ),
      },
      '/v1/erasures/{id}/skip': {
        post: operatorAction(
          'skipErasure',
          'Skip the failed item; the receipt keeps the reason code and note',
          'SkipDecision',
          true,
        ),
      },
      '/v1/erasures/{id}/approve': {
        post: operatorAction(
          'approveErasure',
          'Delete what a find above the approval thresholds found (status ActionRequired with actionRequired.approval); the receipt records who approved',
          'ApproveDecision',
          false,
        ),
      },
      '/v1/previews': {
        post: {
          operationId: 'previewErasure',
          summary:
            'Preview an erasure: what each system would delete (counts per system, mailbox and Gong list) and which approval thresholds it would stop at; deletes nothing. Idempotent by requestId',
          requestBody: { required: true, ...json('PreviewRequest') },
          responses: {
            '200': {
              description: 'the preview is done (or had already run for this request id): its result',
              ...json('Preview'),
              links: toPreview,
            },
            '202': {
              description: 'started and still running after a short wait; poll the Location / statusUrl',
              ...json('Preview'),
              links: toPreview,
            },
            ...rejections,
            '409': error('a preview with this request id already exists with different identifiers'),
          },
        },
      },
      '/v1/previews/{id}': {
        get: {
          operationId: 'getPreview',
          summary: "A preview's status, and its result once completed",
          parameters: previewRefParams,
          responses: {
            '200': { description: 'the preview', ...json('Preview') },
            ...rejections,
            '404': error('no preview with that request id'),
          },
        },
      },
      '/v1/erasures/{id}/connector-callback': {
        post: operatorAction(
          'reportConnectorCallback',
          'An HTTP-connector system reporting that the order it accepted finished',
          'ConnectorCallback',
          true,
        ),
      },
      '/v1/ketch/dsr': {
        post: {
          operationId: 'ketchDeleteRequest',
          summary:
            "Ketch forwarder protocol (dsr/v1): DeleteRequest in, DeleteResponse out; DeleteStatusEvents go to the request's callbacks",
          requestBody: { required: true, ...json('KetchDeleteRequest') },
          responses: {
            '200': { description: 'DeleteResponse', content: { 'application/json': { schema: { type: 'object' } } } },
            default: {
              description: 'Ketch Error object',
              content: { 'application/json': { schema: { type: 'object' } } },
            },
          },
        },
      },
      '/healthz': {
        get: { summary: 'Liveness (no credentials)', security: [], responses: { '200': { description: 'up' } } },
      },
      '/openapi.json': {
        get: {
          summary: 'This document (no credentials: it holds no personal data)',
          security: [],
          responses: {
            '200': {
              description: 'the OpenAPI document',
              content: { 'application/json': { schema: { type: 'object' } } },
            },
          },
        },
      },
    },
    components: {
      schemas: components,
      securitySchemes: {
        apiKey: { type: 'http', scheme: 'bearer', description: 'An API key; the service keeps only its SHA-256' },
        webhookSignature: { type: 'apiKey', in: 'header', name: 'X-DSR-Signature' },
      },
    },
  };
}
