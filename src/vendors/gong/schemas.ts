/**
 * What Gong's data-privacy endpoints return, as far as we rely on it (Gong's OpenAPI v2 schemas).
 * Every field is optional in Gong's spec and Gong "may add JSON fields without notice", so objects
 * are loose and nothing is required except where a client decides otherwise (`eraseAcceptedSchema`).
 * Nulls are accepted wherever a value is optional: an absent list and a null list both mean "none".
 */
import { z } from 'zod';

/**
 * Gong ids are numeric up to 20 digits; some payloads carry them as JSON numbers. Those lose
 * precision in JSON.parse, which is harmless here: we keep counts, never ids.
 */
const gongId = z.union([z.string(), z.number()]).transform(String);
const list = <T extends z.ZodType>(item: T) => z.array(item).nullish();
const text = z.string().nullish();
/** Gong names CRM systems (`Salesforce`, `HubSpot`...); an enum would break when it adds one. */
const system = z.string().nullish();

export const baseResponseSchema = z.looseObject({ requestId: text });

/** `errors` is free text that can quote the identifier: read `requestId` from it, nothing else. */
export const errorResponseSchema = z.looseObject({ requestId: text, errors: list(z.string()) });

/** The erase endpoints' 200: without a request id there is nothing to show Gong support later. */
// Gong's request ids are short alphanumerics; they go into receipts and operator messages.
export const eraseAcceptedSchema = z.looseObject({ requestId: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/) });

export const emailMessageSchema = z.looseObject({
  id: text,
  from: text,
  sentTime: text,
  mailbox: text,
  messageHash: text,
});

export const callReferenceSchema = z.looseObject({
  id: gongId.nullish(),
  status: text,
  externalSystems: list(
    z.looseObject({ system, objects: list(z.looseObject({ objectType: text, externalId: text })) }),
  ),
});

export const meetingSchema = z.looseObject({ id: text });

export const customerDataSchema = z.looseObject({
  system,
  objects: list(
    z.looseObject({
      id: gongId.nullish(),
      objectType: text,
      externalId: text,
      mirrorId: text,
      fields: list(z.looseObject({ name: text, value: z.unknown() })),
    }),
  ),
});

export const customerEngagementSchema = z.looseObject({
  eventType: text,
  // `format: date-time` in the spec, but its example is a number.
  timestamp: z.union([z.string(), z.number()]).nullish(),
  contentId: text,
  contentUrl: text,
  reportingSystem: text,
  eventName: text,
  sourceEventId: text,
});

const referencesShape = {
  requestId: text,
  emails: list(emailMessageSchema),
  calls: list(callReferenceSchema),
  meetings: list(meetingSchema),
  customerData: list(customerDataSchema),
};

export const emailAddressReferencesSchema = z.looseObject({
  ...referencesShape,
  customerEngagement: list(customerEngagementSchema),
});

/** Has no `customerEngagement`; adds the echo of the number and the related numbers/addresses. */
export const phoneNumberReferencesSchema = z.looseObject({
  ...referencesShape,
  suppliedPhoneNumber: text,
  matchingPhoneNumbers: list(z.string()),
  emailAddresses: list(z.string()),
});

export type BaseResponse = z.output<typeof baseResponseSchema>;
export type ErrorResponse = z.output<typeof errorResponseSchema>;
export type EmailAddressReferences = z.output<typeof emailAddressReferencesSchema>;
export type PhoneNumberReferences = z.output<typeof phoneNumberReferencesSchema>;
