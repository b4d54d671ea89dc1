import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { compareResults } from '../../src/report/compare';
import { formatComparison } from '../../src/report/comparison-text';
import { renderRepeatsMarkdown, runMetrics, summarizeRepeats, writeRepeatReports } from '../../src/report/repeats';
import { mean, standardDeviation } from '../../src/report/stats';
import { MakeOptions, makeResults, makeScenario } from './make-results';

const scenario = makeScenario({
  name: 'steps-and-churn',
  milestones: [{ name: 'routeAccepted', kind: 'HTTPRoute', condition: { type: 'Accepted', status: 'True', perParent: true } }],
});
const repeatRun = (seed: number, index: number, extra: MakeOptions = {}) => ({
  ...makeResults({ routes: 301, seed, runId: `run-${seed}`, scenario, statusMilestones: [{ name: 'routeAccepted', kind: 'HTTPRoute', medianMs: 300 }], ...extra }).results,
  repeat: { index, of: 3 },
});
const planted: MakeOptions = { ttfsFactor: 1.5, memoryPerRouteFactor: 1.3 };

describe('summarizeRepeats', () => {
  test('mean, sd, min, max, CV per metric over the valid runs; invalid runs listed and excluded', () => {
    const runs = [repeatRun(1, 1), repeatRun(2, 2), repeatRun(3, 3, { interrupted: true }), repeatRun(4, 4)];
    const summary = summarizeRepeats(runs);
    expect(summary.scenario).toBe('steps-and-churn');
    expect(summary.aggregatedRuns).toEqual(['run-1', 'run-2', 'run-4']);
    expect(summary.excluded).toEqual([{ id: 'run-3', index: 3, valid: false, reasons: ['the run was interrupted before it finished'] }]);

    const ids = summary.metrics.map((m) => m.id);
    expect(ids).toEqual(
      expect.arrayContaining([
        'milestone.firstSuccess.p50',
        'milestone.ready.p99',
        'milestone.routeAccepted.p90',
        'errorRate',
        'memory.envoy-gateway.max',
        'cpu.envoy-proxy.max',
        'memoryPerRoute.ai-gateway-controller',
      ]),
    );
    // the aggregate is exactly the statistics of each valid run's own value
    const perRun = [runs[0], runs[1], runs[3]].map((r) => runMetrics(r).find((m) => m.id === 'milestone.ready.p50')!.value!);
    const ready = summary.metrics.find((m) => m.id === 'milestone.ready.p50')!;
    expect(ready.values).toEqual(perRun);
    expect(ready).toMatchObject({ n: 3, unit: 'ms', min: Math.min(...perRun), max: Math.max(...perRun) });
    expect(ready.mean).toBeCloseTo(mean(perRun)!, 9);
    expect(ready.sd).toBeCloseTo(standardDeviation(perRun)!, 9);
    expect(ready.cv).toBeCloseTo(standardDeviation(perRun)! / mean(perRun)!, 9);
    // the invalid run's (different) numbers are nowhere in it
    const invalidValue = runMetrics(runs[2]).find((m) => m.id === 'milestone.ready.p50')!.value!;
    expect(ready.values).not.toContain(invalidValue);
    expect(summary.metrics.find((m) => m.id === 'errorRate')).toMatchObject({ n: 3, mean: 0, sd: 0 });
    expect(summary.metrics.find((m) => m.id === 'errorRate')!.cv).toBeUndefined();
  });

  test('repeats.md and repeats.json', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'aigw-scale-repeats-'));
    try {
      const runs = [repeatRun(1, 1), repeatRun(2, 2, { timedOut: 30 }), repeatRun(4, 3)];
      const written = writeRepeatReports(runs, dir);
      expect(written.markdown).toBe(path.join(dir, 'repeats.md'));
      const md = fs.readFileSync(written.markdown, 'utf8');
      expect(md.split('\n')[0]).toBe('# aigw-scale repeats — steps-and-churn');
      expect(md).toContain('3 run(s); 2 valid, aggregated below: run-1, run-4.');
      expect(md).toMatch(/> - #2 run-2: 30 of 300 timed route lives \(10\.00 %\) missed a declared milestone/);
      expect(md).toContain('| metric | n | mean | sd | CV | min | max |');
      expect(md).toMatch(/\| ready p50 \| 2 \| [\d.]+ s \| [\d.]+ ms \| [\d.]+ % \| [\d.]+ s \| [\d.]+ s \|/);
      expect(md).toMatch(/\| peak memory: Envoy Gateway controller \| 2 \| [\d.]+ MiB \|/);
      const json = JSON.parse(fs.readFileSync(written.json, 'utf8'));
      expect(json).toEqual(JSON.parse(JSON.stringify(summarizeRepeats(runs))));
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test('no valid run: says so, aggregates nothing', () => {
    const summary = summarizeRepeats([repeatRun(1, 1, { interrupted: true })]);
    expect(summary.metrics).toEqual([]);
    expect(renderRepeatsMarkdown(summary)).toContain('No valid run: nothing to aggregate.');
  });
});

describe('compare across repeats (3 vs 3): planted regression vs unchanged rerun, over several seeds', () => {
  const side = (seeds: number[], extra: MakeOptions = {}) => seeds.map((seed, i) => repeatRun(seed, i + 1, extra));

  test.each([
    [[11, 12, 13], [14, 15, 16]],
    [[21, 22, 23], [24, 25, 26]],
    [[31, 32, 33], [34, 35, 36]],
    [[41, 42, 43], [44, 45, 46]],
  ])('base seeds %j, new seeds %j', (baseSeeds, nextSeeds) => {
    const base = side(baseSeeds);
    const unchanged = compareResults(base, side(nextSeeds), {}, { iterations: 500 });
    expect(unchanged.significantDifferences).toEqual([]);
    expect(unchanged.regressions).toBe(0);
    expect(formatComparison(unchanged)).toContain('\nno significant difference\nno regression');

    const worse = compareResults(base, side(nextSeeds, planted), {}, { iterations: 500 });
    expect(worse.significantDifferences).toEqual(expect.arrayContaining(['TTFS p50', 'TTFS p99', 'ready p50', 'ready p99', 'memory per route: Envoy Gateway controller']));
    // routeAccepted also got 50 % slower, but 300 ms → 450 ms is below the 250 ms minimum effect of the p50
    expect(worse.significantDifferences).not.toContain('routeAccepted p50');
    expect(worse.comparisons.filter((c) => c.regression).map((c) => c.metric)).toEqual(expect.arrayContaining(['TTFS p50', 'ready p99']));
    const ttfs = worse.comparisons.find((c) => c.metric === 'TTFS p50')!;
    // Mann–Whitney on run-level values: all three new runs slower than all three base ones, yet p = 0.1 at best
    expect(ttfs.mannWhitney).toEqual({ u: 0, m: 3, n: 3, p: 0.1, method: 'exact', smallestPossibleP: 0.1 });
    expect(worse.method).toContain('with 3 vs 3 runs its smallest possible two-sided p is 0.10, so it can never reach 0.05');
    const text = formatComparison(worse);
    expect(text).toMatch(/^REGRESSION +TTFS p50 .* yes +0\.10 \(exact\)$/m);
    expect(text).toMatch(/\nsignificant differences: TTFS p50, TTFS p99, ready p50, ready p99, .*\n\d+ regression\(s\): /);
  });
});
