import * as fs from 'node:fs';
import * as http from 'node:http';
import { AddressInfo } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import * as YAML from 'yaml';
import { Cluster, MAX_RETRY_AFTER_MS, backoffMs } from '../../src/kube/cluster';

/** A real HTTP apiserver stand-in that answers from a script of responses and records when each request came. */
async function scriptedServer(script: { status: number; headers?: Record<string, string> }[]) {
  const arrivals: number[] = [];
  const server = http.createServer((_req, res) => {
    arrivals.push(performance.now());
    const step = script[Math.min(arrivals.length - 1, script.length - 1)];
    res.writeHead(step.status, { 'content-type': 'application/json', ...step.headers }).end(JSON.stringify({ kind: 'Status', code: step.status }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'aigw-scale-retry-after-'));
  const kubeconfig = path.join(dir, 'kubeconfig');
  const server_ = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  fs.writeFileSync(kubeconfig, YAML.stringify({ apiVersion: 'v1', kind: 'Config', 'current-context': 'c', contexts: [{ name: 'c', context: { cluster: 'c', user: 'u' } }], clusters: [{ name: 'c', cluster: { server: server_ } }], users: [{ name: 'u', user: { token: 't' } }] }));
  return {
    arrivals,
    kubeconfig,
    close: async () => {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

describe('Retry-After', () => {
  test('requestRetrying waits as long as 429 and 503 answers ask before asking again', async () => {
    const server = await scriptedServer([
      { status: 429, headers: { 'retry-after': '1' } },
      { status: 503, headers: { 'retry-after': '2' } },
      { status: 200 },
    ]);
    const cluster = await Cluster.connect({ kubeconfig: server.kubeconfig });
    try {
      const response = await cluster.requestRetrying('GET', '/api/v1/namespaces');
      expect(response.status).toBe(200);
      const gaps = server.arrivals.slice(1).map((t, i) => t - server.arrivals[i]);
      expect(gaps).toHaveLength(2);
      // Without Retry-After the first two backoffs are 50–150 ms and 100–300 ms.
      expect(gaps[0]).toBeGreaterThanOrEqual(990);
      expect(gaps[1]).toBeGreaterThanOrEqual(1990);
    } finally {
      cluster.close();
      await server.close();
    }
  });

  test('an HTTP-date is honoured, a date in the past means now, and a huge delay is capped', () => {
    const now = Date.parse('2026-01-01T00:00:00Z');
    expect(backoffMs(1, 'Thu, 01 Jan 2026 00:00:03 GMT', now)).toBe(3000);
    expect(backoffMs(1, 'Wed, 31 Dec 2025 23:59:00 GMT', now)).toBe(0);
    expect(backoffMs(1, '86400', now)).toBe(MAX_RETRY_AFTER_MS);
    expect(backoffMs(3, 'soon', now)).toBeLessThanOrEqual(600); // not a delay: exponential backoff
  });
});
