/**
 * `dsr-erasure import FILE.csv`: one erasure per CSV row, safe to re-run.
 *
 * Every row is validated before anything starts; valid rows are then started at a bounded rate
 * through submitErasure, which is idempotent by request id. Each row ends up started, already
 * present (same request id, same identifiers), or rejected (invalid, repeated in the file, or a
 * request id that already names someone else). Nothing here prints: the CLI formats the summary.
 *
 * Personal data: reasons name columns and fields (`phones[1]`) and line numbers, never a cell's
 * value. csv-parse's own messages quote the input, so only its error code is kept.
 */
import { readFile } from 'node:fs/promises';
import type { Client } from '@temporalio/client';
import { CsvError, parse } from 'csv-parse/sync';
import { z } from 'zod';
import { submitErasure } from '../client/erasures';
import { CLI_SOURCE } from '../temporal/names';
import { DEADLINE_DAYS, regulationSchema } from '../intake/schemas';
import { InvalidRequestError, parseErasureRequest, requestIdSchema, type ErasureRequest } from '../subject/request';
import { Pacer } from '../vendors/gong/pacer';
import type { IntakeRecord } from '../workflows/types';

export const IMPORT_LIMITS = { defaultRate: 5, maxRate: 50, maxInFlight: 8 } as const;

export const REQUIRED_COLUMNS = ['request_id', 'emails', 'phones'] as const;
export const OPTIONAL_COLUMNS = ['regulation', 'received_at'] as const;
type Column = (typeof REQUIRED_COLUMNS)[number] | (typeof OPTIONAL_COLUMNS)[number];
const KNOWN_COLUMNS: readonly string[] = [...REQUIRED_COLUMNS, ...OPTIONAL_COLUMNS];

/** Several emails or phones in one cell. */
export const VALUE_SEPARATOR = ';';

export const CONFLICT_REASON = 'request id already exists with different identifiers';

export interface RejectedRow {
  /** 1-based line in the file where the row starts (the header is line 1). */
  line: number;
  /** Only when it is a valid request id. */
  requestId?: string;
  reasons: string[];
}

export interface ImportSummary {
  /** Data rows read (blank rows are skipped). */
  rows: number;
  /** Rows that passed validation. */
  valid: number;
  started: number;
  alreadyPresent: number;
  rejected: RejectedRow[];
  /** Validated only; nothing was started and Temporal was not contacted. */
  dryRun?: true;
  /** The file itself is unusable (malformed CSV, bad header): no row was validated or started. */
  invalidFile?: true;
  /** Rows whose start failed for a reason that is not the row's (Temporal unreachable, ...). */
  errors?: { line: number; requestId: string; error: string }[];
  /** Valid rows not tried because the import stopped after an error; re-running the file resumes. */
  notAttempted?: number;
}

export type RowOutcome = 'started' | 'exists' | 'conflict' | 'error';

export interface ImportOptions {
  taskQueue: string;
  /** Starts per second (default 5, at most 50). */
  ratePerSecond?: number;
  /** Starts in flight at once (default 8). */
  maxInFlight?: number;
  dryRun?: boolean;
  /** Called once validation is done, with the number of rows about to be started. */
  onValidated?: (info: { toStart: number; rejected: number }) => void;
  /** Called after each start attempt. */
  onRow?: (info: { line: number; outcome: RowOutcome }) => void;
}

export type ImportInput = { path: string } | { text: string | Buffer };

/** The file could not be read at all (missing, a directory, ...). */
export class ImportFileError extends Error {
  override name = 'ImportFileError';
}

/** A row after CSV parsing, before validation. */
export interface CsvRow {
  line: number;
  cells: Partial<Record<Column, string>>;
}

export type ParsedCsv = { ok: true; rows: CsvRow[] } | { ok: false; problem: RejectedRow };

/**
 * Parses the file: a header row naming the columns (any order, case-insensitive), then one row per
 * request. Handles a BOM, CRLF or LF, and quoted fields (with delimiters or line breaks inside).
 */
export function parseCsv(input: string | Buffer): ParsedCsv {
  const buf = typeof input === 'string' ? Buffer.from(input, 'utf8') : input;
  const lines = new LineIndex(buf);
  // Where each record ends, in bytes: csv-parse's own line count takes a CRLF inside quotes for two lines.
  const ends: number[] = [];
  let records: string[][];
  try {
    records = parse(buf, {
      bom: true,
      skip_empty_lines: true,
      trim: true,
      on_record: (record: string[], context) => {
        ends.push(context.bytes);
        return record;
      },
    });
  } catch (err) {
    if (!(err instanceof CsvError)) throw err;
    // The message quotes the input: keep the code, and the line where the broken record starts.
    return {
      ok: false,
      problem: {
        line: lines.lineOfRecordAt(ends.at(-1) ?? 0),
        reasons: [`malformed CSV (${err.code}); nothing was started`],
      },
    };
  }
  const [header, ...body] = records;
  if (!header)
    return {
      ok: false,
      problem: { line: 1, reasons: ['the file is empty: expected a header row with request_id, emails, phones'] },
    };

  // Case, spaces and hyphens are forgiven: `Request ID` is request_id.
  const names = header.map((h) =>
    h
      .trim()
      .toLowerCase()
      .replace(/[\s-]+/g, '_'),
  );
  const problems: string[] = [];
  const seen = new Set<string>();
  names.forEach((name, i) => {
    // A header is input too (a file without one has personal data in its first row): columns are named by position.
    if (!KNOWN_COLUMNS.includes(name)) problems.push(`column ${i + 1} is not a known column${suggestion(name)}`);
    else if (seen.has(name)) problems.push(`column ${i + 1} repeats ${name}`);
    seen.add(name);
  });
  for (const required of REQUIRED_COLUMNS) if (!seen.has(required)) problems.push(`missing column ${required}`);
  if (problems.length) {
    problems.push(
      `expected a header row with ${REQUIRED_COLUMNS.join(', ')} and optionally ${OPTIONAL_COLUMNS.join(', ')}; nothing was started`,
    );
    return { ok: false, problem: { line: 1, reasons: problems } };
  }

  const rows: CsvRow[] = [];
  body.forEach((record, i) => {
    const line = lines.lineOfRecordAt(ends[i]!); // the previous record's end: ends[0] is the header's
    if (record.every((cell) => cell.trim() === '')) return; // `,,,` rows that spreadsheets leave at the end
    const cells: CsvRow['cells'] = {};
    names.forEach((name, column) => (cells[name as Column] = record[column] ?? ''));
    rows.push({ line, cells });
  });
  return { ok: true, rows };
}

/** `phone` for phones, `requestid` for request_id: a known column this one was probably meant to be. */
function suggestion(name: string): string {
  const loose = (s: string) => s.replace(/[^a-z0-9]/g, '').replace(/s$/, '');
  const match = KNOWN_COLUMNS.find((known) => loose(known) === loose(name));
  return match ? ` (did you mean ${match}?)` : '';
}

const receivedAtSchema = z.union([z.iso.datetime({ offset: true }), z.iso.date()]);
const RECEIVED_AT_RULE =
  'must be an ISO 8601 date, or a date-time with a time zone, such as 2026-11-24 or 2026-11-24T09:00:00Z';

export interface ValidRow {
  line: number;
  request: ErasureRequest;
  intake: IntakeRecord;
}

/** Validates every row; a request id already used by an earlier row of the file is rejected. */
export function validateRows(rows: CsvRow[]): { valid: ValidRow[]; rejected: RejectedRow[] } {
  const valid: ValidRow[] = [];
  const rejected: RejectedRow[] = [];
  const firstLine = new Map<string, number>();
  for (const { line, cells } of rows) {
    const rawId = (cells.request_id ?? '').trim();
    const requestId = requestIdSchema.safeParse(rawId).success ? rawId : undefined;
    const reasons: string[] = [];
    const earlier = rawId ? firstLine.get(rawId) : undefined;
    if (earlier !== undefined) reasons.push(`request_id repeats line ${earlier}`);
    else if (rawId) firstLine.set(rawId, line);

    let request: ErasureRequest | undefined;
    try {
      request = parseErasureRequest({
        requestId: rawId,
        emails: splitCell(cells.emails),
        phones: splitCell(cells.phones),
      });
    } catch (err) {
      if (!(err instanceof InvalidRequestError)) throw err;
      reasons.push(...err.issues.map((i) => `${i.field.replace(/^requestId/, 'request_id')} ${i.message}`));
    }
    const regulation = cells.regulation?.trim().toLowerCase() || undefined;
    if (regulation !== undefined && !regulationSchema.safeParse(regulation).success)
      reasons.push('regulation must be a short lower-case code such as gdpr or ccpa');
    const receivedAt = cells.received_at?.trim() || undefined;
    if (receivedAt !== undefined && !receivedAtSchema.safeParse(receivedAt).success)
      reasons.push(`received_at ${RECEIVED_AT_RULE}`);

    if (reasons.length || !request) rejected.push({ line, ...(requestId ? { requestId } : {}), reasons });
    else valid.push({ line, request, intake: intakeRecord(regulation, receivedAt) });
  }
  return { valid, rejected };
}

function splitCell(cell: string | undefined): string[] {
  return (cell ?? '')
    .split(VALUE_SEPARATOR)
    .map((v) => v.trim())
    .filter(Boolean);
}

/** As the intake API records it: the deadline follows from the regulation and the receipt date. */
function intakeRecord(regulation: string | undefined, receivedAt: string | undefined): IntakeRecord {
  const intake: IntakeRecord = { source: 'csv-import' };
  if (regulation) intake.regulation = regulation;
  if (receivedAt) intake.receivedAt = receivedAt;
  const days = regulation ? DEADLINE_DAYS[regulation] : undefined;
  if (days && receivedAt) intake.dueAt = new Date(Date.parse(receivedAt) + days * 86_400_000).toISOString();
  return intake;
}

/**
 * Reads, validates, then starts. `client` may be a function so that a dry run, or a file with no
 * valid row, never connects.
 */
export async function importErasures(
  client: Client | (() => Promise<Client>),
  input: ImportInput,
  opts: ImportOptions,
): Promise<ImportSummary> {
  const rate = opts.ratePerSecond ?? IMPORT_LIMITS.defaultRate;
  if (!(rate > 0 && rate <= IMPORT_LIMITS.maxRate))
    throw new RangeError(`rate must be above 0 and at most ${IMPORT_LIMITS.maxRate} starts per second`);
  const parsed = parseCsv(await readInput(input));
  if (!parsed.ok)
    return { rows: 0, valid: 0, started: 0, alreadyPresent: 0, rejected: [parsed.problem], invalidFile: true };

  const { valid, rejected } = validateRows(parsed.rows);
  const summary: ImportSummary = {
    rows: parsed.rows.length,
    valid: valid.length,
    started: 0,
    alreadyPresent: 0,
    rejected,
  };
  if (opts.dryRun) return { ...summary, dryRun: true };
  opts.onValidated?.({ toStart: valid.length, rejected: rejected.length });
  if (valid.length === 0) return summary;

  const temporal = typeof client === 'function' ? await client() : client;
  const pacer = new Pacer(rate);
  const errors: NonNullable<ImportSummary['errors']> = [];
  let next = 0;
  let attempted = 0;

  const startOne = async (row: ValidRow): Promise<RowOutcome> => {
    try {
      const { outcome } = await submitErasure(temporal, row.request, {
        taskQueue: opts.taskQueue,
        owner: CLI_SOURCE,
        intake: row.intake,
      });
      return outcome;
    } catch (err) {
      errors.push({ line: row.line, requestId: row.request.requestId, error: safeMessage(err, row) });
      return 'error';
    }
  };

  const worker = async () => {
    for (;;) {
      // After an error (Temporal unreachable, most likely) stop taking rows; the in-flight ones finish.
      if (errors.length || next >= valid.length) return;
      const row = valid[next++]!;
      await pacer.wait();
      if (errors.length) return;
      attempted++;
      const outcome = await startOne(row);
      if (outcome === 'started') summary.started++;
      else if (outcome === 'exists') summary.alreadyPresent++;
      else if (outcome === 'conflict')
        rejected.push({ line: row.line, requestId: row.request.requestId, reasons: [CONFLICT_REASON] });
      opts.onRow?.({ line: row.line, outcome });
    }
  };
  await Promise.all(
    Array.from({ length: Math.min(opts.maxInFlight ?? IMPORT_LIMITS.maxInFlight, valid.length) }, worker),
  );

  rejected.sort((a, b) => a.line - b.line);
  if (errors.length) {
    errors.sort((a, b) => a.line - b.line);
    return { ...summary, errors, notAttempted: valid.length - attempted };
  }
  return summary;
}

async function readInput(input: ImportInput): Promise<string | Buffer> {
  if ('text' in input) return input.text;
  try {
    return await readFile(input.path);
  } catch (err) {
    const code = (err as { code?: string }).code ?? 'unreadable';
    throw new ImportFileError(`cannot read ${input.path} (${code})`);
  }
}

/** An error's first line, with this row's identifiers taken out should any system have quoted one. */
function safeMessage(err: unknown, row: ValidRow): string {
  let message = err instanceof Error ? `${err.name}: ${err.message.split('\n')[0]}` : 'unknown error';
  const values = [...row.request.emails, ...row.request.phones, ...row.request.phones.map((p) => p.slice(1))];
  for (const value of values)
    message = message.replace(new RegExp(value.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'), 'gi'), '[redacted]');
  return message.slice(0, 300);
}

/**
 * Line numbers from byte offsets. csv-parse's own `lines` counts a CRLF inside a quoted field
 * twice; its byte offsets are exact.
 */
class LineIndex {
  private readonly breaks: number[] = [];

  constructor(private readonly buf: Buffer) {
    for (let i = 0; i < buf.length; i++) {
      const c = buf[i];
      if (c === 0x0a || (c === 0x0d && buf[i + 1] !== 0x0a)) this.breaks.push(i);
    }
  }

  /** The line where a record starts, given where the previous one ended (blank lines in between skipped). */
  lineOfRecordAt(offset: number): number {
    let start = offset;
    while (start < this.buf.length && [0x0a, 0x0d, 0x20, 0x09].includes(this.buf[start]!)) start++;
    let lo = 0;
    let hi = this.breaks.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.breaks[mid]! < start) lo = mid + 1;
      else hi = mid;
    }
    return lo + 1;
  }
}

/** The summary for people, one line each; the first line is the tally. */
export function formatSummary(summary: ImportSummary): string[] {
  const out: string[] = [];
  if (summary.invalidFile) out.push('the file was not imported:');
  else if (summary.dryRun)
    out.push(
      `dry run: ${rows(summary.rows)}, ${summary.valid} valid, ${summary.rejected.length} rejected; nothing was started`,
    );
  else
    out.push(
      `${rows(summary.rows)}: ${summary.started} started, ${summary.alreadyPresent} already present, ${summary.rejected.length} rejected`,
    );
  for (const r of summary.rejected)
    out.push(`  line ${r.line}${r.requestId ? ` (${r.requestId})` : ''}: ${r.reasons.join('; ')}`);
  for (const e of summary.errors ?? []) out.push(`  line ${e.line} (${e.requestId}): not started: ${e.error}`);
  if (summary.errors?.length) {
    const n = summary.notAttempted ?? 0;
    out.push(
      `stopped after an error; ${n} valid ${n === 1 ? 'row was' : 'rows were'} not tried. Re-run the same file to continue: rows already started are reported as already present.`,
    );
  }
  return out;
}

const rows = (n: number) => `${n} row${n === 1 ? '' : 's'}`;
