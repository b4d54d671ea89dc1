import { describeOverrides, flagOverrides, milestoneFromFlag, sloFromFlag } from '../../src/scenario/from-flags';
import { ScenarioError, formatProblem, parseScenario, readScenarioSource } from '../../src/scenario/parse';
import { scenarioFromFlags } from '../support/scenario-from-flags';

const problemsOf = (fn: () => unknown): string[] => {
  try {
    fn();
  } catch (error) {
    if (error instanceof ScenarioError) return error.problems.map(formatProblem);
    throw error;
  }
  throw new Error('accepted');
};

/** The same run said twice: as bench flags (the values as commander hands them over) and as a scenario file. */
const FLAGS = {
  routes: 40,
  backends: 4,
  namespace: 'flags-ns',
  fixtureId: 'flags',
  gatewayUrl: 'http://127.0.0.1:8080',
  standIn: true,
  allowMissingControllers: true,
  qps: 20,
  burst: 40,
  steps: '20,40',
  hold: '5s',
  churnCycles: 2,
  churnShare: 0.25,
  requestInterval: '50ms',
  perRouteTimeout: 30_000,
  consecutiveSuccesses: 4,
  sampleInterval: '1s',
  milestone: ['AIGatewayRoute:Accepted', 'HTTPRoute:Accepted@parents', 'Gateway:Programmed=False'],
  slo: ['milestone.ready.p99<=20s', 'memory.envoy-gateway.max<=512Mi@40', 'errorRate<=0.01'],
  repeat: 3,
  profiles: true,
};
const FILE = `apiVersion: aigw-scale/v1
kind: Scenario
name: bench
fixture: { routes: 40, backends: 4, namespace: flags-ns, fixtureId: flags }
gateway: { url: "http://127.0.0.1:8080", mode: stand-in, allowMissingControllers: true }
load:
  qps: 20
  burst: 40
  shape:
    type: steps
    steps: [{ routes: 20, hold: 5s }, { routes: 40, hold: 5000 }]
  churn: { cycles: 2, share: 0.25 }
probe: { requestInterval: 50, perRouteTimeout: 30s, consecutiveSuccesses: 4 }
sampling: { interval: 1000ms }
milestones:
  - { name: aiGatewayRouteAccepted, kind: AIGatewayRoute, condition: { type: Accepted } }
  - { name: httpRouteAccepted, kind: HTTPRoute, condition: { type: Accepted, perParent: true } }
  - { name: gatewayProgrammedFalse, kind: Gateway, condition: { type: Programmed, status: "False" } }
slo:
  - { metric: milestone.ready.p99, max: 20s }
  - { metric: memory.envoy-gateway.max, max: 512Mi, atRoutes: 40 }
  - { metric: errorRate, max: 0.01 }
repeat: 3
profiles: { enabled: true }
`;

describe('scenarioFromFlags', () => {
  test('bench flags and the equivalent file give deep-equal scenarios', () => {
    const fromFlags = scenarioFromFlags(FLAGS);
    expect(fromFlags).toEqual(parseScenario(FILE, 'same.yaml'));
    expect(fromFlags.load.shape).toMatchObject({ type: 'steps', steps: [{ routes: 20, holdMs: 5000 }, { routes: 40, holdMs: 5000 }] });
  });

  test('flags with a file override exactly the fields they name, and say which', () => {
    const file = readScenarioSource(FILE, 'same.yaml');
    const flags = { qps: 5, hold: '1s', portForward: true, slo: ['errorRate<=0.5'] };
    const overridden = scenarioFromFlags(flags, file);
    const original = parseScenario(FILE, 'same.yaml');
    expect(overridden).toEqual({
      ...original,
      gateway: { ...original.gateway, url: undefined },
      load: { ...original.load, qps: 5, shape: { ...original.load.shape, steps: [{ routes: 20, holdMs: 1000 }, { routes: 40, holdMs: 1000 }] } },
      slo: [{ metric: 'errorRate', max: 0.5 }],
    });
    expect('url' in overridden.gateway).toBe(false);
    expect(describeOverrides(flagOverrides(flags, file))).toEqual([
      'load.qps ← --qps 5',
      'gateway.url ← --port-forward',
      'load.shape.steps[0].hold ← --hold "1s"',
      'load.shape.steps[1].hold ← --hold "1s"',
      'slo ← --slo ["errorRate<=0.5"]',
    ]);
    // Batches replace a file's steps; the steps then go with them.
    expect(scenarioFromFlags({ batchSize: 10, batchInterval: '2s' }, file).load.shape).toEqual({ type: 'batches', batchSize: 10, intervalMs: 2000 });
  });

  test('problems name the flag that set the value, and the file line for the rest', () => {
    const file = readScenarioSource(FILE, 'same.yaml');
    expect(problemsOf(() => scenarioFromFlags({ churnShare: 2, steps: '20,30' }, file))).toEqual([
      '--churn-share: got 2; must be <= 1 (load.churn.share)',
    ]);
    expect(problemsOf(() => scenarioFromFlags({ steps: '20,30' }, file))).toEqual([
      '--steps: the last step has 30 routes, fixture.routes is 40; the last step must reach fixture.routes (load.shape.steps[1].routes)',
    ]);
    expect(problemsOf(() => scenarioFromFlags({ routes: 0, churnCycles: 'two', burst: 5 }))).toEqual([
      '--routes: got 0; must be >= 2 (fixture.routes)',
      '--churn-cycles: missing required key "share" (load.churn)',
      '--churn-cycles: got "two"; must be integer (load.churn.cycles)',
    ]);
    expect(problemsOf(() => scenarioFromFlags({ routes: 10, burst: 5 }))).toEqual(['--burst: a burst needs load.qps (without qps, creates are not rate-limited) (load.burst)']);
    expect(problemsOf(() => scenarioFromFlags({ routes: 10, slo: ['milestone.accepted.p99<=1s'] }))).toEqual([
      '--slo: no milestone "accepted"; declared: none; built-in: created, firstSuccess, ready, timedOut, deleted, filterConfig, xdsServed, extprocLoaded, filterConfigRemoved, xdsServedRemoved, extprocLoadedRemoved (slo[0].metric)',
    ]);
    expect(problemsOf(() => scenarioFromFlags({ routes: 10, hold: '1s' }))).toEqual(['--hold: got "1s"; needs --steps (or a scenario whose load.shape.type is steps)']);
    expect(problemsOf(() => scenarioFromFlags({ routes: 10, steps: '5,10', batchSize: 2 }))).toEqual(['--steps: got "5,10"; give at most one of --steps and --batch-size']);
  });

  test('--milestone and --slo syntax', () => {
    expect(milestoneFromFlag('AIGatewayRoute:Accepted')).toEqual({ name: 'aiGatewayRouteAccepted', kind: 'AIGatewayRoute', condition: { type: 'Accepted', status: 'True', perParent: false } });
    expect(milestoneFromFlag('HTTPRoute:ResolvedRefs@parents')).toEqual({ name: 'httpRouteResolvedRefs', kind: 'HTTPRoute', condition: { type: 'ResolvedRefs', status: 'True', perParent: true } });
    expect(milestoneFromFlag('Gateway:Programmed=Unknown')).toMatchObject({ name: 'gatewayProgrammedUnknown', condition: { status: 'Unknown' } });
    expect(problemsOf(() => milestoneFromFlag('AIGatewayRoute'))).toEqual(['--milestone: got "AIGatewayRoute"; allowed: KIND:CONDITION[=STATUS][@parents], e.g. AIGatewayRoute:Accepted or HTTPRoute:ResolvedRefs@parents']);
    expect(sloFromFlag('memory.etcd.max <= 1Gi@100')).toEqual({ metric: 'memory.etcd.max', max: '1Gi', atRoutes: 100 });
    expect(sloFromFlag('errorRate<=0.05')).toEqual({ metric: 'errorRate', max: 0.05 });
    expect(problemsOf(() => sloFromFlag('errorRate<0.05'))[0]).toMatch(/^--slo: got "errorRate<0\.05"; allowed: METRIC<=VALUE/);
  });
});
