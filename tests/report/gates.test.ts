import { DOMParser, Document, Element } from '@xmldom/xmldom';
import { renderJUnit } from '../../src/report/junit';
import { renderMarkdown } from '../../src/report/markdown';
import { evaluateSlo } from '../../src/report/slo';
import { assessValidity } from '../../src/report/validity';
import { BenchResults } from '../../src/results/schema';
import { parseSloMetric } from '../../src/results/slo-metric';
import { SloGate } from '../../src/results/scenario';
import { MiB, makeResults, makeScenario } from './make-results';

const withGates = (slo: SloGate[], extra: Parameters<typeof makeResults>[0] = {}) => makeResults({ routes: 201, seed: 3, scenario: makeScenario({ slo }), ...extra });

describe('parseSloMetric', () => {
  test('the grammar', () => {
    expect(parseSloMetric('milestone.ready.p99')).toEqual({ kind: 'milestone', milestone: 'ready', statistic: 'p99' });
    expect(parseSloMetric('milestone.routeAccepted.max')).toEqual({ kind: 'milestone', milestone: 'routeAccepted', statistic: 'max' });
    expect(parseSloMetric('memory.envoy-gateway.max')).toEqual({ kind: 'memory', component: 'envoy-gateway' });
    expect(parseSloMetric('cpu.ai-gateway-controller.max')).toEqual({ kind: 'cpu', component: 'ai-gateway-controller' });
    expect(parseSloMetric('errorRate')).toEqual({ kind: 'errorRate' });
  });

  test.each([
    ['milestone.ready.p98', 'metric "milestone.ready.p98": unknown statistic "p98"; allowed: p50, p90, p95, p99, max'],
    ['milestone.ready', 'metric "milestone.ready": expected milestone.<name>.<p50|p90|p95|p99|max>, e.g. milestone.ready.p99'],
    ['memory.envoy.max', 'metric "memory.envoy.max": unknown component "envoy"; allowed: envoy-gateway, ai-gateway-controller, envoy-proxy, ai-gateway-extproc, kube-apiserver, etcd, mock-provider, runner'],
    ['memory.envoy-gateway.p99', 'metric "memory.envoy-gateway.p99": expected memory.<component>.max, e.g. memory.envoy-gateway.max'],
    ['latency', 'metric "latency": unknown; allowed: milestone.<name>.<p50|p90|p95|p99|max>, memory.<component>.max, cpu.<component>.max or errorRate'],
  ])('%s is rejected with what is allowed', (metric, error) => {
    expect(parseSloMetric(metric)).toEqual({ error });
  });
});

describe('evaluateSlo', () => {
  test('pass and fail, with the measured value', () => {
    const { results } = withGates([
      { metric: 'milestone.firstSuccess.p50', max: 10_000 },
      { metric: 'milestone.ready.p99', max: 1000 },
      { metric: 'memory.envoy-gateway.max', max: 512 * MiB },
      { metric: 'errorRate', max: 0.01 },
    ]);
    const [ttfs, ready, memory, errors] = evaluateSlo(results);
    expect(ttfs).toMatchObject({ metric: 'milestone.firstSuccess.p50', passed: true });
    expect(ttfs.value).toBeGreaterThan(4000);
    expect(ttfs.message).toMatch(/^milestone\.firstSuccess\.p50: \d\.\d\d s ≤ 10\.0 s \(over 200 route lives \(0 missed it\)\)$/);
    expect(ready).toMatchObject({ passed: false });
    expect(ready.message).toMatch(/^milestone\.ready\.p99: [\d.]+ s > 1\.00 s \(over 200 route lives \(0 missed it\)\): violated$/);
    expect(memory).toMatchObject({ passed: true });
    expect(errors).toEqual({ metric: 'errorRate', max: 0.01, value: 0, passed: true, message: 'errorRate: 0.00 % ≤ 1.00 % (0 of 200 timed route lives never reached ready)' });
  });

  test('error rate counts routes that never became ready, and routes never created', () => {
    const { results } = withGates([{ metric: 'errorRate', max: 0.02 }], { timedOut: 4, failedCreates: 1 });
    const [gate] = evaluateSlo(results);
    expect(gate.value).toBeCloseTo(5 / 200, 12);
    expect(gate.passed).toBe(false);
    expect(gate.message).toBe('errorRate: 2.50 % > 2.00 % (5 of 200 timed route lives never reached ready): violated');
  });

  test('not measured fails, saying so', () => {
    const { results } = withGates(
      [
        { metric: 'milestone.routeAccepted.p99', max: 1000 },
        { metric: 'cpu.envoy-proxy.max', max: 1000 },
        { metric: 'memory.kube-apiserver.max', max: 1e12 },
      ],
      { components: ['envoy-gateway'], withoutCpu: ['envoy-gateway'] },
    );
    expect(evaluateSlo(results)).toEqual([
      { metric: 'milestone.routeAccepted.p99', max: 1000, passed: false, message: 'milestone.routeAccepted.p99: not measured: no route reached milestone "routeAccepted"' },
      { metric: 'cpu.envoy-proxy.max', max: 1000, passed: false, message: 'cpu.envoy-proxy.max: not measured: no CPU samples of Envoy proxy' },
      { metric: 'memory.kube-apiserver.max', max: 1e12, passed: false, message: 'memory.kube-apiserver.max: not measured: no memory samples of kube-apiserver' },
    ]);
    const controlPlane = withGates([{ metric: 'errorRate', max: 1 }], { mode: 'control-plane' }).results;
    expect(evaluateSlo(controlPlane)[0]).toMatchObject({ passed: false, message: 'errorRate: not measured: a control-plane run probes no data plane, so no route becomes ready' });
  });

  test('atRoutes: only samples at or above that many live routes', () => {
    // memory = 90 MiB + 12 KiB × live routes (+ noise): the peak at ≥ 100 routes is far below the run's peak
    const { results } = withGates([]);
    const peakBelow = (atRoutes: number) =>
      Math.max(...results.samples.filter((s) => s.component === 'envoy-gateway' && s.liveObjects >= atRoutes).map((s) => s.memoryBytes as number));
    const gates = (max: number, atRoutes?: number) => evaluateSlo({ ...results, scenario: makeScenario({ slo: [{ metric: 'memory.envoy-gateway.max', max, ...(atRoutes !== undefined && { atRoutes }) }] }) })[0];
    const all = gates(1e12);
    expect(all.value).toBe(peakBelow(0));
    expect(gates(1e12, 150).value).toBe(peakBelow(150));
    expect(gates(1e12, 150).message).toMatch(/peak of \d+ samples at ≥ 150 live routes/);
    expect(gates(1e12, 5000)).toMatchObject({ passed: false, message: 'memory.envoy-gateway.max: not measured: no sample of Envoy Gateway controller at ≥ 5,000 live routes (at most 201)' });
    const onLatency = evaluateSlo({ ...results, scenario: makeScenario({ slo: [{ metric: 'milestone.ready.p99', max: 1e9, atRoutes: 10 }] }) })[0];
    expect(onLatency).toMatchObject({ passed: false, message: 'atRoutes applies only to memory.* and cpu.* gates, not to milestone.ready.p99' });
  });

  test('the report shows the gates at the top and in a table', () => {
    const { results } = withGates([
      { metric: 'milestone.ready.p99', max: 1000 },
      { metric: 'errorRate', max: 0.01 },
    ]);
    const md = renderMarkdown(results);
    expect(md).toContain('> **SLO.** 1 of 2 SLO gates failed: milestone.ready.p99.');
    expect(md).toContain('## SLO gates');
    expect(md).toMatch(/\| milestone\.ready\.p99 \| FAILED \| milestone\.ready\.p99: [\d.]+ s \\> 1\.00 s/); // Markdown-escaped >
    expect(md).toMatch(/\| errorRate \| passed \| /);
  });
});

describe('assessValidity', () => {
  const base = (extra: Parameters<typeof makeResults>[0] = {}) => makeResults({ routes: 101, seed: 2, scenario: makeScenario(), ...extra }).results;

  test('a clean run is valid', () => {
    expect(assessValidity(base())).toEqual({ valid: true, reasons: [] });
  });

  test('the missing share is checked against the scenario’s limit, counting every declared milestone', () => {
    const scenario = makeScenario({
      milestones: [{ name: 'routeAccepted', kind: 'HTTPRoute', condition: { type: 'Accepted', status: 'True', perParent: true } }],
      validity: { maxMissingShare: 0.02, requireSamples: [], maxSampleGapIntervals: 5 },
    });
    const results = makeResults({ routes: 101, scenario, statusMilestones: [{ name: 'routeAccepted', kind: 'HTTPRoute', medianMs: 200, missing: 3 }] }).results;
    expect(assessValidity(results).reasons).toEqual([
      '3 of 100 timed route lives (3.00 %) missed a declared milestone (created but never reached: firstSuccess 0, ready 0, routeAccepted 3); at most 2.00 % allowed',
    ]);
    const lenient = { ...results, scenario: { ...scenario, validity: { ...scenario.validity, maxMissingShare: 0.03 } } };
    expect(assessValidity(lenient).valid).toBe(true);
  });

  test('control-plane runs do not require data-plane milestones', () => {
    const results = base({ mode: 'control-plane' });
    const withoutProbes = { ...results, milestones: results.milestones.filter((m) => m.milestone === 'created') };
    expect(assessValidity(withoutProbes)).toEqual({ valid: true, reasons: [] });
    expect(assessValidity({ ...withoutProbes, run: { ...withoutProbes.run, mode: 'cluster' } }).valid).toBe(false);
  });

  test('a required component without samples, or with a long gap during provision/hold/validate', () => {
    const scenario = makeScenario({ validity: { maxMissingShare: 0.05, requireSamples: ['envoy-gateway', 'kube-apiserver'], maxSampleGapIntervals: 5 } });
    const results = base({ scenario });
    expect(assessValidity(results).reasons).toEqual(['required component kube-apiserver has no samples']);

    const validate = results.phases.find((p) => p.phase === 'validate')!;
    const gapFrom = validate.startMs + 500;
    const gapped: BenchResults = {
      ...results,
      scenario: { ...scenario, validity: { ...scenario.validity, requireSamples: ['envoy-gateway'] } },
      samples: results.samples.filter((s) => !(s.component === 'envoy-gateway' && s.t > gapFrom && s.t < gapFrom + 6000)),
    };
    const [reason] = assessValidity(gapped).reasons;
    expect(reason).toMatch(/^required component envoy-gateway went (5\.\d\d|6\.\d\d) s without a sample from [\d.]+ s into the run \(during provision\/hold\/validate\); at most 5 × the 1\.00 s interval = 5\.00 s allowed$/);
    // the same gap during cleanup does not matter
    const cleanup = results.phases.find((p) => p.phase === 'cleanup')!;
    const inCleanup = { ...gapped, samples: results.samples.filter((s) => !(s.component === 'envoy-gateway' && s.t > cleanup.startMs && s.t < cleanup.endMs)) };
    expect(assessValidity(inCleanup).valid).toBe(true);
  });

  test('interrupted; nothing recorded', () => {
    const results = base();
    expect(assessValidity({ ...results, run: { ...results.run, interrupted: true } }).reasons).toEqual(['the run was interrupted before it finished']);
    expect(assessValidity({ ...results, milestones: [], samples: [] }).reasons).toEqual(['no route was created (no route milestones were recorded)', 'no resource samples were recorded']);
  });

  test('version-1 files: the default rules, first success as the data-plane milestone', () => {
    const { results } = makeResults({ routes: 101, timedOut: 5 });
    const v1 = { ...results, schemaVersion: 1 as const };
    expect(assessValidity(v1)).toEqual({ valid: true, reasons: [] }); // 5 of 100 = the 5 % limit
    // one more route without first success (its records stripped but its create) crosses the limit
    const oneMore = { ...v1, milestones: v1.milestones.filter((m) => m.object !== 'AIGatewayRoute/bench/route-000002' || m.milestone === 'created') };
    expect(assessValidity(oneMore).reasons).toEqual([
      '6 of 100 timed route lives (6.00 %) missed a declared milestone (created but never reached: firstSuccess 6); at most 5.00 % allowed',
    ]);
  });
});

describe('renderJUnit (parsed with a real XML parser)', () => {
  const parse = (xml: string) => new DOMParser().parseFromString(xml, 'text/xml');
  const elements = (node: Document | Element, name: string) => Array.from(node.getElementsByTagName(name));

  test('a suite per run, a case per gate plus validity; failures carry the message', () => {
    const gates: SloGate[] = [
      { metric: 'milestone.ready.p99', max: 1000 },
      { metric: 'errorRate', max: 0.05 },
    ];
    const scenario = makeScenario({ name: 'steps & "churn" <ci>', slo: gates });
    const runs = [1, 2, 3].map((k) => {
      const { results } = makeResults({ routes: 101, seed: k, runId: `run-${k}`, scenario, ...(k === 3 && { interrupted: true }) });
      return { ...results, repeat: { index: k, of: 3 } };
    });
    const xml = renderJUnit(runs);
    expect(xml.startsWith('<?xml version="1.0" encoding="UTF-8"?>\n<testsuites')).toBe(true);
    const doc = parse(xml);
    const root = doc.documentElement!;
    expect(root.tagName).toBe('testsuites');
    expect(root.getAttribute('name')).toBe('steps & "churn" <ci>');
    expect(root.getAttribute('tests')).toBe('9');
    expect(root.getAttribute('failures')).toBe('4'); // ready p99 in each run + the interrupted run's validity

    const suites = elements(doc, 'testsuite');
    expect(suites.map((s) => s.getAttribute('name'))).toEqual(['steps & "churn" <ci> #1', 'steps & "churn" <ci> #2', 'steps & "churn" <ci> #3']);
    const third = suites[2];
    expect(third.getAttribute('tests')).toBe('3');
    expect(third.getAttribute('failures')).toBe('2');
    expect(Number(third.getAttribute('time'))).toBeGreaterThan(10);
    const properties = Object.fromEntries(elements(third, 'property').map((p) => [p.getAttribute('name'), p.getAttribute('value')]));
    expect(properties).toEqual({ 'run.id': 'run-3', 'run.mode': 'cluster', 'tool.version': '0.1.0', 'version.ai-gateway-controller': 'v0.4.0', 'version.envoy': '1.35.0', 'version.envoy-gateway': 'v1.5.0' });

    const cases = elements(third, 'testcase');
    expect(cases.map((c) => c.getAttribute('name'))).toEqual(['slo milestone.ready.p99 <= 1000', 'slo errorRate <= 0.05', 'validity']);
    const failureOf = (c: Element) => elements(c, 'failure')[0];
    expect(failureOf(cases[0]).getAttribute('type')).toBe('slo');
    expect(failureOf(cases[0]).getAttribute('message')).toMatch(/^milestone\.ready\.p99: [\d.]+ s > 1\.00 s .*: violated$/);
    expect(failureOf(cases[0]).textContent).toBe(failureOf(cases[0]).getAttribute('message'));
    expect(failureOf(cases[1])).toBeUndefined();
    expect(failureOf(cases[2]).getAttribute('message')).toBe('the run was interrupted before it finished');
    expect(failureOf(elements(suites[0], 'testcase')[2])).toBeUndefined();
  });

  test('escapes <&"\' and drops characters XML cannot hold, so any message parses back intact', () => {
    const { results } = makeResults({ routes: 20, scenario: makeScenario({ name: "a<b>&'c\"", slo: [{ metric: 'milestone.<x>&"y".p99', max: 1 }] }) });
    const xml = renderJUnit([{ ...results, run: { ...results.run, id: 'id\u0001<&>' } }]);
    const doc = parse(xml);
    const suite = elements(doc, 'testsuite')[0];
    expect(suite.getAttribute('name')).toBe('a<b>&\'c" #1');
    expect(elements(doc, 'property')[0].getAttribute('value')).toBe('id<&>');
    const failure = elements(doc, 'failure')[0];
    expect(failure.getAttribute('message')).toBe('metric "milestone.<x>&"y".p99": expected milestone.<name>.<p50|p90|p95|p99|max>, e.g. milestone.ready.p99');
    expect(elements(doc, 'testcase')[0].getAttribute('name')).toBe('slo milestone.<x>&"y".p99 <= 1');
  });

  test('a run without a scenario: the validity case only', () => {
    const doc = parse(renderJUnit([makeResults({ routes: 20 }).results]));
    expect(elements(doc, 'testsuite')[0].getAttribute('name')).toBe('aigw-scale #1');
    expect(elements(doc, 'testcase').map((c) => c.getAttribute('name'))).toEqual(['validity']);
    expect(elements(doc, 'failure')).toHaveLength(0);
  });
});
