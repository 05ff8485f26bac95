/**
 * One rule for every environment variable we read: blank (`NAME=` or `NAME=  ` in a .env file or a
 * deployment template) means unset. Kept in a module of its own, with no imports of ours, so vendor
 * clients and service configuration can both use it without import cycles.
 */
import { z } from 'zod';

/** zod preprocess step: a blank string becomes undefined, so `.optional()` and `.default()` apply. */
export function blankAsUndefined(value: unknown): unknown {
  return typeof value === 'string' && value.trim() === '' ? undefined : value;
}

/** `schema`, optional, with a blank value read as unset. */
export function optionalEnv<S extends z.ZodType>(schema: S) {
  return z.preprocess(blankAsUndefined, schema.optional());
}

/** A variable's trimmed value, or undefined when it is unset or blank. */
export function envValue(env: Record<string, string | undefined>, name: string): string | undefined {
  const value = env[name]?.trim();
  return value ? value : undefined;
}

/**
 * The variables a failed parse of an environment schema names, each once. Messages about
 * configuration name variables only: values are secrets, or URLs that may embed credentials.
 */
export function invalidVariables(error: z.ZodError): string[] {
  return [...new Set(error.issues.map((i) => String(i.path[0])))];
}

/** A comma-separated list (`a@x.example, b@x.example,`): entries trimmed, blanks and repeats dropped. */
export function commaList(value: string | undefined): string[] {
  return [
    ...new Set(
      (value ?? '')
        .split(',')
        .map((m) => m.trim())
        .filter(Boolean),
    ),
  ];
}

/**
 * zod: a comma-separated list, entries trimmed and blanks dropped; repeats are kept, so a schema can refuse an entry
 * listed twice (the connector lists do).
 */
export const envList = z.string().transform((s) =>
  s
    .split(',')
    .map((x) => x.trim())
    .filter(Boolean),
);
