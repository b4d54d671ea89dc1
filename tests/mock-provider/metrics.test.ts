import { MockProvider } from '../../src/mock-provider';
import { LATENCY_BUCKETS, Metrics } from '../../src/mock-provider/metrics';
import { chatBody, jsonHeaders, raw, useMocks } from './helpers';

const start = useMocks();

/** Samples of an exposition text: metric name + labels → value. */
function samples(text: string): Map<string, number> {
  const result = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*(?:\{[^}]*\})?) (\S+)$/.exec(line);
    if (!match) throw new Error(`not a Prometheus sample line: ${line}`);
    result.set(match[1], Number(match[2]));
  }
  return result;
}

describe('GET /metrics', () => {
  let mock: MockProvider;
  beforeAll(async () => {
    mock = await start({ backendId: 'backend-001' });
    const chat = (model: string) => raw(mock.url, { method: 'POST', path: '/v1/chat/completions', headers: jsonHeaders(), body: chatBody(model) });
    await chat('model-a');
    await chat('model-a');
    await chat('model-b');
    await raw(mock.url, { method: 'POST', path: '/v1/chat/completions', headers: jsonHeaders(), body: '{"messages":[]}' }); // 400, no model
    await raw(mock.url, { method: 'POST', path: '/v1/chat/completions', headers: jsonHeaders({ 'x-mock-error-rate': '1', 'x-mock-error-status': '503' }), body: chatBody('model-a') });
    await raw(mock.url, { path: '/v1/models' });
    await raw(mock.url, { path: '/v1/unknown/thing' });
  });

  test('Prometheus text format with a requests counter by path, model and status', async () => {
    const response = await raw(mock.url, { path: '/metrics' });
    expect(response.status).toBe(200);
    expect(response.headers['content-type']).toBe('text/plain; version=0.0.4; charset=utf-8');
    expect(response.text).toContain('# TYPE mock_provider_requests_total counter');
    const s = samples(response.text);
    expect(s.get('mock_provider_requests_total{path="/v1/chat/completions",model="model-a",status="200"}')).toBe(2);
    expect(s.get('mock_provider_requests_total{path="/v1/chat/completions",model="model-b",status="200"}')).toBe(1);
    expect(s.get('mock_provider_requests_total{path="/v1/chat/completions",model="",status="400"}')).toBe(1);
    expect(s.get('mock_provider_requests_total{path="/v1/chat/completions",model="model-a",status="503"}')).toBe(1);
    expect(s.get('mock_provider_requests_total{path="/v1/models",model="",status="200"}')).toBe(1);
    expect(s.get('mock_provider_requests_total{path="other",model="",status="404"}')).toBe(1);
    expect(s.get('mock_provider_inflight_requests')).toBe(1); // this very request
    expect(s.get('process_resident_memory_bytes')).toBeGreaterThan(10 * 1024 * 1024);
  });

  test('a latency histogram per path: cumulative buckets ending in +Inf = count', async () => {
    const s = samples((await raw(mock.url, { path: '/metrics' })).text);
    const path = '/v1/chat/completions';
    const buckets = LATENCY_BUCKETS.map((le) => s.get(`mock_provider_request_duration_seconds_bucket{path="${path}",le="${le}"}`));
    expect(buckets.every((b) => typeof b === 'number')).toBe(true);
    for (let i = 1; i < buckets.length; i++) expect(buckets[i]!).toBeGreaterThanOrEqual(buckets[i - 1]!);
    const count = s.get(`mock_provider_request_duration_seconds_count{path="${path}"}`);
    expect(count).toBe(5);
    expect(s.get(`mock_provider_request_duration_seconds_bucket{path="${path}",le="+Inf"}`)).toBe(count);
    expect(s.get(`mock_provider_request_duration_seconds_sum{path="${path}"}`)).toBeGreaterThan(0);
  });
});

describe('Metrics', () => {
  test('model labels are capped: further models count as _other', () => {
    const metrics = new Metrics(2);
    for (const model of ['a', 'b', 'c', 'd', 'a']) metrics.observe('/v1/chat/completions', model, 200, 0.001);
    const s = samples(metrics.render(1));
    expect(s.get('mock_provider_requests_total{path="/v1/chat/completions",model="a",status="200"}')).toBe(2);
    expect(s.get('mock_provider_requests_total{path="/v1/chat/completions",model="b",status="200"}')).toBe(1);
    expect(s.get('mock_provider_requests_total{path="/v1/chat/completions",model="_other",status="200"}')).toBe(2);
  });

  test('label values are escaped', () => {
    const metrics = new Metrics();
    metrics.observe('/v1/chat/completions', 'a"b\\c\nd', 200, 0.5);
    expect(metrics.render(1)).toContain('model="a\\"b\\\\c\\nd"');
  });

  test('a latency lands in the first bucket whose bound it does not exceed', () => {
    const metrics = new Metrics();
    metrics.observe('/x', '', 200, 0.2);
    const s = samples(metrics.render(1));
    expect(s.get('mock_provider_request_duration_seconds_bucket{path="/x",le="0.1"}')).toBe(0);
    expect(s.get('mock_provider_request_duration_seconds_bucket{path="/x",le="0.25"}')).toBe(1);
    expect(s.get('mock_provider_request_duration_seconds_bucket{path="/x",le="30"}')).toBe(1);
  });
});
