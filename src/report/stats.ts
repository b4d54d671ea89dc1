/**
 * Small, dependency-free statistics for reports and comparisons: percentiles, mean, least-squares regression, a
 * seeded PRNG and bootstrap helpers. Everything is deterministic for a given seed.
 *
 * Percentile definition (used everywhere in aigw-scale): linear interpolation between the closest ranks, Hyndman &
 * Fan type 7 — the default of numpy.percentile, R's quantile() and Excel's PERCENTILE.INC. For sorted values
 * x[0..n−1] and q in [0, 1]: h = (n − 1)·q, result = x[⌊h⌋] + (h − ⌊h⌋)·(x[⌊h⌋+1] − x[⌊h⌋]). So for 1..100,
 * p50 = 50.5, p90 = 90.1, p99 = 99.01, max = 100. It is continuous in the data, which keeps bootstrap intervals of
 * p99 well behaved for small route counts, and an operator can reproduce it with numpy.
 */

// Hot loops use these module-level bindings rather than `Math.*`: a global lookup is much slower inside a vm
// context (as under jest), and the bootstrap calls them millions of times.
const { floor, imul, sqrt, log, cos, PI } = Math;

/** Percentile (q in [0, 1]) of values already sorted ascending; undefined for no values. See the module comment. */
export function quantileSorted(sorted: ArrayLike<number>, q: number): number | undefined {
  const n = sorted.length;
  if (n === 0) return undefined;
  if (!(q >= 0 && q <= 1)) throw new RangeError(`quantile ${q} is outside [0, 1]`);
  const h = (n - 1) * q;
  const lo = Math.floor(h);
  const hi = Math.min(lo + 1, n - 1);
  return sorted[lo] + (h - lo) * (sorted[hi] - sorted[lo]);
}

/** Numbers sorted ascending (a copy). */
export const sortedCopy = (values: readonly number[]): number[] => [...values].sort((a, b) => a - b);

/** Percentile (q in [0, 1]) of unsorted values; undefined for no values. */
export const quantile = (values: readonly number[], q: number): number | undefined => quantileSorted(sortedCopy(values), q);

export const mean = (values: readonly number[]): number | undefined => (values.length === 0 ? undefined : values.reduce((sum, v) => sum + v, 0) / values.length);

export interface Distribution {
  readonly count: number;
  readonly min: number;
  readonly mean: number;
  readonly p50: number;
  readonly p90: number;
  readonly p95: number;
  readonly p99: number;
  readonly max: number;
}

/** count, min, mean, p50/p90/p95/p99 (type 7) and max; undefined for no values. */
export function distribution(values: readonly number[]): Distribution | undefined {
  if (values.length === 0) return undefined;
  const sorted = sortedCopy(values);
  const q = (p: number) => quantileSorted(sorted, p) as number;
  return { count: sorted.length, min: sorted[0], mean: mean(sorted) as number, p50: q(0.5), p90: q(0.9), p95: q(0.95), p99: q(0.99), max: sorted[sorted.length - 1] };
}

export interface LinearFit {
  /** dy/dx. */
  readonly slope: number;
  readonly intercept: number;
  /** Coefficient of determination, 0…1 (1 when y has no variance and the fit is exact). */
  readonly r2: number;
  readonly n: number;
}

/** Ordinary least squares y = intercept + slope·x; undefined with fewer than 2 points or when x does not vary. */
export function linearRegression(xs: readonly number[], ys: readonly number[]): LinearFit | undefined {
  if (xs.length !== ys.length) throw new RangeError(`linearRegression: ${xs.length} x values but ${ys.length} y values`);
  const n = xs.length;
  if (n < 2) return undefined;
  const mx = mean(xs) as number;
  const my = mean(ys) as number;
  let sxx = 0;
  let sxy = 0;
  let syy = 0;
  for (let i = 0; i < n; i++) {
    const dx = xs[i] - mx;
    const dy = ys[i] - my;
    sxx += dx * dx;
    sxy += dx * dy;
    syy += dy * dy;
  }
  if (sxx === 0) return undefined;
  const slope = sxy / sxx;
  const r2 = syy === 0 ? 1 : (sxy * sxy) / (sxx * syy);
  return { slope, intercept: my - slope * mx, r2, n };
}

/**
 * Seeded PRNG: a 32-bit Weyl sequence (golden-ratio increment) passed through the MurmurHash3 32-bit finalizer.
 * Fast, well mixed, and the same stream on every platform for a seed — enough for bootstrap and synthetic data
 * (not for cryptography).
 */
export class Rng {
  private state: number;

  constructor(seed: number) {
    this.state = (Math.trunc(seed) ^ 0x2545f491) >>> 0;
  }

  /** Uniform in [0, 1). */
  next(): number {
    this.state = (this.state + 0x9e3779b9) >>> 0;
    let z = this.state;
    z = imul(z ^ (z >>> 16), 0x85ebca6b);
    z = imul(z ^ (z >>> 13), 0xc2b2ae35);
    z ^= z >>> 16;
    return (z >>> 0) / 4294967296;
  }

  /** Uniform integer in [0, n). */
  int(n: number): number {
    return floor(this.next() * n);
  }

  /** Standard normal (Box–Muller). */
  normal(): number {
    const u = 1 - this.next(); // (0, 1]
    const v = this.next();
    return sqrt(-2 * log(u)) * cos(2 * PI * v);
  }
}

/** A resample with replacement, same size. */
export function resample<T>(values: readonly T[], rng: Rng): T[] {
  const out = new Array<T>(values.length);
  for (let i = 0; i < values.length; i++) out[i] = values[rng.int(values.length)];
  return out;
}

/** The two-sided percentile interval [lo, hi] holding `confidence` (e.g. 0.95) of the bootstrap replicates. */
export function percentileInterval(replicates: readonly number[], confidence: number): [number, number] {
  if (replicates.length === 0) throw new RangeError('percentileInterval: no replicates');
  const sorted = sortedCopy(replicates);
  const alpha = (1 - confidence) / 2;
  return [quantileSorted(sorted, alpha) as number, quantileSorted(sorted, 1 - alpha) as number];
}

export interface BootstrapOptions {
  /** Replicates. @default 2000 */
  readonly iterations?: number;
  /** @default 1 */
  readonly seed?: number;
  /** Two-sided confidence of the interval. @default 0.95 */
  readonly confidence?: number;
}

export const DEFAULT_BOOTSTRAP = { iterations: 2000, seed: 1, confidence: 0.95 } as const;

/** Generic one-level bootstrap: replicates of statistic(resample(values)). */
export function bootstrap<T>(values: readonly T[], statistic: (sample: readonly T[]) => number, options: BootstrapOptions = {}): number[] {
  const rng = new Rng(options.seed ?? DEFAULT_BOOTSTRAP.seed);
  const iterations = options.iterations ?? DEFAULT_BOOTSTRAP.iterations;
  const replicates: number[] = [];
  for (let i = 0; i < iterations; i++) replicates.push(statistic(resample(values, rng)));
  return replicates;
}

/**
 * Percentiles (type 7) of one bootstrap resample of `sorted`, without sorting the resample: draw n indices into
 * the sorted values, count them, and walk the cumulative counts to the needed order statistics. O(n) per replicate.
 */
export function resampledQuantiles(sorted: readonly number[], qs: readonly number[], rng: Rng, counts: Uint32Array): number[] {
  const n = sorted.length;
  counts.fill(0);
  for (let i = 0; i < n; i++) counts[rng.int(n)]++;
  // ranks needed (0-based order statistics of the resample), ascending
  const needs = qs.map((q) => {
    const h = (n - 1) * q;
    const lo = Math.floor(h);
    return { lo, hi: Math.min(lo + 1, n - 1), frac: h - lo };
  });
  const ranks = [...new Set(needs.flatMap((x) => [x.lo, x.hi]))].sort((a, b) => a - b);
  const valueAt = new Map<number, number>();
  let cumulative = 0;
  let r = 0;
  for (let j = 0; j < n && r < ranks.length; j++) {
    cumulative += counts[j];
    while (r < ranks.length && ranks[r] < cumulative) valueAt.set(ranks[r++], sorted[j]);
  }
  return needs.map(({ lo, hi, frac }) => {
    const a = valueAt.get(lo) as number;
    return a + frac * ((valueAt.get(hi) as number) - a);
  });
}

export interface QuantileDifference {
  readonly q: number;
  /** Mean over the side's runs of each run's percentile (each run weighs the same). */
  readonly base: number;
  readonly next: number;
  /** next − base. */
  readonly difference: number;
  /** Bootstrap percentile interval of next − base. */
  readonly interval: [number, number];
  /** `routes` with one run on a side (routes resampled within each run), `runs-then-routes` otherwise. */
  readonly method: 'routes' | 'runs-then-routes';
}

/**
 * Bootstrap interval of the difference in percentiles between two sides, each given as one array of per-route
 * values per run. A side's statistic is the mean over its runs of each run's percentile. Each replicate resamples,
 * per side, the runs with replacement (only when the side has ≥ 2 runs), then the routes within each chosen run.
 *
 * With one run per side only the second level happens: the interval then reflects route-to-route variation
 * within those two runs, not run-to-run variation (cluster, node, controller state), which per-route samples
 * from one run cannot estimate.
 */
export function bootstrapQuantileDifference(
  baseRuns: readonly (readonly number[])[],
  nextRuns: readonly (readonly number[])[],
  qs: readonly number[],
  options: BootstrapOptions = {},
): QuantileDifference[] {
  for (const [side, runs] of [['base', baseRuns], ['next', nextRuns]] as const) {
    if (runs.length === 0 || runs.some((r) => r.length === 0)) throw new RangeError(`bootstrapQuantileDifference: ${side} has a run without values`);
  }
  const rng = new Rng(options.seed ?? DEFAULT_BOOTSTRAP.seed);
  const iterations = options.iterations ?? DEFAULT_BOOTSTRAP.iterations;
  const confidence = options.confidence ?? DEFAULT_BOOTSTRAP.confidence;
  const sortedBase = baseRuns.map(sortedCopy);
  const sortedNext = nextRuns.map(sortedCopy);
  const counts = new Uint32Array(Math.max(...[...sortedBase, ...sortedNext].map((r) => r.length)));

  const point = (runs: number[][]) => qs.map((q) => (mean(runs.map((r) => quantileSorted(r, q) as number)) as number));
  const replicate = (runs: number[][]): number[] => {
    const chosen = runs.length >= 2 ? resample(runs, rng) : runs;
    const sums = qs.map(() => 0);
    for (const run of chosen) resampledQuantiles(run, qs, rng, counts.subarray(0, run.length)).forEach((v, i) => (sums[i] += v));
    return sums.map((s) => s / chosen.length);
  };

  const replicates: number[][] = qs.map(() => []);
  for (let i = 0; i < iterations; i++) {
    const b = replicate(sortedBase);
    const n = replicate(sortedNext);
    qs.forEach((_, k) => replicates[k].push(n[k] - b[k]));
  }
  const basePoint = point(sortedBase);
  const nextPoint = point(sortedNext);
  const method = baseRuns.length >= 2 && nextRuns.length >= 2 ? 'runs-then-routes' : 'routes';
  return qs.map((q, k) => ({
    q,
    base: basePoint[k],
    next: nextPoint[k],
    difference: nextPoint[k] - basePoint[k],
    interval: percentileInterval(replicates[k], confidence),
    method,
  }));
}

/** Bootstrap interval of mean(next) − mean(base) for run-level values (one value per run, ≥ 2 runs per side). */
export function bootstrapMeanDifference(base: readonly number[], next: readonly number[], options: BootstrapOptions = {}): [number, number] {
  if (base.length === 0 || next.length === 0) throw new RangeError('bootstrapMeanDifference: a side has no values');
  const rng = new Rng(options.seed ?? DEFAULT_BOOTSTRAP.seed);
  const iterations = options.iterations ?? DEFAULT_BOOTSTRAP.iterations;
  const replicates: number[] = [];
  for (let i = 0; i < iterations; i++) replicates.push((mean(resample(next, rng)) as number) - (mean(resample(base, rng)) as number));
  return percentileInterval(replicates, options.confidence ?? DEFAULT_BOOTSTRAP.confidence);
}

/** Sample standard deviation (n − 1 in the denominator); undefined for fewer than 2 values. */
export function standardDeviation(values: readonly number[]): number | undefined {
  if (values.length < 2) return undefined;
  const m = mean(values) as number;
  return sqrt(values.reduce((sum, v) => sum + (v - m) ** 2, 0) / (values.length - 1));
}

/**
 * Upper tail of the standard normal, P(Z > z), via the complementary error function (Numerical Recipes' erfc
 * Chebyshev fit, relative error below 1.2e-7 everywhere) — ample for p-values.
 */
export function normalUpperTail(z: number): number {
  const x = Math.abs(z) / Math.SQRT2;
  const t = 1 / (1 + 0.5 * x);
  const erfc =
    t *
    Math.exp(
      -x * x -
        1.26551223 +
        t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))),
    );
  return z >= 0 ? erfc / 2 : 1 - erfc / 2;
}

/** Above this many ways to split the pooled values, the Mann–Whitney p-value uses the normal approximation. */
export const MANN_WHITNEY_EXACT_LIMIT = 200_000;

export interface MannWhitney {
  /** U of the first sample: pairs (a, b) with a > b, ties counting ½. U(b) = m·n − U(a). */
  readonly u: number;
  readonly m: number;
  readonly n: number;
  /** Two-sided p-value. */
  readonly p: number;
  /** `exact`: the permutation distribution of U over every split of the pooled values (ties kept as mid-ranks); `normal`: normal approximation with tie and continuity correction. */
  readonly method: 'exact' | 'normal';
  /** The smallest two-sided p any data could give with these sample sizes (exact method, no ties): 2 / C(m+n, m). */
  readonly smallestPossibleP: number;
}

function binomial(n: number, k: number): number {
  let c = 1;
  for (let i = 1; i <= k; i++) c = (c * (n - k + i)) / i;
  return Math.round(c);
}

/** Mid-ranks (1-based) of the pooled values and the tie-group sizes. */
function midRanks(pooled: readonly number[]): { ranks: number[]; ties: number[] } {
  const order = pooled.map((v, i) => [v, i] as const).sort((x, y) => x[0] - y[0]);
  const ranks = new Array<number>(pooled.length);
  const ties: number[] = [];
  for (let i = 0; i < order.length; ) {
    let j = i;
    while (j + 1 < order.length && order[j + 1][0] === order[i][0]) j++;
    for (let k = i; k <= j; k++) ranks[order[k][1]] = (i + j) / 2 + 1;
    ties.push(j - i + 1);
    i = j + 1;
  }
  return { ranks, ties };
}

/**
 * Two-sided Mann–Whitney U test (Wilcoxon rank-sum) of samples a and b. Exact when the number of splits
 * C(m+n, m) is at most MANN_WHITNEY_EXACT_LIMIT: every assignment of the pooled mid-ranks to the first sample is
 * enumerated, and p is the share whose U is at least as far from m·n/2 as the observed one (exact with ties too,
 * conditional on them). Otherwise the normal approximation with tie correction
 * σ² = m·n/12 · ((N+1) − Σ(t³−t)/(N(N−1))) and continuity correction ½.
 */
export function mannWhitneyU(a: readonly number[], b: readonly number[]): MannWhitney {
  const m = a.length;
  const n = b.length;
  if (m === 0 || n === 0) throw new RangeError('mannWhitneyU: a sample is empty');
  const { ranks, ties } = midRanks([...a, ...b]);
  const rankSumA = ranks.slice(0, m).reduce((s, r) => s + r, 0);
  const u = rankSumA - (m * (m + 1)) / 2;
  const centre = (m * n) / 2;
  const observed = Math.abs(u - centre);
  const splits = binomial(m + n, m);
  const smallestPossibleP = Math.min(1, 2 / splits);
  if (splits <= MANN_WHITNEY_EXACT_LIMIT) {
    // enumerate the m-subsets of the N pooled ranks (lexicographic index combinations)
    const total = m + n;
    const pick = Array.from({ length: m }, (_, i) => i);
    let atLeast = 0;
    let count = 0;
    const tolerance = 1e-9;
    for (;;) {
      let sum = 0;
      for (const i of pick) sum += ranks[i];
      if (Math.abs(sum - (m * (m + 1)) / 2 - centre) >= observed - tolerance) atLeast++;
      count++;
      let k = m - 1;
      while (k >= 0 && pick[k] === total - m + k) k--;
      if (k < 0) break;
      pick[k]++;
      for (let j = k + 1; j < m; j++) pick[j] = pick[j - 1] + 1;
    }
    return { u, m, n, p: Math.min(1, atLeast / count), method: 'exact', smallestPossibleP };
  }
  const total = m + n;
  const tieTerm = ties.reduce((s, t) => s + (t * t * t - t), 0) / (total * (total - 1));
  const variance = ((m * n) / 12) * (total + 1 - tieTerm);
  if (variance === 0) return { u, m, n, p: 1, method: 'normal', smallestPossibleP };
  const z = Math.max(0, observed - 0.5) / Math.sqrt(variance);
  return { u, m, n, p: Math.min(1, 2 * normalUpperTail(z)), method: 'normal', smallestPossibleP };
}
