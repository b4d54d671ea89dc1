/**
 * The HTTP server of the mock provider: routing, body limits, identity headers, faults, cassette replay,
 * record mode, synthesized answers, metrics and draining. Kept allocation-light on the non-streaming chat path
 * (the benchmark's hot path): no per-request regex compilation, no logging, no listeners beyond Node's own.
 *
 * Standalone file of the mock provider: node built-ins only.
 */

import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { CASSETTE_HEADER, Cassette, CassetteStore, defaultCassetteName, isValidCassetteName } from './cassettes';
import { ResolvedMockOptions, redactUrl } from './config';
import {
  FaultSettings,
  Rng,
  drawDelay,
  drawError,
  isFaultHeaderProblem,
  mulberry32,
  requestFaults,
} from './faults';
import { cachedBackendIdResolver } from './identity';
import { METRICS_CONTENT_TYPE, Metrics, NO_MODEL } from './metrics';
import {
  DEFAULT_EMBEDDING_DIMENSIONS,
  FinishReason,
  MAX_EMBEDDING_DIMENSIONS,
  OpenAIErrorBody,
  Usage,
  chatChunk,
  chatCompletionJson,
  embeddingList,
  embeddingVector,
  errorBody,
  estimateTokens,
  faultError,
  float32Base64,
  modelList,
  modelObject,
  promptLength,
  streamTokens,
  synthesizedAnswer,
  tokensForLength,
  usageChunk,
  usageOf,
} from './openai-shapes';
import { RecordedResponse, callUpstream, cassetteOf, clientSecrets, parseJsonOrText, parseSseData } from './upstream';

export const BACKEND_ID_HEADER = 'x-mock-backend-id';
export const MODEL_HEADER = 'x-mock-model';
/** Where the answer came from: synthesized | cassette | upstream | fault. */
export const SOURCE_HEADER = 'x-mock-source';
/** The cassette a response was replayed from. */
export const CASSETTE_NAME_HEADER = 'x-mock-cassette';

const PATH_CHAT = '/v1/chat/completions';
const PATH_EMBEDDINGS = '/v1/embeddings';
const PATH_MODELS = '/v1/models';
const PATH_MODEL_PREFIX = '/v1/models/';
const PATH_HEALTH = '/healthz';
const PATH_METRICS = '/metrics';
/** Status recorded in metrics when the client went away before the response was complete (nginx's convention). */
const CLIENT_CLOSED = 499;

const JSON_TYPE = 'application/json';
const SSE_TYPE = 'text/event-stream; charset=utf-8';
const HEALTH_BODY = '{"status":"ok"}';
const HEADER_SAFE = /^[\x20-\x7e]*$/;

type Source = 'synthesized' | 'cassette' | 'upstream' | 'fault';

/** One request being answered. */
interface Exchange {
  readonly req: http.IncomingMessage;
  readonly res: http.ServerResponse;
  readonly start: number;
  readonly pathname: string;
  readonly backendId: string;
  model: string;
  source?: Source;
  cassette?: string;
  done: boolean;
}

type Json = Record<string, unknown>;
/** A synthesized answer: its text and its stream tokens (one per word). */
interface Answer {
  readonly content: string;
  readonly tokens: readonly string[];
}
const ANSWER_CACHE_LIMIT = 100_000;
const isObject = (value: unknown): value is Json => value !== null && typeof value === 'object' && !Array.isArray(value);

/** The metrics `path` label: known routes verbatim, everything else one value (bounded cardinality). */
function routeLabel(pathname: string): string {
  switch (pathname) {
    case PATH_CHAT:
    case PATH_EMBEDDINGS:
    case PATH_MODELS:
    case PATH_HEALTH:
    case PATH_METRICS:
      return pathname;
    default:
      return pathname.startsWith(PATH_MODEL_PREFIX) ? '/v1/models/{id}' : 'other';
  }
}

function isJsonContentType(value: string | undefined): boolean {
  if (value === undefined) return false;
  if (value === JSON_TYPE) return true;
  const semicolon = value.indexOf(';');
  const mediaType = (semicolon === -1 ? value : value.slice(0, semicolon)).trim().toLowerCase();
  return mediaType === JSON_TYPE || (mediaType.startsWith('application/') && mediaType.endsWith('+json'));
}

/** The handle startMockProvider returns. */
export interface MockProvider {
  /** Base URL, e.g. http://127.0.0.1:40123 (an OpenAI client's baseURL is this plus /v1). */
  readonly url: string;
  readonly port: number;
  readonly host: string;
  /** Stops accepting connections, lets in-flight requests finish (up to the drain timeout), then resolves. */
  close(): Promise<void>;
}

export class MockServer implements MockProvider {
  readonly url: string;
  readonly port: number;
  readonly host: string;

  private readonly rng: Rng;
  private readonly metrics: Metrics;
  private readonly resolveBackendId: (host: string | undefined) => string;
  private sequence = 0;
  private readonly answers = new Map<string, Map<string, Answer>>();
  private answerCount = 0;
  private draining = false;
  private closing?: Promise<void>;

  private constructor(
    private readonly server: http.Server,
    private readonly options: ResolvedMockOptions,
    private readonly store: CassetteStore | undefined,
  ) {
    const address = server.address() as AddressInfo;
    this.port = address.port;
    this.host = options.host;
    const urlHost = options.host.includes(':') ? `[${options.host}]` : options.host;
    this.url = `http://${urlHost}:${this.port}`;
    this.rng = mulberry32(options.seed);
    this.metrics = new Metrics(options.maxModelLabels);
    this.resolveBackendId = cachedBackendIdResolver();
  }

  /** Loads cassettes, listens, and resolves once the port is bound. */
  static async listen(options: ResolvedMockOptions): Promise<MockServer> {
    let store: CassetteStore | undefined;
    if (options.cassettesDir !== undefined) {
      if (options.recordUrl !== undefined) fs.mkdirSync(options.cassettesDir, { recursive: true });
      store = CassetteStore.load(options.cassettesDir);
    }
    const server = http.createServer();
    // Envoy keeps idle upstream connections for an hour by default; a server closing them first races with a
    // request Envoy is sending on one (a reset, 503). 120 s instead of Node's 5 s makes that rare.
    server.keepAliveTimeout = 120_000;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port, options.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    const mock = new MockServer(server, options, store);
    server.on('request', mock.handle);
    server.on('clientError', (error: NodeJS.ErrnoException, socket) => {
      if (!socket.writable || error.code === 'ECONNRESET') {
        socket.destroy();
        return;
      }
      const status = error.code === 'HPE_HEADER_OVERFLOW' ? 431 : 400;
      const body = JSON.stringify(errorBody(`Malformed HTTP request: ${error.code ?? error.message}`, 'invalid_request_error', null, 'bad_http_request'));
      socket.end(
        `HTTP/1.1 ${status} ${http.STATUS_CODES[status]}\r\nContent-Type: ${JSON_TYPE}\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
      );
    });
    options.log(
      `mock provider listening on ${mock.url}` +
        ` (backend id: ${options.backendId ?? 'from Host header'}` +
        `, cassettes: ${store ? `${store.size} from ${options.cassettesDir}` : 'none'}` +
        `${options.recordUrl ? `, recording from ${redactUrl(options.recordUrl.toString())}${options.upstreamApiKey ? ' with an API key' : ' without an API key'}` : ''}` +
        `, seed ${options.seed})`,
    );
    return mock;
  }

  close(): Promise<void> {
    if (!this.closing) {
      this.draining = true;
      this.options.log(`draining ${this.metrics.inflight} in-flight request(s)`);
      this.closing = new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          this.options.log('drain timeout reached; closing remaining connections');
          this.server.closeAllConnections();
        }, this.options.drainTimeoutMs);
        timer.unref();
        this.server.close(() => {
          clearTimeout(timer);
          this.options.log('mock provider stopped');
          resolve();
        });
        this.server.closeIdleConnections();
      });
    }
    return this.closing;
  }

  // ---- request entry ------------------------------------------------------------------------------------

  private readonly handle = (req: http.IncomingMessage, res: http.ServerResponse): void => {
    this.metrics.inflight++;
    const url = req.url ?? '/';
    const query = url.indexOf('?');
    const ex: Exchange = {
      req,
      res,
      start: performance.now(),
      pathname: query === -1 ? url : url.slice(0, query),
      backendId: this.options.backendId ?? this.resolveBackendId(req.headers.host),
      model: NO_MODEL,
      done: false,
    };
    const method = req.method;

    if (ex.pathname === PATH_HEALTH) {
      if (method === 'GET' || method === 'HEAD') this.send(ex, 200, HEALTH_BODY, JSON_TYPE);
      else this.methodNotAllowed(ex);
      return;
    }
    if (ex.pathname === PATH_METRICS) {
      if (method === 'GET' || method === 'HEAD') this.send(ex, 200, this.metrics.render(process.memoryUsage.rss()), METRICS_CONTENT_TYPE);
      else this.methodNotAllowed(ex);
      return;
    }
    if (!ex.pathname.startsWith('/v1/')) {
      this.notFound(ex);
      return;
    }
    if (this.options.requireApiKey !== undefined && !this.authorized(req)) {
      this.error(ex, 401, errorBody('Incorrect API key provided.', 'invalid_request_error', null, 'invalid_api_key'));
      return;
    }
    if (method !== 'POST') {
      this.dispatch(ex, undefined, undefined);
      return;
    }
    if (!isJsonContentType(req.headers['content-type'])) {
      // Node discards the unread body after the response, so the connection stays usable.
      this.error(ex, 415, errorBody(
        `Unsupported Content-Type ${JSON.stringify(req.headers['content-type'] ?? '')}; send "Content-Type: application/json".`,
        'invalid_request_error', null, 'unsupported_media_type',
      ));
      return;
    }
    this.readBody(ex);
  };

  private authorized(req: http.IncomingMessage): boolean {
    const key = this.options.requireApiKey;
    return req.headers.authorization === `Bearer ${key}` || req.headers['api-key'] === key;
  }

  private readBody(ex: Exchange): void {
    const { req } = ex;
    const limit = this.options.maxBodyBytes;
    const declared = req.headers['content-length'];
    if (declared !== undefined && Number(declared) > limit) {
      this.tooLarge(ex, Number(declared));
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      if (ex.done) return; // answered (too large): discard the rest
      size += chunk.length;
      if (size > limit) {
        this.tooLarge(ex, size);
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => {
      if (ex.done) return;
      const raw = chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, size);
      let body: unknown;
      try {
        body = JSON.parse(raw.toString('utf8'));
      } catch (error) {
        this.error(ex, 400, errorBody(
          `We could not parse the JSON body of your request: ${(error as Error).message}`,
          'invalid_request_error', null, 'invalid_json',
        ));
        return;
      }
      this.dispatch(ex, body, raw);
    });
    req.on('error', () => this.finish(ex, CLIENT_CLOSED));
  }

  private tooLarge(ex: Exchange, size: number): void {
    this.error(ex, 413, errorBody(
      `Request body of ${size} bytes exceeds the limit of ${this.options.maxBodyBytes} bytes.`,
      'invalid_request_error', null, 'request_too_large',
    ));
  }

  // ---- faults, cassettes, record mode, built-in answers -------------------------------------------------

  private dispatch(ex: Exchange, body: unknown, raw: Buffer | undefined): void {
    if (isObject(body) && typeof body.model === 'string') ex.model = body.model;
    else if (ex.pathname.startsWith(PATH_MODEL_PREFIX)) ex.model = decodeURIComponentSafe(ex.pathname.slice(PATH_MODEL_PREFIX.length));

    const faults = requestFaults(this.options.faults, ex.req.headers);
    if (isFaultHeaderProblem(faults)) {
      this.error(ex, 400, errorBody(`Invalid ${faults.header} header: ${faults.message}`, 'invalid_request_error', faults.header, 'invalid_header'));
      return;
    }
    // Draw in a fixed order at arrival, so a seed gives the same outcome sequence for the same request order.
    const fail = drawError(faults.errorRate, this.rng);
    const delay = drawDelay(faults.delay, this.rng);
    const proceed = (): void => {
      if (fail) this.fault(ex, faults);
      else this.answer(ex, body, raw, faults);
    };
    if (delay > 0) setTimeout(proceed, delay);
    else proceed();
  }

  private fault(ex: Exchange, faults: FaultSettings): void {
    ex.source = 'fault';
    this.error(ex, faults.errorStatus, faultError(faults.errorStatus, `mock injected fault, error rate ${faults.errorRate}`));
  }

  private answer(ex: Exchange, body: unknown, raw: Buffer | undefined, faults: FaultSettings): void {
    const { req } = ex;
    const named = req.headers[CASSETTE_HEADER];
    if (this.store) {
      const cassette =
        (typeof named === 'string' ? this.store.byName(named) : undefined) ??
        this.store.byRequest(req.method ?? 'GET', req.url ?? '/', body);
      if (cassette) {
        this.replay(ex, cassette, faults);
        return;
      }
    }
    if (this.options.recordUrl) {
      void this.record(ex, body, raw);
      return;
    }
    this.builtin(ex, body, faults);
  }

  private builtin(ex: Exchange, body: unknown, faults: FaultSettings): void {
    const method = ex.req.method;
    switch (ex.pathname) {
      case PATH_CHAT:
        if (method === 'POST') this.chat(ex, body, faults);
        else this.methodNotAllowed(ex);
        return;
      case PATH_EMBEDDINGS:
        if (method === 'POST') this.embeddings(ex, body);
        else this.methodNotAllowed(ex);
        return;
      case PATH_MODELS:
        if (method === 'GET' || method === 'HEAD') {
          ex.source = 'synthesized';
          this.sendJson(ex, 200, modelList(this.options.models));
        } else this.methodNotAllowed(ex);
        return;
      default:
        if (ex.pathname.startsWith(PATH_MODEL_PREFIX) && ex.model !== NO_MODEL && (method === 'GET' || method === 'HEAD')) {
          ex.source = 'synthesized';
          this.sendJson(ex, 200, modelObject(ex.model));
          return;
        }
        this.notFound(ex);
    }
  }

  /** The synthesized answer and its tokens, cached per backend and model (a pod sees a bounded set of both). */
  private answerFor(backendId: string, model: string): Answer {
    let byModel = this.answers.get(backendId);
    if (!byModel) this.answers.set(backendId, (byModel = new Map()));
    let answer = byModel.get(model);
    if (!answer) {
      if (this.answerCount >= ANSWER_CACHE_LIMIT) {
        this.answers.clear();
        this.answers.set(backendId, (byModel = new Map()));
        this.answerCount = 0;
      }
      const content = synthesizedAnswer(backendId, model);
      answer = { content, tokens: streamTokens(content) };
      byModel.set(model, answer);
      this.answerCount++;
    }
    return answer;
  }

  private nextId(prefix: string): string {
    this.sequence++;
    return `${prefix}-mock${this.sequence.toString(36).padStart(8, '0')}`;
  }

  private chat(ex: Exchange, body: unknown, faults: FaultSettings): void {
    if (!isObject(body)) {
      this.error(ex, 400, errorBody('The request body must be a JSON object.', 'invalid_request_error', null, 'invalid_body'));
      return;
    }
    const { model, messages } = body;
    if (typeof model !== 'string' || model === '') {
      this.missing(ex, 'model', model);
      return;
    }
    if (!Array.isArray(messages) || messages.length === 0) {
      this.error(ex, 400, errorBody(
        messages === undefined ? "Missing required parameter: 'messages'." : "Invalid 'messages': expected a non-empty array.",
        'invalid_request_error', 'messages', messages === undefined ? 'missing_required_parameter' : 'invalid_type',
      ));
      return;
    }
    const limit = maxTokensOf(body);
    const answer = this.answerFor(ex.backendId, model);
    let content = answer.content;
    let tokens = answer.tokens;
    let finishReason: FinishReason = 'stop';
    if (limit !== undefined && limit < tokens.length) {
      tokens = tokens.slice(0, limit);
      content = tokens.join('');
      finishReason = 'length';
    }
    const completionTokens = tokens.length;
    const usage = usageOf(tokensForLength(promptLength(messages)), completionTokens);
    const id = this.nextId('chatcmpl');
    const created = Math.floor(Date.now() / 1000);
    ex.source = 'synthesized';
    if (body.stream === true) {
      const includeUsage = isObject(body.stream_options) && body.stream_options.include_usage === true;
      this.streamChat(ex, { id, created, model, tokens, finishReason, usage: includeUsage ? usage : undefined }, faults);
      return;
    }
    this.send(ex, 200, chatCompletionJson({ id, created, model, content, finishReason, usage }), JSON_TYPE);
  }

  private streamChat(
    ex: Exchange,
    c: { id: string; created: number; model: string; tokens: readonly string[]; finishReason: FinishReason; usage?: Usage },
    faults: FaultSettings,
  ): void {
    const usageField = c.usage === undefined ? undefined : null;
    const payloads: string[] = [];
    payloads.push(JSON.stringify(chatChunk(c.id, c.created, c.model, { role: 'assistant', content: '' }, null, usageField)));
    for (const token of c.tokens) payloads.push(JSON.stringify(chatChunk(c.id, c.created, c.model, { content: token }, null, usageField)));
    payloads.push(JSON.stringify(chatChunk(c.id, c.created, c.model, null, c.finishReason, usageField)));
    if (c.usage !== undefined) payloads.push(JSON.stringify(usageChunk(c.id, c.created, c.model, c.usage)));
    payloads.push('[DONE]');
    // The role chunk goes out with the headers; the first token after the TTFT; the rest token by token.
    this.streamPayloads(ex, 200, SSE_TYPE, payloads, 1, c.tokens.length, faults);
  }

  /**
   * Writes SSE `data:` payloads: payload `first` waits for the TTFT, the next `tokens - 1` payloads each wait
   * one inter-token delay, everything else is written without waiting.
   */
  private streamPayloads(ex: Exchange, status: number, contentType: string, payloads: readonly string[], first: number, tokens: number, faults: FaultSettings): void {
    const { res } = ex;
    res.writeHead(status, this.headers(ex, contentType, undefined, { 'cache-control': 'no-cache' }));
    let index = 0;
    let timer: NodeJS.Timeout | undefined;
    const onClose = (): void => {
      if (timer) clearTimeout(timer);
      this.finish(ex, CLIENT_CLOSED);
    };
    res.once('close', onClose);
    const pump = (): void => {
      timer = undefined;
      while (index < payloads.length) {
        const payload = payloads[index];
        const wait = index === first ? drawDelay(faults.ttft, this.rng)
          : index > first && index < first + tokens ? drawDelay(faults.interToken, this.rng)
            : 0;
        if (wait > 0 && !timer) {
          timer = setTimeout(() => {
            res.write(`data: ${payload}\n\n`);
            index++;
            pump();
          }, wait);
          return;
        }
        res.write(`data: ${payload}\n\n`);
        index++;
      }
      res.off('close', onClose);
      res.end();
      this.finish(ex, status);
    };
    pump();
  }

  private embeddings(ex: Exchange, body: unknown): void {
    if (!isObject(body)) {
      this.error(ex, 400, errorBody('The request body must be a JSON object.', 'invalid_request_error', null, 'invalid_body'));
      return;
    }
    const { model, input, dimensions, encoding_format: encoding } = body;
    if (typeof model !== 'string' || model === '') {
      this.missing(ex, 'model', model);
      return;
    }
    const inputs = embeddingInputs(input);
    if (inputs === undefined) {
      this.error(ex, 400, errorBody(
        input === undefined ? "Missing required parameter: 'input'." : "Invalid 'input': expected a non-empty string, array of strings, or array of token arrays.",
        'invalid_request_error', 'input', input === undefined ? 'missing_required_parameter' : 'invalid_type',
      ));
      return;
    }
    const size = dimensions === undefined ? DEFAULT_EMBEDDING_DIMENSIONS : dimensions;
    if (typeof size !== 'number' || !Number.isInteger(size) || size < 1 || size > MAX_EMBEDDING_DIMENSIONS) {
      this.error(ex, 400, errorBody(`Invalid 'dimensions': expected an integer from 1 to ${MAX_EMBEDDING_DIMENSIONS}.`, 'invalid_request_error', 'dimensions', 'invalid_value'));
      return;
    }
    if (encoding !== undefined && encoding !== 'float' && encoding !== 'base64') {
      this.error(ex, 400, errorBody("Invalid 'encoding_format': expected 'float' or 'base64'.", 'invalid_request_error', 'encoding_format', 'invalid_value'));
      return;
    }
    let promptTokens = 0;
    const vectors = inputs.map((text) => {
      promptTokens += estimateTokens(text);
      const vector = embeddingVector(model, text, size);
      return encoding === 'base64' ? float32Base64(vector) : Array.from(vector);
    });
    ex.source = 'synthesized';
    this.sendJson(ex, 200, embeddingList(model, vectors, promptTokens));
  }

  private replay(ex: Exchange, cassette: Cassette, faults: FaultSettings): void {
    ex.source = 'cassette';
    ex.cassette = cassette.name;
    const { response } = cassette;
    const recordedType = response.headers?.['content-type'];
    if (response.chunks !== undefined) {
      const payloads = response.chunks.map((chunk) => (typeof chunk === 'string' ? chunk : JSON.stringify(chunk)));
      // Chunks carrying content are the tokens: the first waits the TTFT, the following ones the inter-token delay.
      const tokenIndexes = payloads.map((p, i) => (p.includes('"content":"') && !p.includes('"content":""') ? i : -1)).filter((i) => i >= 0);
      const first = tokenIndexes.length > 0 ? tokenIndexes[0] : 0;
      const tokens = tokenIndexes.length > 0 ? tokenIndexes[tokenIndexes.length - 1] - first + 1 : 0;
      this.streamPayloads(ex, response.status, recordedType ?? SSE_TYPE, payloads, first, tokens, faults);
      return;
    }
    const text = typeof response.body === 'string' ? response.body : JSON.stringify(response.body ?? null);
    this.send(ex, response.status, text, recordedType ?? JSON_TYPE);
  }

  private async record(ex: Exchange, body: unknown, raw: Buffer | undefined): Promise<void> {
    const { req, res } = ex;
    const base = this.options.recordUrl!;
    const named = req.headers[CASSETTE_HEADER];
    if (named !== undefined && (typeof named !== 'string' || !isValidCassetteName(named))) {
      this.error(ex, 400, errorBody(
        `Invalid ${CASSETTE_HEADER} header: use letters, digits, ".", "_" and "-" (at most 200).`,
        'invalid_request_error', CASSETTE_HEADER, 'invalid_header',
      ));
      return;
    }
    const request = { method: req.method ?? 'GET', path: req.url ?? '/', headers: req.headers, body: raw };
    const name = typeof named === 'string' ? named : defaultCassetteName(request.method, request.path, body);
    const secrets = [this.options.upstreamApiKey, this.options.requireApiKey, ...clientSecrets(req.headers)].filter((s): s is string => !!s);
    ex.source = 'upstream';
    let recorded: RecordedResponse;
    try {
      const upstream = await callUpstream(base, this.options.upstreamApiKey, request);
      const contentType = upstream.headers.get('content-type') ?? JSON_TYPE;
      if (contentType.startsWith('text/event-stream') && upstream.body) {
        res.writeHead(upstream.status, this.headers(ex, contentType, undefined, { 'cache-control': 'no-cache' }));
        const decoder = new TextDecoder();
        let text = '';
        for await (const chunk of upstream.body as unknown as AsyncIterable<Uint8Array>) {
          res.write(chunk);
          text += decoder.decode(chunk, { stream: true });
        }
        text += decoder.decode();
        res.end();
        this.finish(ex, upstream.status);
        recorded = { status: upstream.status, headers: upstream.headers, chunks: parseSseData(text) };
      } else {
        const text = await upstream.text();
        this.send(ex, upstream.status, text, contentType);
        recorded = { status: upstream.status, headers: upstream.headers, body: parseJsonOrText(text) };
      }
    } catch (error) {
      const message = `upstream ${redactUrl(base.toString())} failed: ${describeError(error)}`;
      this.options.log(message);
      if (!res.headersSent) this.error(ex, 502, errorBody(message, 'server_error', null, 'upstream_error'));
      else {
        res.destroy();
        this.finish(ex, 502);
      }
      return;
    }
    try {
      const file = this.store!.save(cassetteOf(name, request, body, recorded, secrets));
      this.options.log(`recorded ${request.method} ${ex.pathname} (status ${recorded.status}) as cassette ${name} in ${file}`);
    } catch (error) {
      this.options.log(`could not write cassette ${name}: ${describeError(error)}`);
    }
  }

  // ---- responses ----------------------------------------------------------------------------------------

  private headers(ex: Exchange, contentType: string, length: number | undefined, extra?: Record<string, string>): http.OutgoingHttpHeaders {
    const headers: http.OutgoingHttpHeaders = { 'content-type': contentType, [BACKEND_ID_HEADER]: ex.backendId };
    if (length !== undefined) headers['content-length'] = length;
    if (ex.model !== NO_MODEL) headers[MODEL_HEADER] = HEADER_SAFE.test(ex.model) ? ex.model : encodeURIComponent(ex.model);
    if (ex.source !== undefined) headers[SOURCE_HEADER] = ex.source;
    if (ex.cassette !== undefined) headers[CASSETTE_NAME_HEADER] = ex.cassette;
    if (extra !== undefined) Object.assign(headers, extra);
    if (this.draining) headers.connection = 'close';
    return headers;
  }

  private send(ex: Exchange, status: number, payload: string, contentType: string): void {
    if (ex.done) return;
    ex.res.writeHead(status, this.headers(ex, contentType, Buffer.byteLength(payload)));
    ex.res.end(ex.req.method === 'HEAD' ? undefined : payload);
    this.finish(ex, status);
  }

  private sendJson(ex: Exchange, status: number, value: unknown): void {
    this.send(ex, status, JSON.stringify(value), JSON_TYPE);
  }

  private error(ex: Exchange, status: number, body: OpenAIErrorBody): void {
    this.sendJson(ex, status, body);
  }

  private missing(ex: Exchange, param: string, value: unknown): void {
    this.error(ex, 400, errorBody(
      value === undefined ? `Missing required parameter: '${param}'.` : `Invalid '${param}': expected a non-empty string.`,
      'invalid_request_error', param, value === undefined ? 'missing_required_parameter' : 'invalid_type',
    ));
  }

  private notFound(ex: Exchange): void {
    this.error(ex, 404, errorBody(`Invalid URL (${ex.req.method} ${ex.pathname})`, 'invalid_request_error', null, 'unknown_url'));
  }

  private methodNotAllowed(ex: Exchange): void {
    this.error(ex, 405, errorBody(`Method ${ex.req.method} not allowed for ${ex.pathname}`, 'invalid_request_error', null, 'method_not_allowed'));
  }

  /** Once per request: metrics, the in-flight count, and while draining the release of idle connections. */
  private finish(ex: Exchange, status: number): void {
    if (ex.done) return;
    ex.done = true;
    this.metrics.inflight--;
    this.metrics.observe(routeLabel(ex.pathname), ex.model, status, (performance.now() - ex.start) / 1000);
    if (this.draining) setImmediate(() => this.server.closeIdleConnections());
  }
}

function maxTokensOf(body: Json): number | undefined {
  const value = body.max_completion_tokens ?? body.max_tokens;
  return typeof value === 'number' && Number.isInteger(value) && value >= 1 ? value : undefined;
}

/** Embedding inputs as texts: a string, strings, one token array, or token arrays; undefined when invalid. */
function embeddingInputs(input: unknown): string[] | undefined {
  if (typeof input === 'string') return input === '' ? undefined : [input];
  if (!Array.isArray(input) || input.length === 0) return undefined;
  if (input.every((item) => typeof item === 'string' && item !== '')) return input as string[];
  if (input.every((item) => typeof item === 'number' && Number.isInteger(item))) return [input.join(' ')];
  if (input.every((item) => Array.isArray(item) && item.length > 0 && item.every((t) => typeof t === 'number' && Number.isInteger(t)))) {
    return (input as number[][]).map((tokens) => tokens.join(' '));
  }
  return undefined;
}

function decodeURIComponentSafe(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

function describeError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = (error as Error & { cause?: unknown }).cause;
  const causeText = cause instanceof Error ? `: ${(cause as NodeJS.ErrnoException).code ?? cause.message}` : '';
  return `${error.name === 'TimeoutError' ? 'timed out' : error.message}${causeText}`;
}
