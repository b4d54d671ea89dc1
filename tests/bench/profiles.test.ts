import * as fs from 'node:fs';
import * as http from 'node:http';
import { AddressInfo } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import { localProfileSource, takeProfiles } from '../../src/bench/profiles';

/** A real HTTP server with Go's pprof paths: gzipped payloads naming the profile and the asked duration. */
async function pprofServer(routes: Record<string, (url: URL) => { status: number; body: Buffer }>) {
  const asked: string[] = [];
  const server = http.createServer((req, res) => {
    const url = new URL(req.url!, 'http://x');
    asked.push(`${url.pathname}${url.search}`);
    const answer = routes[url.pathname]?.(url) ?? { status: 404, body: Buffer.from('404 page not found') };
    res.writeHead(answer.status, { 'content-type': 'application/octet-stream' }).end(answer.body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, asked, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

describe('takeProfiles', () => {
  let out: string;
  beforeEach(() => (out = fs.mkdtempSync(path.join(os.tmpdir(), 'aigw-scale-profiles-'))));
  afterEach(() => fs.rmSync(out, { recursive: true, force: true }));

  test('writes the heap and CPU profiles beside the results, byte for byte, and records them', async () => {
    const heap = zlib.gzipSync(Buffer.from('heap profile'));
    const server = await pprofServer({
      '/debug/pprof/heap': () => ({ status: 200, body: heap }),
      '/debug/pprof/profile': (url) => ({ status: 200, body: zlib.gzipSync(Buffer.from(`cpu for ${url.searchParams.get('seconds')} s`)) }),
    });
    const taken = await takeProfiles([localProfileSource('envoy-gateway', server.url)], { outDir: out, cpuSeconds: 2, liveObjects: 40 });
    await server.close();
    expect(taken.problems).toEqual([]);
    expect(server.asked).toEqual(['/debug/pprof/heap', '/debug/pprof/profile?seconds=2']);
    expect(taken.records.map(({ component, kind, file, liveObjects }) => ({ component, kind, file, liveObjects }))).toEqual([
      { component: 'envoy-gateway', kind: 'heap', file: path.join('profiles', 'envoy-gateway-heap.pb.gz'), liveObjects: 40 },
      { component: 'envoy-gateway', kind: 'cpu', file: path.join('profiles', 'envoy-gateway-cpu.pb.gz'), liveObjects: 40 },
    ]);
    expect(fs.readFileSync(path.join(out, taken.records[0].file))).toEqual(heap);
    expect(zlib.gunzipSync(fs.readFileSync(path.join(out, taken.records[1].file))).toString()).toBe('cpu for 2 s');
  });

  test('pprof not enabled (404) or a non-profile answer: a problem with the fix, and no file', async () => {
    const server = await pprofServer({ '/debug/pprof/heap': () => ({ status: 200, body: Buffer.from('<html>not a profile</html>') }) });
    const taken = await takeProfiles([localProfileSource('envoy-gateway', server.url)], { outDir: out, cpuSeconds: 1, liveObjects: 3 });
    await server.close();
    expect(taken.records).toEqual([]);
    expect(taken.problems).toHaveLength(2);
    expect(taken.problems[0]).toMatch(/^envoy-gateway heap profile: .*gave an answer that is not a gzipped pprof profile; enable it with `admin.enablePprof: true`/);
    expect(taken.problems[1]).toMatch(/^envoy-gateway cpu profile: .*\/debug\/pprof\/profile\?seconds=1 gave HTTP 404/);
    expect(fs.existsSync(path.join(out, 'profiles'))).toBe(false);
  });

  test('an endpoint that does not answer is a problem, not a crash', async () => {
    const server = await pprofServer({});
    await server.close();
    const taken = await takeProfiles([localProfileSource('envoy-gateway', server.url)], { outDir: out, cpuSeconds: 1, liveObjects: 0 });
    expect(taken.records).toEqual([]);
    expect(taken.problems[0]).toMatch(/envoy-gateway heap profile: http:\/\/127.0.0.1:\d+ did not answer \(.*ECONNREFUSED/);
  });
});
