import { BenchResults } from '../results/schema';
import { RESOURCES_NOTE, TTFS_NOTE, Table, environmentTable, failureLines, headline, resourcesTable, settingsTable, subtitle, title, ttfsTable } from './content';
import { Summary, summarize } from './summary';

/** One line of Markdown-safe text: no accidental emphasis, code, links or HTML from run data. */
const prose = (text: string): string =>
  text
    .replace(/\s+/g, ' ')
    .trim()
    .replace(/([\\`*_[\]<>])/g, '\\$1');

/** prose, with pipes escaped for a table cell. */
const cell = (text: string): string => prose(text).replace(/\|/g, '\\|');

function table(t: Table): string {
  const numeric = new Set(t.numeric ?? []);
  const lines = [
    `| ${t.headers.map(cell).join(' | ')} |`,
    `|${t.headers.map((_, i) => (numeric.has(i) ? '---:' : '---')).join('|')}|`,
    ...t.rows.map((row) => `| ${row.map(cell).join(' | ')} |`),
  ];
  return lines.join('\n');
}

/** report.md: everything an operator needs, from results.json alone. */
export function renderMarkdown(results: BenchResults, summary: Summary = summarize(results)): string {
  const out: string[] = [];
  out.push(`# ${prose(title(summary))}`, '', prose(subtitle(results, summary)), '');
  if (!summary.validity.valid) {
    out.push(`> **Invalid run.** ${summary.validity.reasons.map(prose).join('; ')}.`, '');
  }
  for (const warning of summary.warnings) out.push(`> **Note.** ${prose(warning)}`, '');

  out.push('## Headline', '');
  for (const item of headline(results, summary)) out.push(`- **${item.label}:** ${prose(item.text)}`);
  out.push('');

  out.push('## Settings', '', table(settingsTable(results, summary)), '');

  out.push('## Time to first success', '', table(ttfsTable(summary)), '', TTFS_NOTE, '');

  out.push('## Resources', '', table(resourcesTable(summary)), '', RESOURCES_NOTE, '');

  const failures = failureLines(summary);
  out.push(`## Failures (${summary.failures.length})`, '');
  if (summary.failures.length === 0) out.push('None recorded.');
  for (const line of failures.shown) out.push(`- ${prose(line)}`);
  if (failures.more > 0) out.push(`- … and ${failures.more} more (all of them are in results.json)`);
  out.push('');

  out.push('## Not measured', '');
  if (summary.notMeasured.length === 0) out.push('Everything was measured.');
  for (const line of summary.notMeasured) out.push(`- ${prose(line)}`);
  out.push('');

  out.push('## Environment and versions', '', table(environmentTable(results)), '');
  return `${out.join('\n').replace(/\n{3,}/g, '\n\n').trimEnd()}\n`;
}
