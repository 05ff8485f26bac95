/**
 * Headers a receiver asks us to send with its status callbacks (Ketch puts its own Authorization in
 * each request's callback entry). They come from whoever submitted the request, are stored with it,
 * and are sent by a worker hours or days later, so they are checked twice with this one rule: at
 * intake, where the sender can still fix them, and before each delivery, for callbacks that reached
 * a workflow another way (the client, the CLI, a history recorded before the rule).
 *
 * Refused: names that are not RFC 9110 tokens and values with control characters (HTTP cannot carry
 * them: undici throws, and a CR/LF would inject headers of the submitter's choosing); hop-by-hop
 * headers and those that frame or route the request (Host to reach another virtual host behind the
 * allow-listed one, Content-Length or Transfer-Encoding to smuggle a second request past a proxy);
 * and the headers this service sets itself (Content-Type, X-DSR-*), which a duplicate would make
 * ambiguous. No message quotes a name or value: both are input, and a value is usually a secret.
 */

/** Ketch sends one or two; a bound keeps what every stored request carries small. */
export const MAX_CALLBACK_HEADERS = 20;
export const MAX_HEADER_NAME_LENGTH = 256;
export const MAX_HEADER_VALUE_LENGTH = 4096;

// RFC 9110 section 5.6.2: token = 1*tchar.
const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
// RFC 9110 section 5.5: visible characters with spaces and tabs inside, none at either end (a
// receiver trims them, so a token with a trailing space would not match what it expects). obs-text
// (bytes 0x80-0xFF) is refused too: receivers read it as Latin-1 or UTF-8, never reliably.
const FIELD_VALUE = /^(?:[\x21-\x7e](?:[\t\x20-\x7e]*[\x21-\x7e])?)?$/;

const HOP_BY_HOP = 'hop-by-hop, the HTTP client manages the connection';
const FRAMING = 'the HTTP client sets it for the request it sends';
const OURS = 'this service sets it';

/** Lower-cased name -> how it is written in messages, and why it is refused. */
const REFUSED: ReadonlyMap<string, [name: string, why: string]> = new Map([
  ['connection', ['Connection', HOP_BY_HOP]],
  ['keep-alive', ['Keep-Alive', HOP_BY_HOP]],
  ['proxy-authenticate', ['Proxy-Authenticate', HOP_BY_HOP]],
  ['proxy-authorization', ['Proxy-Authorization', HOP_BY_HOP]],
  ['proxy-connection', ['Proxy-Connection', HOP_BY_HOP]],
  ['te', ['TE', HOP_BY_HOP]],
  ['trailer', ['Trailer', HOP_BY_HOP]],
  ['transfer-encoding', ['Transfer-Encoding', HOP_BY_HOP]],
  ['upgrade', ['Upgrade', HOP_BY_HOP]],
  ['host', ['Host', FRAMING]],
  ['content-length', ['Content-Length', FRAMING]],
  ['expect', ['Expect', FRAMING]],
  ['content-type', ['Content-Type', OURS]],
  ['content-encoding', ['Content-Encoding', OURS]],
]);

/**
 * Every problem with a callback's headers, as messages that name a header by its position (and by
 * our own spelling when it is one we refuse), never by what was sent; empty when they may be sent.
 */
export function callbackHeaderProblems(headers: unknown): string[] {
  if (typeof headers !== 'object' || headers === null || Array.isArray(headers)) {
    return ['must map header names to strings'];
  }
  const entries = Object.entries(headers);
  if (entries.length > MAX_CALLBACK_HEADERS) return [`must have at most ${MAX_CALLBACK_HEADERS} headers`];
  const problems: string[] = [];
  const seen = new Set<string>();
  entries.forEach(([name, value], index) => {
    const which = `header ${index + 1}`;
    const lower = name.toLowerCase();
    if (name.length > MAX_HEADER_NAME_LENGTH || !TOKEN.test(name)) {
      problems.push(`${which}: the name must be an RFC 9110 token (letters, digits and !#$%&'*+-.^_\`|~)`);
    } else if (REFUSED.has(lower)) {
      const [canonical, why] = REFUSED.get(lower)!;
      problems.push(`${which}: must not be ${canonical} (${why})`);
    } else if (lower.startsWith('x-dsr-')) {
      problems.push(`${which}: must not be an X-DSR-* header (this service signs and numbers its callbacks with them)`);
    } else if (seen.has(lower)) {
      problems.push(`${which}: repeats an earlier header's name (names are case-insensitive)`);
    }
    seen.add(lower);
    if (typeof value !== 'string') problems.push(`${which}: the value must be a string`);
    else if (value.length > MAX_HEADER_VALUE_LENGTH)
      problems.push(`${which}: the value must be at most ${MAX_HEADER_VALUE_LENGTH} characters`);
    else if (!FIELD_VALUE.test(value)) {
      problems.push(
        `${which}: the value must be printable ASCII, without control characters (CR, LF, NUL...) ` +
          'or spaces at either end',
      );
    }
  });
  return problems;
}
