/**
 * The words about readiness and the built-in milestones that both renderers print: readiness through traffic
 * (time to first success) or, in control-plane mode, on the control plane (in xDS and loaded by the extproc),
 * where no Envoy runs and no request is sent.
 */
import { formatCount, formatMs, NOT_MEASURED } from './format';
import { BUILT_IN_ROUTE_MILESTONES, MilestoneLatency } from './milestones';
import type { Summary } from './summary';
import type { Table } from './table';

export const CONTROL_PLANE_READY_LABEL = 'Ready on the control plane (in xDS and loaded by the extproc)';

/** The headline's line on how fast routes became ready on the control plane. */
export function controlPlaneReadyText(summary: Summary): string {
  const t = summary.timeToReady;
  const noEnvoy = 'Envoy did not run: no request was sent, so there is no time to first success, and Envoy applying the config was not measured.';
  if (!t) return `${NOT_MEASURED}: no route became ready on the control plane. ${noEnvoy}`;
  const firstLives = summary.outcomes.filter((o) => o.timeToReadyMs !== undefined).length;
  return (
    `p50 ${formatMs(t.p50)}, p99 ${formatMs(t.p99)} (max ${formatMs(t.max)}) over ${formatCount(t.count)} ${t.count === firstLives ? 'ready routes' : 'route lives that became ready (a churn recreate counts again)'}` +
    (summary.allReadyAfterMs !== undefined ? `; the last of them was ready ${formatMs(summary.allReadyAfterMs)} after the first create. ` : '. ') +
    noEnvoy
  );
}

export const CONTROL_PLANE_READY_HEADING = 'Time to ready on the control plane';

export function controlPlaneReadyTable(summary: Summary): Table {
  const t = summary.timeToReady;
  const r = summary.routes;
  return {
    headers: ['route lives ready', 'timed out', 'failed', 'p50', 'p90', 'p95', 'p99', 'max', 'mean'],
    rows: [[formatCount(t?.count ?? 0), formatCount(r.timedOut), formatCount(r.failed), ...[t?.p50, t?.p90, t?.p95, t?.p99, t?.max, t?.mean].map((v) => formatMs(v))]],
    numeric: [0, 1, 2, 3, 4, 5, 6, 7, 8],
  };
}

export const CONTROL_PLANE_READY_NOTE =
  'Time to ready on the control plane: from the create call returning (client clock) to “ready”, the later of xdsServed (Envoy Gateway served the route in the xDS it sends to the Gateway’s Envoy) and extprocLoaded (the real AI Gateway extproc reported the route’s model loaded). ' +
  'There is no time to first success: Envoy did not run, so no request went through a gateway. ' +
  'Percentiles are over route lives that became ready (a route recreated by churn counts once per life; linear interpolation between closest ranks, numpy’s default); routes that timed out or failed are counted beside them.';

/** One line per built-in milestone, as the report lists them under the milestone table. */
const DESCRIPTIONS: Readonly<Record<string, string>> = {
  created: 'the create call returned (client clock; the server’s creationTimestamp beside it): every other latency counts from it, except the removals.',
  filterConfig: 'the route’s model appeared in the AI Gateway filter-config Secrets the AI Gateway controller writes.',
  xdsServed: 'Envoy Gateway served the route in the xDS it sends to the Gateway’s Envoy (read by an xDS client standing in for that Envoy).',
  extprocLoaded: 'the real AI Gateway external processor, fed those Secrets, reported the route’s model loaded.',
  firstSuccess: 'the first 200 through the gateway from the route’s own backend.',
  timedOut: 'the route was given up on after the per-route timeout.',
  deleted: 'the delete call returned (scale-down or churn): the removals below count from it.',
  filterConfigRemoved: 'the route’s model left the filter-config Secrets, counted from deleted.',
  xdsServedRemoved: 'the route left the xDS Envoy Gateway serves to the Gateway’s Envoy, counted from deleted.',
  extprocLoadedRemoved: 'the extproc no longer reports the route’s model, counted from deleted.',
};

const READY_ON_CONTROL_PLANE = 'the later of xdsServed and extprocLoaded: ready on the control plane (no Envoy ran, no request was sent).';
const READY_THROUGH_TRAFFIC = 'the last of the successes in a row the scenario asks for, through the gateway from the route’s own backend.';

/**
 * The built-in milestones this run's table shows (plus `created`, and `deleted` when removals are shown), each
 * with what it means; scenario status milestones are described by the scenario itself.
 */
export function builtInMilestones(summary: Summary): { milestone: string; description: string }[] {
  const shown = new Set(summary.milestones.map((m) => m.milestone));
  if (shown.size > 0) shown.add('created');
  if (summary.milestones.some((m) => m.from === 'deleted')) shown.add('deleted');
  return BUILT_IN_ROUTE_MILESTONES.filter((m) => shown.has(m)).map((milestone) => ({
    milestone,
    description: milestone === 'ready' ? (summary.readyOnControlPlane ? READY_ON_CONTROL_PLANE : READY_THROUGH_TRAFFIC) : DESCRIPTIONS[milestone],
  }));
}

/** A row's name: built-in and declared milestones as they are; removals say they count from the delete. */
export function milestoneRowName(summary: Summary, m: MilestoneLatency): string {
  if (m.from === 'deleted') return `${m.milestone} (from deleted)`;
  return summary.declaredMilestones.includes(m.milestone) || BUILT_IN_ROUTE_MILESTONES.includes(m.milestone) ? m.milestone : `${m.milestone} (not declared)`;
}

/** Said under the milestone table when it has removal rows. */
export const REMOVALS_NOTE =
  'Removal milestones (marked “from deleted”) are measured from the route’s own “deleted” record of the same life — the delete call returning — not from its create; their “reached” and “missed” count deleted route lives only.';
