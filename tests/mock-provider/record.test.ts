import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import OpenAI from 'openai';
import { MockProvider } from '../../src/mock-provider';
import { REDACTED } from '../../src/mock-provider/cassettes';
import { upstreamUrl } from '../../src/mock-provider/upstream';
import { chatBody, clientFor, jsonHeaders, raw, useMocks } from './helpers';

const start = useMocks();

/** Fake secrets: none may reach a cassette file or a log line. */
const UPSTREAM_KEY = 'sk-upstream-FAKE-0123456789abcdef';
const CLIENT_KEY = 'sk-client-FAKE-fedcba9876543210';
const INLINE_SECRET = 'sk-inline-FAKE-55555555';

describe('upstream URLs', () => {
  test('a base with or without /v1 maps request paths without doubling /v1', () => {
    expect(upstreamUrl(new URL('https://api.example.com'), '/v1/chat/completions')).toBe('https://api.example.com/v1/chat/completions');
    expect(upstreamUrl(new URL('https://api.example.com/v1/'), '/v1/chat/completions')).toBe('https://api.example.com/v1/chat/completions');
    expect(upstreamUrl(new URL('http://127.0.0.1:9/openai/v1'), '/v1/models?limit=2')).toBe('http://127.0.0.1:9/openai/v1/models?limit=2');
    expect(upstreamUrl(new URL('http://127.0.0.1:9/prefix'), '/v1/models')).toBe('http://127.0.0.1:9/prefix/v1/models');
  });
});

describe('record mode against a second mock as the upstream', () => {
  let dir: string;
  let upstream: MockProvider;
  let recorder: MockProvider;
  let client: OpenAI;
  const logs: string[] = [];

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'aigw-scale-record-'));
    // the upstream only answers requests carrying the upstream key: a 401 would fail every test below
    upstream = await start({ backendId: 'upstream-1', requireApiKey: UPSTREAM_KEY });
    recorder = await start({
      backendId: 'recorder',
      recordUrl: `${upstream.url}/v1`,
      upstreamApiKey: UPSTREAM_KEY,
      cassettesDir: path.join(dir, 'cassettes'), // created on start in record mode
      log: (line) => logs.push(line),
    });
    client = clientFor(recorder, CLIENT_KEY);
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  const cassetteFiles = (): string[] => fs.readdirSync(path.join(dir, 'cassettes')).filter((f) => f.endsWith('.json')).sort();
  const readCassette = (name: string) => JSON.parse(fs.readFileSync(path.join(dir, 'cassettes', `${name}.json`), 'utf8'));

  test('a named chat request is proxied with the upstream key and written as <name>.json', async () => {
    const { data, response } = await client.chat.completions
      .create(
        { model: 'model-r', messages: [{ role: 'user', content: `please remember ${INLINE_SECRET}` }] },
        { headers: { 'X-Cassette-Name': 'rec-chat', 'api-key': CLIENT_KEY } },
      )
      .withResponse();
    expect(data.choices[0].message.content).toBe('mock answer from upstream-1 for model-r');
    expect(response.headers.get('x-mock-source')).toBe('upstream');
    expect(response.headers.get('x-mock-backend-id')).toBe('recorder');

    const cassette = readCassette('rec-chat');
    expect(cassette).toMatchObject({ name: 'rec-chat', request: { method: 'POST', path: '/v1/chat/completions' }, response: { status: 200 } });
    expect(cassette.request.headers.authorization).toBe(REDACTED);
    expect(cassette.request.headers['api-key']).toBe(REDACTED);
    expect(cassette.request.body.messages[0].content).toBe(`please remember ${REDACTED}`);
    expect(cassette.response.body.choices[0].message.content).toBe('mock answer from upstream-1 for model-r');
    expect(cassette.response.headers['content-type']).toBe('application/json');
  });

  test('streams are passed through as they arrive and recorded as chunks', async () => {
    const stream = await client.chat.completions.create({
      model: 'model-rs',
      stream: true,
      stream_options: { include_usage: true },
      messages: [{ role: 'user', content: 'stream me' }],
    });
    let text = '';
    let usage: OpenAI.CompletionUsage | null | undefined;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? '';
      usage = chunk.usage ?? usage;
    }
    expect(text).toBe('mock answer from upstream-1 for model-rs');
    expect(usage?.completion_tokens).toBe(6);

    const streamed = cassetteFiles().map((f) => readCassette(f.replace(/\.json$/, ''))).find((c) => c.request.body?.model === 'model-rs');
    expect(streamed?.name).toMatch(/^post-v1-chat-completions-[0-9a-f]{12}$/);
    expect(streamed.response.chunks[streamed.response.chunks.length - 1]).toBe('[DONE]');
    expect(streamed.response.chunks.filter((c: any) => typeof c === 'object' && c.choices[0]?.delta?.content).length).toBe(6);
  });

  test('stream chunks reach the client while the upstream is still generating', async () => {
    const slow = await start({ backendId: 'slow-upstream', interTokenMs: 60 });
    const slowRecorder = await start({ recordUrl: slow.url, cassettesDir: path.join(dir, 'slow') });
    const stream = await clientFor(slowRecorder).chat.completions.create({ model: 'm', stream: true, messages: [{ role: 'user', content: 'x' }] });
    const arrivals: number[] = [];
    for await (const chunk of stream) if (chunk.choices[0]?.delta.content) arrivals.push(performance.now());
    expect(arrivals).toHaveLength(6);
    // buffered, all six would arrive together; streamed, they are ~60 ms apart (5 gaps)
    expect(arrivals[5] - arrivals[0]).toBeGreaterThan(200);
  });

  test('embeddings and model lists are recorded too', async () => {
    const embedding = await client.embeddings.create({ model: 'emb-r', input: 'record this', encoding_format: 'float' });
    expect(embedding.data[0].embedding).toHaveLength(16);
    const models = await client.models.list();
    expect(models.data.map((m) => m.id)).toEqual(['mock-model']);
    const recorded = cassetteFiles().map((f) => readCassette(f.replace(/\.json$/, '')));
    expect(recorded.map((c) => c.request.path).sort()).toEqual(['/v1/chat/completions', '/v1/chat/completions', '/v1/embeddings', '/v1/models']);
  });

  test('no secret appears in any written file or log line, and the files are readable JSON', () => {
    const files = cassetteFiles();
    expect(files.length).toBeGreaterThanOrEqual(4);
    for (const file of files) {
      const text = fs.readFileSync(path.join(dir, 'cassettes', file), 'utf8');
      for (const secret of [UPSTREAM_KEY, CLIENT_KEY, INLINE_SECRET, 'FAKE']) expect(text).not.toContain(secret);
      expect(text.split('\n').length).toBeGreaterThan(10); // pretty-printed, one field per line
      expect(() => JSON.parse(text)).not.toThrow();
    }
    expect(logs.some((line) => line.startsWith('recorded POST /v1/chat/completions (status 200) as cassette rec-chat'))).toBe(true);
    for (const line of logs) for (const secret of [UPSTREAM_KEY, CLIENT_KEY, INLINE_SECRET]) expect(line).not.toContain(secret);
  });

  test('a replaying mock serves the recordings: by name, and by body for the unnamed stream', async () => {
    const replayer = await start({ backendId: 'replayer', cassettesDir: path.join(dir, 'cassettes') });
    const replayClient = clientFor(replayer);
    const { data, response } = await replayClient.chat.completions
      .create({ model: 'model-r', messages: [{ role: 'user', content: 'different text' }] }, { headers: { 'X-Cassette-Name': 'rec-chat' } })
      .withResponse();
    expect(data.choices[0].message.content).toBe('mock answer from upstream-1 for model-r');
    expect(response.headers.get('x-mock-source')).toBe('cassette');
    expect(response.headers.get('x-mock-backend-id')).toBe('replayer');

    const stream = await replayClient.chat.completions.create({
      model: 'model-rs',
      stream: true,
      stream_options: { include_usage: true },
      messages: [{ role: 'user', content: 'stream me' }],
    });
    let text = '';
    for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
    expect(text).toBe('mock answer from upstream-1 for model-rs');
  });

  test('without the upstream key the upstream refuses, and the refusal is passed through', async () => {
    const keyless = await start({ recordUrl: upstream.url, cassettesDir: path.join(dir, 'keyless') });
    const error = await clientFor(keyless).models.list().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenAI.AuthenticationError);
  });

  test('an unreachable upstream is a 502 upstream_error that does not leak the key', async () => {
    const lines: string[] = [];
    const unreachable = await start({
      recordUrl: 'http://127.0.0.1:1/v1',
      upstreamApiKey: UPSTREAM_KEY,
      cassettesDir: path.join(dir, 'unreachable'),
      log: (line) => lines.push(line),
    });
    const response = await raw(unreachable.url, { method: 'POST', path: '/v1/chat/completions', headers: jsonHeaders(), body: chatBody('m') });
    expect(response.status).toBe(502);
    expect(response.json.error.code).toBe('upstream_error');
    expect(response.text).not.toContain(UPSTREAM_KEY);
    expect(lines.join('\n')).not.toContain(UPSTREAM_KEY);
    expect(lines.some((line) => line.includes('failed'))).toBe(true);
  });

  test('an invalid cassette name is refused before anything is proxied', async () => {
    const response = await raw(recorder.url, {
      method: 'POST',
      path: '/v1/chat/completions',
      headers: jsonHeaders({ 'x-cassette-name': '../escape' }),
      body: chatBody('m'),
    });
    expect(response.status).toBe(400);
    expect(response.json.error.param).toBe('x-cassette-name');
    expect(fs.existsSync(path.join(dir, 'escape.json'))).toBe(false);
  });
});
