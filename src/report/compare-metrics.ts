/**
 * One metric of a comparison, base against new, and whether its change matters: latency percentiles per milestone
 * (bootstrap over routes, or runs then routes) and run-level values (bootstrap over runs). How the pieces fit
 * together, and why, is said in ./compare.ts.
 */
import { BenchResults, Component } from '../results/schema';
import { MetricUnit, formatDelta } from './format';
import { MilestoneTable, lifeLatency } from './milestones';
import { BootstrapOptions, MannWhitney, bootstrapMeanDifference, bootstrapQuantileDifference, mannWhitneyU, mean, quantile } from './stats';
import { Summary } from './summary';
import { Threshold, ThresholdName, Thresholds } from './thresholds';

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
  /** An interval was computed, it excludes 0, and the change exceeds the minimum effect (both thresholds). */
  readonly significant: boolean;
  /** Mann–Whitney U on the run-level values (each run's percentile, or its value), with ≥ 2 runs per side. */
  readonly mannWhitney?: MannWhitney;
  readonly note: string;
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
  const excludesZero = interval !== undefined && (interval[0] > 0 || interval[1] < 0);
  const significant = excludesZero && beyond;
  const needs = `> ${(threshold.relative * 100).toFixed(0)} % and > ${formatDelta(unit, threshold.absolute).slice(1)}`;
  const ci = interval ? `${(confidence * 100).toFixed(0)} % CI of the difference ${formatDelta(unit, interval[0])} … ${formatDelta(unit, interval[1])}` : undefined;
  if (change === 0) return { regression: false, improvement: false, significant, note: 'unchanged' };
  const direction = worse ? 'worse' : 'better';
  if (!beyond) return { regression: false, improvement: false, significant, note: `${direction} but within thresholds (needs ${needs}): not significant${ci ? `; ${ci}` : ''}` };
  if (interval !== undefined && !excludesZero) {
    return { regression: false, improvement: false, significant, note: `${direction} beyond thresholds (${needs}) but the ${ci} includes 0: not flagged` };
  }
  const reason = `${direction} beyond thresholds (${needs})${ci ? `; ${ci} excludes 0` : '; no interval (one run per side)'}`;
  return { regression: worse, improvement: !worse, significant, note: worse ? `REGRESSION: ${reason}` : reason };
}

export interface Side {
  readonly results: readonly BenchResults[];
  readonly tables: readonly MilestoneTable[];
  readonly summaries: readonly Summary[];
}

/** Mann–Whitney U on run-level values, with ≥ 2 runs per side. */
export const runLevelTest = (base: readonly number[], next: readonly number[]): MannWhitney | undefined =>
  base.length >= 2 && next.length >= 2 ? mannWhitneyU(base, next) : undefined;

export function scalarMetric(
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
  const test = runLevelTest(baseValues, nextValues);
  return {
    ...common,
    ...(test && { mannWhitney: test }),
    base: b,
    next: n,
    change: n - b,
    changePercent: b === 0 ? (n === b ? 0 : n > b ? Infinity : -Infinity) : ((n - b) / Math.abs(b)) * 100,
    ...(interval && { interval }),
    ...judged,
    note: [judged.note, ...partial].join('; '),
  };
}

/** `TTFS` for first success (its long-standing name), else the milestone's own name. */
const latencyLabel = (milestone: string): string => (milestone === 'firstSuccess' ? 'TTFS' : milestone);

/** Milestones with latencies on either side: the data-plane ones first, then in order of appearance. */
export function latencyMilestones(base: Side, next: Side): string[] {
  const names: string[] = [];
  for (const s of [...base.summaries, ...next.summaries]) for (const m of s.milestones) if (m.client && !names.includes(m.milestone)) names.push(m.milestone);
  const rank = (m: string) => ['firstSuccess', 'ready'].indexOf(m) + 1 || 3;
  return names.map((m, i) => ({ m, i })).sort((x, y) => rank(x.m) - rank(y.m) || x.i - y.i).map((x) => x.m);
}

export function latencyMetrics(milestone: string, base: Side, next: Side, thresholds: Thresholds, options: Required<BootstrapOptions>): MetricComparison[] {
  const runs = (side: Side) => side.tables.map((t) => t.lives.flatMap((l) => lifeLatency(l, milestone) ?? [])); // removals count from the delete
  const baseRuns = runs(base);
  const nextRuns = runs(next);
  const label = latencyLabel(milestone);
  const metrics = [
    { q: 0.5, metric: `${label} p50`, key: 'ttfsP50' as const },
    { q: 0.99, metric: `${label} p99`, key: 'ttfsP99' as const },
  ];
  const empty = (rs: number[][]) => rs.some((r) => r.length === 0);
  if (empty(baseRuns) || empty(nextRuns)) {
    const where = [empty(baseRuns) ? 'base' : undefined, empty(nextRuns) ? 'new' : undefined].filter(Boolean).join(' and ');
    return metrics.map(({ metric, key }) => ({ metric, key, unit: 'ms', regression: false, improvement: false, significant: false, note: `no route reached ${milestone} in a run of ${where}: not compared` }));
  }
  const diffs = bootstrapQuantileDifference(
    baseRuns,
    nextRuns,
    metrics.map((m) => m.q),
    options,
  );
  return metrics.map(({ q, metric, key }, i) => {
    const d = diffs[i];
    const judged = judge('ms', true, d.base, d.next, thresholds[key], d.interval, options.confidence);
    const perRun = (rs: number[][]) => rs.map((r) => quantile(r, q) as number);
    const test = runLevelTest(perRun(baseRuns), perRun(nextRuns));
    return {
      metric,
      key,
      unit: 'ms',
      base: d.base,
      next: d.next,
      change: d.difference,
      changePercent: d.base === 0 ? 0 : (d.difference / Math.abs(d.base)) * 100,
      interval: d.interval,
      ...(test && { mannWhitney: test }),
      ...judged,
    };
  });
}
