import {
  MANN_WHITNEY_EXACT_LIMIT,
  Rng,
  bootstrap,
  bootstrapMeanDifference,
  bootstrapQuantileDifference,
  distribution,
  linearRegression,
  mannWhitneyU,
  mean,
  normalUpperTail,
  percentileInterval,
  quantile,
  quantileSorted,
  resampledQuantiles,
  sortedCopy,
  standardDeviation,
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

describe('standard deviation and the normal tail', () => {
  test('sample standard deviation (n − 1)', () => {
    expect(standardDeviation([2, 4, 4, 4, 5, 5, 7, 9])).toBeCloseTo(Math.sqrt(32 / 7), 12);
    expect(standardDeviation([3])).toBeUndefined();
  });

  test('P(Z > z) against table values', () => {
    expect(normalUpperTail(0)).toBeCloseTo(0.5, 7);
    expect(normalUpperTail(1.959963985)).toBeCloseTo(0.025, 7);
    expect(normalUpperTail(-1.644853627)).toBeCloseTo(0.95, 7);
    expect(normalUpperTail(3)).toBeCloseTo(0.0013498980, 8);
  });
});

describe('Mann–Whitney U (two-sided)', () => {
  test('3 vs 3, completely separated: exact p = 2/C(6,3) = 0.1, the smallest possible', () => {
    const r = mannWhitneyU([10, 11, 12], [13, 14, 15]);
    expect(r).toEqual({ u: 0, m: 3, n: 3, p: 0.1, method: 'exact', smallestPossibleP: 0.1 });
    expect(mannWhitneyU([13, 14, 15], [10, 11, 12])).toMatchObject({ u: 9, p: 0.1 });
  });

  test('5 vs 5 separated: p = 2/252', () => {
    expect(mannWhitneyU([1, 2, 3, 4, 5], [6, 7, 8, 9, 10]).p).toBeCloseTo(2 / 252, 12);
  });

  test('textbook: Hollander & Wolfe permeability data (R wilcox.test: W = 35, one-sided p = 0.1272)', () => {
    const x = [0.8, 0.83, 1.89, 1.04, 1.45, 1.38, 1.91, 1.64, 0.73, 1.46];
    const y = [1.15, 0.88, 0.9, 0.74, 1.21];
    const r = mannWhitneyU(x, y);
    expect(r.u).toBe(35);
    expect(r.method).toBe('exact');
    expect(r.p).toBeCloseTo(2 * 0.1272061272, 9); // C(15, 10) = 3003 splits, 764 at least as extreme
  });

  test('exact with ties: mid-ranks, p from every split (computed independently by enumeration)', () => {
    const r = mannWhitneyU([1, 2, 2, 3, 5], [2, 3, 4, 4, 6, 7]);
    expect(r.u).toBe(6.5);
    expect(r.p).toBeCloseTo(62 / 462, 12);
  });

  test('normal approximation with tie and continuity correction, beyond the exact limit (precomputed)', () => {
    const a = Array.from({ length: 25 }, (_, i) => (i * 7) % 11);
    const b = Array.from({ length: 25 }, (_, i) => ((i * 5) % 13) + 1);
    const r = mannWhitneyU(a, b);
    expect(r.method).toBe('normal');
    expect(r.u).toBe(215);
    // z = (|215 − 312.5| − 0.5) / σ_tie-corrected = 1.887568; 2·P(Z > z) = 0.0590840 (python math.erfc)
    expect(r.p).toBeCloseTo(0.059083952, 6);
  });

  test('the normal approximation agrees with the exact distribution for moderate n', () => {
    const rng = new Rng(4);
    const a = Array.from({ length: 9 }, () => rng.normal());
    const b = Array.from({ length: 9 }, () => rng.normal() + 0.8);
    const exact = mannWhitneyU(a, b);
    expect(exact.method).toBe('exact'); // C(18, 9) = 48,620 ≤ the limit
    expect(MANN_WHITNEY_EXACT_LIMIT).toBeGreaterThan(48_620);
    const pooled = [...a, ...b];
    const ranks = sortedCopy(pooled);
    const u = a.reduce((s, v) => s + ranks.indexOf(v) + 1, 0) - (9 * 10) / 2;
    const z = (Math.abs(u - 40.5) - 0.5) / Math.sqrt((81 * 19) / 12);
    expect(Math.abs(exact.p - 2 * normalUpperTail(z))).toBeLessThan(0.01);
  });

  test('identical samples: p = 1; empty sample: an error', () => {
    expect(mannWhitneyU([5, 5, 5], [5, 5, 5]).p).toBe(1);
    expect(() => mannWhitneyU([], [1])).toThrow(RangeError);
  });
});

describe('bootstrap interval coverage for a known shift (seeded)', () => {
  test('the 90 % interval of the median difference covers the true shift in about 90 % of experiments', () => {
    const rng = new Rng(2024);
    const shift = 700;
    const experiments = 120;
    let covered = 0;
    for (let e = 0; e < experiments; e++) {
      // exponential-ish skewed times; the population medians differ by exactly `shift`
      const draw = () => 4000 * -Math.log(1 - rng.next());
      const base = Array.from({ length: 150 }, draw);
      const next = Array.from({ length: 150 }, () => draw() + shift);
      const [d] = bootstrapQuantileDifference([base], [next], [0.5], { iterations: 400, seed: e + 1, confidence: 0.9 });
      if (d.interval[0] <= shift && shift <= d.interval[1]) covered++;
    }
    // binomial(120, 0.9): 95 % of outcomes fall within ±0.055; percentile intervals of a median run a little narrow
    expect(covered / experiments).toBeGreaterThan(0.8);
    expect(covered / experiments).toBeLessThan(0.97);
  });
});
