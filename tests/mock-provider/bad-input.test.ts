import * as http from 'node:http';
import * as net from 'node:net';
import { MockProvider } from '../../src/mock-provider';
import { chatBody, expectOpenAIError, jsonHeaders, raw, useMocks } from './helpers';

const start = useMocks();
const CHAT = '/v1/chat/completions';

describe('bad input gets an OpenAI-shaped 4xx and the server keeps serving', () => {
  let mock: MockProvider;
  let agent: http.Agent;
  beforeAll(async () => {
    mock = await start({ backendId: 'backend-001' });
  });
  beforeEach(() => {
    // one keep-alive socket: the request after a rejected one reuses the same connection
    agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  });
  afterEach(() => agent.destroy());

  /** A good request over the same connection still gets its answer. */
  async function stillServing(sameConnection = true): Promise<void> {
    const response = await raw(mock.url, { method: 'POST', path: CHAT, headers: jsonHeaders(), body: chatBody('model-ok'), agent });
    expect(response.status).toBe(200);
    expect(response.reusedSocket).toBe(sameConnection);
    expect(response.json.choices[0].message.content).toBe('mock answer from backend-001 for model-ok');
  }

  test('invalid JSON → 400 invalid_json', async () => {
    const response = await raw(mock.url, { method: 'POST', path: CHAT, headers: jsonHeaders(), body: '{"model": "m", ', agent });
    expectOpenAIError(response, 400, 'invalid_json');
    expect(response.headers['x-mock-backend-id']).toBe('backend-001');
    await stillServing();
  });

  test('an empty body → 400 invalid_json', async () => {
    expectOpenAIError(await raw(mock.url, { method: 'POST', path: CHAT, headers: jsonHeaders(), agent }), 400, 'invalid_json');
    await stillServing();
  });

  test('a fresh agent opens a new connection (so the reuse checks above can fail)', async () => {
    await stillServing(false);
  });

  test('missing model → 400 naming the parameter', async () => {
    const response = await raw(mock.url, { method: 'POST', path: CHAT, headers: jsonHeaders(), body: JSON.stringify({ messages: [{ role: 'user', content: 'x' }] }), agent });
    const error = expectOpenAIError(response, 400, 'missing_required_parameter');
    expect(error).toMatchObject({ type: 'invalid_request_error', param: 'model' });
    await stillServing();
  });

  test('a model that is not a string, missing messages, a body that is not an object → 400', async () => {
    const wrongModel = await raw(mock.url, { method: 'POST', path: CHAT, headers: jsonHeaders(), body: JSON.stringify({ model: 7, messages: [] }), agent });
    expect(expectOpenAIError(wrongModel, 400, 'invalid_type').param).toBe('model');
    const noMessages = await raw(mock.url, { method: 'POST', path: CHAT, headers: jsonHeaders(), body: JSON.stringify({ model: 'm' }), agent });
    expect(expectOpenAIError(noMessages, 400, 'missing_required_parameter').param).toBe('messages');
    expectOpenAIError(await raw(mock.url, { method: 'POST', path: CHAT, headers: jsonHeaders(), body: '[1,2]', agent }), 400, 'invalid_body');
    const badInput = await raw(mock.url, { method: 'POST', path: '/v1/embeddings', headers: jsonHeaders(), body: JSON.stringify({ model: 'e', input: [1, 'a'] }), agent });
    expect(expectOpenAIError(badInput, 400, 'invalid_type').param).toBe('input');
    await stillServing();
  });

  test.each([
    ['text/plain', 'text/plain'],
    ['form data', 'application/x-www-form-urlencoded'],
    ['no content type', undefined],
  ])('wrong content type (%s) → 415', async (_label, contentType) => {
    const headers: http.OutgoingHttpHeaders = contentType ? { 'content-type': contentType } : {};
    const response = await raw(mock.url, { method: 'POST', path: CHAT, headers, body: chatBody('m'), agent });
    expectOpenAIError(response, 415, 'unsupported_media_type');
    await stillServing();
  });

  test('application/json with a charset is accepted', async () => {
    const response = await raw(mock.url, { method: 'POST', path: CHAT, headers: { 'content-type': 'Application/JSON; charset=utf-8' }, body: chatBody('m') });
    expect(response.status).toBe(200);
  });

  test('a body over the limit (declared length) → 413, and the connection is still usable', async () => {
    const body = Buffer.alloc(1024 * 1024 + 1, 'a'); // 1 MiB + 1: the default limit is 1 MiB
    const response = await raw(mock.url, { method: 'POST', path: CHAT, headers: jsonHeaders(), body, agent });
    const error = expectOpenAIError(response, 413, 'request_too_large');
    expect(error.message).toContain('1048576');
    await stillServing();
  });

  test('exactly the limit is accepted (parsed, so invalid JSON here, not 413)', async () => {
    const body = Buffer.alloc(1024 * 1024, ' ');
    body.write('{"model":"m"', 0);
    const response = await raw(mock.url, { method: 'POST', path: CHAT, headers: jsonHeaders(), body, agent });
    expectOpenAIError(response, 400, 'invalid_json');
  });

  test('a chunked body growing over --max-body-bytes → 413', async () => {
    const small = await start({ maxBodyBytes: 1000 });
    const piece = Buffer.alloc(400, 'b');
    const response = await raw(small.url, { method: 'POST', path: CHAT, headers: jsonHeaders(), chunks: [piece, piece, piece, piece] });
    expect(expectOpenAIError(response, 413, 'request_too_large').message).toContain('limit of 1000 bytes');
    const ok = await raw(small.url, { method: 'POST', path: CHAT, headers: jsonHeaders(), chunks: [chatBody('m')] });
    expect(ok.status).toBe(200);
  });

  test('unknown path → 404, wrong method → 405, same error shape', async () => {
    const notFound = await raw(mock.url, { path: '/v1/does-not-exist', agent });
    expect(expectOpenAIError(notFound, 404, 'unknown_url').message).toContain('/v1/does-not-exist');
    expectOpenAIError(await raw(mock.url, { path: '/nothing-here', agent }), 404, 'unknown_url');
    expectOpenAIError(await raw(mock.url, { method: 'POST', path: '/elsewhere', headers: jsonHeaders(), body: '{}', agent }), 404, 'unknown_url');
    expectOpenAIError(await raw(mock.url, { path: CHAT, agent }), 405, 'method_not_allowed');
    expectOpenAIError(await raw(mock.url, { method: 'DELETE', path: '/healthz', agent }), 405, 'method_not_allowed');
    await stillServing();
  });

  test('an invalid fault header → 400 naming the header', async () => {
    const response = await raw(mock.url, { method: 'POST', path: CHAT, headers: jsonHeaders({ 'x-mock-error-rate': '1.5' }), body: chatBody('m'), agent });
    expect(expectOpenAIError(response, 400, 'invalid_header').param).toBe('x-mock-error-rate');
    const delay = await raw(mock.url, { method: 'POST', path: CHAT, headers: jsonHeaders({ 'x-mock-delay-ms': '200-100' }), body: chatBody('m'), agent });
    expect(expectOpenAIError(delay, 400, 'invalid_header').param).toBe('x-mock-delay-ms');
    await stillServing();
  });

  test('garbage that is not HTTP → 400 JSON on that socket; others are unaffected', async () => {
    const reply = await new Promise<string>((resolve, reject) => {
      const socket = net.connect(mock.port, '127.0.0.1', () => socket.write('NOT HTTP AT ALL\r\n\r\n'));
      let data = '';
      socket.on('data', (chunk) => (data += chunk.toString()));
      socket.on('end', () => resolve(data));
      socket.on('error', reject);
    });
    expect(reply).toMatch(/^HTTP\/1\.1 400 /);
    expect(JSON.parse(reply.slice(reply.indexOf('\r\n\r\n') + 4)).error.code).toBe('bad_http_request');
    await stillServing(false);
  });
});
