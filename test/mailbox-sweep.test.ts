/** What the Microsoft 365 and Gmail connectors share (src/vendors/mailbox-sweep.ts). */
import { ApplicationFailure } from '@temporalio/common';
import {
  configuredMailboxFailure,
  emailOf,
  mailboxOf,
  mailboxWithoutMail,
  sortedMailboxes,
} from '../src/vendors/mailbox-sweep';
import { failureOf } from './helpers/vendor';

const A = 'alice@corp.example';
const B = 'bob@corp.example';
const noMail = ApplicationFailure.create({ type: 'NoMailbox', nonRetryable: true, message: 'no mail here' });
const thrown = (fn: () => unknown) => failureOf(Promise.resolve().then(fn), [A, B]);

test('mail connectors search email identifiers, mailbox by mailbox', async () => {
  expect(emailOf('m365', { kind: 'email', value: A })).toBe(A);
  const phone = await thrown(() => emailOf('m365', { kind: 'phone', value: '+14155552671' }));
  expect(phone).toMatchObject({ type: 'ConnectorMisconfigured', nonRetryable: true });
  expect(phone.message).toBe('m365 connector searches email identifiers only, got phone');

  expect(mailboxOf('gmail', A)).toBe(A);
  expect(await thrown(() => mailboxOf('gmail', undefined))).toMatchObject({
    type: 'ConnectorMisconfigured',
    nonRetryable: true,
  });
});

test('mailboxes are listed sorted, without changing the configured list', () => {
  const configured = [B, A];
  expect(sortedMailboxes(configured)).toEqual([A, B]);
  expect(configured).toEqual([B, A]);
});

test('a mailbox without mail is noMailbox on an organisation-wide sweep, a setup error naming its entry when configured', async () => {
  expect(mailboxWithoutMail(noMail, { variable: 'M365_MAILBOXES' }, A)).toEqual({ ids: [], noMailbox: true });

  const configured = { variable: 'M365_MAILBOXES', list: [B, A] };
  const f = await thrown(() => mailboxWithoutMail(noMail, configured, A));
  expect(f).toMatchObject({ type: 'ConnectorMisconfigured', nonRetryable: true });
  expect(f.message).toBe('no mail here; mailbox: entry 2 of M365_MAILBOXES');

  // Another failure in a configured mailbox keeps its type, with the position added.
  const auth = ApplicationFailure.create({ type: 'VendorAuthFailed', nonRetryable: true, message: 'refused' });
  expect(configuredMailboxFailure(auth, configured, B, 'VendorAuthFailed')).toMatchObject({
    type: 'VendorAuthFailed',
    nonRetryable: true,
    message: 'refused; mailbox: entry 1 of M365_MAILBOXES',
  });
});
