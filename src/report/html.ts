import { BenchResults } from '../results/schema';
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
import { CONFIG_SIZES_NOTE, configSizesTable } from './config-sizes';
import { ResourcePanel, plotSpecs, renderSvg } from './plots';
import { configSizeSpec } from './size-plot';
import { CONTROL_PLANE_READY_HEADING, CONTROL_PLANE_READY_NOTE, builtInMilestones, controlPlaneReadyTable } from './readiness-content';
import { Summary, summarize } from './summary';
import { Table } from './table';

export const escapeHtml = (text: string): string =>
  text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string);

const STYLE = `
:root { color-scheme: light; }
body { font-family: -apple-system, "Segoe UI", Helvetica, Arial, sans-serif; color: #1b1b1b; background: #fafafa; margin: 0; line-height: 1.45; }
main { max-width: 940px; margin: 0 auto; padding: 24px 28px 48px; background: white; }
h1 { font-size: 1.6em; margin: 0 0 4px; }
h2 { font-size: 1.25em; margin: 32px 0 10px; border-bottom: 1px solid #e3e3e3; padding-bottom: 4px; }
.subtitle { color: #555; margin: 0 0 16px; }
.banner { padding: 10px 14px; border-radius: 4px; margin: 12px 0; }
.banner.invalid { background: #fdecea; border: 2px solid #d93025; color: #8a1c12; font-size: 1.1em; }
.banner.invalid ul { margin: 6px 0 0; }
.banner.slo-failed { background: #fdecea; border: 1px solid #f5c2bd; color: #8a1c12; }
.banner.valid { background: #edf7ed; border: 1px solid #c3e6c3; color: #1e4620; }
.banner.note { background: #fff8e1; border: 1px solid #ffe08a; color: #5c4400; }
ul.headline { padding-left: 20px; font-size: 1.05em; }
ul.headline li { margin: 4px 0; }
table { border-collapse: collapse; margin: 8px 0; font-size: 0.92em; }
th, td { border: 1px solid #dcdcdc; padding: 4px 8px; text-align: left; vertical-align: top; }
th { background: #f3f3f3; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
figure { margin: 12px 0 20px; }
figure svg { display: block; max-width: 100%; height: auto; }
figcaption, .note { color: #555; font-size: 0.88em; }
.not-measured { border: 1px dashed #bbb; color: #666; background: #f7f7f7; padding: 18px; text-align: center; margin: 12px 0; border-radius: 4px; }
footer { color: #888; font-size: 0.85em; margin-top: 36px; }
`;

function table(t: Table, className = ''): string {
  const numeric = new Set(t.numeric ?? []);
  const cls = (i: number) => (numeric.has(i) ? ' class="num"' : '');
  const head = `<tr>${t.headers.map((h, i) => `<th${cls(i)}>${escapeHtml(h)}</th>`).join('')}</tr>`;
  const body = t.rows.map((row) => `<tr>${row.map((c, i) => `<td${cls(i)}>${escapeHtml(c)}</td>`).join('')}</tr>`).join('\n');
  return `<table${className ? ` class="${className}"` : ''}>\n<thead>${head}</thead>\n<tbody>\n${body}\n</tbody>\n</table>`;
}

async function panelsHtml(panels: readonly ResourcePanel[], metric: string): Promise<string> {
  const parts: string[] = [];
  for (const panel of panels) {
    const id = `plot-${metric}-${panel.component}`;
    if (!panel.spec) {
      parts.push(`<div class="not-measured" id="${id}" data-component="${panel.component}">${escapeHtml(panel.missing ?? `${panel.label}: not measured`)}</div>`);
      continue;
    }
    parts.push(`<figure class="plot" id="${id}" data-component="${panel.component}">\n${await renderSvg(panel.spec, id)}\n</figure>`);
  }
  return parts.join('\n');
}

/**
 * report.html: one self-contained file (inline CSS and SVG; no scripts, fonts or other external resources) with
 * the Markdown report's tables and its figures: time to first success (control plane: time to ready) per route,
 * CPU and memory over time per component against the live route count, and CPU and memory against live routes.
 */
export async function renderHtml(results: BenchResults, summary: Summary = summarize(results)): Promise<string> {
  const specs = plotSpecs(results, summary);
  const out: string[] = [];
  out.push(
    '<!DOCTYPE html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${escapeHtml(title(summary))}</title>`,
    `<style>${STYLE}</style>`,
    '</head>',
    '<body>',
    '<main>',
    `<header><h1>${escapeHtml(title(summary))}</h1><p class="subtitle">${escapeHtml(subtitle(results, summary))}</p></header>`,
  );
  out.push(
    summary.validity.valid
      ? '<div class="banner valid" id="validity">Valid run: routes, times and resource samples are all present.</div>'
      : `<div class="banner invalid" id="validity"><strong>INVALID RUN: do not use its numbers.</strong> Why:<ul>${summary.validity.reasons.map((r) => `<li>${escapeHtml(r)}</li>`).join('')}</ul></div>`,
  );
  const slo = sloLine(summary);
  if (slo) out.push(`<div class="banner ${summary.slo.every((g) => g.passed) ? 'valid' : 'slo-failed'}" id="slo-line"><strong>SLO.</strong> ${escapeHtml(slo)}</div>`);
  for (const warning of summary.warnings) out.push(`<div class="banner note"><strong>Note.</strong> ${escapeHtml(warning)}</div>`);

  out.push('<section id="headline"><h2>Headline</h2><ul class="headline">');
  for (const item of headline(results, summary)) out.push(`<li><strong>${escapeHtml(item.label)}:</strong> ${escapeHtml(item.text)}</li>`);
  out.push('</ul></section>');

  const gates = sloTable(summary);
  if (gates) out.push('<section id="slo"><h2>SLO gates</h2>', table(gates), '</section>');

  out.push('<section id="settings"><h2>Settings</h2>', table(settingsTable(results, summary)), '</section>');

  out.push('<section id="milestones"><h2>Milestones</h2>', table(milestonesTable(summary)), `<p class="note">${escapeHtml(milestonesNote(summary))}</p>`);
  const builtIns = builtInMilestones(summary);
  if (builtIns.length > 0) {
    out.push('<p class="note">Built-in milestones (the runner records them; the scenario declares the others):</p>', '<ul class="note" id="built-in-milestones">');
    out.push(...builtIns.map((b) => `<li><strong>${escapeHtml(b.milestone)}</strong>: ${escapeHtml(b.description)}</li>`), '</ul>');
  }
  const server = serverMilestonesTable(summary);
  if (server) out.push('<h3>Server-side view</h3>', table(server), `<p class="note">${escapeHtml(SERVER_MILESTONES_NOTE)}</p>`);
  const objects = objectMilestonesTable(summary);
  if (objects) out.push('<h3>Milestones of other objects</h3>', table(objects));
  out.push('</section>');

  out.push(`<section id="ttfs"><h2>${summary.readyOnControlPlane ? CONTROL_PLANE_READY_HEADING : 'Time to first success'}</h2>`);
  if (specs.ttfs) {
    out.push(`<figure class="plot" id="plot-ttfs">\n${await renderSvg(specs.ttfs, 'plot-ttfs')}`);
    if (specs.ttfsCaption) out.push(`<figcaption>${escapeHtml(specs.ttfsCaption)}</figcaption>`);
    out.push('</figure>');
  } else out.push(`<div class="not-measured" id="plot-ttfs">${escapeHtml(specs.ttfsMissing ?? 'not measured')}</div>`);
  if (summary.readyOnControlPlane) out.push(table(controlPlaneReadyTable(summary)), `<p class="note">${escapeHtml(CONTROL_PLANE_READY_NOTE)}</p>`, '</section>');
  else out.push(table(ttfsTable(summary)), `<p class="note">${escapeHtml(TTFS_NOTE)}</p>`, '</section>');

  const panelNote = (what: string) =>
    `<p class="note">${escapeHtml(`${what} of each component (solid, left axis) against the live AIGatewayRoutes (dashed, right axis); grey vertical lines mark where each phase starts.`)}</p>`;
  out.push('<section id="cpu"><h2>CPU over time</h2>', panelNote('CPU in millicores, averaged between samples,'), await panelsHtml(specs.cpu, 'cpu'), '</section>');
  out.push('<section id="memory"><h2>Memory over time</h2>', panelNote('Memory in MiB (working set or resident set; the axis starts near the lowest value, not at 0)'), await panelsHtml(specs.memory, 'memory'), '</section>');
  const vsNote =
    'Each point is one sample of a primary component, placed at the live AIGatewayRoutes when it was taken: orange while routes were created, grey while the count held, blue while scale-down deleted them. ' +
    'Memory panels draw the memory-per-route fit (dashed) over the routes it was fitted on.';
  out.push('<section id="vs-routes"><h2>CPU and memory against live routes</h2>', `<p class="note">${escapeHtml(vsNote)}</p>`);
  out.push(await panelsHtml(specs.cpuVsRoutes, 'cpu-routes'), await panelsHtml(specs.memoryVsRoutes, 'memory-routes'), '</section>');

  out.push('<section id="phases"><h2>Phases</h2>', table(phasesTable(summary)));
  const health = healthGatesTable(results);
  if (health) out.push('<h3>Health gates between steps</h3>', table(health));
  out.push('</section>');

  out.push('<section id="resources"><h2>Resources</h2>', table(resourcesTable(summary)), `<p class="note">${escapeHtml(RESOURCES_NOTE)}</p>`);
  const retained = retainedMemoryTable(summary);
  if (retained) out.push('<h3>Memory retained after scale-down</h3>', table(retained), `<p class="note">${escapeHtml(RETAINED_MEMORY_NOTE)}</p>`);
  const settled = peakVsSettledCpuTable(summary);
  if (settled) out.push('<h3>Peak vs settled CPU</h3>', table(settled), `<p class="note">${escapeHtml(peakVsSettledCpuNote(summary))}</p>`);
  out.push('</section>');

  const sizes = configSizesTable(results);
  const sizePlot = configSizeSpec(results);
  if (sizes) {
    out.push('<section id="config-sizes"><h2>Config sizes: what the data plane receives</h2>', table(sizes), `<p class="note">${escapeHtml(CONFIG_SIZES_NOTE)}</p>`);
    if (sizePlot) out.push(`<figure class="plot" id="config-sizes-plot">\n${await renderSvg(sizePlot, 'config-sizes-plot')}\n</figure>`);
    out.push('</section>');
  }

  const profiles = profilesTable(results, summary);
  if (profiles) out.push('<section id="profiles"><h2>Profiles</h2>', table(profiles), '<p class="note">Paths are relative to results.json; open them with go tool pprof.</p>', '</section>');

  const failures = failureLines(summary);
  out.push(`<section id="failures"><h2>Failures (${summary.failures.length})</h2>`);
  if (summary.failures.length === 0) out.push('<p>None recorded.</p>');
  else {
    out.push('<ul>', ...failures.shown.map((line) => `<li>${escapeHtml(line)}</li>`));
    if (failures.more > 0) out.push(`<li>… and ${failures.more} more (all of them are in results.json)</li>`);
    out.push('</ul>');
  }
  out.push('</section>');

  out.push('<section id="not-measured"><h2>Not measured</h2>');
  out.push(summary.notMeasured.length === 0 ? '<p>Everything was measured.</p>' : `<ul>${summary.notMeasured.map((l) => `<li>${escapeHtml(l)}</li>`).join('')}</ul>`);
  out.push('</section>');

  out.push('<section id="environment"><h2>Environment and versions</h2>', table(environmentTable(results)), '</section>');
  out.push(`<footer>Rendered by aigw-scale from results.json (schema version ${results.schemaVersion}) alone.</footer>`, '</main>', '</body>', '</html>');
  return `${out.join('\n')}\n`;
}
