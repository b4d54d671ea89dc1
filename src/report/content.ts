/** The words and tables both renderers (Markdown, HTML) print, as plain strings; each renderer only marks them up. */
import { BenchResults } from '../results/schema';
import { NOT_MEASURED, formatBytes, formatBytesPerRoute, formatCount, formatCpu, formatMs, formatRatio } from './format';
import { CONTROL_PLANE_READY_LABEL, REMOVALS_NOTE, controlPlaneReadyText, milestoneRowName } from './readiness-content';
import { ComponentSummary, PhaseSummary, REGRESSION_PHASES, Summary } from './summary';
import { Table } from './table';

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
  const ready = `${formatCount(r.ready)} of ${formatCount(r.expected)}${r.warmUpRoutes > 0 ? ' timed' : ''} (${formatRatio(r.readyRatio)})${notReady.length > 0 ? `; ${list(notReady)}` : ''}.`;
  const warmUp = r.warmUpRoutes > 0 ? ` route-000001 was the untimed warm-up route.` : '';
  const items: HeadlineItem[] = [
    summary.readyOnControlPlane
      ? { label: 'Routes ready on the control plane', text: ready + warmUp }
      : results.run.mode === 'control-plane'
      ? {
          label: 'Routes created',
          text: `${formatCount(r.created)} of ${formatCount(r.expected)}${r.warmUpRoutes > 0 ? ' timed' : ''}; control-plane mode: no data plane probed, so readiness was not measured (see the milestones).`,
        }
      : { label: 'Routes ready', text: ready + warmUp },
  ];
  const t = summary.ttfs;
  if (summary.readyOnControlPlane) items.push({ label: CONTROL_PLANE_READY_LABEL, text: controlPlaneReadyText(summary) });
  else items.push({
    label: 'Time to first success',
    text: t
      ? `p50 ${formatMs(t.p50)}, p99 ${formatMs(t.p99)} (max ${formatMs(t.max)}) over ${formatCount(t.count)} ${t.count === summary.outcomes.filter((o) => o.ttfsMs !== undefined).length ? 'ready routes' : 'route lives that answered (a churn recreate counts again)'}` +
        (summary.allReadyAfterMs !== undefined ? `; the last of them was ready ${formatMs(summary.allReadyAfterMs)} after the first create.` : '.')
      : `${NOT_MEASURED}: no route reached first success.`,
  });
  const primary = summary.components.filter((c) => summary.primaryComponents.includes(c.component));
  items.push({
    label: 'Memory per route',
    text: `${list(primary.map((c) => `${c.label} ${perRouteText(c)}`))}.`,
  });
  items.push({
    label: 'Peak memory / CPU',
    text: `${list(primary.map((c) => `${c.label} ${c.memory || c.cpu ? `${formatBytes(c.memory?.peak)} / ${formatCpu(c.cpu?.peak)}` : NOT_MEASURED}`))}.`,
  });
  const retained = summary.retainedMemory.filter((m) => summary.primaryComponents.includes(m.component));
  if (retained.length > 0) {
    items.push({
      label: 'Memory retained after scale-down',
      text: `${list(retained.map((m) => `${m.label} ${formatBytes(m.afterBytes)} at ${formatCount(m.afterRoutes)} live route${m.afterRoutes === 1 ? '' : 's'} (${formatRatio(m.shareOfPeak)} of its ${formatBytes(m.peakBytes)} peak)`))}.`,
    });
  }
  return items;
}

function perRouteText(c: ComponentSummary): string {
  return c.memoryPerRoute ? formatBytesPerRoute(c.memoryPerRoute.bytesPerRoute) : NOT_MEASURED;
}

const optional = <T>(value: T | undefined, format: (v: T) => string): string => (value === undefined ? NOT_MEASURED : format(value));

export function settingsTable(results: BenchResults, summary: Summary): Table {
  const s = results.settings;
  const warm = summary.routes.warmUpRoutes;
  const shape = results.scenario?.load.shape;
  const provisioning =
    s.provisioning.mode === 'batches'
      ? `batches of ${optional(s.provisioning.batchSize, formatCount)} every ${optional(s.provisioning.batchIntervalMs, formatMs)}`
      : s.provisioning.mode === 'steps'
        ? `steps to ${shape?.type === 'steps' ? shape.steps.map((step) => formatCount(step.routes)).join(' → ') : 'the full count'} routes`
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
  const scenario = results.scenario;
  if (scenario) {
    const load = scenario.load;
    const shape =
      load.shape.type === 'steps'
        ? `steps to ${load.shape.steps.map((st) => formatCount(st.routes)).join(' → ')} routes; health gate: error rate ≤ ${formatRatio(load.shape.healthGate.maxErrorRate)}${load.shape.healthGate.controllersReady ? ', controllers ready' : ''}`
        : provisioning;
    rows.unshift(['scenario', `${scenario.name}${results.repeat ? ` (repeat ${results.repeat.index} of ${results.repeat.of})` : ''}`]);
    rows.push(
      ['load shape', shape],
      ['client rate limit', load.qps === undefined ? 'none' : `${load.qps} qps, burst ${load.burst ?? Math.max(1, load.qps)}`],
      ['churn', load.churn ? `${load.churn.cycles} cycles of ${formatRatio(load.churn.share)} of the routes (delete, wait ${formatMs(load.churn.deleteDelayMs)}, recreate, wait ${formatMs(load.churn.recreateDelayMs)})` : 'none'],
      ['ready after', `${formatCount(scenario.probe.consecutiveSuccesses)} successes in a row`],
    );
  }
  return { headers: ['setting', 'value'], rows };
}

export function ttfsTable(summary: Summary): Table {
  const t = summary.ttfs;
  const r = summary.routes;
  const cell = (v: number | undefined) => formatMs(v);
  return {
    headers: ['route lives with a first success', 'timed out', 'failed', 'p50', 'p90', 'p95', 'p99', 'max', 'mean'],
    rows: [[formatCount(t?.count ?? 0), formatCount(r.timedOut), formatCount(r.failed), cell(t?.p50), cell(t?.p90), cell(t?.p95), cell(t?.p99), cell(t?.max), cell(t?.mean)]],
    numeric: [0, 1, 2, 3, 4, 5, 6, 7, 8],
  };
}

export const TTFS_NOTE =
  'Time to first success: from the create call returning (client clock) to the first 200 through the gateway from the route’s own backend. ' +
  'Percentiles are over route lives that answered (a route recreated by churn counts once per life; linear interpolation between closest ranks, numpy’s default); routes that timed out or failed have none and are counted beside them.';

/** Per milestone (client clock): route lives that reached it and missed it, p50/p90/p95/p99/max. */
export function milestonesTable(summary: Summary): Table {
  return {
    headers: ['milestone', 'kind', 'reached', 'missed', 'p50', 'p90', 'p95', 'p99', 'max'],
    rows: summary.milestones.map((m) => [
      milestoneRowName(summary, m),
      m.kinds.length > 0 ? m.kinds.join(', ') : '—',
      formatCount(m.reached),
      formatCount(m.missed),
      ...(['p50', 'p90', 'p95', 'p99', 'max'] as const).map((q) => formatMs(m.client?.[q])),
    ]),
    numeric: [2, 3, 4, 5, 6, 7, 8],
  };
}

export const MILESTONES_NOTE =
  'Latency of each milestone from its route’s create returning (client clock, sub-millisecond), per route and incarnation: a route deleted and recreated by churn counts once per life. ' +
  '“Missed”: route lives created but never reaching the milestone (routes never created are counted in the validity check). Status milestones were observed with watches.';

/** The note under the milestone table: what the latencies count from (removals: from the delete). */
export const milestonesNote = (summary: Summary): string => (summary.milestones.some((m) => m.from === 'deleted') ? `${MILESTONES_NOTE} ${REMOVALS_NOTE}` : MILESTONES_NOTE);

/** The server-side view (server timestamps: creationTimestamp, lastTransitionTime); absent when none has both. */
export function serverMilestonesTable(summary: Summary): Table | undefined {
  const rows = summary.milestones.filter((m) => m.server).map((m) => [m.milestone, formatCount(m.server?.count ?? 0), ...(['p50', 'p99', 'max'] as const).map((q) => formatMs(m.server?.[q]))]);
  return rows.length === 0 ? undefined : { headers: ['milestone', 'route lives', 'p50', 'p99', 'max'], rows, numeric: [1, 2, 3, 4] };
}

export const SERVER_MILESTONES_NOTE =
  'Server-side view: the object’s own timestamp (e.g. a condition’s lastTransitionTime) minus the route’s creationTimestamp. Kubernetes stores them with 1 s resolution, so each value is uncertain by ±1 s; use the client-side table for sub-second figures.';

/** Milestones on objects not tied to a route (the Gateway's Programmed, …): when each object first reached it. */
export function objectMilestonesTable(summary: Summary): Table | undefined {
  if (summary.objectMilestones.length === 0) return undefined;
  const rows = summary.objectMilestones.flatMap((m) =>
    m.records.length === 0
      ? [[m.milestone, m.kind, NOT_MEASURED, 'never reached']]
      : m.records.map((r) => [m.milestone, r.object, formatMs(r.clientTimeMs - summary.originMs), r.serverTime ?? '—']),
  );
  return { headers: ['milestone', 'object', 'since run start', 'server time'], rows, numeric: [2] };
}

const phaseName = (p: { phase: string; step?: number; cycle?: number }): string =>
  `${p.phase}${p.step !== undefined ? ` (step ${p.step})` : ''}${p.cycle !== undefined ? ` (cycle ${p.cycle})` : ''}`;

/** Phases in order, with steps and churn cycles, their samples and the live routes at their end. */
export function phasesTable(summary: Summary): Table {
  return {
    headers: ['phase', 'start', 'duration', 'samples', 'live routes at end'],
    rows: summary.phases.map((p: PhaseSummary) => [
      phaseName(p),
      formatMs(p.startMs),
      formatMs(p.durationMs),
      formatCount(p.samples),
      p.liveRoutesAtEnd === undefined ? NOT_MEASURED : formatCount(p.liveRoutesAtEnd),
    ]),
    numeric: [1, 2, 3, 4],
  };
}

/** The health gates checked between load steps; absent when the run had none. */
export function healthGatesTable(results: BenchResults): Table | undefined {
  const checks = results.gateChecks ?? [];
  if (checks.length === 0) return undefined;
  return {
    headers: ['after step', 'result', 'error rate', 'message'],
    rows: checks.map((c) => [formatCount(c.step), c.passed ? 'passed' : 'FAILED', formatRatio(c.errorRate, 2), c.message ?? '—']),
    numeric: [0, 2],
  };
}

/** The SLO gates of the scenario; absent when it has none. */
export function sloTable(summary: Summary): Table | undefined {
  if (summary.slo.length === 0) return undefined;
  return { headers: ['gate', 'result', 'details'], rows: summary.slo.map((g) => [g.metric, g.passed ? 'passed' : 'FAILED', g.message]) };
}

/** One line for the top of the report: gates passed or which failed. */
export function sloLine(summary: Summary): string | undefined {
  if (summary.slo.length === 0) return undefined;
  const failed = summary.slo.filter((g) => !g.passed);
  return failed.length === 0 ? `All ${summary.slo.length} SLO gates passed.` : `${failed.length} of ${summary.slo.length} SLO gates failed: ${failed.map((g) => g.metric).join(', ')}.`;
}

/** Profiles written beside results.json; absent when none. */
export function profilesTable(results: BenchResults, summary: Summary): Table | undefined {
  const profiles = results.profiles ?? [];
  if (profiles.length === 0) return undefined;
  return {
    headers: ['component', 'kind', 'file', 'taken at', 'live routes'],
    rows: profiles.map((p) => [p.component, p.kind, p.file, formatMs(p.atMs - summary.originMs), formatCount(p.liveObjects)]),
    numeric: [3, 4],
  };
}

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

/** Memory before provisioning, at its peak and at the end of scale-down; absent when the run had no scale-down. */
export function retainedMemoryTable(summary: Summary): Table | undefined {
  if (summary.retainedMemory.length === 0) return undefined;
  return {
    headers: ['component', 'before provisioning', 'peak', 'live routes at peak', 'after scale-down', 'live routes after', 'share of peak', 'share of growth kept'],
    rows: summary.retainedMemory.map((m) => [
      m.label,
      formatBytes(m.beforeBytes),
      formatBytes(m.peakBytes),
      formatCount(m.peakRoutes),
      formatBytes(m.afterBytes),
      formatCount(m.afterRoutes),
      formatRatio(m.shareOfPeak),
      m.growthRetained === undefined ? '—' : formatRatio(m.growthRetained),
    ]),
    numeric: [1, 2, 3, 4, 5, 6, 7],
  };
}

export const RETAINED_MEMORY_NOTE =
  'Memory retained after scale-down: the last sample of the scale-down phase against the run’s peak. “Before provisioning” is the last sample before the first provision phase (infrastructure and the warm-up route); ' +
  '“share of growth kept” = (after − before) / (peak − before), the part of what the routes added that the component had not given back when scale-down ended (heaps are rarely returned at once: Go keeps freed memory until its scavenger releases it); ' +
  '“—” where memory grew by less than a tenth over the run, too little for the share to mean anything.';

/** Peak CPU while provisioning against the median once settled; absent without both windows. */
export function peakVsSettledCpuTable(summary: Summary): Table | undefined {
  const cpu = summary.peakVsSettledCpu;
  if (!cpu) return undefined;
  return {
    headers: ['component', 'peak CPU while provisioning', 'live routes at peak', cpu.held ? 'settled CPU (median over holds)' : 'median CPU in the last load phase', 'samples in it'],
    rows: cpu.rows.map((r) => [r.label, formatCpu(r.peakMillicores), formatCount(r.peakRoutes), formatCpu(r.settledMillicores), formatCount(r.settledSamples)]),
    numeric: [1, 2, 3, 4],
  };
}

export const peakVsSettledCpuNote = (summary: Summary): string =>
  `Peak vs settled CPU: the highest CPU sample of the provision phases against the median CPU over ${summary.peakVsSettledCpu?.window ?? 'the settled window'}. ` +
  (summary.peakVsSettledCpu?.held === false ? 'Without a hold (load.shape steps[].holdMs) that phase is not settled — routes were still being created in it — so read its median as an upper bound. ' : '') +
  'A controller that reconciles every route again on each change shows a high peak; a settled figure far above zero means work that does not stop once the routes are in place.';

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
