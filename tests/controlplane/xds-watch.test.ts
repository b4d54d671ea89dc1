import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  CLUSTER_TYPE,
  LISTENER_TYPE,
  ROUTE_CONFIGURATION_TYPE,
  XdsLine,
  XdsState,
  XdsWatch,
  parseXdsLine,
  routeOfXdsRouteName,
} from '../../src/controlplane/xds-watch';

/**
 * Captured from a real run of `aigw-scale-probe xds` against Envoy Gateway v1.8.1 with the AI Gateway v1.1.0
 * controller as its extension server (see fixtures/probe/README.md): the probe-test fixture applied with 3
 * routes, then re-applied with 2 (pruning route-000003).
 */
const FIXTURE = path.join(__dirname, 'fixtures', 'probe', 'xds-probe-test.jsonl');
const fixtureText = fs.readFileSync(FIXTURE, 'utf8');
const fixtureLines = fixtureText.split('\n').filter((l) => l.trim() !== '');

function owners(routes: Iterable<string>): string[] {
  const keys = new Set<string>();
  for (const name of routes) {
    const route = routeOfXdsRouteName(name);
    if (route) keys.add(`${route.namespace}/${route.name}`);
  }
  return [...keys].sort();
}

describe('parseXdsLine on real probe output', () => {
  const lines = fixtureLines.map(parseXdsLine);

  it('parses every line, starting with connected', () => {
    expect(lines[0]).toEqual({ t: expect.any(Number), type: 'connected' });
    expect(new Set(lines.map((l) => l.type))).toEqual(new Set(['connected', 'update']));
    for (let i = 1; i < lines.length; i++) expect(lines[i].t).toBeGreaterThanOrEqual(lines[i - 1].t);
  });

  it('sees clusters, listeners and route configurations, with sizes', () => {
    const updates = lines.filter((l): l is Extract<XdsLine, { type: 'update' }> => l.type === 'update');
    expect(new Set(updates.map((u) => u.typeUrl))).toEqual(new Set([CLUSTER_TYPE, LISTENER_TYPE, ROUTE_CONFIGURATION_TYPE]));
    for (const u of updates) for (const r of u.added) expect(r.bytes).toBeGreaterThan(0);
    const rds = updates.filter((u) => u.typeUrl === ROUTE_CONFIGURATION_TYPE).flatMap((u) => u.added);
    expect(rds.length).toBeGreaterThan(0);
    for (const r of rds) expect(Array.isArray(r.routes)).toBe(true);
    // Only route configurations carry route names.
    for (const u of updates.filter((u) => u.typeUrl !== ROUTE_CONFIGURATION_TYPE)) for (const r of u.added) expect(r.routes).toBeUndefined();
  });

  it('rejects what the probe never prints', () => {
    expect(() => parseXdsLine('not json')).toThrow();
    expect(() => parseXdsLine('[]')).toThrow(/not a JSON object/);
    expect(() => parseXdsLine('{"type":"connected"}')).toThrow(/"t"/);
    expect(() => parseXdsLine('{"t":1,"type":"nope"}')).toThrow(/unknown line type/);
    expect(() => parseXdsLine('{"t":1,"type":"update","typeUrl":"x","added":[{"name":"a"}],"removed":[]}')).toThrow(/added\[0\]/);
    expect(() => parseXdsLine('{"t":1,"type":"update","typeUrl":"x","added":[],"removed":[1]}')).toThrow(/removed/);
  });
});

describe('routeOfXdsRouteName', () => {
  it('names the HTTPRoute of every route Envoy Gateway served for the fixture', () => {
    const names = fixtureLines
      .map(parseXdsLine)
      .flatMap((l) => (l.type === 'update' ? l.added.flatMap((r) => r.routes ?? []) : []));
    const parsed = names.map(routeOfXdsRouteName).filter((r) => r !== undefined);
    expect(parsed.length).toBeGreaterThan(0);
    expect(owners(names)).toEqual(['probe-test/route-000001', 'probe-test/route-000002', 'probe-test/route-000003']);
  });

  it('parses the documented form and refuses others', () => {
    expect(routeOfXdsRouteName('httproute/ns-a/my-route/rule/0/match/0/api_example_com')).toEqual({ namespace: 'ns-a', name: 'my-route' });
    expect(routeOfXdsRouteName('httproute/ns-a/my-route/rule/2/match/-1/*')).toEqual({ namespace: 'ns-a', name: 'my-route' });
    expect(routeOfXdsRouteName('grpcroute/ns-a/my-route/rule/0/match/0/*')).toBeUndefined();
    expect(routeOfXdsRouteName('httproute/ns-a/my-route')).toBeUndefined();
    expect(routeOfXdsRouteName('')).toBeUndefined();
  });
});

describe('XdsState', () => {
  it('follows the fixture: 3 routes, then 2 after the prune', () => {
    const state = new XdsState();
    const seen: string[][] = [];
    for (const text of fixtureLines) if (state.apply(parseXdsLine(text))) seen.push(owners(state.routes()));
    expect(seen).toContainEqual(['probe-test/route-000001', 'probe-test/route-000002', 'probe-test/route-000003']);
    expect(seen[seen.length - 1]).toEqual(['probe-test/route-000001', 'probe-test/route-000002']);
    const sizes = state.sizes();
    for (const type of [CLUSTER_TYPE, LISTENER_TYPE, ROUTE_CONFIGURATION_TYPE]) {
      expect(sizes[type].resources).toBeGreaterThan(0);
      expect(sizes[type].bytes).toBeGreaterThan(0);
    }
  });

  it('drops unsubscribed and removed route configurations, and starts over on reconnect', () => {
    const state = new XdsState();
    const rc = (name: string, routes: string[]) => ({ name, version: 'v', bytes: 10, routes });
    state.apply({ t: 1, type: 'connected' });
    expect(state.apply({ t: 2, type: 'update', typeUrl: ROUTE_CONFIGURATION_TYPE, systemVersion: '1', added: [rc('a', ['r1']), rc('b', ['r2'])], removed: [] })).toBe(true);
    expect([...state.routes()].sort()).toEqual(['r1', 'r2']);
    expect(state.apply({ t: 3, type: 'unsubscribed', typeUrl: ROUTE_CONFIGURATION_TYPE, names: ['a'] })).toBe(true);
    expect([...state.routes()]).toEqual(['r2']);
    expect(state.apply({ t: 4, type: 'update', typeUrl: ROUTE_CONFIGURATION_TYPE, systemVersion: '2', added: [], removed: ['b'] })).toBe(true);
    expect(state.routes().size).toBe(0);
    expect(state.apply({ t: 5, type: 'update', typeUrl: CLUSTER_TYPE, systemVersion: '2', added: [{ name: 'c', version: 'v', bytes: 7 }], removed: [] })).toBe(false);
    expect(state.sizes()[CLUSTER_TYPE]).toEqual({ resources: 1, bytes: 7 });
    expect(state.apply({ t: 6, type: 'disconnected', error: 'EOF' })).toBe(false);
    expect(state.apply({ t: 7, type: 'connected' })).toBe(false);
    expect(state.sizes()).toEqual({});
  });
});

describe('XdsWatch', () => {
  let dir: string;
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'xds-watch-test-'));
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('fails on a missing binary, naming the build command', () => {
    expect(() =>
      XdsWatch.start({
        binary: path.join(dir, 'no-such-probe'),
        addr: '127.0.0.1:1',
        caFile: 'ca.crt',
        certFile: 'tls.crt',
        keyFile: 'tls.key',
        nodeId: 'n',
        nodeCluster: 'ns/gw',
        onRoutes: () => undefined,
      }),
    ).toThrow(/npx aigw-scale local build --with-controllers/);
  });

  it('runs the binary with the flags and reports routes from its output', async () => {
    // A stand-in binary that records its arguments, replays the captured output, then waits for SIGTERM.
    const fake = path.join(dir, 'fake-probe');
    fs.writeFileSync(fake, `#!/bin/sh\necho "$@" > "${dir}/args"\necho "a diagnostic" >&2\ncat "${FIXTURE}"\nexec sleep 30\n`, { mode: 0o755 });
    const calls: { t: number; owners: string[] }[] = [];
    const events: XdsLine[] = [];
    const watch = XdsWatch.start({
      binary: fake,
      addr: '127.0.0.1:18000',
      caFile: '/c/ca.crt',
      certFile: '/c/tls.crt',
      keyFile: '/c/tls.key',
      nodeId: 'envoy-pod',
      nodeCluster: 'probe-test/aigw-scale',
      onRoutes: (t, routes) => calls.push({ t, owners: owners(routes) }),
      onEvent: (line) => events.push(line),
    });
    await watch.connected;
    const deadline = Date.now() + 10_000;
    while (events.length < fixtureLines.length && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(events).toHaveLength(fixtureLines.length);
    expect(calls[calls.length - 1].owners).toEqual(['probe-test/route-000001', 'probe-test/route-000002']);
    expect(watch.sizes()[ROUTE_CONFIGURATION_TYPE].bytes).toBeGreaterThan(0);
    expect(fs.readFileSync(path.join(dir, 'args'), 'utf8').trim()).toBe(
      'xds --addr 127.0.0.1:18000 --ca /c/ca.crt --cert /c/tls.crt --key /c/tls.key --server-name envoy-gateway --node-id envoy-pod --node-cluster probe-test/aigw-scale',
    );
    await watch.stop();
    expect(watch.errors).toContain('a diagnostic');
    expect(watch.errors.some((e) => /exited unexpectedly/.test(e))).toBe(false);
  });

  it('rejects `connected` when the probe exits first', async () => {
    const fake = path.join(dir, 'failing-probe');
    fs.writeFileSync(fake, '#!/bin/sh\necho "aigw-scale-probe: xds: --ca is required" >&2\nexit 2\n', { mode: 0o755 });
    const watch = XdsWatch.start({ binary: fake, addr: 'a', caFile: '', certFile: '', keyFile: '', nodeId: 'n', nodeCluster: 'c', onRoutes: () => undefined });
    await expect(watch.connected).rejects.toThrow(/exited \(code 2\)/);
    expect(await watch.exited).toBe(2);
  });
});
