/**
 * Answers from cassettes: replaying a recorded exchange (paced like a real model when it streamed), and record
 * mode, which forwards the request to a real upstream, relays its answer and saves it as a cassette.
 *
 * Standalone file of the mock provider: node built-ins only.
 */

import { CASSETTE_HEADER, Cassette, CassetteStore, defaultCassetteName, isValidCassetteName } from './cassettes';
import { ResolvedMockOptions, redactUrl } from './config';
import { Exchange, JSON_TYPE, Responder, SSE_TYPE } from './exchange';
import { FaultSettings } from './faults';
import { errorBody } from './openai-shapes';
import { SseStreamer } from './sse-stream';
import { RecordedResponse, callUpstream, cassetteOf, clientSecrets, parseJsonOrText, parseSseData } from './upstream';

export class CassetteAnswers {
  constructor(
    private readonly out: Responder,
    private readonly streamer: SseStreamer,
    private readonly store: CassetteStore | undefined,
    private readonly options: ResolvedMockOptions,
  ) {}

  /** The cassette named by the request's header, else the one recorded for the same request; none without a store. */
  find(ex: Exchange, body: unknown): Cassette | undefined {
    if (!this.store) return undefined;
    const { req } = ex;
    const named = req.headers[CASSETTE_HEADER];
    return (typeof named === 'string' ? this.store.byName(named) : undefined) ?? this.store.byRequest(req.method ?? 'GET', req.url ?? '/', body);
  }

  replay(ex: Exchange, cassette: Cassette, faults: FaultSettings): void {
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
      this.streamer.stream(ex, { status: response.status, contentType: recordedType ?? SSE_TYPE, payloads, first, tokens }, faults);
      return;
    }
    const text = typeof response.body === 'string' ? response.body : JSON.stringify(response.body ?? null);
    this.out.send(ex, response.status, text, recordedType ?? JSON_TYPE);
  }

  /** Record mode (options.recordUrl set, which needs a store): relays the upstream's answer, then saves it. */
  async record(ex: Exchange, body: unknown, raw: Buffer | undefined): Promise<void> {
    const { req, res } = ex;
    const base = this.options.recordUrl!;
    const named = req.headers[CASSETTE_HEADER];
    if (named !== undefined && (typeof named !== 'string' || !isValidCassetteName(named))) {
      this.out.error(ex, 400, errorBody(
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
        res.writeHead(upstream.status, this.out.headers(ex, contentType, undefined, { 'cache-control': 'no-cache' }));
        const decoder = new TextDecoder();
        let text = '';
        for await (const chunk of upstream.body as unknown as AsyncIterable<Uint8Array>) {
          res.write(chunk);
          text += decoder.decode(chunk, { stream: true });
        }
        text += decoder.decode();
        res.end();
        this.out.finish(ex, upstream.status);
        recorded = { status: upstream.status, headers: upstream.headers, chunks: parseSseData(text) };
      } else {
        const text = await upstream.text();
        this.out.send(ex, upstream.status, text, contentType);
        recorded = { status: upstream.status, headers: upstream.headers, body: parseJsonOrText(text) };
      }
    } catch (error) {
      const message = `upstream ${redactUrl(base.toString())} failed: ${describeError(error)}`;
      this.options.log(message);
      if (!res.headersSent) this.out.error(ex, 502, errorBody(message, 'server_error', null, 'upstream_error'));
      else {
        res.destroy();
        this.out.finish(ex, 502);
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
}

function describeError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = (error as Error & { cause?: unknown }).cause;
  const causeText = cause instanceof Error ? `: ${(cause as NodeJS.ErrnoException).code ?? cause.message}` : '';
  return `${error.name === 'TimeoutError' ? 'timed out' : error.message}${causeText}`;
}
