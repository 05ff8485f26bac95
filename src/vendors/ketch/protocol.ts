/**
 * Ketch requests in, our request out; our status events in, Ketch events out. Values are not
 * normalised here: the caller runs them through parseErasureRequest like every other entry point.
 */
import { InvalidRequestError, parseOrInvalid } from '../../subject/request';
import type { ErasureStatusValue, IntakeRecord, StatusCallback, StatusEvent } from '../../workflows/types';
import {
  ketchDeleteRequestSchema,
  type KetchDeleteResponse,
  type KetchDeleteStatusEvent,
  type KetchError,
  type KetchMetadata,
  type KetchStatus,
} from './schemas';

export interface KetchIntake {
  /** `ketch-<uid>`: Ketch's request uid, unique per data-subject request. */
  requestId: string;
  emails: string[];
  phones: string[];
  callbacks: StatusCallback[];
  intake: IntakeRecord;
  metadata: KetchMetadata;
  /** Identities sent only as md5/sha1 hashes: nothing can be erased by them, so they are counted, not used. */
  hashedIdentitiesIgnored: number;
}

export function parseKetchDeleteRequest(
  body: unknown,
  opts: { emailSpaces: string[]; phoneSpaces: string[] },
): KetchIntake {
  const parsed = parseOrInvalid(ketchDeleteRequestSchema, body);
  const { metadata, request } = parsed;
  const raw = request.identities.filter((i) => i.identityFormat === 'raw');
  const inSpaces = (spaces: string[]) =>
    raw.filter((i) => spaces.includes(i.identitySpace)).map((i) => i.identityValue);
  const emails = [...inSpaces(opts.emailSpaces), ...(request.subject?.email ? [request.subject.email] : [])];
  const phones = inSpaces(opts.phoneSpaces);
  if (emails.length + phones.length === 0) {
    throw new InvalidRequestError([
      {
        field: 'request.identities',
        message: `no raw identity in the spaces ${[...opts.emailSpaces, ...opts.phoneSpaces].join(', ')} and no request.subject.email`,
      },
    ]);
  }
  const iso = (seconds?: number) => (seconds === undefined ? undefined : new Date(seconds * 1000).toISOString());
  const intake: IntakeRecord = { source: 'ketch' };
  if (request.regulation) intake.regulation = request.regulation.toLowerCase();
  if (request.submittedTimestamp !== undefined) intake.receivedAt = iso(request.submittedTimestamp);
  if (request.dueTimestamp !== undefined) intake.dueAt = iso(request.dueTimestamp);
  const ketch = { uid: metadata.uid, tenant: metadata.tenant };
  return {
    requestId: `ketch-${metadata.uid}`,
    emails,
    phones,
    callbacks: request.callbacks.map((c) => ({
      protocol: 'ketch',
      url: c.url,
      ...(c.headers ? { headers: c.headers } : {}),
      ketch,
    })),
    intake,
    metadata: ketch,
    hashedIdentitiesIgnored: request.identities.length - raw.length,
  };
}

/**
 * Our status as Ketch's. Ketch marks a request failed if no final status ever arrives, so anything
 * not finished is `in_progress` (an operator will act on it), and an erasure that failed or was
 * terminated is still `in_progress`: it must be re-submitted, not reported done or denied.
 */
export function ketchStatusFor({ status }: { status: ErasureStatusValue | string }): {
  status: KetchStatus;
  reason?: string;
} {
  return status === 'Completed'
    ? { status: 'completed', reason: 'executed' }
    : { status: 'in_progress', reason: 'unknown' };
}

export function ketchDeleteResponse(
  metadata: KetchMetadata,
  response: KetchDeleteResponse['response'],
): KetchDeleteResponse {
  return { apiVersion: 'dsr/v1', kind: 'DeleteResponse', metadata, response };
}

export function ketchStatusEvent(metadata: KetchMetadata, event: StatusEvent): KetchDeleteStatusEvent {
  const status =
    event.event === 'completed' ? ketchStatusFor({ status: 'Completed' }) : ketchStatusFor({ status: event.status });
  return {
    apiVersion: 'dsr/v1',
    kind: 'DeleteStatusEvent',
    metadata,
    event: { ...status, requestID: event.requestId },
  };
}

export function ketchError(
  metadata: KetchMetadata | undefined,
  code: number,
  status: string,
  message: string,
): KetchError {
  return { apiVersion: 'dsr/v1', kind: 'Error', ...(metadata ? { metadata } : {}), error: { code, status, message } };
}
