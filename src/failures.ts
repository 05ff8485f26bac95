/**
 * Every failure type this service raises, in one workflow-safe list (no imports): the HTTP layer and
 * activities throw them, the workflow's retry policies and operator messages read them.
 */
export const FailureTypes = {
  /** 429: retried, never sooner than Retry-After. */
  rateLimited: 'VendorRateLimited',
  /** 5xx, timeouts, network: retried with backoff. */
  unavailable: 'VendorUnavailable',
  /** 400/422: the vendor refused what we sent; an operator must look. */
  rejected: 'VendorRejectedRequest',
  /** 401/403 after a token refresh: credentials or permissions. */
  auth: 'VendorAuthFailed',
  /** The vendor answered something its documented contract does not allow. */
  invalidResponse: 'VendorResponseInvalid',
  /** A status the vendor does not document for this call. */
  unexpected: 'VendorUnexpectedStatus',
  /** This deployment's configuration cannot run the step (a missing connector, a wrong scope). */
  config: 'ConnectorMisconfigured',
  /** A status callback URL outside DSR_CALLBACK_ALLOWED_HOSTS. */
  callbackHostNotAllowed: 'CallbackHostNotAllowed',
  /** A status callback that cannot be sent as configured (no signing secret, no Ketch metadata). */
  callbackMisconfigured: 'CallbackMisconfigured',
  /**
   * A status callback whose own headers can never be sent (a name that is not a token, a control
   * character in a value, a header the HTTP layer or this service owns): it reached the workflow
   * without intake's check (the client, the CLI, an older history).
   */
  callbackInvalid: 'CallbackInvalid',
  /** The HTTP client refused the request as built (an invalid header or URL): no retry can send it. */
  requestInvalid: 'HttpRequestInvalid',
} as const;

export type FailureType = (typeof FailureTypes)[keyof typeof FailureTypes];

/** Failures no retry will fix: activities stop at once and the request waits for an operator. */
export const NON_RETRYABLE_FAILURE_TYPES: FailureType[] = [
  FailureTypes.rejected,
  FailureTypes.auth,
  FailureTypes.invalidResponse,
  FailureTypes.unexpected,
  FailureTypes.config,
  FailureTypes.callbackHostNotAllowed,
  FailureTypes.callbackMisconfigured,
  FailureTypes.callbackInvalid,
  FailureTypes.requestInvalid,
];
