/** The size of what the data plane receives against the live route count (control-plane runs record it). */
import { BenchResults, ConfigSizeSample } from '../results/schema';
import { Table } from './content';
import { formatBytes, formatCount } from './format';

/** Route counts the table reports when the run reached them (the blog's and the config-size plan's checkpoints). */
const CHECKPOINTS = [100, 500, 1000, 2000, 5000, 10_000, 20_000];

export interface ConfigSizeRow {
  readonly liveRoutes: number;
  /** The largest size observed while exactly this many routes were live: the settled config at that count. */
  readonly filterConfigBytes?: number;
  readonly xdsBytes?: number;
  readonly xdsByType?: Readonly<Record<string, number>>;
}

/** Phases in which routes are deleted: the config lags behind the live count there, so their samples are left out. */
const SHRINKING: readonly string[] = ['churn', 'scale-down', 'cleanup'];

/** One row per checkpoint the run held (and the peak route count), from the samples taken at that live count while routes were only added. */
export function configSizeRows(results: BenchResults): ConfigSizeRow[] {
  const shrinking = results.phases.filter((p) => SHRINKING.includes(p.phase));
  const samples = (results.configSizes ?? []).filter((s) => !shrinking.some((p) => s.t >= p.startMs && s.t <= p.endMs));
  if (samples.length === 0) return [];
  const peak = Math.max(...samples.map((s) => s.liveObjects));
  const counts = [...new Set([...CHECKPOINTS.filter((n) => n < peak), peak])];
  const largest = (source: ConfigSizeSample['source'], live: number) =>
    samples.filter((s) => s.source === source && s.liveObjects === live).reduce<ConfigSizeSample | undefined>((max, s) => (!max || s.bytes > max.bytes ? s : max), undefined);
  return counts
    .map((live) => {
      const filter = largest('filterConfig', live);
      const xds = largest('xds', live);
      return { liveRoutes: live, filterConfigBytes: filter?.bytes, xdsBytes: xds?.bytes, xdsByType: xds?.byType };
    })
    .filter((row) => row.filterConfigBytes !== undefined || row.xdsBytes !== undefined);
}

const perRoute = (bytes: number | undefined, routes: number) => (bytes === undefined ? 'not measured' : `${formatBytes(bytes)} (${formatBytes(bytes / routes)}/route)`);

/** The markdown table, or undefined when the run recorded no sizes. */
export function configSizesTable(results: BenchResults): Table | undefined {
  const rows = configSizeRows(results);
  if (rows.length === 0) return undefined;
  const types = [...new Set(rows.flatMap((r) => Object.keys(r.xdsByType ?? {})))].sort();
  return {
    headers: ['live routes', 'filter config (all Secret parts)', 'xDS served to the Gateway\'s Envoy', ...types.map((t) => `xDS ${t}`)],
    numeric: [0],
    rows: rows.map((r) => [
      formatCount(r.liveRoutes),
      perRoute(r.filterConfigBytes, r.liveRoutes),
      perRoute(r.xdsBytes, r.liveRoutes),
      ...types.map((t) => (r.xdsByType?.[t] === undefined ? 'not measured' : formatBytes(r.xdsByType[t]))),
    ]),
  };
}

export const CONFIG_SIZES_NOTE =
  'The largest size observed while exactly that many routes were live and none was being deleted (churn, scale-down and cleanup are left out: the config lags behind deletions), i.e. the config once it had caught up with them (a count the run only passed through may show a config still growing). ' +
  'Filter config: the AI Gateway controller\'s per-Gateway filterapi.Config, reassembled from its index and part Secrets. ' +
  'xDS: the serialized resources Envoy Gateway serves to that Gateway\'s Envoy, as an xDS client received them (Endpoints and Secrets are not subscribed to).';
