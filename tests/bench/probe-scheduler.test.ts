import * as http from 'node:http';
import { AddressInfo } from 'node:net';
import { GatewayClient } from '../../src/bench/gateway-client';
import { ProbeOutcome, ProbeScheduler } from '../../src/bench/probe-scheduler';

/** A real HTTP server that answers a model only after its activation time, as a backend would, naming the backend. */
async function gatewayActivatingAfter(delays: Record<string, { ms: number; backend: string }>) {
  const started = Date.now();
  const server = http.createServer((req, res) => {
    req.resume();
    const route = delays[String(req.headers['x-ai-eg-model'])];
    if (!route || Date.now() - started < route.ms) return void res.writeHead(404).end();
    res.writeHead(200, { 'x-mock-backend-id': route.backend }).end('{}');
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
    scheduler.add({ object: 'a', model: 'a', backend: 'backend-001' });
    scheduler.add({ object: 'b', model: 'b', backend: 'backend-002' });
    await scheduler.idle();
    client.close();
    await gateway.close();
    const byObject = new Map(outcomes.map((o) => [o.route.object, o]));
    for (const [object, readyAfter] of [['a', 300], ['b', 700]] as const) {
      const outcome = byObject.get(object)!;
      expect(outcome.success).toBe(true);
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
    scheduler.add({ object: 'a', model: 'a', backend: 'backend-001' });
    await scheduler.idle();
    client.close();
    await gateway.close();
    expect(outcomes).toHaveLength(1);
    expect(outcomes[0].success).toBe(false);
    expect(outcomes[0].lastResult).toMatchObject({ status: 200, backend: 'backend-009' });
  });

  test('a gateway that is down gives connection errors, reported as such', async () => {
    const gateway = await gatewayActivatingAfter({});
    await gateway.close();
    const outcomes: ProbeOutcome[] = [];
    const client = new GatewayClient(gateway.url);
    const scheduler = new ProbeScheduler(client, (o) => outcomes.push(o), { intervalMs: 20, timeoutMs: 200 });
    scheduler.add({ object: 'a', model: 'a', backend: 'x' });
    await scheduler.idle();
    client.close();
    expect(outcomes[0]).toMatchObject({ success: false, lastResult: { status: 0 } });
    expect(outcomes[0].lastResult!.error).toMatch(/ECONNREFUSED/);
  });

  test('stop() ends waiting at once', async () => {
    const gateway = await gatewayActivatingAfter({});
    const client = new GatewayClient(gateway.url);
    const scheduler = new ProbeScheduler(client, () => undefined, { intervalMs: 20 });
    scheduler.add({ object: 'a', model: 'a', backend: 'x' });
    const idle = scheduler.idle();
    scheduler.stop();
    await expect(idle).resolves.toBeUndefined();
    client.close();
    await gateway.close();
  });
});
