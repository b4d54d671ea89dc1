import * as http from 'node:http';
import { AddressInfo } from 'node:net';
import { GatewayClient } from '../../src/bench/gateway-client';
import { ProbeOutcome, ProbeScheduler } from '../../src/bench/probe-scheduler';

/** A real HTTP server that answers a model only after its activation time, as a backend would, naming the backend and its namespace. */
async function gatewayActivatingAfter(delays: Record<string, { ms: number; backend: string; namespace?: string }>) {
  const started = Date.now();
  const server = http.createServer((req, res) => {
    req.resume();
    const route = delays[String(req.headers['x-ai-eg-model'])];
    if (!route || Date.now() - started < route.ms) return void res.writeHead(404).end();
    res.writeHead(200, { 'x-mock-backend-id': route.backend, 'x-mock-backend-namespace': route.namespace ?? 'ns' }).end('{}');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, started, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

describe('ProbeScheduler', () => {
  test('detects each route within about one interval of it becoming ready', async () => {
    const gateway = await gatewayActivatingAfter({ a: { ms: 300, backend: 'backend-001' }, b: { ms: 700, backend: 'backend-002' } });
    const outcomes: ProbeOutcome[] = [];
    const client = new GatewayClient(gateway.url);
    const scheduler = new ProbeScheduler(client, (o) => outcomes.push(o), { intervalMs: 50 });
    scheduler.add({ object: 'a', model: 'a', backend: 'backend-001', namespace: 'ns' });
    scheduler.add({ object: 'b', model: 'b', backend: 'backend-002', namespace: 'ns' });
    await scheduler.idle();
    client.close();
    await gateway.close();
    expect(outcomes.map((o) => `${o.route.object} ${o.kind}`).sort()).toEqual(['a firstSuccess', 'a ready', 'b firstSuccess', 'b ready']);
    const byObject = new Map(outcomes.filter((o) => o.kind === 'ready').map((o) => [o.route.object, o]));
    for (const [object, readyAfter] of [['a', 300], ['b', 700]] as const) {
      const outcome = byObject.get(object)!;
      const detectedAfter = outcome.atMs - gateway.started;
      expect(detectedAfter).toBeGreaterThanOrEqual(readyAfter);
      expect(detectedAfter).toBeLessThan(readyAfter + 250);
      expect(outcome.atMs - outcome.lastFailureMs!).toBeLessThan(250);
      expect(outcome.attempts).toBeGreaterThan(1);
    }
  });

  test('a 200 from the wrong backend is not a success, and the route times out', async () => {
    const gateway = await gatewayActivatingAfter({ a: { ms: 0, backend: 'backend-009' } });
    const outcomes: ProbeOutcome[] = [];
    const client = new GatewayClient(gateway.url);
    const scheduler = new ProbeScheduler(client, (o) => outcomes.push(o), { intervalMs: 20, timeoutMs: 300 });
    scheduler.add({ object: 'a', model: 'a', backend: 'backend-001', namespace: 'ns' });
    await scheduler.idle();
    client.close();
    await gateway.close();
    expect(outcomes).toHaveLength(1);
    expect(outcomes[0].kind).toBe('timedOut');
    expect(outcomes[0].lastResult).toMatchObject({ status: 200, backend: 'backend-009' });
  });

  test('a 200 from a backend of the same name in another namespace (another fixture\'s Gateway) is not a success', async () => {
    const gateway = await gatewayActivatingAfter({ a: { ms: 0, backend: 'backend-001', namespace: 'stack' } });
    const outcomes: ProbeOutcome[] = [];
    const client = new GatewayClient(gateway.url);
    const scheduler = new ProbeScheduler(client, (o) => outcomes.push(o), { intervalMs: 20, timeoutMs: 300 });
    scheduler.add({ object: 'a', model: 'a', backend: 'backend-001', namespace: 'run' });
    await scheduler.idle();
    client.close();
    await gateway.close();
    expect(outcomes.map((o) => o.kind)).toEqual(['timedOut']);
    expect(outcomes[0].lastResult).toMatchObject({ status: 200, backend: 'backend-001', namespace: 'stack' });
  });

  test('a gateway that is down gives connection errors, reported as such', async () => {
    const gateway = await gatewayActivatingAfter({});
    await gateway.close();
    const outcomes: ProbeOutcome[] = [];
    const client = new GatewayClient(gateway.url);
    const scheduler = new ProbeScheduler(client, (o) => outcomes.push(o), { intervalMs: 20, timeoutMs: 200 });
    scheduler.add({ object: 'a', model: 'a', backend: 'x', namespace: 'ns' });
    await scheduler.idle();
    client.close();
    expect(outcomes[0]).toMatchObject({ kind: 'timedOut', lastResult: { status: 0 } });
    expect(outcomes[0].lastResult!.error).toMatch(/ECONNREFUSED/);
  });

  test('stop() ends waiting at once', async () => {
    const gateway = await gatewayActivatingAfter({});
    const client = new GatewayClient(gateway.url);
    const scheduler = new ProbeScheduler(client, () => undefined, { intervalMs: 20 });
    scheduler.add({ object: 'a', model: 'a', backend: 'x', namespace: 'ns' });
    const idle = scheduler.idle();
    scheduler.stop();
    await expect(idle).resolves.toBeUndefined();
    client.close();
    await gateway.close();
  });

  describe('k successes in a row', () => {
    /** A real HTTP server answering a model from its backend on the probes whose 1-based number is in `good`, else 503. */
    async function gatewayAnswering(good: (probe: number) => boolean) {
      let probes = 0;
      const server = http.createServer((req, res) => {
        req.resume();
        probes++;
        if (good(probes)) res.writeHead(200, { 'x-mock-backend-id': 'backend-001', 'x-mock-backend-namespace': 'ns' }).end('{}');
        else res.writeHead(503).end();
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, probes: () => probes, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
    }

    async function probeOne(good: (probe: number) => boolean, consecutiveSuccesses: number, timeoutMs = 2000) {
      const gateway = await gatewayAnswering(good);
      const outcomes: ProbeOutcome[] = [];
      const client = new GatewayClient(gateway.url);
      const scheduler = new ProbeScheduler(client, (o) => outcomes.push(o), { intervalMs: 10, timeoutMs, consecutiveSuccesses });
      scheduler.add({ object: 'a', model: 'a', backend: 'backend-001', namespace: 'ns', incarnation: 2 });
      await scheduler.idle();
      client.close();
      await gateway.close();
      return outcomes;
    }

    test('a route that alternates between success and failure is never ready, though it had a first success', async () => {
      const outcomes = await probeOne((n) => n % 2 === 0, 3, 600);
      expect(outcomes.map((o) => o.kind)).toEqual(['firstSuccess', 'timedOut']);
      expect(outcomes[0]).toMatchObject({ attempts: 2, route: { incarnation: 2 } });
      expect(outcomes[1].attempts).toBeGreaterThan(10);
    });

    test('a failure resets the count: ready is the k-th success of an unbroken run', async () => {
      // Probes 1 fail, 2–3 succeed, 4 fails, 5–7 succeed: first success on probe 2, ready on probe 7.
      const outcomes = await probeOne((n) => [2, 3, 5, 6, 7].includes(n), 3);
      expect(outcomes.map((o) => [o.kind, o.attempts])).toEqual([
        ['firstSuccess', 2],
        ['ready', 7],
      ]);
      expect(outcomes[1].atMs).toBeGreaterThan(outcomes[0].atMs);
      expect(outcomes[1].lastFailureMs).toBeGreaterThan(outcomes[0].atMs); // the failure of probe 4
    });

    test('with k = 1 the first success is also the ready one', async () => {
      const outcomes = await probeOne(() => true, 1);
      expect(outcomes.map((o) => [o.kind, o.attempts])).toEqual([
        ['firstSuccess', 1],
        ['ready', 1],
      ]);
      expect(outcomes[0].atMs).toBe(outcomes[1].atMs);
    });

    test('k below 1 is refused with the reason', () => {
      expect(() => new ProbeScheduler(new GatewayClient('http://127.0.0.1:1'), () => undefined, { consecutiveSuccesses: 0 })).toThrow('consecutiveSuccesses must be a whole number ≥ 1, got 0');
    });
  });
});
