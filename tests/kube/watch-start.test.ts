import * as fs from 'node:fs';
import * as http from 'node:http';
import { AddressInfo } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import * as YAML from 'yaml';
import { Cluster } from '../../src/kube/cluster';
import { Watch, WatchError } from '../../src/kube/watch';

const COLLECTION = '/apis/gateway.envoyproxy.io/v1alpha1/namespaces/bench/backends';
interface Answer {
  status: number;
  retryAfter?: string;
  message?: string;
}

/**
 * A real HTTP apiserver stand-in for one collection: lists answer 200 (resourceVersion 7, one object); watch
 * requests answer from `watches` in turn, the last answer repeating; a 200 streams one ADDED event and stays open.
 */
async function scriptedApiserver(watches: Answer[]) {
  const requests: string[] = [];
  const open = new Set<http.ServerResponse>();
  const server = http.createServer((req, res) => {
    const url = new URL(req.url!, 'http://x');
    const watch = url.searchParams.get('watch') === '1';
    requests.push(watch ? 'watch' : 'list');
    const json = { 'content-type': 'application/json' };
    if (!watch) {
      res.writeHead(200, json).end(JSON.stringify({ kind: 'BackendList', metadata: { resourceVersion: '7' }, items: [{ metadata: { name: 'listed', uid: 'u1', resourceVersion: '6' } }] }));
      return;
    }
    const answer = watches[Math.min(requests.filter((r) => r === 'watch').length - 1, watches.length - 1)];
    if (answer.status !== 200) {
      const headers = { ...json, ...(answer.retryAfter !== undefined && { 'retry-after': answer.retryAfter }) };
      res.writeHead(answer.status, headers).end(JSON.stringify({ kind: 'Status', status: 'Failure', code: answer.status, message: answer.message ?? `HTTP ${answer.status}` }));
      return;
    }
    res.writeHead(200, json);
    res.write(`${JSON.stringify({ type: 'ADDED', object: { metadata: { name: 'watched', uid: 'u2', resourceVersion: '8' } } })}\n`);
    open.add(res);
    res.on('close', () => open.delete(res));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'aigw-scale-watch-start-'));
  const kubeconfig = path.join(dir, 'kubeconfig');
  const address = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  fs.writeFileSync(kubeconfig, YAML.stringify({ apiVersion: 'v1', kind: 'Config', 'current-context': 'c', contexts: [{ name: 'c', context: { cluster: 'c', user: 'u' } }], clusters: [{ name: 'c', cluster: { server: address } }], users: [{ name: 'u', user: { token: 't' } }] }));
  const cluster = await Cluster.connect({ kubeconfig });
  return {
    cluster,
    requests,
    close: async () => {
      cluster.close();
      for (const res of open) res.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

describe('Watch.start: the first watch request', () => {
  test('is asked again after the answers a busy apiserver gives a fresh list (429 cache initializing, 504 too large resourceVersion, 5xx)', async () => {
    const server = await scriptedApiserver([
      // a CRD's watch cache not ready yet (ResilientWatchCacheInitialization)
      { status: 429, retryAfter: '0', message: 'storage is (re)initializing' },
      // the watch cache did not reach the list's resourceVersion within 3 s
      { status: 504, retryAfter: '0', message: 'Too large resource version: 7, current: 6' },
      { status: 503, retryAfter: '0' },
      { status: 200 },
    ]);
    const events: string[] = [];
    try {
      const watch = await Watch.start(server.cluster, { collectionPath: COLLECTION, onEvent: (type, object) => events.push(`${type} ${object.metadata.name}`) });
      for (let i = 0; i < 100 && events.length < 2; i++) await new Promise((resolve) => setTimeout(resolve, 10));
      await watch.stop();
      expect(server.requests).toEqual(['list', 'watch', 'watch', 'watch', 'watch']);
      expect(events).toEqual(['ADDED listed', 'ADDED watched']);
      expect(watch.errors).toEqual([]);
    } finally {
      await server.close();
    }
  });

  test('is not asked again after an answer no retry changes (403), and the error says why', async () => {
    const server = await scriptedApiserver([{ status: 403, message: 'backends is forbidden' }]);
    try {
      const started = Watch.start(server.cluster, { collectionPath: COLLECTION, onEvent: () => undefined });
      await expect(started).rejects.toThrow(WatchError);
      await expect(started).rejects.toThrow(`watching ${COLLECTION} failed with HTTP 403: backends is forbidden`);
      expect(server.requests).toEqual(['list', 'watch']);
    } finally {
      await server.close();
    }
  });

  test('gives up after a bounded number of attempts when the apiserver keeps refusing', async () => {
    const server = await scriptedApiserver([{ status: 429, retryAfter: '0', message: 'storage is (re)initializing' }]);
    try {
      await expect(Watch.start(server.cluster, { collectionPath: COLLECTION, onEvent: () => undefined })).rejects.toThrow(`watching ${COLLECTION} failed with HTTP 429: storage is (re)initializing`);
      expect(server.requests.filter((r) => r === 'watch')).toHaveLength(8);
      expect(server.requests.filter((r) => r === 'list')).toHaveLength(1);
    } finally {
      await server.close();
    }
  });

  test('stops waiting to ask again once the watch is aborted', async () => {
    const server = await scriptedApiserver([{ status: 429, retryAfter: '30', message: 'storage is (re)initializing' }]);
    const abort = new AbortController();
    try {
      const started = Watch.start(server.cluster, { collectionPath: COLLECTION, onEvent: () => undefined, signal: abort.signal });
      for (let i = 0; i < 100 && !server.requests.includes('watch'); i++) await new Promise((resolve) => setTimeout(resolve, 10));
      const before = performance.now();
      abort.abort();
      await expect(started).rejects.toThrow(WatchError);
      expect(performance.now() - before).toBeLessThan(1000);
      expect(server.requests).toEqual(['list', 'watch']);
    } finally {
      await server.close();
    }
  });
});
