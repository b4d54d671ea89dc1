/**
 * Compares runs: base (one or more results.json) against new (one or more). See ../shared/ARCHITECTURE.md,
 * "Comparing runs": the unit of replication is a run, per-route samples inside one run are not independent across
 * runs. So:
 *
 * - A metric regresses only when it is worse by more than its relative threshold AND its absolute minimum effect
 *   (thresholds.ts), and — where an interval is available — the interval of the difference excludes 0.
 * - TTFS p50/p99: bootstrap interval of next − base. With one run per side it resamples routes within each run
 *   (it can only say the difference exceeds route-to-route noise inside these two runs); with ≥ 2 runs per side
 *   it is a two-level bootstrap: runs with replacement, then routes within each chosen run.
 * - Run-level values (ready ratio, peak memory/CPU, memory per route): with ≥ 2 runs per side a bootstrap over
 *   runs of the difference of means; with one run per side, thresholds only.
 */
import { BenchResults, Component } from '../results/schema';
import { formatBytes, formatBytesPerRoute, formatChangePercent, formatCpu, formatMs, formatRatio, signed } from './format';
import { BootstrapOptions, DEFAULT_BOOTSTRAP, bootstrapMeanDifference, bootstrapQuantileDifference, mean } from './stats';
import { COMPONENT_LABELS, PRIMARY_COMPONENTS, Summary, summarize } from './summary';
import { DEFAULT_THRESHOLDS, Threshold, ThresholdName, Thresholds } from './thresholds';

export type MetricUnit = 'ms' | 'ratio' | 'bytes' | 'bytes/route' | 'millicores';

export interface MetricComparison {
  /** e.g. "TTFS p50", "peak memory: Envoy Gateway controller". */
  readonly metric: string;
  /** Which threshold applies. */
  readonly key: ThresholdName;
  readonly component?: Component;
  readonly unit: MetricUnit;
  /** Absent: not measured on that side. With several runs: the mean over runs. */
  readonly base?: number;
  readonly next?: number;
  /** next − base. */
  readonly change?: number;
  /** (next − base) / |base| × 100; ±Infinity from 0. */
  readonly changePercent?: number;
  /** Bootstrap interval of next − base, when one was computed. */
  readonly interval?: [number, number];
  /** Worse beyond both thresholds and (when an interval exists) significantly so. */
  readonly regression: boolean;
  /** Better beyond both thresholds (and significantly so when an interval exists). */
  readonly improvement: boolean;
  /** An interval was computed and excludes 0. */
  readonly significant: boolean;
  readonly note: string;
}

export interface Comparison {
  readonly base: { readonly runs: readonly string[] };
  readonly next: { readonly runs: readonly string[] };
  readonly thresholds: Thresholds;
  readonly bootstrap: { readonly iterations: number; readonly seed: number; readonly confidence: number; readonly method: 'routes' | 'runs-then-routes' };
  readonly comparisons: readonly MetricComparison[];
  readonly regressions: number;
  /** How to read the significance columns for this many runs. */
  readonly method: string;
  /** Invalid runs, differing settings. */
  readonly warnings: readonly string[];
}

/** The value formatter for a unit (used by the CLI table). */
export function formatValue(unit: MetricUnit, value: number | undefined): string {
  switch (unit) {
    case 'ms':
      return formatMs(value);
    case 'ratio':
      return formatRatio(value, 2);
    case 'bytes':
      return formatBytes(value);
    case 'bytes/route':
      return formatBytesPerRoute(value);
    case 'millicores':
      return formatCpu(value);
  }
}

/** An absolute change in a unit, with its sign; ratios as percentage points. */
export function formatDelta(unit: MetricUnit, value: number): string {
  if (unit === 'ratio') return signed(value * 100, (v) => `${v.toFixed(2)} pp`);
  return signed(value, (v) => formatValue(unit, v));
}

/** The unit each threshold's absolute value is in. */
export const THRESHOLD_UNITS: Readonly<Record<ThresholdName, MetricUnit>> = {
  ttfsP50: 'ms',
  ttfsP99: 'ms',
  readyRatio: 'ratio',
  peakMemory: 'bytes',
  memoryPerRoute: 'bytes/route',
  peakCpu: 'millicores',
};

/** "+20 % and +250 ms" (worse by more than both); ready ratio: "−1 % and −1.00 pp". */
export function describeThreshold(name: ThresholdName, threshold: Threshold): string {
  const sign = name === 'readyRatio' ? '−' : '+';
  return `${sign}${(threshold.relative * 100).toFixed(0)} % and ${sign}${formatDelta(THRESHOLD_UNITS[name], threshold.absolute).slice(1)}`;
}

interface Judged {
  regression: boolean;
  improvement: boolean;
  significant: boolean;
  note: string;
}

function judge(unit: MetricUnit, higherIsWorse: boolean, base: number, next: number, threshold: Threshold, interval: [number, number] | undefined, confidence: number): Judged {
  const change = next - base;
  const worse = higherIsWorse ? change > 0 : change < 0;
  const relative = base === 0 ? (change === 0 ? 0 : Infinity) : Math.abs(change) / Math.abs(base);
  const beyond = relative > threshold.relative && Math.abs(change) > threshold.absolute;
  const significant = interval !== undefined && (interval[0] > 0 || interval[1] < 0);
  const needs = `> ${(threshold.relative * 100).toFixed(0)} % and > ${formatDelta(unit, threshold.absolute).slice(1)}`;
  const ci = interval ? `${(confidence * 100).toFixed(0)} % CI of the difference ${formatDelta(unit, interval[0])} … ${formatDelta(unit, interval[1])}` : undefined;
  if (change === 0) return { regression: false, improvement: false, significant, note: 'unchanged' };
  const direction = worse ? 'worse' : 'better';
  if (!beyond) return { regression: false, improvement: false, significant, note: `${direction} but within thresholds (needs ${needs})${ci ? `; ${ci}` : ''}` };
  if (interval !== undefined && !significant) {
    return { regression: false, improvement: false, significant, note: `${direction} beyond thresholds (${needs}) but the ${ci} includes 0: not flagged` };
  }
  const reason = `${direction} beyond thresholds (${needs})${ci ? `; ${ci} excludes 0` : '; no interval (one run per side)'}`;
  return { regression: worse, improvement: !worse, significant, note: worse ? `REGRESSION: ${reason}` : reason };
}

interface Side {
  readonly results: readonly BenchResults[];
  readonly summaries: readonly Summary[];
}

function scalarMetric(
  metric: string,
  key: ThresholdName,
  unit: MetricUnit,
  higherIsWorse: boolean,
  base: Side,
  next: Side,
  value: (s: Summary) => number | undefined,
  thresholds: Thresholds,
  options: Required<BootstrapOptions>,
  component?: Component,
): MetricComparison | undefined {
  const baseValues = base.summaries.map(value).filter((v): v is number => v !== undefined && Number.isFinite(v));
  const nextValues = next.summaries.map(value).filter((v): v is number => v !== undefined && Number.isFinite(v));
  const common = { metric, key, unit, ...(component && { component }) };
  if (baseValues.length === 0 && nextValues.length === 0) return undefined;
  const b = mean(baseValues);
  const n = mean(nextValues);
  if (b === undefined || n === undefined) {
    return { ...common, ...(b !== undefined && { base: b }), ...(n !== undefined && { next: n }), regression: false, improvement: false, significant: false, note: `not measured in ${b === undefined ? 'base' : 'new'}: not compared` };
  }
  const partial: string[] = [];
  if (baseValues.length < base.summaries.length) partial.push(`base: measured in ${baseValues.length} of ${base.summaries.length} runs`);
  if (nextValues.length < next.summaries.length) partial.push(`new: measured in ${nextValues.length} of ${next.summaries.length} runs`);
  const interval = baseValues.length >= 2 && nextValues.length >= 2 ? bootstrapMeanDifference(baseValues, nextValues, options) : undefined;
  const judged = judge(unit, higherIsWorse, b, n, thresholds[key], interval, options.confidence);
  return {
    ...common,
    base: b,
    next: n,
    change: n - b,
    changePercent: b === 0 ? (n === b ? 0 : n > b ? Infinity : -Infinity) : ((n - b) / Math.abs(b)) * 100,
    ...(interval && { interval }),
    ...judged,
    note: [judged.note, ...partial].join('; '),
  };
}

function ttfsMetrics(base: Side, next: Side, thresholds: Thresholds, options: Required<BootstrapOptions>): MetricComparison[] {
  const runs = (side: Side) => side.summaries.map((s) => s.outcomes.flatMap((o) => (o.ttfsMs === undefined ? [] : [o.ttfsMs])));
  const baseRuns = runs(base);
  const nextRuns = runs(next);
  const metrics = [
    { q: 0.5, metric: 'TTFS p50', key: 'ttfsP50' as const },
    { q: 0.99, metric: 'TTFS p99', key: 'ttfsP99' as const },
  ];
  const empty = (rs: number[][]) => rs.some((r) => r.length === 0);
  if (empty(baseRuns) || empty(nextRuns)) {
    const where = [empty(baseRuns) ? 'base' : undefined, empty(nextRuns) ? 'new' : undefined].filter(Boolean).join(' and ');
    return metrics.map(({ metric, key }) => ({ metric, key, unit: 'ms', regression: false, improvement: false, significant: false, note: `no ready route in a run of ${where}: not compared` }));
  }
  const diffs = bootstrapQuantileDifference(
    baseRuns,
    nextRuns,
    metrics.map((m) => m.q),
    options,
  );
  return metrics.map(({ metric, key }, i) => {
    const d = diffs[i];
    const judged = judge('ms', true, d.base, d.next, thresholds[key], d.interval, options.confidence);
    return {
      metric,
      key,
      unit: 'ms',
      base: d.base,
      next: d.next,
      change: d.difference,
      changePercent: d.base === 0 ? 0 : (d.difference / Math.abs(d.base)) * 100,
      interval: d.interval,
      ...judged,
    };
  });
}

function settingsWarnings(base: Side, next: Side): string[] {
  const warnings: string[] = [];
  const all = [...base.results, ...next.results];
  const describe = (r: BenchResults) =>
    JSON.stringify({
      mode: r.run.mode,
      routes: r.settings.routes,
      backends: r.settings.backends,
      headerMutations: r.settings.headerMutations,
      provisioning: r.settings.provisioning,
      perRouteTimeoutMs: r.settings.perRouteTimeoutMs,
      requestIntervalMs: r.settings.requestIntervalMs,
    });
  const first = describe(all[0]);
  const differing = all.filter((r) => describe(r) !== first);
  if (differing.length > 0) {
    warnings.push(`runs differ in settings (mode, routes, backends, header mutations, provisioning, timeout or request interval): ${all.map((r) => `${r.run.id} ${describe(r)}`).join('; ')}`);
  }
  const versions = (r: BenchResults) => JSON.stringify(Object.entries(r.versions ?? {}).sort());
  if (new Set(all.map(versions)).size > 1) warnings.push('runs differ in component versions (expected when comparing versions)');
  for (const [side, s] of [['base', base], ['new', next]] as const) {
    s.summaries.forEach((summary) => {
      if (!summary.validity.valid) warnings.push(`${side} run ${summary.runId} is invalid: ${summary.validity.reasons.join('; ')}`);
    });
  }
  for (const [side, s] of [['base', base], ['new', next]] as const) {
    const ids = s.results.map((r) => r.run.id);
    const twice = [...new Set(ids.filter((id, i) => ids.indexOf(id) !== i))];
    if (twice.length > 0) warnings.push(`run(s) ${twice.join(', ')} appear more than once on the ${side} side: the same run repeated is not a replicate`);
  }
  const baseIds = new Set(base.results.map((r) => r.run.id));
  const same = next.results.filter((r) => baseIds.has(r.run.id)).map((r) => r.run.id);
  if (same.length > 0) warnings.push(`run(s) ${same.join(', ')} appear on both sides`);
  return warnings;
}

function methodText(baseRuns: number, nextRuns: number, confidence: number): string {
  const pct = `${(confidence * 100).toFixed(0)} %`;
  if (baseRuns >= 2 && nextRuns >= 2) {
    return (
      `${baseRuns} base and ${nextRuns} new runs: TTFS intervals (${pct}) come from a two-level bootstrap (runs with replacement, then routes within each run), ` +
      `so they include run-to-run variation; run-level values use a bootstrap over runs of the mean. With few runs (2–3 per side) the intervals are coarse: prefer 5 or more.`
    );
  }
  return (
    `${baseRuns} base and ${nextRuns} new run(s): a single run per side cannot establish run-to-run significance. The TTFS intervals (${pct}) resample routes within each run, ` +
    `so they only show whether a difference exceeds route-to-route noise inside these runs — per-route samples of one run are not independent across runs. ` +
    `Resource values are one number per run and are judged by thresholds alone. Repeat each side (≥ 2 runs, better 5) to measure run-to-run variation.`
  );
}

/**
 * Compares base run(s) with new run(s): TTFS p50/p99, ready ratio, and per component peak memory, memory per route
 * and peak CPU. `thresholds` overrides the defaults per metric; `options` sets the bootstrap (deterministic seed).
 */
export function compareResults(
  base: BenchResults | readonly BenchResults[],
  next: BenchResults | readonly BenchResults[],
  thresholds: Partial<Thresholds> = {},
  options: BootstrapOptions = {},
): Comparison {
  const toSide = (r: BenchResults | readonly BenchResults[]): Side => {
    const results = (Array.isArray(r) ? r : [r]) as readonly BenchResults[];
    if (results.length === 0) throw new RangeError('compareResults: a side has no runs');
    return { results, summaries: results.map((x) => summarize(x)) };
  };
  const b = toSide(base);
  const n = toSide(next);
  const t: Thresholds = { ...DEFAULT_THRESHOLDS, ...thresholds };
  const opts: Required<BootstrapOptions> = { ...DEFAULT_BOOTSTRAP, ...options };

  const comparisons: MetricComparison[] = [...ttfsMetrics(b, n, t, opts)];
  const push = (c: MetricComparison | undefined) => {
    if (c) comparisons.push(c);
  };
  push(scalarMetric('ready ratio', 'readyRatio', 'ratio', false, b, n, (s) => s.routes.readyRatio, t, opts));

  const components = [...new Set<Component>([...PRIMARY_COMPONENTS, ...[...b.summaries, ...n.summaries].flatMap((s) => s.components.filter((c) => c.samples > 0).map((c) => c.component))])];
  const of = (s: Summary, component: Component) => s.components.find((c) => c.component === component);
  for (const [label, key, unit, value] of [
    ['peak memory', 'peakMemory', 'bytes', (s: Summary, c: Component) => of(s, c)?.memory?.peak],
    ['memory per route', 'memoryPerRoute', 'bytes/route', (s: Summary, c: Component) => of(s, c)?.memoryPerRoute?.bytesPerRoute],
    ['peak CPU', 'peakCpu', 'millicores', (s: Summary, c: Component) => of(s, c)?.cpu?.peak],
  ] as const) {
    for (const component of components) {
      push(scalarMetric(`${label}: ${COMPONENT_LABELS[component] ?? component}`, key, unit, true, b, n, (s) => value(s, component), t, opts, component));
    }
  }
  return {
    base: { runs: b.results.map((r) => r.run.id) },
    next: { runs: n.results.map((r) => r.run.id) },
    thresholds: t,
    bootstrap: { iterations: opts.iterations, seed: opts.seed, confidence: opts.confidence, method: b.results.length >= 2 && n.results.length >= 2 ? 'runs-then-routes' : 'routes' },
    comparisons,
    regressions: comparisons.filter((c) => c.regression).length,
    method: methodText(b.results.length, n.results.length, opts.confidence),
    warnings: settingsWarnings(b, n),
  };
}

/** The comparison as a plain-text table plus notes, for the terminal. */
export function formatComparison(comparison: Comparison): string {
  const rows = comparison.comparisons.map((c) => [
    c.regression ? 'REGRESSION' : c.improvement ? 'improved' : c.base === undefined || c.next === undefined ? 'n/a' : 'ok',
    c.metric,
    formatValue(c.unit, c.base),
    formatValue(c.unit, c.next),
    c.change === undefined ? '—' : formatDelta(c.unit, c.change),
    formatChangePercent(c.changePercent),
    c.interval ? `${formatDelta(c.unit, c.interval[0])} … ${formatDelta(c.unit, c.interval[1])}` : '—',
  ]);
  const headers = ['verdict', 'metric', 'base', 'new', 'change', 'change %', `${(comparison.bootstrap.confidence * 100).toFixed(0)} % CI of change`];
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: readonly string[]) => cells.map((cell, i) => (i >= 2 ? cell.padStart(widths[i]) : cell.padEnd(widths[i]))).join('  ').trimEnd();
  const out = [
    `base: ${comparison.base.runs.join(', ')}`,
    `new:  ${comparison.next.runs.join(', ')}`,
    '',
    line(headers),
    line(widths.map((w) => '-'.repeat(w))),
    ...rows.map(line),
    '',
    'notes:',
    ...comparison.comparisons.filter((c) => c.note !== 'unchanged').map((c) => `  ${c.metric}: ${c.note}`),
    '',
    comparison.method,
  ];
  for (const warning of comparison.warnings) out.push(`warning: ${warning}`);
  out.push(
    '',
    comparison.regressions > 0
      ? `${comparison.regressions} regression(s): ${comparison.comparisons
          .filter((c) => c.regression)
          .map((c) => c.metric)
          .join(', ')}`
      : 'no regression',
  );
  return out.join('\n');
}
