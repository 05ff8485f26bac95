/**
 * Status callbacks as an activity, so Temporal retries them durably: a receiver that is down for
 * hours still gets the event when it is back (5xx, timeouts and 429 retry with backoff, Retry-After
 * honoured); 4xx, a host and port that are not allow-listed, and headers HTTP cannot carry fail at
 * once (no retry could ever send them), and the workflow records it on the notification.
 */
import { ApplicationFailure } from '@temporalio/common';
import { FailureTypes } from '../failures';
import { Agent } from 'undici';
import { VendorHttp } from '../vendors/http';
import { ketchStatusEvent } from '../vendors/ketch/protocol';
import type { StatusCallback, StatusEvent } from '../workflows/types';
import { callbackHeaderProblems } from './headers';
import { isAllowedCallbackUrl } from './hosts';
import { SIGNATURE_HEADER, signatureHeader } from './signature';

export interface CallbackDeliveryConfig {
  /** DSR_CALLBACK_ALLOWED_HOSTS */
  allowedHosts: string[];
  /** DSR_CALLBACK_SIGNING_SECRET: signs our own callback format; receivers verify with it. */
  signingSecret?: string;
  timeoutMs?: number;
}

export function createCallbackActivities(config: CallbackDeliveryConfig) {
  const dispatcher = new Agent({ keepAliveTimeout: 10_000, connections: 8 });
  return {
    async deliverStatusCallback(callback: StatusCallback, event: StatusEvent): Promise<{ status: number }> {
      const host = safeHost(callback.url);
      if (!isAllowedCallbackUrl(callback.url, config.allowedHosts)) {
        throw ApplicationFailure.nonRetryable(
          `status callback to ${host} refused: not an https URL on a host and port in DSR_CALLBACK_ALLOWED_HOSTS`,
          FailureTypes.callbackHostNotAllowed,
        );
      }
      // Intake checks them too; this catches callbacks that reached the workflow another way.
      const headerProblems = callbackHeaderProblems(callback.headers ?? {});
      if (headerProblems.length) {
        throw ApplicationFailure.nonRetryable(
          `status callback to ${host} refused: its headers cannot be sent (${headerProblems.join('; ')})`,
          FailureTypes.callbackInvalid,
        );
      }
      const http = new VendorHttp({
        vendor: `status callback to ${host}`,
        baseUrl: new URL(callback.url).origin,
        authHeaders: () => ({}),
        dispatcher,
        timeoutMs: config.timeoutMs ?? 15_000,
      });
      const { body, headers } = format(callback, event, config.signingSecret);
      const res = await http.send({
        operation: event.event,
        method: 'POST',
        path: callback.url,
        raw: { body, contentType: 'application/json' },
        headers: { ...headers, 'x-dsr-event-id': event.eventId },
        // Ketch: "once the status is completed, cancelled or denied, no further events will be
        // accepted"; a 409 then means it already has a final status, which is what we wanted.
        passStatuses: callback.protocol === 'ketch' ? [409] : [],
      });
      return { status: res.status };
    },
  };
}

function format(
  callback: StatusCallback,
  event: StatusEvent,
  signingSecret: string | undefined,
): { body: string; headers: Record<string, string> } {
  if (callback.protocol === 'ketch') {
    if (!callback.ketch)
      throw ApplicationFailure.nonRetryable(
        'Ketch status callback without Ketch request metadata',
        FailureTypes.callbackMisconfigured,
      );
    // Ketch authenticates us by the headers it put in the request's callback entry.
    return { body: JSON.stringify(ketchStatusEvent(callback.ketch, event)), headers: { ...callback.headers } };
  }
  if (!signingSecret)
    throw ApplicationFailure.nonRetryable(
      'status callbacks need DSR_CALLBACK_SIGNING_SECRET on the worker',
      FailureTypes.callbackMisconfigured,
    );
  const body = JSON.stringify(event);
  return { body, headers: { ...callback.headers, [SIGNATURE_HEADER]: signatureHeader(signingSecret, body) } };
}

/** The host only: paths and queries of callback URLs can carry tokens. */
export function safeHost(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return '(invalid URL)';
  }
}
