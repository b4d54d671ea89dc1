import { CompareError, MIN_MEMORY_FIT_R2, compareResults } from '../../src/report/compare';
import { formatComparison } from '../../src/report/comparison-text';
import { summarize } from '../../src/report/summary';
import { DEFAULT_THRESHOLDS, ThresholdError, applyThresholdFlag, thresholdsFromJson } from '../../src/report/thresholds';
import { KiB, MiB, makeResults } from './make-results';

const run = (seed: number, extra: Parameters<typeof makeResults>[0] = {}) => makeResults({ routes: 400, seed, runId: `run-${seed}`, ...extra }).results;
const planted = { ttfsFactor: 1.5, memoryPerRouteFactor: 1.3 };
const flagged = (c: ReturnType<typeof compareResults>) => c.comparisons.filter((m) => m.regression).map((m) => m.metric);

describe('compareResults, one run per side', () => {
  test('an unchanged rerun (same distribution, other seed) is not flagged', () => {
    for (const [a, b] of [
      [1, 2],
      [3, 4],
      [5, 6],
      [7, 8],
    ]) {
      const c = compareResults(run(a), run(b));
      expect(flagged(c)).toEqual([]);
      expect(c.regressions).toBe(0);
    }
  });

  test('a planted regression (TTFS +50 %, memory per route +30 %) is flagged, and nothing else', () => {
    const c = compareResults(run(1), run(2, planted));
    expect(flagged(c).sort()).toEqual(
      ['TTFS p50', 'TTFS p99', 'memory per route: AI Gateway controller', 'memory per route: Envoy Gateway controller', 'memory per route: Envoy proxy'].sort(),
    );
    const p50 = c.comparisons.find((m) => m.key === 'ttfsP50')!;
    expect(p50.changePercent).toBeGreaterThan(40);
    expect(p50.significant).toBe(true);
    expect(p50.interval![0]).toBeGreaterThan(0);
    expect(p50.note).toMatch(/^REGRESSION: worse beyond thresholds \(> 20 % and > 250 ms\); 95 % CI of the difference \+/);
    const perRoute = c.comparisons.find((m) => m.key === 'memoryPerRoute' && m.component === 'envoy-gateway')!;
    expect(perRoute.changePercent).toBeGreaterThan(20);
    expect(perRoute.interval).toBeUndefined();
    expect(perRoute.significant).toBe(false);
    expect(c.method).toContain('a single run per side cannot establish run-to-run significance');
    expect(c.bootstrap.method).toBe('routes');
    const text = formatComparison(c);
    expect(text).toMatch(/^REGRESSION {2}TTFS p50 /m);
    expect(text).toContain('5 regression(s): TTFS p50, TTFS p99, memory per route');
  });

  test('a regression must exceed the relative AND the absolute threshold', () => {
    // +30 % of 1 KiB/route is 307 B: beyond 15 % but not beyond 2 KiB
    const small = (seed: number, factor: number) =>
      run(seed, { memoryPerRouteFactor: factor, components: ['envoy-gateway'], memoryNoiseBytes: 4 * KiB, ttfsMedianMs: 5000 });
    const c = compareResults(small(1, 0.1), small(2, 0.13));
    const m = c.comparisons.find((x) => x.key === 'memoryPerRoute' && x.component === 'envoy-gateway')!;
    expect(m.changePercent).toBeGreaterThan(15);
    expect(m.regression).toBe(false);
    expect(m.note).toMatch(/^worse but within thresholds \(needs > 15 % and > 2\.00 KiB\/route\)/);
  });

  test('memory that does not follow the route count (r² < 0.5, e.g. GC noise at tens of routes) is not compared per route', () => {
    // 1 KiB/route under 4 MiB of noise: the fitted slopes are noise, and differ wildly between two identical runs
    const noisy = (seed: number) => run(seed, { routes: 30, memoryPerRouteFactor: 0.05, components: ['envoy-gateway'], memoryNoiseBytes: 4 * 1024 * KiB });
    const c = compareResults(noisy(1), noisy(2));
    const m = c.comparisons.find((x) => x.key === 'memoryPerRoute' && x.component === 'envoy-gateway');
    expect(summarize(noisy(1)).components.find((x) => x.component === 'envoy-gateway')!.memoryPerRoute!.r2).toBeLessThan(MIN_MEMORY_FIT_R2);
    expect(m).toBeUndefined(); // no row: there is no per-route cost to compare
    expect(c.comparisons.some((x) => x.key === 'peakMemory' && x.component === 'envoy-gateway')).toBe(true); // peak memory still is
    expect(c.significantDifferences).not.toContain('memory per route: Envoy Gateway controller');
  });

  test('thresholds can be overridden', () => {
    const c = compareResults(run(1), run(2, planted), { ttfsP50: { relative: 0.6, absolute: 250 }, memoryPerRoute: { relative: 0.5, absolute: 0 } });
    expect(flagged(c)).toEqual(['TTFS p99']);
  });

  test('invalid runs are excluded; a side left without one is refused; includeInvalid compares them', () => {
    const invalid = run(2, { timedOut: 20 });
    expect(() => compareResults(run(1), invalid)).toThrow(CompareError);
    expect(() => compareResults(run(1), invalid)).toThrow(/^every new run is invalid, nothing to compare: run-2 \(20 of 399 timed route lives \(5\.01 %\) missed .*pass --include-invalid/);
    const mixed = compareResults(run(1), [invalid, run(3), run(4)], {}, { iterations: 300 });
    expect(mixed.next.runs).toEqual(['run-3', 'run-4']);
    expect(mixed.excluded).toEqual({ base: [], next: ['run-2'] });
    expect(mixed.warnings).toContainEqual(expect.stringMatching(/^new run run-2 is invalid and was excluded: 20 of 399/));

    // fewer ready routes is a regression of the ready ratio, when asked to compare invalid runs
    const c = compareResults(run(1), invalid, {}, { includeInvalid: true });
    const ratio = c.comparisons.find((m) => m.key === 'readyRatio')!;
    expect(ratio.regression).toBe(true);
    expect(ratio.change).toBeCloseTo(-20 / 399, 10);
    expect(c.warnings).toEqual([expect.stringContaining('new run run-2 is invalid (compared anyway, as asked): 20 of 399')]);
  });

  test('a component measured on one side only is reported, not compared, never a regression', () => {
    const c = compareResults(run(1, { components: ['envoy-gateway', 'ai-gateway-controller'] }), run(2));
    const proxy = c.comparisons.filter((m) => m.component === 'envoy-proxy');
    expect(proxy.map((m) => m.metric)).toEqual(['peak memory: Envoy proxy', 'memory per route: Envoy proxy', 'peak CPU: Envoy proxy']);
    for (const m of proxy) {
      expect(m).toMatchObject({ regression: false, note: 'not measured in base: not compared' });
      expect(m.base).toBeUndefined();
      expect(m.next).toBeGreaterThan(0);
    }
    expect(formatComparison(c)).toMatch(/^n\/a +peak memory: Envoy proxy +not measured/m);
  });

  test('differing settings are warned about', () => {
    const c = compareResults(run(1), makeResults({ routes: 800, seed: 2 }).results);
    expect(c.warnings.some((w) => w.startsWith('runs differ in settings'))).toBe(true);
  });

  test('any fixture setting that differs is warned about, by name; the fixture id, each run\'s own, is not', () => {
    const base = run(1);
    const withAuth = { ...run(2), settings: { ...run(2).settings, apiKeyAuth: true, fixtureId: 'other' } };
    expect(compareResults({ ...base, settings: { ...base.settings, apiKeyAuth: false } }, withAuth).warnings).toContain('runs differ in settings: apiKeyAuth (run-1 false, run-2 true)');
    expect(compareResults(base, withAuth).warnings).toContain('runs differ in settings: apiKeyAuth (run-1 not recorded, run-2 true)');
    expect(compareResults(base, { ...run(2), settings: { ...run(2).settings, fixtureId: 'other' } }).warnings.filter((w) => w.startsWith('runs differ in settings'))).toEqual([]);
  });

  test('deterministic for a seed', () => {
    const [a, b] = [run(1), run(2)];
    expect(compareResults(a, b, {}, { seed: 9 })).toEqual(compareResults(a, b, {}, { seed: 9 }));
  });
});

describe('compareResults, several runs per side (two-level bootstrap)', () => {
  test('unchanged reruns are not flagged; a planted regression is, with intervals over runs', () => {
    const base = [run(11), run(12), run(13)];
    const same = compareResults(base, [run(14), run(15), run(16)], {}, { iterations: 500 });
    expect(same.bootstrap.method).toBe('runs-then-routes');
    expect(flagged(same)).toEqual([]);
    expect(same.method).toContain('two-level bootstrap');

    const worse = compareResults(base, [run(14, planted), run(15, planted), run(16, planted)], {}, { iterations: 500 });
    expect(flagged(worse)).toEqual(expect.arrayContaining(['TTFS p50', 'TTFS p99', 'memory per route: Envoy Gateway controller']));
    const perRoute = worse.comparisons.find((m) => m.key === 'memoryPerRoute' && m.component === 'envoy-gateway')!;
    expect(perRoute.interval![0]).toBeGreaterThan(0);
    expect(perRoute.significant).toBe(true);
  });
});

describe('thresholds', () => {
  test('defaults', () => {
    expect(DEFAULT_THRESHOLDS).toEqual({
      ttfsP50: { relative: 0.2, absolute: 250 },
      ttfsP99: { relative: 0.25, absolute: 500 },
      readyRatio: { relative: 0.01, absolute: 0.01 },
      peakMemory: { relative: 0.15, absolute: 20 * MiB },
      memoryPerRoute: { relative: 0.15, absolute: 2 * KiB },
      peakCpu: { relative: 0.25, absolute: 50 },
    });
  });

  test('a thresholds file: partial, with units', () => {
    const t = thresholdsFromJson({ ttfsP50: { relative: '30%', absolute: '0.4s' }, 'peak-memory': { absolute: '32MiB' }, peakCpu: { relative: 0.5, absolute: '0.1cores' } }, 't.json');
    expect(t.ttfsP50).toEqual({ relative: 0.3, absolute: 400 });
    expect(t.peakMemory).toEqual({ relative: 0.15, absolute: 32 * MiB });
    expect(t.peakCpu).toEqual({ relative: 0.5, absolute: 100 });
    expect(t.ttfsP99).toEqual(DEFAULT_THRESHOLDS.ttfsP99);
    expect(() => thresholdsFromJson({ ttfsP50: { absolute: '3 parsecs' } }, 't.json')).toThrow('t.json: ttfsP50.absolute: got "3 parsecs"; allowed: a number of ms, or a string with ms or s');
    expect(() => thresholdsFromJson({ latency: {} }, 't.json')).toThrow('unknown threshold "latency"');
    expect(() => thresholdsFromJson({ ttfsP50: { relative: 0.2, typo: 1 } }, 't.json')).toThrow('unknown field(s) typo');
    expect(() => thresholdsFromJson([], 't.json')).toThrow(ThresholdError);
  });

  test('--threshold flags', () => {
    expect(applyThresholdFlag('ttfs-p99=40%,1s', DEFAULT_THRESHOLDS).ttfsP99).toEqual({ relative: 0.4, absolute: 1000 });
    expect(applyThresholdFlag('memoryPerRoute=4KiB', DEFAULT_THRESHOLDS).memoryPerRoute).toEqual({ relative: 0.15, absolute: 4096 });
    expect(applyThresholdFlag('readyRatio=2pp', DEFAULT_THRESHOLDS).readyRatio).toEqual({ relative: 0.01, absolute: 0.02 });
    expect(applyThresholdFlag('peakCpu=100', DEFAULT_THRESHOLDS).peakCpu).toEqual({ relative: 0.25, absolute: 100 });
    expect(() => applyThresholdFlag('ttfsP50', DEFAULT_THRESHOLDS)).toThrow('expected NAME=VALUE[,VALUE]');
    expect(() => applyThresholdFlag('peakMemory=20parsecs', DEFAULT_THRESHOLDS)).toThrow('allowed: a number of bytes, or a string with B, KiB, MiB, GiB');
  });
});
