/**
 * Ketch, for tests and demos: it forwards a DeleteRequest to our endpoint with the Authorization
 * header configured for it (as Ketch's UI does), and receives DeleteStatusEvents at its callback
 * URL, checking the header it put in the request's callback entry. Per the protocol, once a request
 * has a final status (completed, cancelled, denied) further events are refused (409 conflict).
 */
import { randomUUID } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { request } from 'undici';
import { SimServer, type SimOptions, type SimVendorContract } from '../sim/server';
import { ketchError } from './protocol';
import { ketchDeleteStatusEventSchema, type KetchDeleteStatusEvent } from './schemas';

const FINAL = new Set(['completed', 'cancelled', 'denied']);

export class KetchSimVendor implements SimVendorContract {
  readonly name = 'Ketch';
  /** Status events received, by Ketch request uid. */
  readonly events = new Map<string, KetchDeleteStatusEvent[]>();

  constructor(readonly callbackAuthorization: string) {}

  authorise(req: FastifyRequest): [number, unknown] | undefined {
    return req.headers.authorization === this.callbackAuthorization
      ? undefined
      : [401, this.errorBody(401, 'Unauthorized')];
  }

  errorBody(status: number, message: string): unknown {
    const kind =
      status === 401
        ? 'forbidden'
        : status === 409
          ? 'conflict'
          : status === 400
            ? 'invalid'
            : status >= 500
              ? 'unavailable'
              : 'invalid';
    return ketchError(undefined, status, kind, message);
  }

  receive(req: FastifyRequest, reply: FastifyReply): unknown {
    const parsed = ketchDeleteStatusEventSchema.safeParse(req.body);
    if (!parsed.success) return (reply.code(400), this.errorBody(400, 'invalid DeleteStatusEvent'));
    const event = parsed.data;
    const seen = this.events.get(event.metadata.uid) ?? [];
    if (seen.some((e) => FINAL.has(e.event.status)))
      return (reply.code(409), ketchError(event.metadata, 409, 'conflict', 'the request already has a final status'));
    this.events.set(event.metadata.uid, [...seen, event]);
    return {};
  }
}

export class KetchSimulator extends SimServer<KetchSimVendor> {
  constructor(
    readonly callbackAuthorization = `Bearer ketch-callback-${randomUUID()}`,
    options: SimOptions = {},
  ) {
    const vendor = new KetchSimVendor(callbackAuthorization);
    super(
      vendor,
      [
        {
          operation: 'delete-status-event',
          method: 'POST',
          url: '/callback/:name',
          handler: (req, reply, v) => v.receive(req, reply),
        },
      ],
      options,
    );
  }

  callbackUrl(name = 'dsr'): string {
    return `${this.url}/callback/${name}`;
  }

  events(uid: string): KetchDeleteStatusEvent[] {
    return this.vendor.events.get(uid) ?? [];
  }

  /** A realistic DeleteRequest (Delete.md) whose callback points at this simulator. */
  deleteRequest(opts: { uid?: string; email: string; phone?: string; regulation?: string; callbackName?: string }) {
    const now = Math.floor(Date.now() / 1000);
    return {
      apiVersion: 'dsr/v1',
      kind: 'DeleteRequest',
      metadata: { uid: opts.uid ?? randomUUID(), tenant: 'axonic' },
      request: {
        property: 'axonic.io',
        environment: 'production',
        regulation: opts.regulation ?? 'gdpr',
        jurisdiction: 'eugdpr',
        identities: [
          { identitySpace: 'email', identityFormat: 'raw', identityValue: opts.email },
          ...(opts.phone ? [{ identitySpace: 'phone', identityFormat: 'raw', identityValue: opts.phone }] : []),
          { identitySpace: 'account_id', identityFormat: 'raw', identityValue: '123' },
        ],
        callbacks: [
          { url: this.callbackUrl(opts.callbackName), headers: { Authorization: this.callbackAuthorization } },
        ],
        subject: {
          email: opts.email,
          firstName: 'Test',
          lastName: 'Subject',
          countryCode: 'DE',
          description: 'Delete my data',
        },
        claims: { account_id: '123' },
        submittedTimestamp: now,
        dueTimestamp: now + 30 * 86_400,
      },
    };
  }

  /** Forwards a request as Ketch does: POST with the endpoint's configured Authorization header. */
  async forward(endpointUrl: string, body: unknown, authorization: string): Promise<{ status: number; body: unknown }> {
    const res = await request(endpointUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json', authorization },
      body: JSON.stringify(body),
    });
    const text = await res.body.text();
    return { status: res.statusCode, body: text ? (JSON.parse(text) as unknown) : undefined };
  }
}
