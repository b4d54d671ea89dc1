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
 * - Every milestone's p50/p99 (time to first success, ready, scenario milestones) is compared the same way, with the
 *   TTFS thresholds as its minimum effect.
 * - Run-level values (ready ratio, peak memory/CPU, memory per route): with ≥ 2 runs per side a bootstrap over
 *   runs of the difference of means; with one run per side, thresholds only.
 * - Significant = the interval excludes 0 AND the change exceeds the minimum effect. Beside it, with ≥ 2 runs per
 *   side, a Mann–Whitney U test on the run-level values — reported, not decisive: with 3 vs 3 runs its smallest
 *   possible two-sided p is 0.1.
 * - Invalid runs are excluded (with a warning) unless `includeInvalid`; a side left without runs is an error.
 */
import { COMPONENT_LABELS } from '../results/components';
import { BenchResults, Component } from '../results/schema';
import { MetricComparison, Side, latencyMetrics, latencyMilestones, scalarMetric } from './compare-metrics';
import { milestoneTable } from './milestones';
import { BootstrapOptions, DEFAULT_BOOTSTRAP, mannWhitneyU } from './stats';
import { MemoryPerRoute, Summary, summarize } from './summary';
import { DEFAULT_THRESHOLDS, Thresholds } from './thresholds';

export interface CompareOptions extends BootstrapOptions {
  /** Compare invalid runs too instead of excluding them. @default false */
  readonly includeInvalid?: boolean;
}

/** A comparison that cannot be made (a side without valid runs): bad input, said plainly. */
export class CompareError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CompareError';
  }
}

export interface Comparison {
  readonly base: { readonly runs: readonly string[] };
  readonly next: { readonly runs: readonly string[] };
  readonly thresholds: Thresholds;
  readonly bootstrap: { readonly iterations: number; readonly seed: number; readonly confidence: number; readonly method: 'routes' | 'runs-then-routes' };
  readonly comparisons: readonly MetricComparison[];
  readonly regressions: number;
  /** Metrics whose difference is significant (either direction). */
  readonly significantDifferences: readonly string[];
  /** Invalid runs left out, per side. */
  readonly excluded: { readonly base: readonly string[]; readonly next: readonly string[] };
  /** How to read the significance columns for this many runs. */
  readonly method: string;
  /** Invalid runs, differing settings. */
  readonly warnings: readonly string[];
}

function settingsWarnings(base: Side, next: Side): string[] {
  const warnings: string[] = [];
  const all = [...base.results, ...next.results];
  // Every recorded setting counts but the fixture id, which is each run's own.
  const settingsOf = (r: BenchResults): Record<string, unknown> => ({ mode: r.run.mode, ...r.settings });
  const names = [...new Set(all.flatMap((r) => Object.keys(settingsOf(r))))].filter((name) => name !== 'fixtureId');
  const shown = (r: BenchResults, name: string) => (settingsOf(r)[name] === undefined ? 'not recorded' : JSON.stringify(settingsOf(r)[name]));
  const differing = names.filter((name) => new Set(all.map((r) => shown(r, name))).size > 1);
  if (differing.length > 0) {
    warnings.push(`runs differ in settings: ${differing.map((name) => `${name} (${all.map((r) => `${r.run.id} ${shown(r, name)}`).join(', ')})`).join('; ')}`);
  }
  const versions = (r: BenchResults) => JSON.stringify(Object.entries(r.versions ?? {}).sort());
  if (new Set(all.map(versions)).size > 1) warnings.push('runs differ in component versions (expected when comparing versions)');
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
  const decision = `A difference is significant when the ${pct} interval excludes 0 AND it exceeds the minimum effect (both thresholds).`;
  if (baseRuns >= 2 && nextRuns >= 2) {
    const smallest = mannWhitneyU(Array.from({ length: baseRuns }, (_, i) => i), Array.from({ length: nextRuns }, (_, i) => baseRuns + i)).smallestPossibleP;
    return (
      `${baseRuns} base and ${nextRuns} new runs: latency intervals (${pct}) come from a two-level bootstrap (runs with replacement, then routes within each run), ` +
      `so they include run-to-run variation; run-level values use a bootstrap over runs of the mean. ${decision} ` +
      `The Mann–Whitney U test on the run-level values (exact for small n) is reported beside it, not used to decide: with ${baseRuns} vs ${nextRuns} runs its smallest possible two-sided p is ${smallest.toPrecision(2)}` +
      `${smallest > 0.05 ? ', so it can never reach 0.05 however large the difference' : ''}. With few runs (2–3 per side) the intervals are coarse: prefer 5 or more.`
    );
  }
  return (
    `${baseRuns} base and ${nextRuns} new run(s): a single run per side cannot establish run-to-run significance. The latency intervals (${pct}) resample routes within each run, ` +
    `so they only show whether a difference exceeds route-to-route noise inside these runs — per-route samples of one run are not independent across runs. ` +
    `Resource values are one number per run and are judged by thresholds alone. ${decision} Repeat each side (--repeat 3 or more, better 5) to measure run-to-run variation.`
  );
}

/**
 * Compares base run(s) with new run(s): every milestone's p50/p99 (TTFS first), ready ratio, and per component
 * peak memory, memory per route and peak CPU. `thresholds` overrides the defaults per metric; `options` sets the
 * bootstrap (deterministic seed) and whether invalid runs are compared. Throws CompareError when a side has no
 * valid run.
 */
export function compareResults(
  base: BenchResults | readonly BenchResults[],
  next: BenchResults | readonly BenchResults[],
  thresholds: Partial<Thresholds> = {},
  options: CompareOptions = {},
): Comparison {
  const warnings: string[] = [];
  const excluded = { base: [] as string[], next: [] as string[] };
  const toSide = (r: BenchResults | readonly BenchResults[], side: 'base' | 'next'): Side => {
    const all = (Array.isArray(r) ? r : [r]) as readonly BenchResults[];
    if (all.length === 0) throw new CompareError(`the ${side === 'base' ? 'base' : 'new'} side has no runs`);
    const runs = all.map((results) => {
      const table = milestoneTable(results);
      return { results, table, summary: summarize(results, table) };
    });
    const name = side === 'base' ? 'base' : 'new';
    for (const { summary } of runs.filter((x) => !x.summary.validity.valid)) {
      const why = summary.validity.reasons.join('; ');
      if (options.includeInvalid) warnings.push(`${name} run ${summary.runId} is invalid (compared anyway, as asked): ${why}`);
      else {
        warnings.push(`${name} run ${summary.runId} is invalid and was excluded: ${why}`);
        excluded[side].push(summary.runId);
      }
    }
    const kept = options.includeInvalid ? runs : runs.filter((x) => x.summary.validity.valid);
    if (kept.length === 0) {
      throw new CompareError(
        `every ${name} run is invalid, nothing to compare: ${runs.map((x) => `${x.summary.runId} (${x.summary.validity.reasons.join('; ')})`).join(', ')}. ` +
          'Rerun it, or pass --include-invalid to compare invalid runs anyway.',
      );
    }
    return { results: kept.map((x) => x.results), tables: kept.map((x) => x.table), summaries: kept.map((x) => x.summary) };
  };
  const b = toSide(base, 'base');
  const n = toSide(next, 'next');
  const t: Thresholds = { ...DEFAULT_THRESHOLDS, ...thresholds };
  const opts: Required<BootstrapOptions> = { iterations: options.iterations ?? DEFAULT_BOOTSTRAP.iterations, seed: options.seed ?? DEFAULT_BOOTSTRAP.seed, confidence: options.confidence ?? DEFAULT_BOOTSTRAP.confidence };

  const comparisons: MetricComparison[] = latencyMilestones(b, n).flatMap((m) => latencyMetrics(m, b, n, t, opts));
  const push = (c: MetricComparison | undefined) => {
    if (c) comparisons.push(c);
  };
  push(scalarMetric('ready ratio', 'readyRatio', 'ratio', false, b, n, (s) => s.routes.readyRatio, t, opts));

  const components = [...new Set<Component>([...b.summaries, ...n.summaries].flatMap((s) => [...s.primaryComponents, ...s.components.filter((c) => c.samples > 0).map((c) => c.component)]))];
  const of = (s: Summary, component: Component) => s.components.find((c) => c.component === component);
  for (const [label, key, unit, value] of [
    ['peak memory', 'peakMemory', 'bytes', (s: Summary, c: Component) => of(s, c)?.memory?.peak],
    ['memory per route', 'memoryPerRoute', 'bytes/route', (s: Summary, c: Component) => comparableSlope(of(s, c)?.memoryPerRoute)],
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
    significantDifferences: comparisons.filter((c) => c.significant).map((c) => c.metric),
    excluded,
    method: methodText(b.results.length, n.results.length, opts.confidence),
    warnings: [...warnings, ...settingsWarnings(b, n)],
  };
}

/**
 * Below this r² memory does not follow the route count (at tens of routes a component's memory is mostly GC
 * noise), so its slope is not a per-route cost and is not compared: an unchanged rerun would be flagged.
 */
export const MIN_MEMORY_FIT_R2 = 0.5;

const comparableSlope = (fit: MemoryPerRoute | undefined): number | undefined => (fit && fit.r2 >= MIN_MEMORY_FIT_R2 ? fit.bytesPerRoute : undefined);
