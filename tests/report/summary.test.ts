import { headline } from '../../src/report/content';
import { summarize } from '../../src/report/summary';
import { quantile } from '../../src/report/stats';
import { KiB, makeResults } from './make-results';

describe('summarize', () => {
  test('counts ready, timed out and failed routes; the warm-up route is not timed', () => {
    const { results } = makeResults({ routes: 200, timedOut: 4, failedCreates: 3 });
    const s = summarize(results);
    expect(s.routes).toEqual({ expected: 199, warmUpRoutes: 1, created: 196, ready: 192, timedOut: 4, failed: 3, pending: 0, notCreated: 0, readyRatio: 192 / 199 });
    expect(s.outcomes).toHaveLength(199);
    expect(s.outcomes[0]).toMatchObject({ index: 2, object: 'AIGatewayRoute/bench/route-000002' });
    expect(s.outcomes.filter((o) => o.status === 'timed-out').every((o) => o.ttfsMs === undefined)).toBe(true);
    expect(s.validity).toEqual({ valid: true, reasons: [] });
  });

  test('time to first success: per route firstSuccess − created, percentiles over ready routes', () => {
    const { results, ttfsMs } = makeResults({ routes: 300, timedOut: 2, seed: 9 });
    const s = summarize(results);
    expect(s.ttfs!.count).toBe(ttfsMs.length);
    expect(s.ttfs!.p50).toBeCloseTo(quantile(ttfsMs, 0.5)!, 2);
    expect(s.ttfs!.p90).toBeCloseTo(quantile(ttfsMs, 0.9)!, 2);
    expect(s.ttfs!.p99).toBeCloseTo(quantile(ttfsMs, 0.99)!, 2);
    expect(s.ttfs!.max).toBeCloseTo(Math.max(...ttfsMs), 2);
    // the log-normal's median is 5 s
    expect(s.ttfs!.p50).toBeGreaterThan(4700);
    expect(s.ttfs!.p50).toBeLessThan(5300);
  });

  test('memory per route: the regression slope recovers k per component', () => {
    const { results, memoryPerRoute } = makeResults({ routes: 1000, batchSize: 50, seed: 3 });
    const s = summarize(results);
    for (const c of s.components) {
      const truth = memoryPerRoute[c.component]!;
      expect(c.memoryPerRoute).toBeDefined();
      expect(Math.abs(c.memoryPerRoute!.bytesPerRoute - truth) / truth).toBeLessThan(0.05);
      expect(c.memoryPerRoute!.r2).toBeGreaterThan(0.9);
    }
    const eg = s.components.find((c) => c.component === 'envoy-gateway')!;
    expect(eg.cpu!.peak).toBeGreaterThan(eg.cpu!.final);
    expect(eg.memory!.peak).toBeGreaterThan(90 * 1024 * 1024 + 900 * 12 * KiB);
  });

  test('absent stays absent: a component never sampled has no numbers, and is listed as not measured', () => {
    const { results } = makeResults({ components: ['envoy-gateway', 'ai-gateway-controller'], withoutCpu: ['ai-gateway-controller'] });
    const s = summarize(results);
    const proxy = s.components.find((c) => c.component === 'envoy-proxy')!;
    expect(proxy).toEqual({ component: 'envoy-proxy', label: 'Envoy proxy', samples: 0, memoryPerRouteMissing: 'memory not measured' });
    const ai = s.components.find((c) => c.component === 'ai-gateway-controller')!;
    expect(ai.cpu).toBeUndefined();
    expect(ai.memory).toBeDefined();
    expect(s.notMeasured).toEqual(['envoy-proxy: no CPU or memory samples (no pods found, or no metrics source)', 'ai-gateway-controller: CPU not measured']);
    // without the runner's line, the summary says it itself
    expect(summarize({ ...results, notMeasured: [] }).notMeasured).toEqual(['ai-gateway-controller: CPU not measured', 'envoy-proxy: never sampled — CPU and memory not measured']);
  });

  test('validity: more than 5 % of routes without first success, no samples, interrupted', () => {
    expect(summarize(makeResults({ routes: 101, timedOut: 5 }).results).validity).toEqual({ valid: true, reasons: [] }); // exactly 5 %
    const tooMany = summarize(makeResults({ routes: 101, timedOut: 4, failedCreates: 2 }).results).validity;
    expect(tooMany.valid).toBe(false);
    expect(tooMany.reasons).toEqual(['6 of 100 timed route lives (6.00 %) missed a declared milestone (created but never reached: firstSuccess 4; 2 never created); at most 5.00 % allowed']);
    const { results } = makeResults({ routes: 50 });
    const noSamples = summarize({ ...results, samples: [] });
    expect(noSamples.validity.reasons).toEqual(['no resource samples were recorded']);
    expect(noSamples.components.every((c) => c.cpu === undefined && c.memory === undefined)).toBe(true);
    expect(summarize({ ...results, run: { ...results.run, interrupted: true } }).validity.reasons).toEqual(['the run was interrupted before it finished']);
    const nothing = summarize({ ...results, milestones: [], samples: [] });
    expect(nothing.validity.reasons).toEqual(['no route was created (no route milestones were recorded)', 'no resource samples were recorded']);
    expect(nothing.ttfs).toBeUndefined();
    expect(nothing.notMeasured).toContain('time to first success: no route reached first success');
  });

  test('without a warm-up phase every route is timed', () => {
    const s = summarize(makeResults({ routes: 40, warmUp: false }).results);
    expect(s.routes).toMatchObject({ expected: 40, warmUpRoutes: 0, ready: 40, readyRatio: 1 });
  });

  test('control-plane mode: no data plane, so no route is "ready"; the headline counts created routes', () => {
    const { results } = makeResults({ routes: 30, mode: 'control-plane' });
    const controlPlane = { ...results, milestones: results.milestones.filter((m) => m.milestone === 'created') };
    const s = summarize(controlPlane);
    expect(s.routes).toMatchObject({ expected: 29, created: 29, ready: 0, pending: 29 });
    expect(s.declaredMilestones).toEqual([]);
    expect(s.validity).toEqual({ valid: true, reasons: [] });
    expect(headline(controlPlane, s)[0]).toEqual({
      label: 'Routes created',
      text: '29 of 29 timed; control-plane mode: no data plane probed, so readiness was not measured (see the milestones).',
    });
  });

  test('stand-in mode is flagged', () => {
    expect(summarize(makeResults({ routes: 20, mode: 'stand-in' }).results).warnings).toEqual([expect.stringContaining('stand-in')]);
  });
});
