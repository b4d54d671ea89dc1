/**
 * The HTTP server of the mock provider: listening and draining, request routing, API keys, body limits and
 * faults, then the answer's source: a cassette (./cassette-answers.ts), record mode, or a synthesized answer
 * (./builtin-answers.ts). Kept allocation-light on the non-streaming chat path (the benchmark's hot path): no
 * per-request regex compilation, no logging, no listeners beyond Node's own.
 *
 * Standalone file of the mock provider: node built-ins only.
 */

import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { BuiltinAnswers } from './builtin-answers';
import { CassetteAnswers } from './cassette-answers';
import { CassetteStore } from './cassettes';
import { ResolvedMockOptions, redactUrl } from './config';
import { PATH_HEALTH, PATH_METRICS, PATH_MODEL_PREFIX } from './endpoints';
import { CLIENT_CLOSED, Exchange, JSON_TYPE, Responder, isObject } from './exchange';
import { FaultSettings, Rng, drawDelay, drawError, isFaultHeaderProblem, mulberry32, requestFaults } from './faults';
import { BackendIdentity, cachedBackendResolver } from './identity';
import { METRICS_CONTENT_TYPE, Metrics, NO_MODEL } from './metrics';
import { errorBody, faultError } from './openai-shapes';
import { SseStreamer } from './sse-stream';

const HEALTH_BODY = '{"status":"ok"}';

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
  private readonly out: Responder;
  private readonly cassettes: CassetteAnswers;
  private readonly builtin: BuiltinAnswers;
  private readonly resolveBackend: (host: string | undefined) => BackendIdentity;
  private closing?: Promise<void>;

  private constructor(
    private readonly server: http.Server,
    private readonly options: ResolvedMockOptions,
    store: CassetteStore | undefined,
  ) {
    const address = server.address() as AddressInfo;
    this.port = address.port;
    this.host = options.host;
    const urlHost = options.host.includes(':') ? `[${options.host}]` : options.host;
    this.url = `http://${urlHost}:${this.port}`;
    this.rng = mulberry32(options.seed);
    this.metrics = new Metrics(options.maxModelLabels);
    this.out = new Responder(server, this.metrics);
    const streamer = new SseStreamer(this.out, this.rng);
    this.cassettes = new CassetteAnswers(this.out, streamer, store, options);
    this.builtin = new BuiltinAnswers(this.out, streamer, options.models);
    this.resolveBackend = cachedBackendResolver();
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
      this.out.draining = true;
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
    const backend = this.resolveBackend(req.headers.host);
    const ex: Exchange = {
      req,
      res,
      start: performance.now(),
      pathname: query === -1 ? url : url.slice(0, query),
      backendId: this.options.backendId ?? backend.id,
      backendNamespace: this.options.backendNamespace ?? backend.namespace,
      model: NO_MODEL,
      done: false,
    };
    const method = req.method;

    if (ex.pathname === PATH_HEALTH) {
      if (method === 'GET' || method === 'HEAD') this.out.send(ex, 200, HEALTH_BODY, JSON_TYPE);
      else this.out.methodNotAllowed(ex);
      return;
    }
    if (ex.pathname === PATH_METRICS) {
      if (method === 'GET' || method === 'HEAD') this.out.send(ex, 200, this.metrics.render(process.memoryUsage.rss()), METRICS_CONTENT_TYPE);
      else this.out.methodNotAllowed(ex);
      return;
    }
    if (!ex.pathname.startsWith('/v1/')) {
      this.out.notFound(ex);
      return;
    }
    if (this.options.requireApiKey !== undefined && !this.authorized(req)) {
      this.out.error(ex, 401, errorBody('Incorrect API key provided.', 'invalid_request_error', null, 'invalid_api_key'));
      return;
    }
    if (method !== 'POST') {
      this.dispatch(ex, undefined, undefined);
      return;
    }
    if (!isJsonContentType(req.headers['content-type'])) {
      // Node discards the unread body after the response, so the connection stays usable.
      this.out.error(ex, 415, errorBody(
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
        this.out.error(ex, 400, errorBody(
          `We could not parse the JSON body of your request: ${(error as Error).message}`,
          'invalid_request_error', null, 'invalid_json',
        ));
        return;
      }
      this.dispatch(ex, body, raw);
    });
    req.on('error', () => this.out.finish(ex, CLIENT_CLOSED));
  }

  private tooLarge(ex: Exchange, size: number): void {
    this.out.error(ex, 413, errorBody(
      `Request body of ${size} bytes exceeds the limit of ${this.options.maxBodyBytes} bytes.`,
      'invalid_request_error', null, 'request_too_large',
    ));
  }

  // ---- faults, then the answer's source ------------------------------------------------------------------

  private dispatch(ex: Exchange, body: unknown, raw: Buffer | undefined): void {
    if (isObject(body) && typeof body.model === 'string') ex.model = body.model;
    else if (ex.pathname.startsWith(PATH_MODEL_PREFIX)) ex.model = decodeURIComponentSafe(ex.pathname.slice(PATH_MODEL_PREFIX.length));

    const faults = requestFaults(this.options.faults, ex.req.headers);
    if (isFaultHeaderProblem(faults)) {
      this.out.error(ex, 400, errorBody(`Invalid ${faults.header} header: ${faults.message}`, 'invalid_request_error', faults.header, 'invalid_header'));
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
    this.out.error(ex, faults.errorStatus, faultError(faults.errorStatus, `mock injected fault, error rate ${faults.errorRate}`));
  }

  private answer(ex: Exchange, body: unknown, raw: Buffer | undefined, faults: FaultSettings): void {
    const cassette = this.cassettes.find(ex, body);
    if (cassette) this.cassettes.replay(ex, cassette, faults);
    else if (this.options.recordUrl) void this.cassettes.record(ex, body, raw);
    else this.builtin.answer(ex, body, faults);
  }
}

function decodeURIComponentSafe(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}
