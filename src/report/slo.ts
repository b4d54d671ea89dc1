/**
 * SLO gates: the scenario's thresholds checked against one run. A gate whose metric was not measured fails and
 * says so — a gate never passes for lack of data.
 */
import { COMPONENT_LABELS } from '../results/components';
import { BenchResults, Sample } from '../results/schema';
import { ParsedMetric, parseSloMetric, usesSamples } from '../results/slo-metric';
import { formatBytes, formatCpu, formatCount, formatMs, formatRatio } from './format';
import { MilestoneTable, milestoneTable, missedShare } from './milestones';

export interface GateResult {
  readonly metric: string;
  readonly max: number;
  /** The measured value in the metric's unit (ms, bytes, millicores, share); absent when not measured. */
  readonly value?: number;
  readonly passed: boolean;
  readonly message: string;
}

/** The value formatted in the metric's unit. */
export function formatMetricValue(parsed: ParsedMetric, value: number): string {
  switch (parsed.kind) {
    case 'milestone':
      return formatMs(value);
    case 'memory':
      return formatBytes(value);
    case 'cpu':
      return formatCpu(value);
    case 'errorRate':
      return formatRatio(value, 2);
  }
}

export interface Measured {
  readonly value?: number;
  /** What the value is (or why there is none). */
  readonly detail: string;
}

/** One metric of one run (the same numbers gates, repeat statistics and comparisons use). */
export function measureMetric(results: BenchResults, table: MilestoneTable, parsed: ParsedMetric, atRoutes?: number): Measured {
  switch (parsed.kind) {
    case 'milestone': {
      const latency = table.latencies.find((l) => l.milestone === parsed.milestone);
      if (!latency?.client) return { detail: `not measured: no route reached milestone "${parsed.milestone}"` };
      return { value: latency.client[parsed.statistic], detail: `over ${formatCount(latency.client.count)} route lives (${formatCount(latency.missed)} missed it)` };
    }
    case 'memory':
    case 'cpu': {
      const value = (s: Sample) => (parsed.kind === 'memory' ? s.memoryBytes : s.cpuMillicores);
      const label = COMPONENT_LABELS[parsed.component];
      const measured = results.samples.filter((s) => s.component === parsed.component && value(s) !== undefined && Number.isFinite(value(s)));
      if (measured.length === 0) return { detail: `not measured: no ${parsed.kind === 'memory' ? 'memory' : 'CPU'} samples of ${label}` };
      const eligible = atRoutes === undefined ? measured : measured.filter((s) => s.liveObjects >= atRoutes);
      if (eligible.length === 0) {
        const most = Math.max(...measured.map((s) => s.liveObjects));
        return { detail: `not measured: no sample of ${label} at ≥ ${formatCount(atRoutes as number)} live routes (at most ${formatCount(most)})` };
      }
      const peak = Math.max(...eligible.map((s) => value(s) as number));
      return { value: peak, detail: `peak of ${formatCount(eligible.length)} samples${atRoutes === undefined ? '' : ` at ≥ ${formatCount(atRoutes)} live routes`}` };
    }
    case 'errorRate': {
      if (table.readiness === undefined) return { detail: 'not measured: a control-plane run probes no data plane, so no route becomes ready' };
      const readiness = table.readiness;
      const { missed, of } = missedShare(table, (life) => !life.reached.has(readiness));
      if (of === 0) return { detail: 'not measured: no timed route' };
      return { value: missed / of, detail: `${formatCount(missed)} of ${formatCount(of)} timed route lives never reached ${readiness}` };
    }
  }
}

/** Checks every gate of the run's scenario (none for files without one). */
export function evaluateSlo(results: BenchResults, table: MilestoneTable = milestoneTable(results)): GateResult[] {
  return (results.scenario?.slo ?? []).map((gate): GateResult => {
    const parsed = parseSloMetric(gate.metric);
    const fail = (message: string): GateResult => ({ metric: gate.metric, max: gate.max, passed: false, message });
    if ('error' in parsed) return fail(parsed.error);
    if (gate.atRoutes !== undefined && !usesSamples(parsed)) return fail(`atRoutes applies only to memory.* and cpu.* gates, not to ${gate.metric}`);
    const { value, detail } = measureMetric(results, table, parsed, gate.atRoutes);
    if (value === undefined) return fail(`${gate.metric}: ${detail}`);
    const passed = value <= gate.max;
    const comparison = `${formatMetricValue(parsed, value)} ${passed ? '≤' : '>'} ${formatMetricValue(parsed, gate.max)}`;
    return { metric: gate.metric, max: gate.max, value, passed, message: `${gate.metric}: ${comparison} (${detail})${passed ? '' : ': violated'}` };
  });
}
