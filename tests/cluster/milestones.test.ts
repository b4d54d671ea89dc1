import { nowMs } from '../../src/time/clock';
import { MilestoneSpecError, MilestoneWatcher, ObservedMilestone } from '../../src/bench/milestone-watcher';
import { Cluster } from '../../src/kube/cluster';
import { Watch, WatchEventType } from '../../src/kube/watch';
import type { MilestoneSpec } from '../../src/results/scenario';
import { synthFixture } from '../support/fixture';
import { connect, ensureCrds } from './support';

/**
 * MilestoneWatcher against the real kube-apiserver: the test writes status through the /status subresource at
 * known times and checks what the watches report, when, and how often.
 */
const ROUTE_API = 'aigateway.envoyproxy.io/v1beta1';
const HTTPROUTE_API = 'gateway.networking.k8s.io/v1';
const routesPath = (ns: string) => `/apis/${ROUTE_API}/namespaces/${ns}/aigatewayroutes`;
const httpRoutesPath = (ns: string) => `/apis/${HTTPROUTE_API}/namespaces/${ns}/httproutes`;
const routeName = (i: number) => `route-${String(i).padStart(6, '0')}`;

const routeAccepted: MilestoneSpec = { name: 'routeAccepted', kind: 'AIGatewayRoute', condition: { type: 'Accepted', status: 'True', perParent: false } };
const parentsAccepted: MilestoneSpec = { name: 'httpRouteAccepted', kind: 'HTTPRoute', condition: { type: 'Accepted', status: 'True', perParent: true } };
const parentsResolved: MilestoneSpec = { name: 'httpRouteResolvedRefs', kind: 'HTTPRoute', condition: { type: 'ResolvedRefs', status: 'True', perParent: true } };

/** The event for a status write may arrive a little after the write's response. */
const DELIVERY_TOLERANCE_MS = 1000;
/** How long to keep listening to show nothing more is reported. */
const QUIET_MS = 1500;

/** metav1.Time has second resolution: write times the server keeps as they are. */
const serverNow = () => new Date(Math.floor(Date.now() / 1000) * 1000).toISOString().replace('.000Z', 'Z');
const condition = (type: string, status: string, lastTransitionTime = serverNow()) => ({ type, status, reason: status === 'True' ? type : `Not${type}`, message: 'written by the milestones test', lastTransitionTime });
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function until(what: string, timeoutMs: number, done: () => boolean): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!done()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(50);
  }
}

describe('MilestoneWatcher against a real kube-apiserver', () => {
  let cluster: Cluster;
  const watchers: MilestoneWatcher[] = [];
  const namespaces: string[] = [];
  const extraClusters: Cluster[] = [];

  beforeAll(async () => {
    cluster = await connect();
    await ensureCrds(cluster);
  });
  afterEach(async () => {
    await Promise.all(watchers.splice(0).map((watcher) => watcher.stop()));
    for (const extra of extraClusters.splice(0)) extra.close();
  });
  // The suite shares one apiserver: later files count every route on it (mixed-fixtures), so none may be left.
  afterAll(async () => {
    for (const name of namespaces) await ok('DELETE', `/api/v1/namespaces/${name}`);
    cluster.close();
  });

  async function ok(method: string, path: string, body?: unknown, contentType?: string): Promise<any> {
    const response = await cluster.requestRetrying(method, path, body, contentType);
    if (response.status >= 300) throw new Error(`${method} ${path}: HTTP ${response.status} ${JSON.stringify(response.body).slice(0, 300)}`);
    return response.body;
  }

  /** A fresh namespace per test, so no test sees another's objects. */
  async function namespace(name: string): Promise<string> {
    await ok('POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
    namespaces.push(name);
    return name;
  }

  /** AIGatewayRoutes as the fixture synthesizes them (status is not writable on create). */
  async function createRoutes(ns: string, count: number): Promise<Map<string, string>> {
    const routes = synthFixture({ routes: count, backends: 1, namespace: ns }).filter((o) => o.kind === 'AIGatewayRoute');
    expect(routes).toHaveLength(count);
    const uids = new Map<string, string>();
    for (const route of routes) {
      const created = await ok('POST', routesPath(ns), { apiVersion: route.apiVersion, kind: route.kind, metadata: { name: route.metadata.name, namespace: ns }, spec: route.spec });
      uids.set(created.metadata.name, created.metadata.uid);
    }
    return uids;
  }

  /** Writes status.conditions through the status subresource; returns the client times around the write. */
  async function writeRouteStatus(ns: string, name: string, conditions: object[]): Promise<{ before: number; after: number }> {
    const before = nowMs();
    await ok('PATCH', `${routesPath(ns)}/${name}/status`, { status: { conditions } }, 'application/merge-patch+json');
    return { before, after: nowMs() };
  }

  /** Starts a watcher on its own connection (so the requests it makes can be counted apart from the test's). */
  async function startWatcher(ns: string, specs: MilestoneSpec[], extra: { watchTimeoutSeconds?: number } = {}) {
    const own = await connect();
    extraClusters.push(own);
    const requests: { method: string; path: string }[] = [];
    const request = own.request.bind(own);
    jest.spyOn(own, 'request').mockImplementation((method, path, ...rest) => {
      requests.push({ method, path });
      return request(method, path, ...rest);
    });
    const openStream = own.openStream.bind(own);
    jest.spyOn(own, 'openStream').mockImplementation((path, signal) => {
      requests.push({ method: 'STREAM', path });
      return openStream(path, signal);
    });
    const seen: ObservedMilestone[] = [];
    const watcher = await MilestoneWatcher.start(own, { namespace: ns, specs, onMilestone: (m) => seen.push(m), ...extra });
    watchers.push(watcher);
    return { watcher, seen, requests };
  }

  test('status written through /status is timed once per object: client time right after the write, server time as written; unmet objects never', async () => {
    const ns = await namespace('milestones-basic');
    const uids = await createRoutes(ns, 6);
    const preexisting = condition('Accepted', 'True', '2026-01-02T03:04:05Z');
    await writeRouteStatus(ns, routeName(1), [preexisting]);

    const startedAt = nowMs();
    const { watcher, seen } = await startWatcher(ns, [routeAccepted]);
    const startedBy = nowMs();
    // Met before the watch started: reported from the initial list, with the client time of that list.
    expect(seen).toEqual([{ object: `AIGatewayRoute/${ns}/${routeName(1)}`, milestone: 'routeAccepted', clientTimeMs: expect.any(Number), serverTime: preexisting.lastTransitionTime, uid: uids.get(routeName(1)), name: routeName(1), kind: 'AIGatewayRoute' }]);
    expect(seen[0].clientTimeMs).toBeGreaterThanOrEqual(startedAt);
    expect(seen[0].clientTimeMs).toBeLessThanOrEqual(startedBy);

    await sleep(300);
    const written = new Map<string, { before: number; after: number; lastTransitionTime: string }>();
    for (const i of [2, 3, 5]) {
      const accepted = condition('Accepted', 'True');
      written.set(routeName(i), { ...(await writeRouteStatus(ns, routeName(i), [accepted])), lastTransitionTime: accepted.lastTransitionTime });
    }
    await writeRouteStatus(ns, routeName(4), [condition('Accepted', 'False')]); // never met
    await writeRouteStatus(ns, routeName(6), [condition('ResolvedRefs', 'True')]); // another condition: never met
    await until('routes 2, 3 and 5 reported', 10_000, () => seen.length >= 4);
    // Further writes: an already-met route changing again, the unmet one changing again — nothing more is reported.
    await writeRouteStatus(ns, routeName(5), [condition('Accepted', 'True'), condition('ResolvedRefs', 'True')]);
    await writeRouteStatus(ns, routeName(4), [condition('Accepted', 'Unknown')]);
    await sleep(QUIET_MS);

    expect(seen.map((m) => m.name).sort()).toEqual([1, 2, 3, 5].map(routeName));
    for (const [name, write] of written) {
      const observed = seen.find((m) => m.name === name)!;
      expect(observed.uid).toBe(uids.get(name));
      expect(observed.serverTime).toBe(write.lastTransitionTime);
      expect(observed.clientTimeMs).toBeGreaterThanOrEqual(write.before);
      expect(observed.clientTimeMs).toBeLessThanOrEqual(write.after + DELIVERY_TOLERANCE_MS);
    }
    expect(watcher.errors).toEqual([]);
  });

  test('per parent: an HTTPRoute is met only once every parent has the condition; two milestones on one kind share one watch', async () => {
    const ns = await namespace('milestones-parents');
    const parentRefs = [{ name: 'gateway-a' }, { name: 'gateway-b' }];
    const created = await ok('POST', httpRoutesPath(ns), { apiVersion: HTTPROUTE_API, kind: 'HTTPRoute', metadata: { name: routeName(1), namespace: ns }, spec: { parentRefs } });
    const { watcher, seen, requests } = await startWatcher(ns, [parentsAccepted, parentsResolved]);
    expect(requests.filter((r) => r.method === 'STREAM')).toHaveLength(1);

    const writeParents = async (a: object[], b: object[]) => {
      const before = nowMs();
      const parent = (name: string, conditions: object[]) => ({ parentRef: { name }, controllerName: 'example.com/milestones-test', conditions });
      await ok('PATCH', `${httpRoutesPath(ns)}/${routeName(1)}/status`, { status: { parents: [parent('gateway-a', a), parent('gateway-b', b)] } }, 'application/merge-patch+json');
      return { before, after: nowMs() };
    };
    const aAccepted = condition('Accepted', 'True', '2026-01-02T03:04:05Z');
    const resolvedBoth = condition('ResolvedRefs', 'True', '2026-01-02T03:04:06Z');
    await writeParents([aAccepted, resolvedBoth], [resolvedBoth]); // gateway-b has not accepted yet
    await until('ResolvedRefs on both parents', 10_000, () => seen.length >= 1);
    await sleep(500);
    expect(seen.map((m) => m.milestone)).toEqual(['httpRouteResolvedRefs']);

    await sleep(300);
    const bAccepted = condition('Accepted', 'True');
    const write = await writeParents([aAccepted, resolvedBoth], [bAccepted, resolvedBoth]);
    await until('Accepted on both parents', 10_000, () => seen.length >= 2);
    await sleep(QUIET_MS);
    expect(seen).toHaveLength(2);
    const accepted = seen.find((m) => m.milestone === 'httpRouteAccepted')!;
    expect(accepted).toMatchObject({ object: `HTTPRoute/${ns}/${routeName(1)}`, kind: 'HTTPRoute', uid: created.metadata.uid, serverTime: bAccepted.lastTransitionTime });
    expect(accepted.clientTimeMs).toBeGreaterThanOrEqual(write.before);
    expect(accepted.clientTimeMs).toBeLessThanOrEqual(write.after + DELIVERY_TOLERANCE_MS);
    expect(seen.find((m) => m.milestone === 'httpRouteResolvedRefs')!.serverTime).toBe(resolvedBoth.lastTransitionTime);
    expect(watcher.errors).toEqual([]);
  });

  test('a deleted and recreated object (new UID) is timed again', async () => {
    const ns = await namespace('milestones-recreate');
    const first = (await createRoutes(ns, 1)).get(routeName(1))!;
    const { watcher, seen } = await startWatcher(ns, [routeAccepted]);
    await writeRouteStatus(ns, routeName(1), [condition('Accepted', 'True')]);
    await until('the first incarnation reported', 10_000, () => seen.length >= 1);

    await ok('DELETE', `${routesPath(ns)}/${routeName(1)}`); // no finalizers: gone when this returns
    const second = (await createRoutes(ns, 1)).get(routeName(1))!;
    expect(second).not.toBe(first);
    await sleep(300);
    const write = await writeRouteStatus(ns, routeName(1), [condition('Accepted', 'True')]);
    await until('the second incarnation reported', 10_000, () => seen.length >= 2);
    await sleep(QUIET_MS);

    expect(seen.map((m) => m.uid)).toEqual([first, second]);
    expect(seen[1].clientTimeMs).toBeGreaterThanOrEqual(write.before);
    expect(watcher.errors).toEqual([]);
  });

  test('watches closed by the server every second resume without losing or repeating events, and no object is ever fetched on its own', async () => {
    const ns = await namespace('milestones-resume');
    const count = 12;
    await createRoutes(ns, count);
    const { watcher, seen, requests } = await startWatcher(ns, [routeAccepted], { watchTimeoutSeconds: 1 });
    const writes = new Map<string, { before: number; after: number }>();
    for (let i = 1; i <= count; i++) {
      writes.set(routeName(i), await writeRouteStatus(ns, routeName(i), [condition('Accepted', 'True')]));
      await sleep(400); // spread over several watch requests, so some writes land between one and the next
    }
    await until(`all ${count} routes reported`, 10_000, () => seen.length >= count);
    await sleep(QUIET_MS);

    expect(seen.map((m) => m.name).sort()).toEqual(Array.from({ length: count }, (_, i) => routeName(i + 1)));
    for (const observed of seen) {
      // Resuming from the last resourceVersion delivers the write's event late at worst by one reconnect.
      expect(observed.clientTimeMs).toBeGreaterThanOrEqual(writes.get(observed.name)!.before);
      expect(observed.clientTimeMs).toBeLessThanOrEqual(writes.get(observed.name)!.after + DELIVERY_TOLERANCE_MS);
    }
    expect(watcher.stats.watches).toBeGreaterThanOrEqual(4); // the server really ended the watch several times
    expect(watcher.errors).toEqual([]);

    // Watches, not polling: one list of the collection, every other request a watch stream; never an object GET.
    const collection = routesPath(ns);
    const reads = requests.filter((r) => r.path.startsWith(collection));
    expect(reads.filter((r) => r.method === 'GET')).toHaveLength(1);
    expect(reads.filter((r) => r.method === 'STREAM').every((r) => /[?&]watch=1(&|$)/.test(r.path))).toBe(true);
    expect(reads.filter((r) => r.method === 'STREAM')).toHaveLength(watcher.stats.watches);
    expect(requests.filter((r) => /\/aigatewayroutes\/route-/.test(r.path))).toEqual([]);
  });

  test('a resourceVersion the server no longer has (410 Gone) leads to a relist: known objects come back as MODIFIED, milestones are not repeated', async () => {
    const ns = await namespace('milestones-relist');
    await createRoutes(ns, 3);
    await writeRouteStatus(ns, routeName(1), [condition('Accepted', 'True')]);
    const events: { type: WatchEventType; name: string }[] = [];
    const watch = await Watch.start(cluster, { collectionPath: routesPath(ns), timeoutSeconds: 1, onEvent: (type, object) => events.push({ type, name: object.metadata.name }) });
    const { watcher, seen } = await startWatcher(ns, [routeAccepted], { watchTimeoutSeconds: 1 });
    const watcherWatch = (watcher as unknown as { watches: { watch: Watch }[] }).watches[0].watch;
    try {
      expect(events).toEqual([1, 2, 3].map((i) => ({ type: 'ADDED', name: routeName(i) })));
      expect(seen.map((m) => m.name)).toEqual([routeName(1)]);
      // Compaction cannot be forced quickly on a live apiserver: age the watches' position out by hand instead.
      // Their next resume asks for resourceVersion 1, which the server answers with 410 Gone.
      for (const aged of [watch, watcherWatch]) (aged as unknown as { resourceVersion: string }).resourceVersion = '1';
      await until('both relisted', 10_000, () => watch.stats.relists >= 1 && watcherWatch.stats.relists >= 1);
      expect(events.slice(3)).toEqual([1, 2, 3].map((i) => ({ type: 'MODIFIED', name: routeName(i) })));
      await writeRouteStatus(ns, routeName(2), [condition('Accepted', 'True')]);
      await until('the write after the relist', 10_000, () => events.length >= 7 && seen.length >= 2);
      await sleep(QUIET_MS);
      expect(events.slice(6)).toEqual([{ type: 'MODIFIED', name: routeName(2) }]);
      expect(seen.map((m) => m.name)).toEqual([routeName(1), routeName(2)]);
      expect(watch.errors).toEqual([]);
      expect(watcher.errors).toEqual([]);
    } finally {
      await watch.stop();
    }
  });

  test('an unknown kind or apiVersion is refused with what to fix, and no watch starts', async () => {
    const own = await connect();
    extraClusters.push(own);
    const streams = jest.spyOn(own, 'openStream');
    const start = (spec: MilestoneSpec) => MilestoneWatcher.start(own, { namespace: 'default', specs: [spec], onMilestone: () => undefined });
    await expect(start({ ...routeAccepted, kind: 'AIGatewayRoutes' })).rejects.toThrow(MilestoneSpecError);
    await expect(start({ ...routeAccepted, kind: 'AIGatewayRoutes' })).rejects.toThrow(/milestone "routeAccepted": the cluster serves no kind AIGatewayRoutes; install its CRDs, or check the spelling/);
    await expect(start({ ...routeAccepted, apiVersion: 'aigateway.envoyproxy.io/v9' })).rejects.toThrow(/milestone "routeAccepted": the cluster does not serve AIGatewayRoute \(aigateway.envoyproxy.io\/v9\)/);
    await expect(start({ name: 'empty', kind: 'HTTPRoute' })).rejects.toThrow(/neither a condition nor a path/);
    // A good spec next to a bad one: refused before any watch opens.
    await expect(MilestoneWatcher.start(own, { namespace: 'default', specs: [routeAccepted, { ...parentsAccepted, kind: 'HTTPRoutes' }], onMilestone: () => undefined })).rejects.toThrow(/kind HTTPRoutes/);
    expect(streams).not.toHaveBeenCalled();
  });
});
