import OpenAI from 'openai';
import { MockProvider } from '../../src/mock-provider';
import { drawDelay, drawError, mulberry32, parseDelay, parseErrorStatus, parseRate, requestFaults } from '../../src/mock-provider/faults';
import { DEFAULT_FAULTS, chatBody, clientFor, jsonHeaders, raw, useMocks } from './helpers';

const start = useMocks();
const CHAT = '/v1/chat/completions';

describe('mulberry32', () => {
  test('the same seed gives the same sequence, another seed another one, all in [0, 1)', () => {
    const a = mulberry32(42);
    const b = mulberry32(42);
    const c = mulberry32(43);
    const seqA = Array.from({ length: 1000 }, a);
    const seqB = Array.from({ length: 1000 }, b);
    const seqC = Array.from({ length: 1000 }, c);
    expect(seqA).toEqual(seqB);
    expect(seqA).not.toEqual(seqC);
    expect(seqA.every((x) => x >= 0 && x < 1)).toBe(true);
    expect(new Set(seqA).size).toBe(1000);
  });

  test('roughly uniform: mean near 0.5, every tenth of [0, 1) hit about equally', () => {
    const rng = mulberry32(7);
    const deciles = new Array<number>(10).fill(0);
    let sum = 0;
    for (let i = 0; i < 20_000; i++) {
      const x = rng();
      sum += x;
      deciles[Math.floor(x * 10)]++;
    }
    expect(sum / 20_000).toBeGreaterThan(0.48);
    expect(sum / 20_000).toBeLessThan(0.52);
    for (const count of deciles) expect(Math.abs(count - 2000)).toBeLessThan(200);
  });
});

describe('fault settings parsing', () => {
  test('delays: fixed, ranges, and what is refused', () => {
    expect(parseDelay('100')).toEqual({ min: 100, max: 100 });
    expect(parseDelay(' 50 - 200 ')).toEqual({ min: 50, max: 200 });
    expect(parseDelay('0')).toEqual({ min: 0, max: 0 });
    for (const bad of ['', '-5', 'abc', '200-100', '1.5', '700000', '5-']) expect(typeof parseDelay(bad)).toBe('string');
  });

  test('rates 0..1 and error statuses 400..599', () => {
    expect(parseRate('0.3')).toBe(0.3);
    expect(parseRate('1')).toBe(1);
    for (const bad of ['', '-0.1', '1.01', 'x', 'NaN']) expect(typeof parseRate(bad)).toBe('string');
    expect(parseErrorStatus('429')).toBe(429);
    for (const bad of ['200', '399', '600', '5xx', '']) expect(typeof parseErrorStatus(bad)).toBe('string');
  });

  test('headers override the server settings; no header keeps the very same settings object', () => {
    expect(requestFaults(DEFAULT_FAULTS, {})).toBe(DEFAULT_FAULTS);
    expect(requestFaults(DEFAULT_FAULTS, { 'x-mock-delay-ms': '50-200', 'x-mock-error-rate': '0.3', 'x-mock-error-status': '503' })).toEqual({
      ...DEFAULT_FAULTS,
      delay: { min: 50, max: 200 },
      errorRate: 0.3,
      errorStatus: 503,
    });
    expect(requestFaults(DEFAULT_FAULTS, { 'x-mock-ttft-ms': 'soon' })).toMatchObject({ header: 'x-mock-ttft-ms' });
  });

  test('draws stay in range; fixed delays and rates 0/1 consume no random numbers', () => {
    const rng = mulberry32(1);
    for (let i = 0; i < 500; i++) {
      const d = drawDelay({ min: 50, max: 60 }, rng);
      expect(d).toBeGreaterThanOrEqual(50);
      expect(d).toBeLessThanOrEqual(60);
    }
    const counting = jest.fn(mulberry32(1));
    drawDelay({ min: 5, max: 5 }, counting);
    drawError(0, counting);
    drawError(1, counting);
    expect(counting).not.toHaveBeenCalled();
  });
});

/** Statuses of `count` sequential requests. */
async function statuses(mock: MockProvider, count: number, headers: Record<string, string> = {}): Promise<number[]> {
  const result: number[] = [];
  for (let i = 0; i < count; i++) {
    result.push((await raw(mock.url, { method: 'POST', path: CHAT, headers: jsonHeaders(headers), body: chatBody('m') })).status);
  }
  return result;
}

describe('faults on a running server', () => {
  test('an error rate under a seed gives the same status sequence every time; another seed another one', async () => {
    const options = { errorRate: 0.3, errorStatus: 503 };
    const [a, b, c] = await Promise.all([start({ ...options, seed: 42 }), start({ ...options, seed: 42 }), start({ ...options, seed: 4242 })]);
    const seqA = await statuses(a, 60);
    const seqB = await statuses(b, 60);
    const seqC = await statuses(c, 60);
    expect(seqA).toEqual(seqB);
    expect(seqA).not.toEqual(seqC);
    expect(new Set(seqA)).toEqual(new Set([200, 503]));
    const failures = seqA.filter((s) => s === 503).length;
    expect(failures).toBeGreaterThan(6); // ~18 expected of 60
    expect(failures).toBeLessThan(32);
  });

  test('the outcome matches the PRNG: request i fails exactly when draw i < rate', async () => {
    const mock = await start({ seed: 9, errorRate: 0.5, errorStatus: 429 });
    const rng = mulberry32(9);
    const expected = Array.from({ length: 20 }, () => (rng() < 0.5 ? 429 : 200));
    expect(await statuses(mock, 20)).toEqual(expected);
  });

  test('per-request headers inject an error on an otherwise healthy server', async () => {
    const mock = await start();
    const response = await raw(mock.url, {
      method: 'POST',
      path: CHAT,
      headers: jsonHeaders({ 'x-mock-error-rate': '1', 'x-mock-error-status': '500' }),
      body: chatBody('model-f'),
    });
    expect(response.status).toBe(500);
    expect(response.headers['x-mock-source']).toBe('fault');
    expect(response.headers['x-mock-model']).toBe('model-f');
    expect(response.json.error).toMatchObject({ type: 'server_error', code: 'internal_error', param: null });
    expect(await statuses(mock, 3)).toEqual([200, 200, 200]);
  });

  test('a server-wide error rate of 1 fails every /v1 request but not /healthz', async () => {
    const mock = await start({ errorRate: 1, errorStatus: 429 });
    expect(await statuses(mock, 3)).toEqual([429, 429, 429]);
    expect((await raw(mock.url, { path: '/healthz' })).status).toBe(200);
  });

  test('fixed and ranged delays from headers and from the server settings', async () => {
    const mock = await start();
    const timed = async (target: MockProvider, headers: Record<string, string> = {}): Promise<number> => {
      const started = performance.now();
      const response = await raw(target.url, { method: 'POST', path: CHAT, headers: jsonHeaders(headers), body: chatBody('m') });
      expect(response.status).toBe(200);
      return performance.now() - started;
    };
    expect(await timed(mock)).toBeLessThan(200);
    expect(await timed(mock, { 'x-mock-delay-ms': '250' })).toBeGreaterThanOrEqual(245);
    const ranged = await timed(mock, { 'x-mock-delay-ms': '60-90' });
    expect(ranged).toBeGreaterThanOrEqual(58);
    expect(ranged).toBeLessThan(400);
    const slow = await start({ delayMs: '120' });
    expect(await timed(slow)).toBeGreaterThanOrEqual(115);
  });

  test('streaming: time to first token and inter-token delay shape the chunk timing', async () => {
    const mock = await start({ ttftMs: 250, interTokenMs: 40 });
    const client: OpenAI = clientFor(mock);
    const started = performance.now();
    const stream = await client.chat.completions.create({ model: 'm', stream: true, messages: [{ role: 'user', content: 'x' }] });
    const arrivals: number[] = [];
    for await (const chunk of stream) if (chunk.choices[0]?.delta.content) arrivals.push(performance.now() - started);
    expect(arrivals).toHaveLength(6);
    expect(arrivals[0]).toBeGreaterThanOrEqual(245);
    expect(arrivals[5] - arrivals[0]).toBeGreaterThanOrEqual(150); // 5 gaps of 40 ms, less scheduling slack on our side
    expect(arrivals[5]).toBeGreaterThanOrEqual(245 + 5 * 38);

    // headers override: no TTFT
    const fastStarted = performance.now();
    const fast = await client.chat.completions.create(
      { model: 'm', stream: true, messages: [{ role: 'user', content: 'x' }] },
      { headers: { 'x-mock-ttft-ms': '0', 'x-mock-inter-token-ms': '0' } },
    );
    for await (const chunk of fast) void chunk;
    expect(performance.now() - fastStarted).toBeLessThan(200);
  });
});
