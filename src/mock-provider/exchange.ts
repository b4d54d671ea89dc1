/**
 * One request being answered (an Exchange) and how its response is written: the identity headers every response
 * carries, errors in OpenAI's shape, and the once-per-request bookkeeping (metrics, the in-flight count, and
 * while draining the release of idle connections).
 *
 * Standalone file of the mock provider: node built-ins only.
 */

import type * as http from 'node:http';
import { routeLabel } from './endpoints';
import { Metrics, NO_MODEL } from './metrics';
import { OpenAIErrorBody, errorBody } from './openai-shapes';

export const BACKEND_ID_HEADER = 'x-mock-backend-id';
/** The namespace of the backend's Service, from the Host header (see identity.ts); absent when the Host names none. */
export const BACKEND_NAMESPACE_HEADER = 'x-mock-backend-namespace';
export const MODEL_HEADER = 'x-mock-model';
/** Where the answer came from: synthesized | cassette | upstream | fault. */
export const SOURCE_HEADER = 'x-mock-source';
/** The cassette a response was replayed from. */
export const CASSETTE_NAME_HEADER = 'x-mock-cassette';

export const JSON_TYPE = 'application/json';
export const SSE_TYPE = 'text/event-stream; charset=utf-8';
/** Status recorded in metrics when the client went away before the response was complete (nginx's convention). */
export const CLIENT_CLOSED = 499;
const HEADER_SAFE = /^[\x20-\x7e]*$/;

type Source = 'synthesized' | 'cassette' | 'upstream' | 'fault';

/** One request being answered. */
export interface Exchange {
  readonly req: http.IncomingMessage;
  readonly res: http.ServerResponse;
  readonly start: number;
  readonly pathname: string;
  readonly backendId: string;
  readonly backendNamespace?: string;
  model: string;
  source?: Source;
  cassette?: string;
  done: boolean;
}

export type Json = Record<string, unknown>;
export const isObject = (value: unknown): value is Json => value !== null && typeof value === 'object' && !Array.isArray(value);

/** Writes responses for every answer source; one per server, since draining changes every response it writes. */
export class Responder {
  /** Set once the server drains: responses ask for `connection: close` and idle connections are released. */
  draining = false;

  constructor(
    private readonly server: http.Server,
    readonly metrics: Metrics,
  ) {}

  headers(ex: Exchange, contentType: string, length: number | undefined, extra?: Record<string, string>): http.OutgoingHttpHeaders {
    const headers: http.OutgoingHttpHeaders = { 'content-type': contentType, [BACKEND_ID_HEADER]: ex.backendId };
    if (length !== undefined) headers['content-length'] = length;
    if (ex.backendNamespace !== undefined) headers[BACKEND_NAMESPACE_HEADER] = ex.backendNamespace;
    if (ex.model !== NO_MODEL) headers[MODEL_HEADER] = HEADER_SAFE.test(ex.model) ? ex.model : encodeURIComponent(ex.model);
    if (ex.source !== undefined) headers[SOURCE_HEADER] = ex.source;
    if (ex.cassette !== undefined) headers[CASSETTE_NAME_HEADER] = ex.cassette;
    if (extra !== undefined) Object.assign(headers, extra);
    if (this.draining) headers.connection = 'close';
    return headers;
  }

  send(ex: Exchange, status: number, payload: string, contentType: string): void {
    if (ex.done) return;
    ex.res.writeHead(status, this.headers(ex, contentType, Buffer.byteLength(payload)));
    ex.res.end(ex.req.method === 'HEAD' ? undefined : payload);
    this.finish(ex, status);
  }

  sendJson(ex: Exchange, status: number, value: unknown): void {
    this.send(ex, status, JSON.stringify(value), JSON_TYPE);
  }

  error(ex: Exchange, status: number, body: OpenAIErrorBody): void {
    this.sendJson(ex, status, body);
  }

  missing(ex: Exchange, param: string, value: unknown): void {
    this.error(ex, 400, errorBody(
      value === undefined ? `Missing required parameter: '${param}'.` : `Invalid '${param}': expected a non-empty string.`,
      'invalid_request_error', param, value === undefined ? 'missing_required_parameter' : 'invalid_type',
    ));
  }

  notFound(ex: Exchange): void {
    this.error(ex, 404, errorBody(`Invalid URL (${ex.req.method} ${ex.pathname})`, 'invalid_request_error', null, 'unknown_url'));
  }

  methodNotAllowed(ex: Exchange): void {
    this.error(ex, 405, errorBody(`Method ${ex.req.method} not allowed for ${ex.pathname}`, 'invalid_request_error', null, 'method_not_allowed'));
  }

  /** Once per request: metrics, the in-flight count, and while draining the release of idle connections. */
  finish(ex: Exchange, status: number): void {
    if (ex.done) return;
    ex.done = true;
    this.metrics.inflight--;
    this.metrics.observe(routeLabel(ex.pathname), ex.model, status, (performance.now() - ex.start) / 1000);
    if (this.draining) setImmediate(() => this.server.closeIdleConnections());
  }
}
