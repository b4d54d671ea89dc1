import OpenAI from 'openai';
import { MockProvider, resolveMockOptions } from '../../src/mock-provider';
import { chatBody, clientFor, jsonHeaders, raw, useMocks } from './helpers';

const start = useMocks();

describe('mock provider through the official openai client', () => {
  let mock: MockProvider;
  let client: OpenAI;
  beforeAll(async () => {
    mock = await start({ backendId: 'backend-007', models: ['model-a', 'model-b'] });
    client = clientFor(mock);
  });

  test('chat completion: deterministic answer echoing backend and model, usage, identity headers', async () => {
    const prompt = 'Say hello to the benchmark.'; // 27 characters → 7 prompt tokens
    const { data, response } = await client.chat.completions
      .create({ model: 'model-000042', messages: [{ role: 'user', content: prompt }] })
      .withResponse();
    expect(data.object).toBe('chat.completion');
    expect(data.id).toMatch(/^chatcmpl-/);
    expect(data.model).toBe('model-000042');
    expect(typeof data.created).toBe('number');
    expect(data.choices).toHaveLength(1);
    expect(data.choices[0].message).toMatchObject({ role: 'assistant', content: 'mock answer from backend-007 for model-000042' });
    expect(data.choices[0].finish_reason).toBe('stop');
    expect(data.usage).toEqual({ prompt_tokens: 7, completion_tokens: 6, total_tokens: 13 });
    expect(response.headers.get('x-mock-backend-id')).toBe('backend-007');
    expect(response.headers.get('x-mock-model')).toBe('model-000042');
    expect(response.headers.get('x-mock-source')).toBe('synthesized');

    const again = await client.chat.completions.create({ model: 'model-000042', messages: [{ role: 'user', content: prompt }] });
    expect(again.choices[0].message.content).toBe(data.choices[0].message.content);
    expect(again.id).not.toBe(data.id);
  });

  test('max_tokens cuts the answer and reports finish_reason "length"', async () => {
    const data = await client.chat.completions.create({ model: 'm', max_tokens: 2, messages: [{ role: 'user', content: 'x' }] });
    expect(data.choices[0].message.content).toBe('mock answer');
    expect(data.choices[0].finish_reason).toBe('length');
    expect(data.usage?.completion_tokens).toBe(2);
  });

  test('streaming with include_usage: role chunk, one chunk per word, usage in the final chunk, [DONE]', async () => {
    const { data: stream, response } = await client.chat.completions
      .create({ model: 'model-s', stream: true, stream_options: { include_usage: true }, messages: [{ role: 'user', content: 'Stream it' }] })
      .withResponse();
    expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
    expect(response.headers.get('x-mock-backend-id')).toBe('backend-007');
    expect(response.headers.get('x-mock-model')).toBe('model-s');
    const chunks: OpenAI.Chat.Completions.ChatCompletionChunk[] = [];
    for await (const chunk of stream) chunks.push(chunk);

    expect(chunks.every((c) => c.object === 'chat.completion.chunk' && c.model === 'model-s' && c.id === chunks[0].id)).toBe(true);
    expect(chunks[0].choices[0].delta.role).toBe('assistant');
    const contentChunks = chunks.filter((c) => c.choices[0]?.delta.content);
    expect(contentChunks.map((c) => c.choices[0].delta.content).join('')).toBe('mock answer from backend-007 for model-s');
    expect(contentChunks).toHaveLength(6);
    const finish = chunks[chunks.length - 2];
    expect(finish.choices[0].finish_reason).toBe('stop');
    const last = chunks[chunks.length - 1];
    expect(last.choices).toEqual([]);
    expect(last.usage).toEqual({ prompt_tokens: 3, completion_tokens: 6, total_tokens: 9 });
    expect(chunks.slice(0, -1).every((c) => c.usage === null)).toBe(true);
  });

  test('streaming without include_usage sends no usage field at all', async () => {
    const stream = await client.chat.completions.create({ model: 'm', stream: true, messages: [{ role: 'user', content: 'x' }] });
    const chunks: OpenAI.Chat.Completions.ChatCompletionChunk[] = [];
    for await (const chunk of stream) chunks.push(chunk);
    expect(chunks.length).toBeGreaterThan(2);
    expect(chunks.some((c) => 'usage' in c)).toBe(false);
    expect(chunks[chunks.length - 1].choices[0].finish_reason).toBe('stop');
  });

  test('the raw stream ends with data: [DONE]', async () => {
    const response = await raw(mock.url, { method: 'POST', path: '/v1/chat/completions', headers: jsonHeaders(), body: chatBody('m', { stream: true }) });
    expect(response.status).toBe(200);
    const events = response.text.split('\n\n').filter((e) => e !== '');
    expect(events.every((e) => e.startsWith('data: '))).toBe(true);
    expect(events[events.length - 1]).toBe('data: [DONE]');
  });

  test('embeddings: base64 (the client default) and float, deterministic unit vectors, one per input', async () => {
    const { data, response } = await client.embeddings.create({ model: 'text-embedding-mock', input: ['alpha', 'beta'] }).withResponse();
    expect(response.headers.get('x-mock-model')).toBe('text-embedding-mock');
    expect(data.object).toBe('list');
    expect(data.model).toBe('text-embedding-mock');
    expect(data.data.map((d) => d.index)).toEqual([0, 1]);
    const [alpha, beta] = data.data.map((d) => d.embedding);
    expect(alpha).toHaveLength(16);
    expect(Math.hypot(...alpha)).toBeCloseTo(1, 5);
    expect(alpha).not.toEqual(beta);
    expect(data.usage).toEqual({ prompt_tokens: 3, total_tokens: 3 }); // 'alpha' 2 tokens + 'beta' 1 (4 characters per token)

    const float = await client.embeddings.create({ model: 'text-embedding-mock', input: 'alpha', encoding_format: 'float' });
    expect(float.data[0].embedding).toHaveLength(16);
    float.data[0].embedding.forEach((value, i) => expect(value).toBeCloseTo(alpha[i], 6));

    const small = await client.embeddings.create({ model: 'text-embedding-mock', input: 'alpha', dimensions: 8, encoding_format: 'float' });
    expect(small.data[0].embedding).toHaveLength(8);
  });

  test('models: the configured list, and any model by id', async () => {
    const { data: page, response } = await client.models.list().withResponse();
    expect(response.headers.get('x-mock-backend-id')).toBe('backend-007');
    expect(page.data.map((m) => m.id)).toEqual(['model-a', 'model-b']);
    expect(page.data[0]).toMatchObject({ object: 'model', owned_by: 'aigw-scale-mock' });
    const model = await client.models.retrieve('model-000123');
    expect(model).toMatchObject({ id: 'model-000123', object: 'model' });
  });

  test.each([
    [429, OpenAI.RateLimitError, 'rate_limit_exceeded'],
    [500, OpenAI.InternalServerError, 'internal_error'],
    [503, OpenAI.InternalServerError, 'service_unavailable'],
  ])('an injected %i surfaces as %p with an OpenAI error body', async (status, errorClass, code) => {
    const request = client.chat.completions.create(
      { model: 'm', messages: [{ role: 'user', content: 'x' }] },
      { headers: { 'x-mock-error-rate': '1', 'x-mock-error-status': String(status) } },
    );
    const error = await request.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(errorClass);
    const apiError = error as InstanceType<typeof OpenAI.APIError>;
    expect(apiError.status).toBe(status);
    expect(apiError.code).toBe(code);
    expect(apiError.headers?.get('x-mock-backend-id')).toBe('backend-007');
    expect(apiError.headers?.get('x-mock-source')).toBe('fault');
  });

  test('a request without a model is a BadRequestError naming the parameter', async () => {
    const error = await client.chat.completions
      .create({ messages: [{ role: 'user', content: 'x' }] } as unknown as OpenAI.Chat.ChatCompletionCreateParamsNonStreaming)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenAI.BadRequestError);
    expect((error as InstanceType<typeof OpenAI.BadRequestError>).param).toBe('model');
    expect((error as InstanceType<typeof OpenAI.BadRequestError>).code).toBe('missing_required_parameter');
  });

  test('a key the provider does not accept is an AuthenticationError', async () => {
    const guarded = await start({ requireApiKey: 'sk-expected-key-0000' });
    const error = await clientFor(guarded, 'sk-wrong-key-1111').models.list().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenAI.AuthenticationError);
    const page = await clientFor(guarded, 'sk-expected-key-0000').models.list();
    expect(page.data.length).toBeGreaterThan(0);
  });
});

describe('identity from the Host header (one pod, one Service per backend)', () => {
  let mock: MockProvider;
  beforeAll(async () => {
    mock = await start();
  });

  test.each([
    ['backend-003.aigw-scale.svc.cluster.local:8080', 'backend-003'],
    ['backend-003.aigw-scale.svc.cluster.local', 'backend-003'],
    ['BACKEND-012:8080', 'backend-012'],
    ['backend-1.ns', 'backend-1'],
    ['127.0.0.1:8080', 'mock'],
    ['[::1]:8080', 'mock'],
    ['bad_label.example', 'mock'],
  ])('Host %s answers as %s', async (host, id) => {
    const response = await raw(mock.url, { method: 'POST', path: '/v1/chat/completions', headers: jsonHeaders({ host }), body: chatBody('model-000001') });
    expect(response.status).toBe(200);
    expect(response.headers['x-mock-backend-id']).toBe(id);
    expect(response.headers['x-mock-model']).toBe('model-000001');
    expect(response.json.choices[0].message.content).toBe(`mock answer from ${id} for model-000001`);
  });

  // The namespace tells a run's backend from another fixture's backend of the same name (a stack's, say).
  test.each([
    ['backend-003.bench.svc.cluster.local:8080', 'bench'],
    ['backend-003.aigw-scale.svc.cluster.local', 'aigw-scale'],
    ['backend-1.ns', 'ns'],
    ['backend-1.ns.example.com', undefined],
    ['backend-012:8080', undefined],
    ['127.0.0.1:8080', undefined],
  ])('Host %s answers from namespace %s', async (host, namespace) => {
    const response = await raw(mock.url, { method: 'POST', path: '/v1/chat/completions', headers: jsonHeaders({ host }), body: chatBody('model-000001') });
    expect(response.status).toBe(200);
    expect(response.headers['x-mock-backend-namespace']).toBe(namespace);
  });

  test('a fixed --backend-namespace names the namespace when the Host names no Service', async () => {
    const fixed = await start({ backendId: 'backend-042', backendNamespace: 'bench' });
    const response = await raw(fixed.url, { method: 'POST', path: '/v1/chat/completions', headers: jsonHeaders(), body: chatBody('m') });
    expect(response.headers).toMatchObject({ 'x-mock-backend-id': 'backend-042', 'x-mock-backend-namespace': 'bench' });
    expect(() => resolveMockOptions({ backendNamespace: 'Not_A_Label' })).toThrow(/backendNamespace: .*a DNS-1123 label/);
  });

  test('errors and health checks carry the identity too', async () => {
    const host = 'backend-009.aigw-scale.svc.cluster.local:8080';
    expect((await raw(mock.url, { path: '/healthz', headers: { host } })).headers['x-mock-backend-id']).toBe('backend-009');
    expect((await raw(mock.url, { path: '/v1/nope', headers: { host } })).headers['x-mock-backend-id']).toBe('backend-009');
  });

  test('a fixed --backend-id wins over the Host header', async () => {
    const fixed = await start({ backendId: 'backend-042' });
    const response = await raw(fixed.url, { method: 'POST', path: '/v1/chat/completions', headers: jsonHeaders({ host: 'backend-001.ns.svc.cluster.local' }), body: chatBody('m') });
    expect(response.headers['x-mock-backend-id']).toBe('backend-042');
  });

  test('a model that is not a valid header value is percent-encoded in x-mock-model', async () => {
    const response = await raw(mock.url, { method: 'POST', path: '/v1/chat/completions', headers: jsonHeaders(), body: chatBody('modèle\nx') });
    expect(response.status).toBe(200);
    expect(response.headers['x-mock-model']).toBe(encodeURIComponent('modèle\nx'));
    expect(response.json.model).toBe('modèle\nx');
  });
});
