/**
 * The grammar of SLO gate metrics (`milestone.<name>.<statistic>`, `memory.<component>.max`, …): scenarios check
 * their gates with it when parsed, reports when they evaluate them.
 */
import { COMPONENT_ORDER } from './components';
import { Component } from './schema';

/** Latency statistics a milestone gate may name. */
export const SLO_STATISTICS = ['p50', 'p90', 'p95', 'p99', 'max'] as const;
export type SloStatistic = (typeof SLO_STATISTICS)[number];

export type ParsedMetric =
  | { readonly kind: 'milestone'; readonly milestone: string; readonly statistic: SloStatistic }
  | { readonly kind: 'memory' | 'cpu'; readonly component: Component }
  | { readonly kind: 'errorRate' };

const GRAMMAR = `milestone.<name>.<${SLO_STATISTICS.join('|')}>, memory.<component>.max, cpu.<component>.max or errorRate`;

/** Parses a gate's metric name; `{ error }` says what is wrong and what is allowed. */
export function parseSloMetric(metric: string): ParsedMetric | { error: string } {
  if (metric === 'errorRate') return { kind: 'errorRate' };
  const parts = metric.split('.');
  if (parts[0] === 'milestone') {
    if (parts.length !== 3 || !/^[A-Za-z][A-Za-z0-9_-]*$/.test(parts[1])) return { error: `metric "${metric}": expected milestone.<name>.<${SLO_STATISTICS.join('|')}>, e.g. milestone.ready.p99` };
    if (!(SLO_STATISTICS as readonly string[]).includes(parts[2])) return { error: `metric "${metric}": unknown statistic "${parts[2]}"; allowed: ${SLO_STATISTICS.join(', ')}` };
    return { kind: 'milestone', milestone: parts[1], statistic: parts[2] as SloStatistic };
  }
  if (parts[0] === 'memory' || parts[0] === 'cpu') {
    if (parts.length !== 3 || parts[2] !== 'max') return { error: `metric "${metric}": expected ${parts[0]}.<component>.max, e.g. ${parts[0]}.envoy-gateway.max` };
    if (!(COMPONENT_ORDER as readonly string[]).includes(parts[1])) return { error: `metric "${metric}": unknown component "${parts[1]}"; allowed: ${COMPONENT_ORDER.join(', ')}` };
    return { kind: parts[0], component: parts[1] as Component };
  }
  return { error: `metric "${metric}": unknown; allowed: ${GRAMMAR}` };
}

/** Whether `atRoutes` applies to a metric (it restricts resource samples to those at ≥ atRoutes live routes). */
export const usesSamples = (parsed: ParsedMetric): boolean => parsed.kind === 'memory' || parsed.kind === 'cpu';
