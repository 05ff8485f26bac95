/**
 * Identifiers of the data subject. No imports: workflow code uses this module too.
 * Values are already normalised by `erasureRequestSchema` (emails lower-cased, phones `+digits`).
 */
export type IdentifierKind = 'email' | 'phone';

export interface Identifier {
  kind: IdentifierKind;
  value: string;
}

export interface SubjectIdentifiers {
  emails: string[];
  phones: string[];
}

export function listIdentifiers(subject: SubjectIdentifiers): Identifier[] {
  return [
    ...subject.emails.map((value): Identifier => ({ kind: 'email', value })),
    ...subject.phones.map((value): Identifier => ({ kind: 'phone', value })),
  ];
}

/** An identifier in a receipt or progress report: its kind and keyed hash, never its value. */
export interface IdentifierRef {
  kind: IdentifierKind;
  ref: string;
}
