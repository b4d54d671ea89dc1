import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { resolveFixtureSpec } from '../../charts/fixture-spec';
import { checkHealthGate } from '../../src/bench/health-gate';
import { RunOptions } from '../../src/bench/run-record';
import { runScenario } from '../../src/bench/runner';
import { ProcessSampler } from '../../src/bench/samplers';
import { Cluster } from '../../src/kube/cluster';
import { startMockProvider } from '../../src/mock-provider';
import { BenchResults, MilestoneRecord } from '../../src/results/schema';
import { LoadShape, Scenario } from '../../src/results/scenario';
import { StandInFaults, StandInGateway } from '../../src/local/stand-in-gateway';
import { connect, ensureCrds, ensureSharedNamespace, list } from './support';

const ACTIVATION_DELAY_MS = 300;
const healthGate = { maxErrorRate: 0.1, controllersReady: true, timeoutMs: 5000 };

/** A complete scenario for a small, quick run through the stand-in gateway; `load` and `probe` override parts. */
function scenario(name: string, routes: number, load: Partial<Scenario['load']> & { shape: LoadShape }, probe: Partial<Scenario['probe']> = {}): Scenario {
  return {
    apiVersion: 'aigw-scale/v1',
    kind: 'Scenario',
    name,
    fixture: resolveFixtureSpec({ routes, backends: 2, namespace: name, fixtureId: name }),
    gateway: { mode: 'stand-in', grpcMaxMessageBytes: 25 * 2 ** 20, allowMissingControllers: true },
    load: { concurrency: 8, ...load },
    probe: { requestIntervalMs: 50, perRouteTimeoutMs: 10_000, concurrency: 64, consecutiveSuccesses: 3, ...probe },
    milestones: [],
    sampling: { intervalMs: 100 },
    slo: [],
    validity: { maxMissingShare: 0.05, requireSamples: [], maxSampleGapIntervals: 5 },
    repeat: 1,
    profiles: { enabled: false, cpuSeconds: 1 },
  };
}

const of = (results: BenchResults, milestone: string) => results.milestones.filter((m) => m.milestone === milestone);
const byObject = (records: MilestoneRecord[]) => new Map(records.map((m) => [`${m.object}#${m.incarnation ?? 1}`, m]));
const route = (ns: string, i: number) => `AIGatewayRoute/${ns}/route-${String(i).padStart(6, '0')}`;

describe('runScenario load shapes on the local control plane, through the STAND-IN gateway (no Envoy here)', () => {
  let cluster: Cluster;
  let mock: Awaited<ReturnType<typeof startMockProvider>>;
  let out: string;
  const gateways: StandInGateway[] = [];
  beforeAll(async () => {
    cluster = await connect();
    await ensureCrds(cluster);
    mock = await startMockProvider({ host: '127.0.0.1', port: 0 });
    out = fs.mkdtempSync(path.join(os.tmpdir(), 'aigw-scale-shapes-'));
  });
  afterAll(async () => {
    for (const gateway of gateways) await gateway.stop();
    await mock.close();
    cluster.close();
    fs.rmSync(out, { recursive: true, force: true });
  });

  /**
   * Stands in for the AI Gateway controller's status writes (none runs here): every 100 ms, marks each route of the
   * namespace that lacks it Accepted=True through the status subresource. Returns a stop function.
   */
  function acceptRoutes(namespace: string): () => Promise<void> {
    let running = true;
    const collection = `/apis/aigateway.envoyproxy.io/v1beta1/namespaces/${namespace}/aigatewayroutes`;
    const loop = (async () => {
      while (running) {
        const listed = await cluster.requestRetrying('GET', collection);
        for (const item of listed.status === 200 ? listed.body.items : []) {
          if ((item.status?.conditions ?? []).some((c: { type: string }) => c.type === 'Accepted')) continue;
          const condition = { type: 'Accepted', status: 'True', reason: 'Accepted', message: 'written by the test', lastTransitionTime: new Date().toISOString().replace(/\.\d+Z$/, 'Z') };
          await cluster.request('PATCH', `${collection}/${item.metadata.name}/status`, { status: { conditions: [condition] } }, 'application/merge-patch+json');
        }
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    })();
    return async () => {
      running = false;
      await loop;
    };
  }

  /** Runs a scenario against its own stand-in gateway (with `faults`), sampling this process. */
  async function run(s: Scenario, faults: StandInFaults = {}): Promise<BenchResults> {
    const gateway = await new StandInGateway(cluster, s.fixture.namespace, { host: '127.0.0.1', port: mock.port }, ACTIVATION_DELAY_MS, faults).start();
    gateways.push(gateway);
    const withUrl: Scenario = { ...s, gateway: { ...s.gateway, url: gateway.url } };
    const options: RunOptions = {
      cluster,
      scenario: withUrl,
      spec: resolveFixtureSpec({ routes: s.fixture.routes, backends: s.fixture.backends, namespace: s.fixture.namespace, fixtureId: s.fixture.fixtureId }),
      samplers: [new ProcessSampler([{ component: 'runner', pid: process.pid }])],
      toolVersion: 'test',
      outDir: path.join(out, s.name),
    };
    const results = await runScenario(options);
    expect(results.scenario).toEqual(withUrl);
    expect(await list(cluster, '/apis/aigateway.envoyproxy.io/v1beta1/aigatewayroutes', `aigw-scale/fixture=${s.fixture.fixtureId}`)).toHaveLength(0);
    return results;
  }

  test('steps: ramp, hold, a health gate between steps, samples with step numbers and rising live counts', async () => {
    const ns = 'shapes-steps';
    const steps = [
      { routes: 6, holdMs: 600 },
      { routes: 11, holdMs: 600 },
      { routes: 16, holdMs: 600 },
    ];
    const results = await run(scenario(ns, 16, { shape: { type: 'steps', steps, healthGate } }));
    expect(results.failures).toEqual([]);
    expect(results.run.interrupted).toBe(false);
    expect(results.phases.map((p) => `${p.phase}${p.step ? ` ${p.step}` : ''}`)).toEqual(['preflight', 'warm-up', 'provision 1', 'hold 1', 'provision 2', 'hold 2', 'provision 3', 'hold 3', 'cleanup']);
    for (const hold of results.phases.filter((p) => p.phase === 'hold')) expect(hold.endMs - hold.startMs).toBeGreaterThanOrEqual(590);

    // One gate between each two steps; no controller pods run here, and the gate says so.
    expect(results.gateChecks!.map(({ step, passed, errorRate }) => ({ step, passed, errorRate }))).toEqual([
      { step: 1, passed: true, errorRate: 0 },
      { step: 2, passed: true, errorRate: 0 },
    ]);
    expect(results.gateChecks![0].message).toMatch(/no Envoy Gateway \/ AI Gateway controller pods found/);

    // Every timed route became ready (3 in a row), no sooner than the stand-in activated it.
    const created = byObject(of(results, 'created'));
    const ready = of(results, 'ready');
    expect(created.size).toBe(15);
    expect(ready).toHaveLength(15);
    for (const r of ready) {
      expect(r.clientTimeMs - created.get(`${r.object}#1`)!.clientTimeMs).toBeGreaterThanOrEqual(ACTIVATION_DELAY_MS - 50);
      expect(r.clientTimeMs).toBeGreaterThanOrEqual(gateways[gateways.length - 1].activations.get(r.object.replace(/.*route-/, 'model-'))![0]);
    }

    // Samples carry the step; in each step's hold the live count is that step's target, and it rises step by step.
    for (const [index, step] of steps.entries()) {
      const held = results.samples.filter((s) => s.phase === 'hold' && s.step === index + 1);
      expect(held.length).toBeGreaterThanOrEqual(3);
      expect(new Set(held.map((s) => s.liveObjects))).toEqual(new Set([step.routes]));
      const provisioning = results.samples.filter((s) => s.phase === 'provision' && s.step === index + 1);
      for (const sample of provisioning) expect(sample.liveObjects).toBeLessThanOrEqual(step.routes);
    }
    expect(results.settings.provisioning).toEqual({ mode: 'steps' });
  });

  test('a failing health gate stops the ramp: the failure is recorded, later steps never start, churn still runs', async () => {
    const ns = 'shapes-gate';
    const steps = [
      { routes: 6, holdMs: 0 },
      { routes: 11, holdMs: 0 },
    ];
    // Two of step 1's five timed routes are never routed: error rate 40 % against a limit of 10 %.
    const churn = { cycles: 1, share: 0.4, deleteDelayMs: 0, recreateDelayMs: 0 };
    const results = await run(scenario(ns, 11, { shape: { type: 'steps', steps, healthGate }, churn }, { perRouteTimeoutMs: 1500 }), { neverActive: new Set(['model-000003', 'model-000005']) });
    expect(results.gateChecks).toHaveLength(1);
    expect(results.gateChecks![0]).toMatchObject({ step: 1, passed: false, errorRate: 0.4 });
    expect(results.gateChecks![0].message).toContain('error rate 40.0 % (limit 10.0 %) is over the limit');
    expect(results.failures.map((f) => f.message)).toContainEqual(expect.stringMatching(/^health gate after step 1 failed: .*; the ramp stopped at 6 routes$/));
    expect(results.failures.filter((f) => f.object).map((f) => f.object).sort()).toEqual([route(ns, 3), route(ns, 5)]);
    expect(of(results, 'timedOut').map((m) => m.object).sort()).toEqual([route(ns, 3), route(ns, 5)]);
    expect(of(results, 'created').filter((m) => m.incarnation === 1)).toHaveLength(5); // step 2 never started
    expect(results.phases.map((p) => p.phase)).toEqual(['preflight', 'warm-up', 'provision', 'churn', 'cleanup']);
    // Churn went on with the routes that existed: two of the five, recreated and ready again.
    expect(of(results, 'deleted').map((m) => m.object).sort()).toEqual([route(ns, 2), route(ns, 4)]);
    expect(of(results, 'ready').filter((m) => m.incarnation === 2).map((m) => m.object).sort()).toEqual([route(ns, 2), route(ns, 4)]);
    expect(Math.max(...results.samples.map((s) => s.liveObjects))).toBe(6);
  });

  test('churn: deleted and recreated routes carry incarnations, the live count dips and recovers, every recreated route is ready again', async () => {
    const ns = 'shapes-churn';
    // Six timed routes, half churned per cycle, rotating: cycles 1 and 3 pick the same three routes.
    const churn = { cycles: 3, share: 0.5, deleteDelayMs: 400, recreateDelayMs: 400 };
    const routeAccepted = { name: 'routeAccepted', kind: 'AIGatewayRoute', condition: { type: 'Accepted', status: 'True', perParent: false } };
    const stopAccepting = acceptRoutes(ns);
    const results = await run({ ...scenario(ns, 7, { shape: { type: 'all-at-once' }, churn }), milestones: [routeAccepted] }).finally(stopAccepting);
    expect(results.failures).toEqual([]);
    expect(results.phases.map((p) => `${p.phase}${p.cycle ? ` ${p.cycle}` : ''}`)).toEqual(['preflight', 'warm-up', 'provision', 'validate', 'churn 1', 'churn 2', 'churn 3', 'cleanup']);

    const deleted = of(results, 'deleted').map((m) => `${m.object.split('/')[2]}#${m.incarnation}`);
    expect(deleted.sort()).toEqual(['route-000002#1', 'route-000002#2', 'route-000003#1', 'route-000004#1', 'route-000004#2', 'route-000005#1', 'route-000006#1', 'route-000006#2', 'route-000007#1'].sort());
    const recreated = of(results, 'created').filter((m) => (m.incarnation ?? 1) > 1);
    expect(recreated.map((m) => `${m.object.split('/')[2]}#${m.incarnation}`).sort()).toEqual(['route-000002#2', 'route-000002#3', 'route-000003#2', 'route-000004#2', 'route-000004#3', 'route-000005#2', 'route-000006#2', 'route-000006#3', 'route-000007#2'].sort());

    // Every incarnation became ready, after its own create; a recreated object is a new one (new creationTimestamp or later).
    const ready = byObject(of(results, 'ready'));
    const created = byObject(of(results, 'created'));
    expect(ready.size).toBe(created.size);
    for (const [key, r] of ready) expect(r.clientTimeMs - created.get(key)!.clientTimeMs).toBeGreaterThanOrEqual(ACTIVATION_DELAY_MS - 50);

    // The watched status milestone is stamped with the incarnation it belongs to: one per life of each route.
    const accepted = byObject(of(results, 'routeAccepted'));
    expect([...accepted.keys()].sort()).toEqual([route(ns, 1) + '#1', ...[...created.keys()]].sort());
    for (const [key, m] of accepted) {
      expect(m.serverTime).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
      expect(m.route).toBeUndefined(); // the object is the route itself
      if (created.has(key)) expect(m.clientTimeMs).toBeGreaterThan(created.get(key)!.clientTimeMs - 1000); // the watch may see the object before the create returns
    }

    // Within each cycle the live count drops by the churned routes and comes back to full scale.
    for (const cycle of [1, 2, 3]) {
      const samples = results.samples.filter((s) => s.phase === 'churn' && s.cycle === cycle);
      expect(Math.min(...samples.map((s) => s.liveObjects))).toBe(4);
      expect(samples[samples.length - 1].liveObjects).toBe(7);
    }
  });

  test('a flapping route has a first success but is never ready, and times out', async () => {
    const ns = 'shapes-flap';
    const results = await run(scenario(ns, 4, { shape: { type: 'all-at-once' } }, { perRouteTimeoutMs: 2000 }), { flapping: new Set(['model-000003']) });
    const flapping = route(ns, 3);
    expect(of(results, 'firstSuccess').map((m) => m.object).sort()).toEqual([route(ns, 2), flapping, route(ns, 4)]);
    expect(of(results, 'ready').map((m) => m.object).sort()).toEqual([route(ns, 2), route(ns, 4)]);
    expect(of(results, 'timedOut').map((m) => m.object)).toEqual([flapping]);
    expect(results.failures).toEqual([{ phase: 'validate', object: flapping, message: expect.stringMatching(/^not ready \(3 successes in a row\) within 2000 ms \(last: HTTP (503|200 from backend-001 in namespace shapes-flap)\)$/) }]);
  });

  test('the health gate passes once controller pods are Ready, and names those that never are', async () => {
    const namespace = 'envoy-gateway-system';
    await ensureSharedNamespace(cluster, namespace);
    const node = (await cluster.requestRetrying('GET', '/api/v1/nodes')).body.items[0].metadata.name;
    const pod = (name: string, nodeName: string) => ({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name, namespace, labels: { 'control-plane': 'envoy-gateway', 'app.kubernetes.io/name': 'gateway-helm', 'app.kubernetes.io/instance': 'eg' } }, // gateway-helm's pod labels
      spec: { nodeName, containers: [{ name: 'envoy-gateway', image: 'envoy-gateway:test' }] },
    });
    const pods = `/api/v1/namespaces/${namespace}/pods`;
    try {
      // A pod on a kwok node becomes Ready (kwok's stages) a little after it is created: the gate waits for it.
      expect((await cluster.requestRetrying('POST', pods, pod('gate-ready', node))).status).toBe(201);
      const passed = await checkHealthGate(cluster, { ...healthGate, timeoutMs: 30_000 }, 1, 0.02);
      expect(passed).toMatchObject({ step: 1, passed: true, errorRate: 0.02 });
      expect(passed.message).toMatch(/^error rate 2\.0 % \(limit 10\.0 %\); 1 controller pod\(s\) Ready/);

      // A pod bound to a node that does not exist is never Ready: the gate fails after its timeout, naming it.
      expect((await cluster.requestRetrying('POST', pods, pod('gate-stuck', 'no-such-node'))).status).toBe(201);
      const started = Date.now();
      const failed = await checkHealthGate(cluster, { ...healthGate, timeoutMs: 1500 }, 2, 0);
      expect(Date.now() - started).toBeGreaterThanOrEqual(1500);
      expect(failed).toMatchObject({ step: 2, passed: false, errorRate: 0 });
      expect(failed.message).toContain(`not Ready after 1500 ms: envoy-gateway pod ${namespace}/gate-stuck`);

      // Readiness not required: only the error rate counts.
      expect(await checkHealthGate(cluster, { ...healthGate, controllersReady: false }, 3, 0)).toMatchObject({ passed: true, message: 'error rate 0.0 % (limit 10.0 %); controller readiness not required' });
    } finally {
      for (const name of ['gate-ready', 'gate-stuck']) await cluster.requestRetrying('DELETE', `${pods}/${name}?gracePeriodSeconds=0`);
    }
  });
});
