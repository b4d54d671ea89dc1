/**
 * What the data plane and the extension server receive against live routes: every observed size of the filter
 * config, the xDS, and the extension translation call's request and response, with the run's gRPC limit as a rule.
 */
import type { TopLevelSpec } from 'vega-lite';
import { BenchResults } from '../results/schema';
import { translationCalls } from './config-sizes';
import { MiB } from './format';
import { CONFIG, WIDTH } from './plots';

const SERIES = {
  filterConfig: 'filter config (all Secret parts)',
  xds: "xDS served to the Gateway's Envoy",
  request: 'extension request (PostTranslateModify)',
  response: 'extension response',
} as const;
const COLORS = ['#2ca02c', '#1f77b4', '#e6550d', '#9467bd'];

/** The spec, or undefined when the run recorded no sizes. */
export function configSizeSpec(results: BenchResults): TopLevelSpec | undefined {
  const calls = translationCalls(results);
  const points = [
    ...(results.configSizes ?? []).map((s) => ({ routes: s.liveObjects, mib: s.bytes / MiB, series: s.source === 'xds' ? SERIES.xds : SERIES.filterConfig })),
    ...calls.map((c) => ({ routes: c.liveObjects, mib: c.requestBytes / MiB, series: SERIES.request })),
    ...calls.map((c) => ({ routes: c.liveObjects, mib: c.responseBytes / MiB, series: SERIES.response })),
  ];
  if (points.length === 0) return undefined;
  const limit = results.settings.grpcMaxMessageBytes;
  const layers: unknown[] = [
    {
      data: { values: points },
      mark: { type: 'point', filled: true, size: 18, opacity: 0.7 },
      encoding: {
        x: { field: 'routes', type: 'quantitative', title: 'live AIGatewayRoutes', axis: { format: ',d' } },
        y: { field: 'mib', type: 'quantitative', title: 'MiB' },
        color: { field: 'series', type: 'nominal', title: null, scale: { domain: Object.values(SERIES), range: COLORS }, legend: { columns: 2 } },
      },
    },
  ];
  if (limit) {
    const rule = [{ mib: limit / MiB, text: `gRPC limit ${(limit / MiB).toFixed(limit % MiB === 0 ? 0 : 2)} MiB` }];
    layers.push(
      { data: { values: rule }, mark: { type: 'rule', color: '#d62728', strokeDash: [6, 3] }, encoding: { y: { field: 'mib', type: 'quantitative' } } },
      { data: { values: rule }, mark: { type: 'text', align: 'left', dx: 4, dy: -6, x: 0, color: '#d62728', fontSize: 11 }, encoding: { y: { field: 'mib', type: 'quantitative' }, text: { field: 'text' } } },
    );
  }
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title: { text: 'Config and extension message sizes against live routes' },
    width: WIDTH,
    height: 260,
    layer: layers,
    config: CONFIG,
  } as unknown as TopLevelSpec;
}
