/**
 * Record mode: forwarding a request to a real OpenAI-compatible upstream (global fetch) and turning the
 * exchange into a cassette with every secret redacted. The upstream key goes into the Authorization header of
 * the upstream request and nowhere else.
 *
 * Standalone file of the mock provider: node built-ins only.
 */

import type { IncomingHttpHeaders } from 'node:http';
import { Cassette, redactHeaders, redactValue } from './cassettes';

/** How long an upstream call may take (long completions stream for minutes). */
export const UPSTREAM_TIMEOUT_MS = 300_000;

/** Request headers passed upstream; the client's own credentials never are. */
const FORWARDED_HEADERS = ['content-type', 'accept', 'openai-beta'];
/** Request headers not worth keeping in a cassette (transport details and SDK telemetry). */
const UNRECORDED_HEADER = /^(host|connection|keep-alive|content-length|transfer-encoding|accept-encoding|x-stainless-.*|x-mock-.*|traceparent|tracestate)$/;
/** Response headers kept in a cassette. */
const RECORDED_RESPONSE_HEADERS = ['content-type'];

/** The upstream URL for a request path; a base ending in /v1 is not doubled: `…/v1` + `/v1/models` → `…/v1/models`. */
export function upstreamUrl(base: URL, requestPath: string): string {
  const basePath = base.pathname.replace(/\/+$/, '');
  const pathPart = basePath.endsWith('/v1') && (requestPath === '/v1' || requestPath.startsWith('/v1/') || requestPath.startsWith('/v1?'))
    ? requestPath.slice(3)
    : requestPath;
  return `${base.origin}${basePath}${pathPart}`;
}

export interface UpstreamRequest {
  readonly method: string;
  /** Path and query as received. */
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
  readonly body?: Buffer;
}

/** Calls the upstream with the key as a Bearer token and the client's content headers. */
export function callUpstream(base: URL, apiKey: string | undefined, request: UpstreamRequest): Promise<Response> {
  const headers: Record<string, string> = { 'accept-encoding': 'identity' };
  for (const name of FORWARDED_HEADERS) {
    const value = request.headers[name];
    if (typeof value === 'string') headers[name] = value;
  }
  if (apiKey) headers.authorization = `Bearer ${apiKey}`;
  return fetch(upstreamUrl(base, request.path), {
    method: request.method,
    headers,
    body: request.body && request.body.length > 0 ? request.body : undefined,
    signal: AbortSignal.timeout(UPSTREAM_TIMEOUT_MS),
    redirect: 'manual',
  });
}

/** The `data:` payloads of a server-sent event stream, parsed as JSON where they are JSON ("[DONE]" stays text). */
export function parseSseData(text: string): unknown[] {
  const payloads: unknown[] = [];
  for (const event of text.split(/\r?\n\r?\n/)) {
    const data = event
      .split(/\r?\n/)
      .filter((line) => line.startsWith('data:'))
      .map((line) => line.slice(line.startsWith('data: ') ? 6 : 5))
      .join('\n');
    if (data === '' && !event.includes('data:')) continue;
    payloads.push(parseJsonOrText(data));
  }
  return payloads;
}

export function parseJsonOrText(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** The string values of the client's credential headers, so they are redacted wherever else they appear. */
export function clientSecrets(headers: IncomingHttpHeaders): string[] {
  const secrets: string[] = [];
  for (const name of ['authorization', 'api-key', 'x-api-key', 'proxy-authorization']) {
    const value = headers[name];
    if (typeof value !== 'string') continue;
    secrets.push(value);
    const space = value.indexOf(' ');
    if (space !== -1) secrets.push(value.slice(space + 1));
  }
  return secrets;
}

export interface RecordedResponse {
  readonly status: number;
  readonly headers: Headers;
  /** Parsed JSON, or text when not JSON; absent for streams. */
  readonly body?: unknown;
  /** The SSE payloads of a streamed response. */
  readonly chunks?: unknown[];
}

/** A cassette of one exchange, redacted: secret headers, key-like strings and the given literal secrets. */
export function cassetteOf(
  name: string,
  request: UpstreamRequest,
  requestBody: unknown,
  response: RecordedResponse,
  secrets: readonly string[],
  now: Date = new Date(),
): Cassette {
  const requestHeaders: Record<string, string> = {};
  for (const [headerName, value] of Object.entries(request.headers)) {
    if (value === undefined || UNRECORDED_HEADER.test(headerName)) continue;
    requestHeaders[headerName] = Array.isArray(value) ? value.join(', ') : value;
  }
  const responseHeaders: Record<string, string> = {};
  for (const headerName of RECORDED_RESPONSE_HEADERS) {
    const value = response.headers.get(headerName);
    if (value !== null) responseHeaders[headerName] = value;
  }
  const cassette: Cassette = {
    name,
    recordedAt: now.toISOString(),
    request: {
      method: request.method,
      path: request.path,
      headers: redactHeaders(requestHeaders, secrets),
      ...(requestBody === undefined ? {} : { body: redactValue(requestBody, secrets) }),
    },
    response: {
      status: response.status,
      headers: redactHeaders(responseHeaders, secrets),
      ...(response.chunks !== undefined
        ? { chunks: redactValue(response.chunks, secrets) as unknown[] }
        : { body: redactValue(response.body, secrets) }),
    },
  };
  return cassette;
}
