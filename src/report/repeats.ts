/**
 * Repeated runs of one scenario: per metric the mean, spread (sample standard deviation, coefficient of
 * variation), min and max over the valid runs. Invalid runs are listed with their reasons and left out of every
 * aggregate — never averaged in.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { COMPONENT_LABELS, COMPONENT_ORDER } from '../results/components';
import { BenchResults, Component } from '../results/schema';
import { MetricUnit, formatCount, formatValue } from './format';
import { MilestoneTable, milestoneTable } from './milestones';
import { measureMetric } from './slo';
import { mean, standardDeviation } from './stats';
import { memoryPerRoute } from './summary';
import { assessValidity } from './validity';

export const REPEATS_MARKDOWN = 'repeats.md';
export const REPEATS_JSON = 'repeats.json';

/** Milestone latency statistics aggregated over repeats. */
export const REPEAT_QUANTILES = ['p50', 'p90', 'p99'] as const;

/** One metric of one run, named as SLO gates name it (plus `memoryPerRoute.<component>`). */
export interface RunMetric {
  /** e.g. `milestone.ready.p99`, `memory.envoy-gateway.max`, `errorRate`, `memoryPerRoute.envoy-gateway`. */
  readonly id: string;
  /** For people: "ready p99", "peak memory: Envoy Gateway controller". */
  readonly label: string;
  readonly unit: MetricUnit;
  /** Absent: not measured in this run. */
  readonly value?: number;
}

const componentsOf = (results: BenchResults): Component[] => COMPONENT_ORDER.filter((c) => results.samples.some((s) => s.component === c));

/** Every metric of one run: milestone p50/p90/p99, error rate, per sampled component peak memory, peak CPU and memory per route. */
export function runMetrics(results: BenchResults, table: MilestoneTable = milestoneTable(results)): RunMetric[] {
  const metrics: RunMetric[] = [];
  for (const latency of table.latencies) {
    for (const statistic of REPEAT_QUANTILES) {
      const id = `milestone.${latency.milestone}.${statistic}`;
      metrics.push({ id, label: `${latency.milestone} ${statistic}`, unit: 'ms', ...(latency.client && { value: latency.client[statistic] }) });
    }
  }
  if (table.readiness !== undefined) {
    metrics.push({ id: 'errorRate', label: `error rate (never ${table.readiness})`, unit: 'ratio', value: measureMetric(results, table, { kind: 'errorRate' }).value });
  }
  for (const component of componentsOf(results)) {
    const label = COMPONENT_LABELS[component];
    for (const kind of ['memory', 'cpu'] as const) {
      const { value } = measureMetric(results, table, { kind, component });
      metrics.push({ id: `${kind}.${component}.max`, label: `peak ${kind === 'memory' ? 'memory' : 'CPU'}: ${label}`, unit: kind === 'memory' ? 'bytes' : 'millicores', ...(value !== undefined && { value }) });
    }
    const fit = memoryPerRoute(results.samples.filter((s) => s.component === component)).fit;
    metrics.push({ id: `memoryPerRoute.${component}`, label: `memory per route: ${label}`, unit: 'bytes/route', ...(fit && { value: fit.bytesPerRoute }) });
  }
  return metrics.map((m) => (m.value === undefined ? { id: m.id, label: m.label, unit: m.unit } : m));
}

export interface RepeatRun {
  readonly id: string;
  /** 1-based repeat index (results.repeat.index, else the position). */
  readonly index: number;
  readonly valid: boolean;
  readonly reasons: readonly string[];
}

export interface RepeatMetric {
  readonly id: string;
  readonly label: string;
  readonly unit: MetricUnit;
  /** Valid runs that measured it. */
  readonly n: number;
  readonly mean?: number;
  /** Sample standard deviation (n − 1); absent for n < 2. */
  readonly sd?: number;
  readonly min?: number;
  readonly max?: number;
  /** sd / |mean|; absent for n < 2 or a zero mean. */
  readonly cv?: number;
  /** Per valid run, in run order (null: not measured in that run). */
  readonly values: readonly (number | null)[];
}

export interface RepeatSummary {
  readonly scenario?: string;
  readonly runs: readonly RepeatRun[];
  /** Ids of the valid runs the aggregates are over. */
  readonly aggregatedRuns: readonly string[];
  /** Invalid runs, left out of every aggregate. */
  readonly excluded: readonly RepeatRun[];
  readonly metrics: readonly RepeatMetric[];
}

/** Mean, spread, min and max per metric over the valid runs; invalid runs are listed and excluded. */
export function summarizeRepeats(runs: readonly BenchResults[]): RepeatSummary {
  const assessed = runs.map((results, i) => {
    const table = milestoneTable(results);
    const validity = assessValidity(results, table);
    const run: RepeatRun = { id: results.run.id, index: results.repeat?.index ?? i + 1, valid: validity.valid, reasons: validity.reasons };
    return { run, metrics: validity.valid ? runMetrics(results, table) : [] };
  });
  const valid = assessed.filter((a) => a.run.valid);
  const order: RunMetric[] = [];
  for (const a of valid) for (const m of a.metrics) if (!order.some((o) => o.id === m.id)) order.push(m);
  const metrics = order.map(({ id, label, unit }): RepeatMetric => {
    const values = valid.map((a) => a.metrics.find((m) => m.id === id)?.value ?? null);
    const measured = values.filter((v): v is number => v !== null);
    const m = mean(measured);
    const sd = standardDeviation(measured);
    return {
      id,
      label,
      unit,
      n: measured.length,
      ...(m !== undefined && { mean: m, min: Math.min(...measured), max: Math.max(...measured) }),
      ...(sd !== undefined && { sd }),
      ...(sd !== undefined && m !== undefined && m !== 0 && { cv: sd / Math.abs(m) }),
      values,
    };
  });
  const scenario = runs.find((r) => r.scenario)?.scenario?.name;
  return {
    ...(scenario !== undefined && { scenario }),
    runs: assessed.map((a) => a.run),
    aggregatedRuns: valid.map((a) => a.run.id),
    excluded: assessed.filter((a) => !a.run.valid).map((a) => a.run),
    metrics,
  };
}

const escapeCell = (text: string): string => text.replace(/\s+/g, ' ').replace(/([\\`*_[\]<>|])/g, '\\$1');

/** repeats.md: one table of the metrics over the valid runs, and the excluded runs with their reasons. */
export function renderRepeatsMarkdown(summary: RepeatSummary): string {
  const out: string[] = [`# aigw-scale repeats${summary.scenario ? ` — ${escapeCell(summary.scenario)}` : ''}`, ''];
  const validCount = summary.aggregatedRuns.length;
  out.push(`${summary.runs.length} run(s); ${validCount} valid, aggregated below: ${summary.aggregatedRuns.map(escapeCell).join(', ') || 'none'}.`, '');
  if (summary.excluded.length > 0) {
    out.push(`> **${summary.excluded.length} invalid run(s) excluded from every figure below:**`);
    for (const r of summary.excluded) out.push(`> - #${r.index} ${escapeCell(r.id)}: ${escapeCell(r.reasons.join('; '))}`);
    out.push('');
  }
  if (validCount === 0) {
    out.push('No valid run: nothing to aggregate.');
    return `${out.join('\n')}\n`;
  }
  out.push('| metric | n | mean | sd | CV | min | max |', '|---|---:|---:|---:|---:|---:|---:|');
  for (const m of summary.metrics) {
    const f = (v: number | undefined) => formatValue(m.unit, v);
    const sd = m.sd === undefined ? '—' : f(m.sd);
    const cv = m.cv === undefined ? '—' : `${(m.cv * 100).toFixed(1)} %`;
    out.push(`| ${escapeCell(m.label)} | ${formatCount(m.n)} | ${f(m.mean)} | ${sd} | ${cv} | ${f(m.min)} | ${f(m.max)} |`);
  }
  out.push(
    '',
    'sd: sample standard deviation over runs (n − 1); CV: sd / mean. Latencies are each run’s own percentile over its route lives; the spread is run-to-run. ' +
      'With few runs (3) the sd itself is uncertain by roughly ±50 %: read it as an order of magnitude.',
  );
  return `${out.join('\n')}\n`;
}

export interface WrittenRepeatReports {
  readonly markdown: string;
  readonly json: string;
  readonly summary: RepeatSummary;
}

/** Writes repeats.md and repeats.json into `dir` (created if needed); returns their absolute paths and the summary. */
export function writeRepeatReports(runs: readonly BenchResults[], dir: string): WrittenRepeatReports {
  const summary = summarizeRepeats(runs);
  fs.mkdirSync(dir, { recursive: true });
  const paths = { markdown: path.resolve(dir, REPEATS_MARKDOWN), json: path.resolve(dir, REPEATS_JSON) };
  fs.writeFileSync(paths.markdown, renderRepeatsMarkdown(summary));
  fs.writeFileSync(paths.json, `${JSON.stringify(summary, null, 2)}\n`);
  return { ...paths, summary };
}
