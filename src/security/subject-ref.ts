/**
 * A stable reference to an identifier without the identifier: HMAC-SHA256 under a key of its own.
 * Receipts keep it as proof for years; with the key, an auditor can check that a given address
 * was part of a request, but nobody can read addresses back out of receipts.
 */
import { createHmac } from 'node:crypto';
import type { Identifier } from '../subject/identifiers';

export function subjectRef(key: Buffer, identifier: Identifier): string {
  return `hmac-sha256:${createHmac('sha256', key).update(`${identifier.kind}:${identifier.value}`).digest('hex')}`;
}

/**
 * A mailbox (an employee's address) as progress and receipts name it: keyed like subject refs,
 * under a label of its own so a mailbox ref never equals the ref of the same address as a subject.
 */
export function mailboxRef(key: Buffer, mailbox: string): string {
  return `mailbox:${createHmac('sha256', key).update(`mailbox:${mailbox.toLowerCase()}`).digest('hex').slice(0, 16)}`;
}
