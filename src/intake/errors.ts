/**
 * The answers the framework and Node would otherwise write themselves: a path the router cannot decode, a path
 * parameter over the router's limit, a body parser's complaint, and what Node's HTTP parser refuses before there is
 * a request at all (headers over `http.maxHeaderSize`, bytes that are not HTTP, a request that never finished
 * arriving). Each gets our Error schema with a fixed message, because theirs quote the path or the body, and each is
 * written to the access log like any other answer.
 */
import { maxHeaderSize, METHODS, STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyBaseLogger } from 'fastify';

/** Longest path parameter the router matches (fastify's maxParamLength); request ids are at most 128 characters. */
export const MAX_PATH_PARAM_LENGTH = 200;

export interface ErrorAnswer {
  statusCode: number;
  code: string;
  message: string;
}

export function errorBody(code: string, message: string, fields?: { field: string; message: string }[]) {
  return { error: { code, message, ...(fields ? { fields } : {}) } };
}

/** The access-log line every answer gets: no URL, no query, no header value; `caller` once a credential is known. */
export interface AccessLogEntry {
  method: string;
  route: string;
  status: number;
  ms: number;
  caller?: string;
}

export function logAccess(log: FastifyBaseLogger, entry: AccessLogEntry): void {
  log.info(entry, 'request');
}

/**
 * Fastify's own 4xx errors (router, body parser) with fixed messages: theirs can quote the path or the body. The
 * status is fastify's except for a too-long path parameter, which fastify answers 414: ours is 400 like an id of
 * 129 to 200 characters, so the answer does not depend on which side of the router's limit a bad id falls.
 */
export function fastifyClientError(statusCode: number, code: string | undefined): ErrorAnswer {
  const answer = (code: string, message: string, status = statusCode) => ({ statusCode: status, code, message });
  switch (code) {
    case 'FST_ERR_BAD_URL':
      return answer('invalid_request', 'the URL path is not valid (malformed percent-encoding)');
    case 'FST_ERR_MAX_PARAM_LENGTH':
      return answer('invalid_request', `a path segment is longer than ${MAX_PATH_PARAM_LENGTH} characters`, 400);
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return answer('body_too_large', 'request body is too large');
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return answer('unsupported_media_type', 'Content-Type must be application/json');
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return answer('invalid_request', 'body must not be empty when Content-Type is application/json');
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return answer('invalid_request', 'Content-Length does not match the body');
    default:
      return answer('invalid_request', 'body is not valid JSON');
  }
}

/** What Node's parser refused, as our answer; undefined when there is no one left to answer. */
export function clientErrorAnswer(err: { code?: string }): ErrorAnswer | undefined {
  switch (err.code) {
    case 'ECONNRESET':
      return undefined;
    case 'HPE_HEADER_OVERFLOW':
      return {
        statusCode: 431,
        code: 'headers_too_large',
        message: `the request line and headers exceed ${maxHeaderSize} bytes`,
      };
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return { statusCode: 408, code: 'timeout', message: 'the request did not arrive in time' };
    default:
      return { statusCode: 400, code: 'invalid_request', message: 'malformed HTTP request' };
  }
}

/**
 * Node's `clientError` event, which fastify answers with a body of its own and no log line. There is no request
 * object: the answer is written to the socket, which is then closed (as Node and fastify do). `since` says when the
 * socket's current request began (connected, or its previous answer sent), for the `ms` of the log line.
 */
export function clientErrorHandler(since: (socket: Socket) => number | undefined) {
  // Fastify calls it bound to the instance. Node passes rawPacket as a Buffer (fastify's types describe its JSON form).
  return function (
    this: { log: FastifyBaseLogger },
    err: Error & { code?: string; rawPacket?: unknown },
    socket: Socket,
  ): void {
    const answer = clientErrorAnswer(err);
    if (!answer || socket.destroyed) return;
    // As Node does: answer only when no answer to a request on this socket has begun (else the peer gets garbage).
    const inFlight = (socket as Socket & { _httpMessage?: { headersSent?: boolean } })._httpMessage;
    if (socket.writable && !inFlight?.headersSent) {
      const body = JSON.stringify(errorBody(answer.code, answer.message));
      socket.write(
        `HTTP/1.1 ${answer.statusCode} ${STATUS_CODES[answer.statusCode]}\r\n` +
          'Content-Type: application/json; charset=utf-8\r\n' +
          `Content-Length: ${Buffer.byteLength(body)}\r\n` +
          'Connection: close\r\n\r\n' +
          body,
      );
    }
    const started = since(socket);
    logAccess(this.log, {
      method: methodOf(err.rawPacket),
      route: '(no route)',
      status: answer.statusCode,
      ms: started === undefined ? 0 : Math.round(performance.now() - started),
    });
    socket.destroy(err);
  };
}

/** The method of a request Node could not parse, when its first bytes name one; never anything else from it. */
function methodOf(rawPacket: unknown): string {
  const start = Buffer.isBuffer(rawPacket) ? rawPacket.subarray(0, 24).toString('latin1') : '';
  const token = /^([A-Z-]{1,20}) /.exec(start)?.[1];
  return token && METHODS.includes(token) ? token : '-';
}
