/**
 * The answers the mock synthesizes when no cassette matches and it is not recording: chat completions (whole or
 * streamed), embeddings and the model list. Deterministic per backend and model; the non-streaming chat path is
 * the benchmark's hot path, so answers and their tokens are cached instead of rebuilt per request.
 *
 * Standalone file of the mock provider: node built-ins only.
 */

import { PATH_CHAT, PATH_EMBEDDINGS, PATH_MODELS, PATH_MODEL_PREFIX } from './endpoints';
import { Exchange, JSON_TYPE, Json, Responder, SSE_TYPE, isObject } from './exchange';
import { FaultSettings } from './faults';
import { NO_MODEL } from './metrics';
import {
  DEFAULT_EMBEDDING_DIMENSIONS,
  FinishReason,
  MAX_EMBEDDING_DIMENSIONS,
  Usage,
  chatChunk,
  chatCompletionJson,
  embeddingList,
  embeddingVector,
  errorBody,
  estimateTokens,
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
import { SseStreamer } from './sse-stream';

/** A synthesized answer: its text and its stream tokens (one per word). */
interface Answer {
  readonly content: string;
  readonly tokens: readonly string[];
}
const ANSWER_CACHE_LIMIT = 100_000;

export class BuiltinAnswers {
  private sequence = 0;
  private readonly answers = new Map<string, Map<string, Answer>>();
  private answerCount = 0;

  constructor(
    private readonly out: Responder,
    private readonly streamer: SseStreamer,
    private readonly models: readonly string[],
  ) {}

  answer(ex: Exchange, body: unknown, faults: FaultSettings): void {
    const method = ex.req.method;
    switch (ex.pathname) {
      case PATH_CHAT:
        if (method === 'POST') this.chat(ex, body, faults);
        else this.out.methodNotAllowed(ex);
        return;
      case PATH_EMBEDDINGS:
        if (method === 'POST') this.embeddings(ex, body);
        else this.out.methodNotAllowed(ex);
        return;
      case PATH_MODELS:
        if (method === 'GET' || method === 'HEAD') {
          ex.source = 'synthesized';
          this.out.sendJson(ex, 200, modelList(this.models));
        } else this.out.methodNotAllowed(ex);
        return;
      default:
        if (ex.pathname.startsWith(PATH_MODEL_PREFIX) && ex.model !== NO_MODEL && (method === 'GET' || method === 'HEAD')) {
          ex.source = 'synthesized';
          this.out.sendJson(ex, 200, modelObject(ex.model));
          return;
        }
        this.out.notFound(ex);
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
      this.out.error(ex, 400, errorBody('The request body must be a JSON object.', 'invalid_request_error', null, 'invalid_body'));
      return;
    }
    const { model, messages } = body;
    if (typeof model !== 'string' || model === '') {
      this.out.missing(ex, 'model', model);
      return;
    }
    if (!Array.isArray(messages) || messages.length === 0) {
      this.out.error(ex, 400, errorBody(
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
    this.out.send(ex, 200, chatCompletionJson({ id, created, model, content, finishReason, usage }), JSON_TYPE);
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
    this.streamer.stream(ex, { status: 200, contentType: SSE_TYPE, payloads, first: 1, tokens: c.tokens.length }, faults);
  }

  private embeddings(ex: Exchange, body: unknown): void {
    if (!isObject(body)) {
      this.out.error(ex, 400, errorBody('The request body must be a JSON object.', 'invalid_request_error', null, 'invalid_body'));
      return;
    }
    const { model, input, dimensions, encoding_format: encoding } = body;
    if (typeof model !== 'string' || model === '') {
      this.out.missing(ex, 'model', model);
      return;
    }
    const inputs = embeddingInputs(input);
    if (inputs === undefined) {
      this.out.error(ex, 400, errorBody(
        input === undefined ? "Missing required parameter: 'input'." : "Invalid 'input': expected a non-empty string, array of strings, or array of token arrays.",
        'invalid_request_error', 'input', input === undefined ? 'missing_required_parameter' : 'invalid_type',
      ));
      return;
    }
    const size = dimensions === undefined ? DEFAULT_EMBEDDING_DIMENSIONS : dimensions;
    if (typeof size !== 'number' || !Number.isInteger(size) || size < 1 || size > MAX_EMBEDDING_DIMENSIONS) {
      this.out.error(ex, 400, errorBody(`Invalid 'dimensions': expected an integer from 1 to ${MAX_EMBEDDING_DIMENSIONS}.`, 'invalid_request_error', 'dimensions', 'invalid_value'));
      return;
    }
    if (encoding !== undefined && encoding !== 'float' && encoding !== 'base64') {
      this.out.error(ex, 400, errorBody("Invalid 'encoding_format': expected 'float' or 'base64'.", 'invalid_request_error', 'encoding_format', 'invalid_value'));
      return;
    }
    let promptTokens = 0;
    const vectors = inputs.map((text) => {
      promptTokens += estimateTokens(text);
      const vector = embeddingVector(model, text, size);
      return encoding === 'base64' ? float32Base64(vector) : Array.from(vector);
    });
    ex.source = 'synthesized';
    this.out.sendJson(ex, 200, embeddingList(model, vectors, promptTokens));
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
