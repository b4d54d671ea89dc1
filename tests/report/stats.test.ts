import {
  Rng,
  bootstrap,
  bootstrapMeanDifference,
  bootstrapQuantileDifference,
  distribution,
  linearRegression,
  mean,
  percentileInterval,
  quantile,
  quantileSorted,
  resampledQuantiles,
  sortedCopy,
} from '../../src/report/stats';

const oneToHundred = Array.from({ length: 100 }, (_, i) => i + 1);

describe('percentiles (linear interpolation between closest ranks, numpy default)', () => {
  test('1..100: known values', () => {
    const shuffled = [...oneToHundred].reverse();
    expect(quantile(shuffled, 0)).toBe(1);
    expect(quantile(shuffled, 0.5)).toBeCloseTo(50.5, 10);
    expect(quantile(shuffled, 0.9)).toBeCloseTo(90.1, 10);
    expect(quantile(shuffled, 0.95)).toBeCloseTo(95.05, 10);
    expect(quantile(shuffled, 0.99)).toBeCloseTo(99.01, 10);
    expect(quantile(shuffled, 1)).toBe(100);
    expect(distribution(shuffled)).toEqual({ count: 100, min: 1, mean: 50.5, p50: 50.5, p90: expect.closeTo(90.1, 10), p95: expect.closeTo(95.05, 10), p99: expect.closeTo(99.01, 10), max: 100 });
  });

  test('small and empty inputs', () => {
    expect(quantile([7], 0.99)).toBe(7);
    expect(quantile([1, 2], 0.5)).toBe(1.5);
    expect(quantile([], 0.5)).toBeUndefined();
    expect(distribution([])).toBeUndefined();
    expect(mean([])).toBeUndefined();
    expect(mean([1, 2, 3, 4])).toBe(2.5);
    expect(() => quantileSorted([1], 1.5)).toThrow(RangeError);
  });
});

describe('linear regression', () => {
  test('an exact line', () => {
    const xs = [0, 1, 2, 3, 4];
    expect(linearRegression(xs, xs.map((x) => 3 + 2 * x))).toEqual({ slope: 2, intercept: 3, r2: 1, n: 5 });
  });

  test('recovers the slope of a noisy line', () => {
    const rng = new Rng(42);
    const xs = Array.from({ length: 400 }, (_, i) => i * 5);
    const k = 12_288; // bytes per route
    const fit = linearRegression(
      xs,
      xs.map((x) => 90e6 + k * x + 200_000 * rng.normal()),
    )!;
    expect(Math.abs(fit.slope - k) / k).toBeLessThan(0.02);
    expect(fit.r2).toBeGreaterThan(0.99);
  });

  test('undefined when x does not vary or there are too few points', () => {
    expect(linearRegression([5, 5, 5], [1, 2, 3])).toBeUndefined();
    expect(linearRegression([1], [1])).toBeUndefined();
    expect(() => linearRegression([1, 2], [1])).toThrow(RangeError);
  });
});

describe('seeded PRNG', () => {
  test('deterministic per seed, different across seeds', () => {
    const a = new Rng(7);
    const b = new Rng(7);
    const c = new Rng(8);
    const seqA = Array.from({ length: 5 }, () => a.next());
    expect(Array.from({ length: 5 }, () => b.next())).toEqual(seqA);
    expect(Array.from({ length: 5 }, () => c.next())).not.toEqual(seqA);
  });

  test('uniform in [0, 1) and standard normal', () => {
    const rng = new Rng(3);
    const u = Array.from({ length: 20_000 }, () => rng.next());
    expect(Math.min(...u)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...u)).toBeLessThan(1);
    expect(mean(u)).toBeCloseTo(0.5, 1);
    const z = Array.from({ length: 20_000 }, () => rng.normal());
    const m = mean(z)!;
    expect(Math.abs(m)).toBeLessThan(0.03);
    expect(Math.sqrt(mean(z.map((v) => (v - m) ** 2))!)).toBeCloseTo(1, 1);
  });
});

describe('bootstrap', () => {
  test('the counting resampler equals sorting an explicit resample', () => {
    const values = sortedCopy(Array.from({ length: 37 }, (_, i) => (i * 7919) % 101));
    const qs = [0.5, 0.9, 0.99];
    const counts = new Uint32Array(values.length);
    for (let seed = 1; seed <= 20; seed++) {
      const fast = resampledQuantiles(values, qs, new Rng(seed), counts);
      const rng = new Rng(seed);
      const explicit = sortedCopy(Array.from({ length: values.length }, () => values[rng.int(values.length)]));
      qs.forEach((q, i) => expect(fast[i]).toBeCloseTo(quantileSorted(explicit, q)!, 10));
    }
  });

  test('percentile interval and generic bootstrap are deterministic', () => {
    expect(percentileInterval(oneToHundred, 0.9)).toEqual([expect.closeTo(5.95, 10), expect.closeTo(95.05, 10)]);
    const stat = (s: readonly number[]) => mean(s)!;
    expect(bootstrap(oneToHundred, stat, { iterations: 200, seed: 5 })).toEqual(bootstrap(oneToHundred, stat, { iterations: 200, seed: 5 }));
  });

  test('quantile difference: a shift is found, no shift gives an interval around 0', () => {
    const rng = new Rng(11);
    const base = Array.from({ length: 300 }, () => 5000 * Math.exp(0.2 * rng.normal()));
    const same = Array.from({ length: 300 }, () => 5000 * Math.exp(0.2 * rng.normal()));
    const shifted = base.map((v) => v + 1000);
    const [p50] = bootstrapQuantileDifference([base], [shifted], [0.5], { iterations: 500 });
    expect(p50.difference).toBeCloseTo(1000, 6);
    expect(p50.interval[0]).toBeGreaterThan(0);
    expect(p50.method).toBe('routes');
    const [q50, q99] = bootstrapQuantileDifference([base], [same], [0.5, 0.99], { iterations: 500 });
    expect(q50.interval[0]).toBeLessThan(0);
    expect(q50.interval[1]).toBeGreaterThan(0);
    expect(q99.interval[0]).toBeLessThan(0);
    expect(q99.interval[1]).toBeGreaterThan(0);
  });

  test('two-level bootstrap: run-to-run spread widens the interval', () => {
    const rng = new Rng(5);
    // three runs per side whose levels differ (a run effect of ±300 ms) but with the same mean level
    const run = (level: number) => Array.from({ length: 200 }, () => level + 400 * rng.normal());
    const base = [run(4700), run(5000), run(5300)];
    const next = [run(5300), run(4700), run(5000)];
    const [twoLevel] = bootstrapQuantileDifference(base, next, [0.5], { iterations: 1000 });
    const [oneLevel] = bootstrapQuantileDifference([base[0]], [next[0]], [0.5], { iterations: 1000 });
    expect(twoLevel.method).toBe('runs-then-routes');
    expect(twoLevel.interval[0]).toBeLessThan(0);
    expect(twoLevel.interval[1]).toBeGreaterThan(0);
    // one run per side mistakes the run effect for a difference
    expect(oneLevel.interval[0]).toBeGreaterThan(0);
  });

  test('mean difference over runs', () => {
    const [lo, hi] = bootstrapMeanDifference([100, 102, 98], [130, 128, 132], { iterations: 500 });
    expect(lo).toBeGreaterThan(20);
    expect(hi).toBeLessThan(40);
  });
});
