import * as fs from 'node:fs';
import * as path from 'node:path';
import { ScenarioError, formatProblem, loadScenarioFile, parseScenario, renderScenarioYaml } from '../../src/scenario/parse';
import { durationMs, formatDuration, formatSize, sizeBytes } from '../../src/units/units';

const HEAD = 'apiVersion: aigw-scale/v1\nkind: Scenario\nname: t\n';

/** The problems of an invalid scenario, formatted as the CLI prints them. */
function problemsOf(text: string): string[] {
  try {
    parseScenario(text, 's.yaml');
  } catch (error) {
    if (error instanceof ScenarioError) return error.problems.map(formatProblem);
    throw error;
  }
  throw new Error('the scenario was accepted');
}

describe('parseScenario', () => {
  test('a minimal file gets every default documented in src/scenario/types.ts', () => {
    expect(parseScenario(`${HEAD}fixture:\n  routes: 10\n`, 's.yaml')).toEqual({
      apiVersion: 'aigw-scale/v1',
      kind: 'Scenario',
      name: 't',
      fixture: { routes: 10, backends: 1, headerMutations: 0, namespace: 'aigw-scale', gatewayName: 'aigw-scale', routeApiVersion: 'v1beta1', providerPort: 8080, listenerPort: 80, apiKeyAuth: false, createNamespace: true, mockProvider: false },
      gateway: { mode: 'cluster', grpcMaxMessageBytes: 25 * 2 ** 20, allowMissingControllers: false },
      load: { concurrency: 16, shape: { type: 'all-at-once' } },
      probe: { requestIntervalMs: 100, perRouteTimeoutMs: 120_000, concurrency: 512, consecutiveSuccesses: 3 },
      milestones: [],
      sampling: { intervalMs: 2000 },
      slo: [],
      validity: { maxMissingShare: 0.05, requireSamples: [], maxSampleGapIntervals: 5 },
      repeat: 1,
      profiles: { enabled: false, cpuSeconds: 10 },
    });
  });

  test('defaults inside a steps shape, a batches shape, churn and a condition', () => {
    const steps = parseScenario(`${HEAD}fixture: { routes: 30 }\nload:\n  shape:\n    type: steps\n    steps: [{ routes: 10 }, { routes: 30, hold: 2s }]\n  churn: { cycles: 2, share: 0.5 }\nmilestones:\n  - { name: accepted, kind: AIGatewayRoute, condition: { type: Accepted } }\n`, 's.yaml');
    expect(steps.load.shape).toEqual({ type: 'steps', steps: [{ routes: 10, holdMs: 0 }, { routes: 30, holdMs: 2000 }], healthGate: { maxErrorRate: 0.05, controllersReady: true, timeoutMs: 60_000 } });
    expect(steps.load.churn).toEqual({ cycles: 2, share: 0.5, deleteDelayMs: 0, recreateDelayMs: 0 });
    expect(steps.milestones).toEqual([{ name: 'accepted', kind: 'AIGatewayRoute', condition: { type: 'Accepted', status: 'True', perParent: false } }]);
    const batches = parseScenario(`${HEAD}fixture: { routes: 30 }\nload: { shape: { type: batches, batchSize: 5 } }\n`, 's.yaml');
    expect(batches.load.shape).toEqual({ type: 'batches', batchSize: 5, intervalMs: 1000 });
  });

  test('human units: durations and sizes in files, gate thresholds by their metric', () => {
    const s = parseScenario(
      `${HEAD}fixture: { routes: 300 }\ngateway: { grpcMaxMessageSize: 64Mi }\nprobe: { requestInterval: 250ms, perRouteTimeout: 2m }\nsampling: { interval: 1500 }\nslo:\n  - { metric: milestone.ready.p99, max: 1.5s }\n  - { metric: memory.envoy-gateway.max, max: 512Mi, atRoutes: 300 }\n  - { metric: cpu.etcd.max, max: 500 }\n  - { metric: errorRate, max: 0.01 }\n`,
      's.yaml',
    );
    expect(s.gateway.grpcMaxMessageBytes).toBe(64 * 2 ** 20);
    expect(s.probe).toMatchObject({ requestIntervalMs: 250, perRouteTimeoutMs: 120_000 });
    expect(s.sampling.intervalMs).toBe(1500);
    expect(s.slo).toEqual([
      { metric: 'milestone.ready.p99', max: 1500 },
      { metric: 'memory.envoy-gateway.max', max: 512 * 2 ** 20, atRoutes: 300 },
      { metric: 'cpu.etcd.max', max: 500 },
      { metric: 'errorRate', max: 0.01 },
    ]);
    expect([durationMs('1h'), durationMs('5s'), durationMs(7), durationMs('5x'), durationMs(-1)]).toEqual([3_600_000, 5000, 7, undefined, undefined]);
    expect([sizeBytes('1Gi'), sizeBytes('500M'), sizeBytes(42), sizeBytes('0.5'), sizeBytes('1.5Ki')]).toEqual([2 ** 30, 5e8, 42, undefined, 1536]);
    expect([formatDuration(120_000), formatDuration(1500), formatDuration(5000), formatDuration(0)]).toEqual(['2m', '1500ms', '5s', '0ms']);
    expect([formatSize(25 * 2 ** 20), formatSize(1000)]).toEqual(['25Mi', '1000']);
  });

  test('schema problems point at the line and column of the value, unknown keys at the key', () => {
    const text = `${HEAD}fixture:
  routes: 30
  colour: blue
load:
  churn:
    cycles: 1
    share: 2
  shape:
    type: all-at-once
    batchSize: 3
probe:
  requestInterval: 5 seconds
repeat: 0
extra: true
`;
    expect(problemsOf(text).sort()).toEqual(
      [
        's.yaml:6:3: fixture.colour: unknown key; allowed: routes, backends, namespace, fixtureId, gatewayName, headerMutations, routeApiVersion, providerHost, providerPort, listenerPort, envoyServiceType, connectionBufferLimit, apiKeyAuth, createNamespace, mockProvider',
        's.yaml:10:12: load.churn.share: got 2; must be <= 1',
        's.yaml:13:5: load.shape.batchSize: unknown key; allowed with type "all-at-once": type',
        's.yaml:15:20: probe.requestInterval: got "5 seconds"; allowed: milliseconds as a number, or a number with a unit: 500ms, 5s, 2m, 1h',
        's.yaml:16:9: repeat: got 0; must be >= 1',
        's.yaml:17:1: extra: unknown key; allowed: apiVersion, kind, name, fixture, gateway, load, probe, milestones, sampling, slo, validity, repeat, profiles',
      ].sort(),
    );
  });

  test('missing keys, wrong kinds and YAML syntax errors', () => {
    expect(problemsOf('apiVersion: aigw-scale/v2\nkind: Scenario\nname: t\nfixture: {}\n')).toEqual([
      's.yaml:1:13: apiVersion: got "aigw-scale/v2"; must be "aigw-scale/v1"',
      's.yaml:4:10: fixture: missing required key "routes"',
    ]);
    expect(problemsOf(`${HEAD}fixture:\n  routes: [1\n`)[0]).toMatch(/^s\.yaml:6:1: YAML: Flow sequence/);
    expect(problemsOf('- a list\n')).toEqual(['s.yaml:1:1: a scenario is a YAML mapping starting with `apiVersion: aigw-scale/v1` and `kind: Scenario`']);
    expect(problemsOf(`${HEAD}fixture: { routes: 10 }\nfixture: { routes: 20 }\n`)[0]).toMatch(/^s\.yaml:5:1: YAML: Map keys must be unique/);
  });

  test('cross-field rules, each at its line and column', () => {
    const text = `${HEAD}fixture:
  routes: 30
  backends: 40
gateway:
  grpcMaxMessageSize: 32Ki
load:
  burst: 10
  shape:
    type: steps
    steps:
      - routes: 20
      - routes: 10
      - routes: 25
milestones:
  - name: ready
    kind: AIGatewayRoute
    condition: { type: Accepted }
  - name: accepted
    kind: AIGatewayRoute
    condition: { type: Accepted }
  - name: accepted
    kind: HTTPRoute
    path: status.parents
    condition: { type: Accepted }
  - name: programmed
    kind: Gateway
    equals: "yes"
    condition: { type: Programmed }
slo:
  - metric: milestone.nope.p99
    max: 5s
  - metric: milestone.accepted.p42
    max: 5s
  - metric: memory.envoy-gateway.max
    max: 5s
  - metric: errorRate
    max: 0.1
    atRoutes: 10
  - metric: cpu.etcd.max
    max: 100
    atRoutes: 31
validity:
  requireSamples: [etcd, envoy]
`;
    expect(problemsOf(text)).toEqual([
      's.yaml:38:10: slo[2].max: got "5s"; allowed for memory.envoy-gateway.max: a size, e.g. 512Mi or 1Gi',
      's.yaml:6:13: fixture.backends: 40 backends for 30 routes; allowed: at most fixture.routes',
      's.yaml:8:23: gateway.grpcMaxMessageSize: 32Ki is outside the extension gRPC limit\'s range 64Ki … 2Gi',
      's.yaml:10:10: load.burst: a burst needs load.qps (without qps, creates are not rate-limited)',
      's.yaml:15:17: load.shape.steps[1].routes: 10 after 20; steps must increase',
      's.yaml:16:17: load.shape.steps[2].routes: the last step has 25 routes, fixture.routes is 30; the last step must reach fixture.routes',
      's.yaml:18:11: milestones[0].name: "ready" is a built-in milestone; pick another name (built-ins: created, firstSuccess, ready, timedOut, deleted, filterConfig, xdsServed, extprocLoaded, filterConfigRemoved, xdsServedRemoved, extprocLoadedRemoved)',
      's.yaml:24:11: milestones[2].name: "accepted" is already the name of milestones[1]; names must be unique',
      's.yaml:24:5: milestones[2]: give exactly one of condition or path',
      's.yaml:30:13: milestones[3].equals: equals needs a path',
      's.yaml:33:13: slo[0].metric: no milestone "nope"; declared: accepted, programmed; built-in: created, firstSuccess, ready, timedOut, deleted, filterConfig, xdsServed, extprocLoaded, filterConfigRemoved, xdsServedRemoved, extprocLoadedRemoved',
      's.yaml:35:13: slo[1].metric: metric "milestone.accepted.p42": unknown statistic "p42"; allowed: p50, p90, p95, p99, max',
      's.yaml:41:15: slo[3].atRoutes: atRoutes applies to memory.* and cpu.* gates only',
      's.yaml:44:15: slo[4].atRoutes: 31 is more than fixture.routes (30); the gate could never be evaluated',
      's.yaml:46:26: validity.requireSamples[1]: unknown component "envoy"; allowed: envoy-gateway, ai-gateway-controller, envoy-proxy, ai-gateway-extproc, kube-apiserver, etcd, mock-provider, runner',
    ]);
  });

  test('the example scenarios are valid and render back to the same scenario', () => {
    const dir = path.join(__dirname, '..', '..', 'examples', 'scenarios');
    const files = fs.readdirSync(dir).filter((f) => f.endsWith('.yaml'));
    expect(files).toEqual(expect.arrayContaining(['steps-churn-slo.yaml', 'local-smoke.yaml']));
    for (const file of files) {
      const scenario = loadScenarioFile(path.join(dir, file));
      expect(parseScenario(renderScenarioYaml(scenario), 'rendered.yaml')).toEqual(scenario);
    }
    const full = loadScenarioFile(path.join(dir, 'steps-churn-slo.yaml'));
    expect(full.load.shape.type).toBe('steps');
    expect(full.milestones.map((m) => `${m.kind}:${m.condition?.type}${m.condition?.perParent ? '@parents' : ''}`)).toEqual(['AIGatewayRoute:Accepted', 'HTTPRoute:Accepted@parents', 'HTTPRoute:ResolvedRefs@parents', 'Gateway:Programmed']);
  });

  test('a missing file is a scenario problem naming it', () => {
    expect(() => loadScenarioFile('/nonexistent/scenario.yaml')).toThrow(/\/nonexistent\/scenario\.yaml: no such file/);
  });
});
