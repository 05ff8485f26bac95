/** One set of rules for connector callbacks: the workflow's validator and the intake API agree. */
import { connectorCallbackBodySchema } from '../src/intake/schemas';
import { connectorCallbackProblem } from '../src/workflows/connector-callback';
import type { ConnectorCallback } from '../src/workflows/types';

const base: ConnectorCallback = { connector: 'http:warehouse', state: 'completed' };

test.each<[string, Record<string, unknown>, string | undefined]>([
  ['a plain completion', {}, undefined],
  ['a count and a reference', { deleted: 12, reference: 'TCK-42/a.b:c_d' }, undefined],
  ['not_found', { state: 'not_found' }, undefined],
  ['an unknown state', { state: 'done' }, 'state'],
  ['a negative count', { deleted: -1 }, 'deleted'],
  ['a fractional count', { deleted: 1.5 }, 'deleted'],
  ['an absurd count', { deleted: 2e9 }, 'deleted'],
  ['free text as reference', { reference: 'deleted jane, see mail' }, 'reference'],
  ['an empty reference', { reference: '' }, 'reference'],
  ['a reference over 200 characters', { reference: 'x'.repeat(201) }, 'reference'],
  // Kept in the receipt for years, so nothing that looks personal (src/vendor-text.ts).
  ["a phone number's digits as reference", { reference: '4255552671' }, 'reference'],
  ['a phone number with separators as reference', { reference: '425-555-2671' }, 'reference'],
  ['a host name as reference', { reference: 'err400.li.wei.example.net' }, 'reference'],
  ['a reference with a phone number inside', { reference: 'TCK/4255552671' }, 'reference'],
  ['a UUID as reference', { reference: '04158213-6612-4a20-a2bd-1fa41af4d51c' }, undefined],
  ['a Salesforce id as reference', { reference: '0013000000HwUxBAAV' }, undefined],
])('%s', (_name, change, field) => {
  const callback = { ...base, ...change } as ConnectorCallback;
  expect(connectorCallbackProblem(callback)?.field).toBe(field);
  const parsed = connectorCallbackBodySchema.safeParse(callback);
  expect(parsed.success).toBe(field === undefined);
  if (!parsed.success) expect(parsed.error.issues.map((i) => i.path.join('.'))).toEqual([field]);
});
