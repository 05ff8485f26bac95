/** The skip rule the workflow's validator, the intake API and the CLI share (src/workflows/skip-reasons.ts). */
import { describeSkip, looksPersonal, SKIP_REASON_CODES, skipRequestProblem } from '../src/workflows/skip-reasons';

test('the documented codes', () => {
  expect(SKIP_REASON_CODES).toEqual([
    'data-already-deleted',
    'no-data-held',
    'system-decommissioned',
    'vendor-support-case',
    'legal-hold',
    'other',
  ]);
});

test.each([
  'escalated to Gong support, case 1234',
  'mailbox migrated off Microsoft 365; ticket DPO-42',
  'contact removed by hand in HubSpot, ticket DPO-7',
  'mailbox export confirmed empty by IT (ticket 7)',
  'legal hold LH-2026-04 until the case closes',
  'v1.2 of the export, e.g. the Q3 batch',
])('a plain note is kept: %s', (note) => {
  expect(looksPersonal(note)).toBe(false);
  expect(skipRequestProblem({ code: 'other', note })).toBeUndefined();
});

test.each([
  'jane.doe@example.com',
  'Jane.Doe＠example.com',
  'jane.doe%40example.com',
  'jane (at) example (dot) com',
  'jane [at] example.com',
  'jane_at_example',
  'jane at example dot com',
  'li.wei.example.net',
  'err400.li.wei.example.net',
  'see example.co.uk',
  '4255552671',
  '+1 425 555 2671',
  '425-555-2671',
  '(425) 555 2671',
  '+44 20 7123 4567',
  '425.555.2671',
  '425/555/2671',
])('a personal note is refused, naming the field: %s', (note) => {
  expect(looksPersonal(note)).toBe(true);
  const problem = skipRequestProblem({ code: 'data-already-deleted', note });
  expect(problem).toEqual({ field: 'note', message: expect.stringMatching(/^must not contain/) });
  expect(JSON.stringify(problem)).not.toContain(note);
});

test.each([
  [undefined, 'request'],
  ['other', 'request'],
  [[], 'request'],
  [{}, 'code'],
  [{ code: 'Other' }, 'code'],
  [{ code: 'other' }, 'note'],
  [{ code: 'other', note: ' ' }, 'note'],
  [{ code: 'legal-hold', note: 7 }, 'note'],
  [{ code: 'legal-hold', note: 'x'.repeat(501) }, 'note'],
  [{ code: 'legal-hold', note: 'line one\nline two' }, 'note'],
  [{ reason: 'contact removed by hand' }, 'reason'],
  [{ code: 'legal-hold', reason: 'kept' }, 'reason'],
  [{ code: 'legal-hold', email: 'x' }, 'email'],
  [{ code: 'legal-hold', 'jane@example.com': 'x' }, 'request'],
])('%j is refused naming %s', (req, field) => expect(skipRequestProblem(req)?.field).toBe(field));

test('well-formed skips', () => {
  expect(skipRequestProblem({ code: 'no-data-held' })).toBeUndefined();
  expect(skipRequestProblem({ code: 'legal-hold', note: 'x'.repeat(500), by: 'ops' })).toBeUndefined();
});

test('recorded as code and trimmed note; a skip recorded before codes keeps its reason', () => {
  expect(describeSkip({ code: 'legal-hold', note: '  LH-4 ' })).toEqual({ reason: 'legal-hold', note: 'LH-4' });
  expect(describeSkip({ code: 'no-data-held', note: ' ' })).toEqual({ reason: 'no-data-held' });
  expect(describeSkip({ reason: ' contact removed by hand ' })).toEqual({ reason: 'contact removed by hand' });
});
