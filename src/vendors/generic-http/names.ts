/**
 * The one rule for naming HTTP connectors: `http:<name>` in DSR_CRM_CONNECTORS or
 * DSR_EMAIL_CONNECTORS, configured by HTTP_CONNECTOR_<NAME>_URL and HTTP_CONNECTOR_<NAME>_SECRET
 * (the name upper-cased, `-` as `_`). A module without imports, so the client, the descriptor and
 * the intake's callback schema share it without an import cycle.
 */

/**
 * Lower-case so that two spellings never map to the same variables. Exported for zod schemas (and their OpenAPI
 * pattern).
 */
export const HTTP_CONNECTOR_ID = /^http:[a-z0-9][a-z0-9-]{0,40}$/;

/** How the ids read in documentation and error messages. */
export const HTTP_CONNECTOR_ID_PATTERN = 'http:<name>';

/** The name in an `http:<name>` id; undefined for any other id (or a malformed name). */
export function httpConnectorName(id: string): string | undefined {
  return HTTP_CONNECTOR_ID.test(id) ? id.slice('http:'.length) : undefined;
}

export function httpConnectorId(name: string): string {
  return `http:${name}`;
}

/** The variables that configure the HTTP connector `name`. */
export function httpConnectorEnv(name: string): { url: string; secret: string } {
  const prefix = `HTTP_CONNECTOR_${name.toUpperCase().replace(/-/g, '_')}`;
  return { url: `${prefix}_URL`, secret: `${prefix}_SECRET` };
}
