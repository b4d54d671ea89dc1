/**
 * OpenAI-compatible response bodies: chat completions (whole and streamed chunks), embeddings, the model list
 * and errors, shaped so the official `openai` client parses them. Synthesized answers are deterministic: the
 * same backend, model and request always yield the same content and token counts.
 *
 * Standalone file of the mock provider: node built-ins only.
 */

/** `owned_by` of listed models and `system_fingerprint` of completions. */
export const OWNER = 'aigw-scale-mock';
export const SYSTEM_FINGERPRINT = 'fp_aigw_scale_mock';
/** A fixed `created` for listed models (2024-01-01T00:00:00Z): the list is the same on every call. */
export const MODEL_CREATED = 1_704_067_200;
/** Embedding length when the request sets no `dimensions`. */
export const DEFAULT_EMBEDDING_DIMENSIONS = 16;
export const MAX_EMBEDDING_DIMENSIONS = 4096;

export interface OpenAIErrorBody {
  readonly error: { readonly message: string; readonly type: string; readonly param: string | null; readonly code: string | null };
}

export function errorBody(message: string, type: string, param: string | null = null, code: string | null = null): OpenAIErrorBody {
  return { error: { message, type, param, code } };
}

/** The `type` and `code` real OpenAI uses for an error status, for injected faults. */
export function faultError(status: number, detail: string): OpenAIErrorBody {
  if (status === 429) return errorBody(`Rate limit reached (${detail})`, 'requests', null, 'rate_limit_exceeded');
  if (status === 503) return errorBody(`The server is overloaded or not ready yet (${detail})`, 'server_error', null, 'service_unavailable');
  if (status >= 500) return errorBody(`The server had an error while processing your request (${detail})`, 'server_error', null, 'internal_error');
  return errorBody(`Request failed with status ${status} (${detail})`, 'invalid_request_error', null, 'injected_fault');
}

/** The deterministic answer of a synthesized chat completion. */
export const synthesizedAnswer = (backendId: string, model: string): string => `mock answer from ${backendId} for ${model}`;

/** A rough, deterministic token estimate: one token per 4 characters, at least one for non-empty text. */
export function estimateTokens(text: string): number {
  return tokensForLength(text.length);
}

/** Characters of the text in chat messages (string contents and text parts), for the prompt token estimate. */
export function promptLength(messages: readonly unknown[]): number {
  let length = 0;
  for (const message of messages) {
    if (message === null || typeof message !== 'object') continue;
    const content = (message as { content?: unknown }).content;
    if (typeof content === 'string') length += content.length;
    else if (Array.isArray(content)) {
      for (const part of content) {
        const partText = part !== null && typeof part === 'object' ? (part as { text?: unknown }).text : undefined;
        if (typeof partText === 'string') length += partText.length;
      }
    }
  }
  return length;
}

/** The token estimate of a text of this many characters: one token per 4 characters, at least one if any. */
export function tokensForLength(length: number): number {
  return length === 0 ? 0 : Math.max(1, Math.ceil(length / 4));
}

/** Splits content into stream tokens: words, each carrying its leading space, so joining them restores it. */
export function streamTokens(content: string): string[] {
  const tokens: string[] = [];
  let start = 0;
  for (let i = 1; i < content.length; i++) {
    if (content.charCodeAt(i) === 32 /* space */) {
      tokens.push(content.slice(start, i));
      start = i;
    }
  }
  if (start < content.length) tokens.push(content.slice(start));
  return tokens;
}

export interface Usage {
  readonly prompt_tokens: number;
  readonly completion_tokens: number;
  readonly total_tokens: number;
}

export const usageOf = (promptTokens: number, completionTokens: number): Usage => ({
  prompt_tokens: promptTokens,
  completion_tokens: completionTokens,
  total_tokens: promptTokens + completionTokens,
});

export type FinishReason = 'stop' | 'length';

export interface ChatCompletionInput {
  readonly id: string;
  readonly created: number;
  readonly model: string;
  readonly content: string;
  readonly finishReason: FinishReason;
  readonly usage: Usage;
}

/** A whole (non-streaming) `chat.completion`. */
export function chatCompletion(c: ChatCompletionInput): object {
  return {
    id: c.id,
    object: 'chat.completion',
    created: c.created,
    model: c.model,
    system_fingerprint: SYSTEM_FINGERPRINT,
    choices: [
      {
        index: 0,
        message: { role: 'assistant', content: c.content, refusal: null, annotations: [] },
        logprobs: null,
        finish_reason: c.finishReason,
      },
    ],
    usage: c.usage,
  };
}

/**
 * chatCompletion serialized by hand: the same JSON text as `JSON.stringify(chatCompletion(c))` (a test holds
 * them equal) at a fraction of the cost, since this is the benchmark's hot path.
 */
export function chatCompletionJson(c: ChatCompletionInput): string {
  return (
    `{"id":${JSON.stringify(c.id)},"object":"chat.completion","created":${c.created},"model":${JSON.stringify(c.model)},` +
    `"system_fingerprint":"${SYSTEM_FINGERPRINT}","choices":[{"index":0,"message":{"role":"assistant","content":${JSON.stringify(c.content)},` +
    `"refusal":null,"annotations":[]},"logprobs":null,"finish_reason":"${c.finishReason}"}],` +
    `"usage":{"prompt_tokens":${c.usage.prompt_tokens},"completion_tokens":${c.usage.completion_tokens},"total_tokens":${c.usage.total_tokens}}}`
  );
}

/**
 * One `chat.completion.chunk`. `delta` null with `finishReason` set is the closing chunk; `usage` undefined
 * omits the field, null writes `"usage": null` (what OpenAI sends on every chunk when usage was requested).
 */
export function chatChunk(
  id: string,
  created: number,
  model: string,
  delta: { role?: 'assistant'; content?: string } | null,
  finishReason: FinishReason | null,
  usage?: Usage | null,
): object {
  const chunk: Record<string, unknown> = {
    id,
    object: 'chat.completion.chunk',
    created,
    model,
    system_fingerprint: SYSTEM_FINGERPRINT,
    choices: [{ index: 0, delta: delta ?? {}, logprobs: null, finish_reason: finishReason }],
  };
  if (usage !== undefined) chunk.usage = usage;
  return chunk;
}

/** The last chunk when `stream_options.include_usage` is set: no choices, the usage of the whole completion. */
export function usageChunk(id: string, created: number, model: string, usage: Usage): object {
  return { id, object: 'chat.completion.chunk', created, model, system_fingerprint: SYSTEM_FINGERPRINT, choices: [], usage };
}

/** 32-bit FNV-1a of a string, seeding the deterministic embedding of a text. */
export function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

/** A deterministic unit vector for (model, input): same input, same vector; different inputs differ. */
export function embeddingVector(model: string, input: string, dimensions: number): Float32Array {
  let state = fnv1a(`${model}\u0000${input}`);
  const vector = new Float32Array(dimensions);
  let norm = 0;
  for (let i = 0; i < dimensions; i++) {
    // xorshift32: cheap and plenty for spreading values
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    const value = ((state >>> 0) / 4294967296) * 2 - 1;
    vector[i] = value;
    norm += value * value;
  }
  const scale = norm > 0 ? 1 / Math.sqrt(norm) : 0;
  for (let i = 0; i < dimensions; i++) vector[i] *= scale;
  return vector;
}

/** Little-endian float32 bytes in base64, as OpenAI returns for `encoding_format: "base64"`. */
export function float32Base64(vector: Float32Array): string {
  const bytes = Buffer.alloc(vector.length * 4);
  for (let i = 0; i < vector.length; i++) bytes.writeFloatLE(vector[i], i * 4);
  return bytes.toString('base64');
}

export function embeddingList(model: string, embeddings: ReadonlyArray<number[] | string>, promptTokens: number): object {
  return {
    object: 'list',
    data: embeddings.map((embedding, index) => ({ object: 'embedding', index, embedding })),
    model,
    usage: { prompt_tokens: promptTokens, total_tokens: promptTokens },
  };
}

export const modelObject = (id: string): object => ({ id, object: 'model', created: MODEL_CREATED, owned_by: OWNER });

export const modelList = (ids: readonly string[]): object => ({ object: 'list', data: ids.map(modelObject) });
