import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import OpenAI from 'openai';
import { MockProvider, startMockProvider } from '../../src/mock-provider';
import {
  Cassette,
  CassetteError,
  CassetteStore,
  REDACTED,
  defaultCassetteName,
  normalizeJson,
  redactHeaders,
  redactText,
  redactValue,
  requestKey,
} from '../../src/mock-provider/cassettes';
import { chatBody, clientFor, jsonHeaders, raw, useMocks } from './helpers';

const start = useMocks();

describe('normalizeJson and request keys', () => {
  test('keys are sorted at every level; array order and values are kept', () => {
    expect(normalizeJson({ b: 1, a: { d: [3, { z: 1, y: 2 }], c: null } })).toBe('{"a":{"c":null,"d":[3,{"y":2,"z":1}]},"b":1}');
    expect(normalizeJson([2, 1])).toBe('[2,1]');
    expect(normalizeJson({ a: undefined, b: 'x' })).toBe('{"b":"x"}');
  });

  test('the same request with other key order and whitespace has the same key; any other body does not', () => {
    const a = requestKey('post', '/v1/chat/completions', JSON.parse('{"model":"m","messages":[{"role":"user","content":"hi"}]}'));
    const b = requestKey('POST', '/v1/chat/completions', JSON.parse('{ "messages": [ {"content":"hi", "role":"user"} ],\n "model": "m" }'));
    expect(a).toBe(b);
    expect(requestKey('POST', '/v1/chat/completions', { model: 'm', messages: [{ role: 'user', content: 'hi!' }] })).not.toBe(a);
    expect(requestKey('POST', '/v1/embeddings', JSON.parse('{"model":"m","messages":[{"role":"user","content":"hi"}]}'))).not.toBe(a);
  });

  test('default cassette names are file-safe and stable', () => {
    const name = defaultCassetteName('POST', '/v1/chat/completions', { model: 'm' });
    expect(name).toMatch(/^post-v1-chat-completions-[0-9a-f]{12}$/);
    expect(defaultCassetteName('POST', '/v1/chat/completions', { model: 'm' })).toBe(name);
    expect(defaultCassetteName('POST', '/v1/chat/completions', { model: 'n' })).not.toBe(name);
  });
});

describe('redaction', () => {
  test('key-like strings are replaced wherever they appear', () => {
    expect(redactText('my key is sk-proj-AbCdEf0123456789 ok')).toBe(`my key is ${REDACTED} ok`);
    expect(redactText('Authorization: Bearer abc.def-123')).toBe(`Authorization: Bearer ${REDACTED}`);
    expect(redactText('https://user:pw@example.com/v1?api_key=xyz&x=1')).toBe(`https://${REDACTED}@example.com/v1?api_key=${REDACTED}&x=1`);
    expect(redactText('Incorrect API key provided: sk-abc12***********wxyz.')).not.toContain('sk-abc12');
    expect(redactText('AIzaSyA1234567890abcdefghijklmnopqrstuv')).toBe(REDACTED);
    expect(redactText('plain text about tasks and risk-free keys')).toBe('plain text about tasks and risk-free keys');
    expect(redactText('the literal hunter2-secret', ['hunter2-secret'])).toBe(`the literal ${REDACTED}`);
  });

  test('secret-named fields are redacted, counts and ordinary fields are kept', () => {
    const redacted = redactValue({ api_key: 'anything', nested: [{ token: 'tok' }], max_tokens: 5, model: 'm', note: 'sk-live-1234567890' });
    expect(redacted).toEqual({ api_key: REDACTED, nested: [{ token: REDACTED }], max_tokens: 5, model: 'm', note: REDACTED });
  });

  test('credential headers are redacted whole', () => {
    expect(redactHeaders({ Authorization: 'Bearer x', 'api-key': 'k', 'X-Api-Key': 'k', 'content-type': 'application/json', cookie: 'a=b' })).toEqual({
      authorization: REDACTED,
      'api-key': REDACTED,
      'x-api-key': REDACTED,
      'content-type': 'application/json',
      cookie: REDACTED,
    });
  });
});

const CHAT_REQUEST = { model: 'model-c', messages: [{ role: 'user', content: 'What is recorded?' }] };

function writeCassettes(dir: string): void {
  const cassettes: Cassette[] = [
    {
      name: 'greeting',
      request: { method: 'POST', path: '/v1/chat/completions', body: { model: 'other', messages: [] } },
      response: {
        status: 200,
        headers: { 'content-type': 'application/json' },
        body: {
          id: 'chatcmpl-recorded-1',
          object: 'chat.completion',
          created: 1700000000,
          model: 'gpt-recorded',
          choices: [{ index: 0, message: { role: 'assistant', content: 'recorded greeting', refusal: null }, logprobs: null, finish_reason: 'stop' }],
          usage: { prompt_tokens: 3, completion_tokens: 2, total_tokens: 5 },
        },
      },
    },
    {
      name: 'by-body',
      request: { method: 'POST', path: '/v1/chat/completions', body: CHAT_REQUEST },
      response: {
        status: 200,
        body: {
          id: 'chatcmpl-recorded-2',
          object: 'chat.completion',
          created: 1700000000,
          model: 'model-c',
          choices: [{ index: 0, message: { role: 'assistant', content: 'matched by body', refusal: null }, logprobs: null, finish_reason: 'stop' }],
          usage: { prompt_tokens: 4, completion_tokens: 3, total_tokens: 7 },
        },
      },
    },
    {
      name: 'streamed',
      request: { method: 'POST', path: '/v1/chat/completions', body: { model: 'model-s', stream: true, messages: [] } },
      response: {
        status: 200,
        headers: { 'content-type': 'text/event-stream; charset=utf-8' },
        chunks: [
          { id: 'c1', object: 'chat.completion.chunk', created: 1, model: 'model-s', choices: [{ index: 0, delta: { role: 'assistant', content: '' }, finish_reason: null }] },
          { id: 'c1', object: 'chat.completion.chunk', created: 1, model: 'model-s', choices: [{ index: 0, delta: { content: 'replayed' }, finish_reason: null }] },
          { id: 'c1', object: 'chat.completion.chunk', created: 1, model: 'model-s', choices: [{ index: 0, delta: { content: ' stream' }, finish_reason: null }] },
          { id: 'c1', object: 'chat.completion.chunk', created: 1, model: 'model-s', choices: [{ index: 0, delta: {}, finish_reason: 'stop' }] },
          '[DONE]',
        ],
      },
    },
    {
      name: 'rate-limited',
      request: { method: 'POST', path: '/v1/embeddings', body: { model: 'e', input: 'limited', encoding_format: 'float' } },
      response: { status: 429, body: { error: { message: 'recorded 429', type: 'requests', param: null, code: 'rate_limit_exceeded' } } },
    },
  ];
  for (const cassette of cassettes) fs.writeFileSync(path.join(dir, `${cassette.name}.json`), JSON.stringify(cassette, null, 2));
  // what a mounted ConfigMap also holds: hidden entries and other files are skipped
  fs.mkdirSync(path.join(dir, '..2024_01_01_00_00_00.000'));
  fs.writeFileSync(path.join(dir, 'README.txt'), 'not a cassette');
}

describe('cassette replay', () => {
  let dir: string;
  let mock: MockProvider;
  let client: OpenAI;
  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'aigw-scale-cassettes-'));
    writeCassettes(dir);
    mock = await start({ cassettesDir: dir, backendId: 'backend-002' });
    client = clientFor(mock);
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  test('by X-Cassette-Name, whatever the request body', async () => {
    const { data, response } = await client.chat.completions
      .create({ model: 'model-000001', messages: [{ role: 'user', content: 'anything' }] }, { headers: { 'X-Cassette-Name': 'greeting' } })
      .withResponse();
    expect(data.choices[0].message.content).toBe('recorded greeting');
    expect(data.model).toBe('gpt-recorded');
    expect(response.headers.get('x-mock-source')).toBe('cassette');
    expect(response.headers.get('x-mock-cassette')).toBe('greeting');
    expect(response.headers.get('x-mock-backend-id')).toBe('backend-002');
    expect(response.headers.get('x-mock-model')).toBe('model-000001');
  });

  test('by method, path and body: key order and whitespace do not matter', async () => {
    const body = '{\n  "messages": [ { "content": "What is recorded?", "role": "user" } ],\n  "model": "model-c"\n}';
    const response = await raw(mock.url, { method: 'POST', path: '/v1/chat/completions', headers: jsonHeaders(), body });
    expect(response.status).toBe(200);
    expect(response.headers['x-mock-cassette']).toBe('by-body');
    expect(response.json.choices[0].message.content).toBe('matched by body');
    const viaClient = await client.chat.completions.create(CHAT_REQUEST as OpenAI.Chat.ChatCompletionCreateParamsNonStreaming);
    expect(viaClient.choices[0].message.content).toBe('matched by body');
  });

  test('a different body, or an unknown cassette name, falls through to the synthesized answer', async () => {
    const other = await raw(mock.url, { method: 'POST', path: '/v1/chat/completions', headers: jsonHeaders(), body: chatBody('model-c') });
    expect(other.headers['x-mock-source']).toBe('synthesized');
    expect(other.json.choices[0].message.content).toBe('mock answer from backend-002 for model-c');
    const unknown = await raw(mock.url, { method: 'POST', path: '/v1/chat/completions', headers: jsonHeaders({ 'x-cassette-name': 'no-such' }), body: chatBody('model-x') });
    expect(unknown.headers['x-mock-source']).toBe('synthesized');
    expect(unknown.headers['x-mock-cassette']).toBeUndefined();
  });

  test('a streamed cassette replays as server-sent events', async () => {
    const stream = await client.chat.completions.create(
      { model: 'model-s', stream: true, messages: [{ role: 'user', content: 'x' }] },
      { headers: { 'X-Cassette-Name': 'streamed' } },
    );
    const parts: string[] = [];
    for await (const chunk of stream) parts.push(chunk.choices[0]?.delta.content ?? '');
    expect(parts.join('')).toBe('replayed stream');
  });

  test('a recorded error status replays as that error', async () => {
    // encoding_format given explicitly: the client sends the body as written, so it matches the recording
    const error = await client.embeddings.create({ model: 'e', input: 'limited', encoding_format: 'float' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenAI.RateLimitError);
    expect((error as InstanceType<typeof OpenAI.RateLimitError>).message).toContain('recorded 429');
  });

  test('an invalid cassette file stops startup with its name', async () => {
    const bad = fs.mkdtempSync(path.join(os.tmpdir(), 'aigw-scale-bad-cassettes-'));
    try {
      fs.writeFileSync(path.join(bad, 'broken.json'), '{"request": {"method": "POST"}}');
      await expect(startMockProvider({ port: 0, cassettesDir: bad })).rejects.toThrow(CassetteError);
      await expect(startMockProvider({ port: 0, cassettesDir: bad })).rejects.toThrow(/broken\.json/);
      await expect(startMockProvider({ port: 0, cassettesDir: path.join(bad, 'missing') })).rejects.toThrow(/cannot read cassettes directory/);
    } finally {
      fs.rmSync(bad, { recursive: true, force: true });
    }
  });

  test('the store loads only *.json files and indexes them by name', () => {
    const store = CassetteStore.load(dir);
    expect(store.size).toBe(4);
    expect(store.byName('streamed')?.response.chunks).toHaveLength(5);
  });
});
