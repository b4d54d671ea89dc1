/** How `aigw-scale compare` prints a comparison in the terminal. */
import { Comparison } from './compare';
import { formatChangePercent, formatDelta, formatValue } from './format';

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
    c.interval ? (c.significant ? 'yes' : 'no') : '—',
    c.mannWhitney ? `${c.mannWhitney.p.toPrecision(2)} (${c.mannWhitney.method})` : '—',
  ]);
  const headers = ['verdict', 'metric', 'base', 'new', 'change', 'change %', `${(comparison.bootstrap.confidence * 100).toFixed(0)} % CI of change`, 'significant', 'Mann–Whitney p'];
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
    comparison.significantDifferences.length > 0 ? `significant differences: ${comparison.significantDifferences.join(', ')}` : 'no significant difference',
    comparison.regressions > 0
      ? `${comparison.regressions} regression(s): ${comparison.comparisons
          .filter((c) => c.regression)
          .map((c) => c.metric)
          .join(', ')}`
      : 'no regression',
  );
  return out.join('\n');
}
