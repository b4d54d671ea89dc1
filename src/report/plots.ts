/**
 * The report's figures as vega-lite specs, rendered to SVG strings in Node (vega's headless renderer: no browser,
 * no canvas). Times are seconds since the run's origin; CPU in millicores; memory in MiB.
 */
import type { TopLevelSpec } from 'vega-lite';
import { COMPONENT_LABELS } from '../results/components';
import { BenchResults, Component, Sample } from '../results/schema';
import { MiB, formatBytesPerRoute, formatMs } from './format';
import { Distribution } from './stats';
import { RouteOutcome, Summary } from './summary';

/** Above this many routes the scatter plots every k-th route plus every route above p99 and every timed-out one. */
export const MAX_SCATTER_POINTS = 20_000;
/** Above this many points a time series keeps the min and max of each bucket. */
export const MAX_SERIES_POINTS = 2_000;

export const WIDTH = 820;
const PANEL_HEIGHT = 170;
const COLORS = { ready: '#1f77b4', timedOut: '#d62728', cpu: '#e6550d', memory: '#3182bd', routes: '#7f7f7f', phase: '#bbbbbb', p50: '#2ca02c', p99: '#9467bd' };

export const CONFIG = {
  font: 'Helvetica, Arial, sans-serif',
  background: 'white',
  title: { fontSize: 14, anchor: 'start', offset: 8 },
  axis: { labelFontSize: 11, titleFontSize: 12, gridColor: '#e8e8e8' },
  legend: { labelFontSize: 11, titleFontSize: 12, orient: 'top', direction: 'horizontal', labelLimit: 400 },
  view: { stroke: '#cccccc' },
} as const;

export interface ResourcePanel {
  readonly component: Component;
  readonly label: string;
  /** Absent when not measured; then `missing` says so. */
  readonly spec?: TopLevelSpec;
  readonly missing?: string;
}

export interface PlotSpecs {
  /** Per route: time to first success, or in control-plane mode time to ready on the control plane. */
  readonly ttfs?: TopLevelSpec;
  readonly ttfsMissing?: string;
  /** What the scatter shows (and how it was thinned, if it was). */
  readonly ttfsCaption?: string;
  readonly cpu: readonly ResourcePanel[];
  readonly memory: readonly ResourcePanel[];
  /** CPU and memory against the live route count, for the primary components (the blog's plots). */
  readonly cpuVsRoutes: readonly ResourcePanel[];
  readonly memoryVsRoutes: readonly ResourcePanel[];
}

/** What the per-route scatter shows: traffic (first success) or the control plane (ready, no Envoy). */
interface ScatterKind {
  readonly latency: (o: RouteOutcome) => number | undefined;
  readonly distribution?: Distribution;
  readonly title: string;
  readonly axis: string;
  readonly reached: string;
  readonly lead: string;
}

function scatterKind(summary: Summary): ScatterKind {
  if (summary.readyOnControlPlane) {
    return {
      latency: (o) => o.timeToReadyMs,
      ...(summary.timeToReady && { distribution: summary.timeToReady }),
      title: 'Time to ready on the control plane per route',
      axis: 'time to ready on the control plane (s)',
      reached: 'became ready on the control plane',
      lead: 'Each point is one route: from its create returning to ready on the control plane — in the xDS Envoy Gateway serves and loaded by the AI Gateway extproc (no Envoy ran, no request was sent). ',
    };
  }
  return {
    latency: (o) => o.ttfsMs,
    ...(summary.ttfs && { distribution: summary.ttfs }),
    title: 'Time to first success per route',
    axis: 'time to first success (s)',
    reached: 'reached first success',
    lead: 'Each point is one route: from its create returning to the first 200 through the gateway from the route’s own backend. ',
  };
}

/** Keeps at most ~max points of a series: the min and the max of each bucket, in time order. */
export function thinSeries<T>(points: readonly T[], value: (p: T) => number, max = MAX_SERIES_POINTS): T[] {
  if (points.length <= max) return [...points];
  const buckets = Math.max(1, Math.floor(max / 2));
  const size = points.length / buckets;
  const out: T[] = [];
  for (let b = 0; b < buckets; b++) {
    const slice = points.slice(Math.floor(b * size), Math.floor((b + 1) * size));
    if (slice.length === 0) continue;
    let lo = 0;
    let hi = 0;
    slice.forEach((p, i) => {
      if (value(p) < value(slice[lo])) lo = i;
      if (value(p) > value(slice[hi])) hi = i;
    });
    for (const i of [...new Set([lo, hi])].sort((a, b) => a - b)) out.push(slice[i]);
  }
  return out;
}

function ttfsSpec(results: BenchResults, summary: Summary): { spec?: TopLevelSpec; missing?: string; caption?: string } {
  const kind = scatterKind(summary);
  const latency = (o: RouteOutcome) => kind.latency(o) as number;
  const ready = summary.outcomes.filter((o) => kind.latency(o) !== undefined);
  const timedOut = summary.outcomes.filter((o) => o.status === 'timed-out');
  if (ready.length === 0 && timedOut.length === 0) return { missing: `not measured: no route ${kind.reached} or timed out` };
  // Timed-out routes have no time: they are drawn as crosses along the top edge, so the ready routes keep the scale.
  const readyMaxS = ready.length > 0 ? Math.max(...ready.map(latency)) / 1000 : results.settings.perRouteTimeoutMs / 1000;
  const topS = readyMaxS * 1.12 || 1;
  const readyLabel = 'ready';
  const timedOutLabel = `timed out (> ${formatMs(results.settings.perRouteTimeoutMs)}, drawn at top)`;
  let points = [
    ...ready.map((o) => ({ route: o.index, seconds: Math.round(latency(o)) / 1000, status: readyLabel })),
    ...timedOut.map((o) => ({ route: o.index, seconds: topS, status: timedOutLabel })),
  ];
  let note = '';
  if (points.length > MAX_SCATTER_POINTS && kind.distribution) {
    const p99 = kind.distribution.p99 / 1000;
    const stride = Math.ceil(points.length / MAX_SCATTER_POINTS);
    points = points.filter((p, i) => i % stride === 0 || p.status !== readyLabel || p.seconds > p99);
    note = `${points.length.toLocaleString('en-US')} of ${(ready.length + timedOut.length).toLocaleString('en-US')} routes drawn: every ${stride}th, plus all above p99 and all timed out.`;
  }
  const domain = timedOut.length > 0 ? [readyLabel, timedOutLabel] : [readyLabel];
  const layers: any[] = [
    {
      data: { values: points },
      // per-point ARIA labels cost ~150 bytes each: kept for small runs, dropped for large ones
      mark: { type: 'point', filled: true, opacity: 0.75, aria: points.length <= 2000 },
      encoding: {
        x: { field: 'route', type: 'quantitative', title: 'route index (route-NNNNNN)', axis: { format: ',d' }, scale: { nice: false } },
        y: { field: 'seconds', type: 'quantitative', title: kind.axis, scale: { zero: true, domain: [0, topS * 1.03], nice: false } },
        color: { field: 'status', type: 'nominal', title: null, scale: { domain, range: [COLORS.ready, COLORS.timedOut] } },
        shape: { field: 'status', type: 'nominal', title: null, scale: { domain, range: ['circle', 'cross'] } },
        size: { field: 'status', type: 'ordinal', title: null, scale: { domain, range: [points.length > 2000 ? 10 : 24, 80] } },
      },
    },
  ];
  if (kind.distribution) {
    for (const [name, ms, color] of [
      ['p50', kind.distribution.p50, COLORS.p50],
      ['p99', kind.distribution.p99, COLORS.p99],
    ] as const) {
      const datum = [{ seconds: ms / 1000, label: `${name} ${formatMs(ms)}` }];
      const text = { type: 'text', align: 'right', dx: -4, dy: -7, fontSize: 11, fontWeight: 'bold' };
      const encoding = { x: { value: WIDTH }, y: { field: 'seconds', type: 'quantitative' }, text: { field: 'label' } };
      layers.push(
        { data: { values: datum }, mark: { type: 'rule', color, strokeDash: [6, 3], strokeWidth: 1.5 }, encoding: { y: { field: 'seconds', type: 'quantitative' } } },
        { data: { values: datum }, mark: { ...text, color: 'white', stroke: 'white', strokeWidth: 4, opacity: 0.9 }, encoding }, // halo
        { data: { values: datum }, mark: { ...text, color }, encoding },
      );
    }
  }
  const spec = {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title: { text: kind.title },
    width: WIDTH,
    height: 260,
    layer: layers,
    config: CONFIG,
  } as unknown as TopLevelSpec;
  const caption =
    kind.lead +
    (kind.distribution ? 'Dashed lines: p50 and p99 of the ready routes. ' : '') +
    (timedOut.length > 0 ? `Crosses along the top: routes with no success within the ${formatMs(results.settings.perRouteTimeoutMs)} timeout.` : '');
  return { spec, caption: note ? `${caption} ${note}` : caption };
}

interface SeriesPoint {
  readonly s: number;
  readonly v: number;
}

/** Live routes over time from every sample (each records the count), as change points for a step line. */
function routeSeries(samples: readonly Sample[], origin: number): SeriesPoint[] {
  const sorted = [...samples].sort((a, b) => a.t - b.t);
  const out: SeriesPoint[] = [];
  sorted.forEach((sample, i) => {
    const last = out[out.length - 1];
    if (!last || last.v !== sample.liveObjects || i === sorted.length - 1) out.push({ s: (sample.t - origin) / 1000, v: sample.liveObjects });
  });
  return thinSeries(out, (p) => p.v);
}

function resourceSpec(
  label: string,
  metric: 'cpu' | 'memory',
  series: SeriesPoint[],
  routes: SeriesPoint[],
  phases: { s: number; phase: string; y: number }[],
  xDomain: [number, number],
): TopLevelSpec {
  const metricLabel = metric === 'cpu' ? 'CPU (millicores)' : 'memory (MiB)';
  const metricColor = metric === 'cpu' ? COLORS.cpu : COLORS.memory;
  const routesLabel = 'live routes (right axis)';
  const color = { scale: { domain: [metricLabel, routesLabel], range: [metricColor, COLORS.routes] }, title: null };
  const x = { field: 's', type: 'quantitative', title: 'time since run start (s)', scale: { domain: xDomain, nice: false } };
  const layers: any[] = [
    {
      data: { values: routes },
      mark: { type: 'line', interpolate: 'step-after', strokeDash: [4, 3], strokeWidth: 1.5 },
      encoding: { x, y: { field: 'v', type: 'quantitative', title: 'live AIGatewayRoutes', axis: { orient: 'right', format: ',d' } }, color: { datum: routesLabel, ...color } },
    },
    {
      data: { values: series },
      mark: { type: 'line', strokeWidth: 1.8, point: series.length <= 60 ? { size: 14 } : false },
      encoding: { x, y: { field: 'v', type: 'quantitative', title: metricLabel, axis: { orient: 'left' }, scale: { zero: metric === 'cpu' } }, color: { datum: metricLabel, ...color } },
    },
  ];
  if (phases.length > 0) {
    layers.push(
      { data: { values: phases }, mark: { type: 'rule', color: COLORS.phase, strokeWidth: 1 }, encoding: { x: { field: 's', type: 'quantitative' } } },
      {
        data: { values: phases },
        mark: { type: 'text', align: 'left', baseline: 'top', dx: 3, dy: 3, fontSize: 10, color: '#666666' },
        encoding: { x: { field: 's', type: 'quantitative' }, y: { field: 'y', type: 'quantitative', scale: null }, text: { field: 'phase' } },
      },
    );
  }
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title: { text: `${label}: ${metric === 'cpu' ? 'CPU' : 'memory'} and live routes over time` },
    width: WIDTH,
    height: PANEL_HEIGHT,
    layer: layers,
    resolve: { scale: { y: 'independent' } },
    config: CONFIG,
  } as unknown as TopLevelSpec;
}

/** The vega-lite specs of every figure (no rendering). */
export function plotSpecs(results: BenchResults, summary: Summary): PlotSpecs {
  const ttfs = ttfsSpec(results, summary);
  const origin = summary.originMs;
  const routes = routeSeries(results.samples, origin);
  const phases = [...results.phases].sort((a, b) => a.startMs - b.startMs).map((p, i) => ({ s: (p.startMs - origin) / 1000, phase: `${p.phase}${p.step !== undefined ? ` ${p.step}` : ''}${p.cycle !== undefined ? ` #${p.cycle}` : ''}`, y: (i % 2) * 12 })); // staggered labels (pixels from the top)
  const times = [...results.samples.map((s) => (s.t - origin) / 1000), ...results.phases.flatMap((p) => [(p.startMs - origin) / 1000, (p.endMs - origin) / 1000])];
  const xDomain: [number, number] = times.length > 0 ? [Math.min(0, ...times), Math.max(...times)] : [0, 1];

  const components = summary.components.filter((c) => summary.primaryComponents.includes(c.component) || c.samples > 0);
  const panels = (metric: 'cpu' | 'memory'): ResourcePanel[] =>
    components.map((c) => {
      const label = COMPONENT_LABELS[c.component] ?? c.component;
      const value = (s: Sample) => (metric === 'cpu' ? s.cpuMillicores : s.memoryBytes === undefined ? undefined : s.memoryBytes / MiB);
      const series = results.samples
        .filter((s) => s.component === c.component && value(s) !== undefined && Number.isFinite(value(s)))
        .sort((a, b) => a.t - b.t)
        .map((s) => ({ s: (s.t - origin) / 1000, v: value(s) as number }));
      if (series.length === 0) {
        const why = c.samples === 0 ? 'never sampled' : `sampled ${c.samples} times without ${metric === 'cpu' ? 'CPU' : 'memory'}`;
        return { component: c.component, label, missing: `${label}: ${metric === 'cpu' ? 'CPU' : 'memory'} not measured (${why})` };
      }
      return { component: c.component, label, spec: resourceSpec(label, metric, thinSeries(series, (p) => p.v), routes, phases, xDomain) };
    });
  return {
    ...(ttfs.spec && { ttfs: ttfs.spec }),
    ...(ttfs.missing && { ttfsMissing: ttfs.missing }),
    ...(ttfs.caption && { ttfsCaption: ttfs.caption }),
    cpu: panels('cpu'),
    memory: panels('memory'),
    cpuVsRoutes: vsRoutesPanels(results, summary, 'cpu'),
    memoryVsRoutes: vsRoutesPanels(results, summary, 'memory'),
  };
}

/** How the vs-routes plots colour samples: the route count going up, held, or coming down. */
const RAMP: Partial<Record<Sample['phase'], string>> = { 'warm-up': 'ramp up', provision: 'ramp up', hold: 'held', validate: 'held', churn: 'held', 'scale-down': 'scale-down' };

/**
 * CPU or memory against the live route count, one panel per primary component: the blog's view, where the slope
 * is the cost per route and the scale-down points show what is kept. Memory panels draw the per-route fit.
 */
function vsRoutesPanels(results: BenchResults, summary: Summary, metric: 'cpu' | 'memory'): ResourcePanel[] {
  const name = metric === 'cpu' ? 'CPU' : 'memory';
  return summary.components
    .filter((c) => summary.primaryComponents.includes(c.component))
    .map((c): ResourcePanel => {
      const value = (s: Sample) => (metric === 'cpu' ? s.cpuMillicores : s.memoryBytes === undefined ? undefined : s.memoryBytes / MiB);
      const all = results.samples
        .filter((s) => s.component === c.component && RAMP[s.phase] !== undefined && value(s) !== undefined && Number.isFinite(value(s)))
        .sort((a, b) => a.t - b.t)
        .map((s) => ({ routes: s.liveObjects, v: value(s) as number, phase: RAMP[s.phase] as string }));
      if (all.length === 0) return { component: c.component, label: c.label, missing: `${c.label}: ${name} against live routes not measured (no samples while routes were created, held or deleted)` };
      const stride = Math.ceil(all.length / MAX_SERIES_POINTS);
      const points = all.filter((_, i) => i % stride === 0);
      const colors: Record<string, string> = { 'ramp up': COLORS.cpu, held: COLORS.routes, 'scale-down': COLORS.memory };
      const domain = Object.keys(colors).filter((p) => points.some((x) => x.phase === p));
      const layers: any[] = [
        {
          data: { values: points },
          mark: { type: 'point', filled: true, opacity: 0.7, size: 28, aria: points.length <= 2000 },
          encoding: {
            x: { field: 'routes', type: 'quantitative', title: 'live AIGatewayRoutes', axis: { format: ',d' } },
            y: { field: 'v', type: 'quantitative', title: metric === 'cpu' ? 'CPU (millicores)' : 'memory (MiB)', scale: { zero: metric === 'cpu' } },
            color: { field: 'phase', type: 'nominal', title: null, scale: { domain, range: domain.map((p) => colors[p]) } },
          },
        },
      ];
      const fit = metric === 'memory' ? c.memoryPerRoute : undefined;
      if (fit) {
        const line = [fit.minRoutes, fit.maxRoutes].map((routes) => ({ routes, v: (fit.baselineBytes + fit.bytesPerRoute * routes) / MiB }));
        const label = [{ ...line[1], text: `fit: ${formatBytesPerRoute(fit.bytesPerRoute)} (r² ${fit.r2.toFixed(2)})` }];
        const xy = { x: { field: 'routes', type: 'quantitative' }, y: { field: 'v', type: 'quantitative' } };
        layers.push(
          { data: { values: line }, mark: { type: 'line', color: COLORS.p99, strokeDash: [6, 3], strokeWidth: 1.5 }, encoding: xy },
          { data: { values: label }, mark: { type: 'text', align: 'right', dy: -8, fontSize: 11, color: COLORS.p99 }, encoding: { ...xy, text: { field: 'text' } } },
        );
      }
      const spec = {
        $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
        title: { text: `${c.label}: ${name} against live routes` },
        width: WIDTH,
        height: PANEL_HEIGHT,
        layer: layers,
        config: CONFIG,
      } as unknown as TopLevelSpec;
      return { component: c.component, label: c.label, spec };
    });
}

/**
 * Renders a vega-lite spec to a standalone SVG string. Ids inside (clip paths, gradients) are renamed with
 * `idPrefix` so several SVGs can live in one HTML document, and so the output is the same on every render.
 */
export async function renderSvg(spec: TopLevelSpec, idPrefix: string): Promise<string> {
  // loaded on first use: the CLI's other commands should not pay for vega's start-up
  const [vega, vegaLite] = await Promise.all([import('vega'), import('vega-lite')]);
  const view = new vega.View(vega.parse(vegaLite.compile(spec).spec), { renderer: 'none' });
  try {
    const svg = await view.toSVG();
    return renameIds(svg, idPrefix);
  } finally {
    view.finalize();
  }
}

function renameIds(svg: string, prefix: string): string {
  const ids = new Map<string, string>();
  for (const match of svg.matchAll(/\sid="([^"]+)"/g)) if (!ids.has(match[1])) ids.set(match[1], `${prefix}-${ids.size + 1}`);
  if (ids.size === 0) return svg;
  return svg
    .replace(/(\sid=")([^"]+)(")/g, (all, a, id, b) => (ids.has(id) ? `${a}${ids.get(id)}${b}` : all))
    .replace(/url\(#([^)]+)\)/g, (all, id) => (ids.has(id) ? `url(#${ids.get(id)})` : all))
    .replace(/(href=")#([^"]+)(")/g, (all, a, id, b) => (ids.has(id) ? `${a}#${ids.get(id)}${b}` : all));
}
