/** The words and tables both renderers (Markdown, HTML) print, as plain strings; each renderer only marks them up. */
import { BenchResults } from '../results/schema';
import { NOT_MEASURED, formatBytes, formatBytesPerRoute, formatCount, formatCpu, formatMs, formatRatio } from './format';
import { ComponentSummary, PRIMARY_COMPONENTS, REGRESSION_PHASES, Summary } from './summary';

export interface Table {
  readonly headers: readonly string[];
  readonly rows: readonly (readonly string[])[];
  /** Columns to right-align (numbers). */
  readonly numeric?: readonly number[];
}

export interface HeadlineItem {
  readonly label: string;
  readonly text: string;
}

/** Failures listed in full before "… and N more". */
export const FAILURES_SHOWN = 20;

export const title = (summary: Summary): string => `aigw-scale report — run ${summary.runId}`;

export function subtitle(results: BenchResults, summary: Summary): string {
  const parts = [
    `started ${results.run.startedAt}`,
    `mode ${results.run.mode}`,
    `${formatCount(results.settings.routes)} routes`,
    summary.durationMs !== undefined ? `duration ${formatMs(summary.durationMs)}` : undefined,
    results.run.interrupted ? 'INTERRUPTED' : undefined,
  ];
  return parts.filter((p) => p !== undefined).join(' · ');
}

const list = (items: string[]): string => (items.length <= 1 ? items.join('') : `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`);

/** Answers, in order: how many routes became ready, how fast, what each route costs per component. */
export function headline(results: BenchResults, summary: Summary): HeadlineItem[] {
  const r = summary.routes;
  const notReady: string[] = [];
  if (r.timedOut > 0) notReady.push(`${formatCount(r.timedOut)} timed out (after ${formatMs(results.settings.perRouteTimeoutMs)})`);
  if (r.failed > 0) notReady.push(`${formatCount(r.failed)} failed`);
  if (r.pending > 0) notReady.push(`${formatCount(r.pending)} had no outcome when the run ended`);
  if (r.notCreated > 0) notReady.push(`${formatCount(r.notCreated)} were never created`);
  const items: HeadlineItem[] = [
    {
      label: 'Routes ready',
      text:
        `${formatCount(r.ready)} of ${formatCount(r.expected)}${r.warmUpRoutes > 0 ? ' timed' : ''} (${formatRatio(r.readyRatio)})${notReady.length > 0 ? `; ${list(notReady)}` : ''}.` +
        (r.warmUpRoutes > 0 ? ` route-000001 was the untimed warm-up route.` : ''),
    },
  ];
  const t = summary.ttfs;
  items.push({
    label: 'Time to first success',
    text: t
      ? `p50 ${formatMs(t.p50)}, p99 ${formatMs(t.p99)} (max ${formatMs(t.max)}) over ${formatCount(t.count)} ready routes` +
        (summary.allReadyAfterMs !== undefined ? `; the last of them was ready ${formatMs(summary.allReadyAfterMs)} after the first create.` : '.')
      : `${NOT_MEASURED}: no route reached first success.`,
  });
  const primary = summary.components.filter((c) => PRIMARY_COMPONENTS.includes(c.component));
  items.push({
    label: 'Memory per route',
    text: `${list(primary.map((c) => `${c.label} ${perRouteText(c)}`))}.`,
  });
  items.push({
    label: 'Peak memory / CPU',
    text: `${list(primary.map((c) => `${c.label} ${c.memory || c.cpu ? `${formatBytes(c.memory?.peak)} / ${formatCpu(c.cpu?.peak)}` : NOT_MEASURED}`))}.`,
  });
  return items;
}

function perRouteText(c: ComponentSummary): string {
  return c.memoryPerRoute ? formatBytesPerRoute(c.memoryPerRoute.bytesPerRoute) : NOT_MEASURED;
}

const optional = <T>(value: T | undefined, format: (v: T) => string): string => (value === undefined ? NOT_MEASURED : format(value));

export function settingsTable(results: BenchResults, summary: Summary): Table {
  const s = results.settings;
  const warm = summary.routes.warmUpRoutes;
  const provisioning =
    s.provisioning.mode === 'batches'
      ? `batches of ${optional(s.provisioning.batchSize, formatCount)} every ${optional(s.provisioning.batchIntervalMs, formatMs)}`
      : 'all at once';
  const rows: string[][] = [
    ['routes (AIGatewayRoutes)', warm > 0 ? `${formatCount(s.routes)} (${warm} warm-up, ${formatCount(s.routes - warm)} timed)` : formatCount(s.routes)],
    ['backends (AIServiceBackends)', formatCount(s.backends)],
    ['header mutations per route', formatCount(s.headerMutations)],
    ['provisioning', provisioning],
    ['per-route timeout', formatMs(s.perRouteTimeoutMs)],
    ['request interval per route', formatMs(s.requestIntervalMs)],
    ['sample interval', formatMs(s.sampleIntervalMs)],
    ['scale-down steps', s.scaleDownSteps === undefined ? 'none' : formatCount(s.scaleDownSteps)],
    ['extension gRPC max message', s.grpcMaxMessageBytes === undefined ? NOT_MEASURED : formatBytes(s.grpcMaxMessageBytes)],
    ['fixture / namespace', `${s.fixtureId} / ${s.namespace}`],
  ];
  return { headers: ['setting', 'value'], rows };
}

export function ttfsTable(summary: Summary): Table {
  const t = summary.ttfs;
  const r = summary.routes;
  const cell = (v: number | undefined) => formatMs(v);
  return {
    headers: ['ready routes', 'timed out', 'failed', 'p50', 'p90', 'p95', 'p99', 'max', 'mean'],
    rows: [[formatCount(r.ready), formatCount(r.timedOut), formatCount(r.failed), cell(t?.p50), cell(t?.p90), cell(t?.p95), cell(t?.p99), cell(t?.max), cell(t?.mean)]],
    numeric: [0, 1, 2, 3, 4, 5, 6, 7, 8],
  };
}

export const TTFS_NOTE =
  'Time to first success: from the create call returning (client clock) to the first 200 through the gateway from the route’s own backend. ' +
  'Percentiles are over ready routes only (linear interpolation between closest ranks, numpy’s default); routes that timed out or failed have none and are counted beside them.';

export function resourcesTable(summary: Summary): Table {
  return {
    headers: ['component', 'samples', 'peak CPU', 'final CPU', 'peak memory', 'final memory', 'memory per route', 'fit'],
    rows: summary.components.map((c) => [
      c.label,
      formatCount(c.samples),
      formatCpu(c.cpu?.peak),
      formatCpu(c.cpu?.final),
      formatBytes(c.memory?.peak),
      formatBytes(c.memory?.final),
      perRouteText(c),
      c.memoryPerRoute
        ? `r² ${c.memoryPerRoute.r2.toFixed(2)}, ${formatCount(c.memoryPerRoute.n)} samples (${c.memoryPerRoute.phases.join(', ')}), ${formatCount(c.memoryPerRoute.minRoutes)}–${formatCount(c.memoryPerRoute.maxRoutes)} routes, baseline ${formatBytes(c.memoryPerRoute.baselineBytes)}`
        : (c.memoryPerRouteMissing ?? '—'),
    ]),
    numeric: [1, 2, 3, 4, 5, 6],
  };
}

export const RESOURCES_NOTE =
  `CPU in millicores (m), averaged between consecutive samples; memory is the working set (metrics API, kubelet) or resident set (local processes). ` +
  `"Final" is the last sample of the run. Memory per route is the least-squares slope of memory against live routes over the ${REGRESSION_PHASES.join(' and ')} samples ` +
  `(plus the warm-up samples as a baseline when the route count did not change during those phases); ` +
  `the baseline is the fit at 0 routes. A low r² means memory did not follow the route count (garbage collection, lag behind all-at-once provisioning): read the slope with care.`;

export function failureLines(summary: Summary): { shown: string[]; more: number } {
  const lines = summary.failures.map((f) => `${f.phase}${f.object ? ` · ${f.object}` : ''}: ${f.message.replace(/\s+/g, ' ').trim()}`);
  return { shown: lines.slice(0, FAILURES_SHOWN), more: Math.max(0, lines.length - FAILURES_SHOWN) };
}

export function environmentTable(results: BenchResults): Table {
  const e = results.environment;
  const rows: string[][] = [
    ['aigw-scale', `${results.tool.name} ${results.tool.version}`],
    ['kube context', e.context],
    ['API server', e.server],
    ['Kubernetes', e.kubernetesVersion ?? NOT_MEASURED],
    ['nodes', e.nodes === undefined ? NOT_MEASURED : formatCount(e.nodes)],
    ['runner', `${e.runnerPlatform}, ${formatCount(e.runnerCpus)} CPUs`],
    ['run', `${results.run.id}: ${results.run.startedAt} → ${results.run.finishedAt}`],
  ];
  const versions = Object.entries(results.versions ?? {}).sort(([a], [b]) => a.localeCompare(b));
  if (versions.length === 0) rows.push(['component versions', NOT_MEASURED]);
  for (const [name, version] of versions) rows.push([name, version]);
  return { headers: ['item', 'value'], rows };
}
