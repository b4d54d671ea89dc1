import { BenchResults } from '../results/schema';
import { CONFIG_SIZES_NOTE, configSizesTable } from './config-sizes';
import {
  RESOURCES_NOTE,
  RETAINED_MEMORY_NOTE,
  SERVER_MILESTONES_NOTE,
  TTFS_NOTE,
  environmentTable,
  failureLines,
  headline,
  healthGatesTable,
  milestonesNote,
  milestonesTable,
  objectMilestonesTable,
  peakVsSettledCpuNote,
  peakVsSettledCpuTable,
  phasesTable,
  profilesTable,
  resourcesTable,
  retainedMemoryTable,
  serverMilestonesTable,
  settingsTable,
  sloLine,
  sloTable,
  subtitle,
  title,
  ttfsTable,
} from './content';
import { CONTROL_PLANE_READY_HEADING, CONTROL_PLANE_READY_NOTE, builtInMilestones, controlPlaneReadyTable } from './readiness-content';
import { Summary, summarize } from './summary';
import { Table } from './table';

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
    out.push('> **INVALID RUN: do not use its numbers.** Why:', ...summary.validity.reasons.map((r) => `> - ${prose(r)}`), '');
  }
  const slo = sloLine(summary);
  if (slo) out.push(`> **SLO.** ${prose(slo)}`, '');
  for (const warning of summary.warnings) out.push(`> **Note.** ${prose(warning)}`, '');

  out.push('## Headline', '');
  for (const item of headline(results, summary)) out.push(`- **${item.label}:** ${prose(item.text)}`);
  out.push('');

  const gates = sloTable(summary);
  if (gates) out.push('## SLO gates', '', table(gates), '');

  out.push('## Settings', '', table(settingsTable(results, summary)), '');

  out.push('## Milestones', '', table(milestonesTable(summary)), '', prose(milestonesNote(summary)), '');
  const builtIns = builtInMilestones(summary);
  if (builtIns.length > 0) out.push('Built-in milestones (the runner records them; the scenario declares the others):', '', ...builtIns.map((b) => `- **${b.milestone}**: ${prose(b.description)}`), '');
  const server = serverMilestonesTable(summary);
  if (server) out.push('### Server-side view', '', table(server), '', SERVER_MILESTONES_NOTE, '');
  const objects = objectMilestonesTable(summary);
  if (objects) out.push('### Milestones of other objects', '', table(objects), '');

  if (summary.readyOnControlPlane) out.push(`## ${CONTROL_PLANE_READY_HEADING}`, '', table(controlPlaneReadyTable(summary)), '', prose(CONTROL_PLANE_READY_NOTE), '');
  else out.push('## Time to first success', '', table(ttfsTable(summary)), '', TTFS_NOTE, '');

  out.push('## Phases', '', table(phasesTable(summary)), '');
  const health = healthGatesTable(results);
  if (health) out.push('### Health gates between steps', '', table(health), '');

  out.push('## Resources', '', table(resourcesTable(summary)), '', RESOURCES_NOTE, '');
  const retained = retainedMemoryTable(summary);
  if (retained) out.push('### Memory retained after scale-down', '', table(retained), '', prose(RETAINED_MEMORY_NOTE), '');
  const settled = peakVsSettledCpuTable(summary);
  if (settled) out.push('### Peak vs settled CPU', '', table(settled), '', prose(peakVsSettledCpuNote(summary)), '');

  const sizes = configSizesTable(results);
  if (sizes) out.push('## Config sizes: what the data plane receives', '', table(sizes), '', prose(CONFIG_SIZES_NOTE), '');

  const profiles = profilesTable(results, summary);
  if (profiles) out.push('## Profiles', '', table(profiles), '', 'Paths are relative to results.json; open them with `go tool pprof`.', '');

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
