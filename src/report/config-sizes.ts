/** The size of what the data plane receives against the live route count (control-plane runs record it). */
import { BenchResults, ConfigSizeSample, ExtensionCallSample, TRANSLATION_HOOK } from '../results/schema';
import { formatBytes, formatCount } from './format';
import { Table } from './table';

/** Route counts the table reports when the run reached them (the blog's and the config-size plan's checkpoints). */
const CHECKPOINTS = [100, 500, 1000, 2000, 5000, 10_000, 20_000];

export interface ConfigSizeRow {
  readonly liveRoutes: number;
  /** The largest size observed while exactly this many routes were live: the settled config at that count. */
  readonly filterConfigBytes?: number;
  readonly xdsBytes?: number;
  readonly xdsByType?: Readonly<Record<string, number>>;
  /** The largest translation call (PostTranslateModify) that returned OK at this count: request and response payload. */
  readonly extensionRequestBytes?: number;
  readonly extensionResponseBytes?: number;
}

/** Phases in which routes are deleted: the config lags behind the live count there, so their samples are left out. */
const SHRINKING: readonly string[] = ['churn', 'scale-down', 'cleanup'];

/** Samples taken while routes were only added (not in churn, scale-down or cleanup). */
function growing<T extends { t: number }>(results: BenchResults, samples: readonly T[]): T[] {
  const shrinking = results.phases.filter((p) => SHRINKING.includes(p.phase));
  return samples.filter((s) => !shrinking.some((p) => s.t >= p.startMs && s.t <= p.endMs));
}

/** Translation calls that returned OK, while routes were only added. */
export function translationCalls(results: BenchResults): ExtensionCallSample[] {
  return growing(results, results.extensionCalls ?? []).filter((c) => c.method === TRANSLATION_HOOK && c.grpcStatus === 0);
}

/** One row per checkpoint the run held (and the peak route count), from the samples taken at that live count while routes were only added. */
export function configSizeRows(results: BenchResults): ConfigSizeRow[] {
  const samples = growing(results, results.configSizes ?? []);
  const calls = translationCalls(results);
  if (samples.length === 0 && calls.length === 0) return [];
  const peak = Math.max(...samples.map((s) => s.liveObjects), ...calls.map((c) => c.liveObjects));
  const counts = [...new Set([...CHECKPOINTS.filter((n) => n < peak), peak])];
  const largest = (source: ConfigSizeSample['source'], live: number) =>
    samples.filter((s) => s.source === source && s.liveObjects === live).reduce<ConfigSizeSample | undefined>((max, s) => (!max || s.bytes > max.bytes ? s : max), undefined);
  const largestCall = (live: number, bytes: (c: ExtensionCallSample) => number) => {
    const at = calls.filter((c) => c.liveObjects === live).map(bytes);
    return at.length > 0 ? Math.max(...at) : undefined;
  };
  return counts
    .map((live) => {
      const filter = largest('filterConfig', live);
      const xds = largest('xds', live);
      return {
        liveRoutes: live,
        filterConfigBytes: filter?.bytes,
        xdsBytes: xds?.bytes,
        xdsByType: xds?.byType,
        extensionRequestBytes: largestCall(live, (c) => c.requestBytes),
        extensionResponseBytes: largestCall(live, (c) => c.responseBytes),
      };
    })
    .filter((row) => [row.filterConfigBytes, row.xdsBytes, row.extensionRequestBytes].some((b) => b !== undefined));
}

const perRoute = (bytes: number | undefined, routes: number) => (bytes === undefined ? 'not measured' : `${formatBytes(bytes)} (${formatBytes(bytes / routes)}/route)`);

/** The markdown table, or undefined when the run recorded no sizes. */
export function configSizesTable(results: BenchResults): Table | undefined {
  const rows = configSizeRows(results);
  if (rows.length === 0) return undefined;
  const types = [...new Set(rows.flatMap((r) => Object.keys(r.xdsByType ?? {})))].sort();
  return {
    headers: ['live routes', 'filter config (all Secret parts)', 'xDS served to the Gateway\'s Envoy', 'extension request (PostTranslateModify)', 'extension response', ...types.map((t) => `xDS ${t}`)],
    numeric: [0],
    rows: rows.map((r) => [
      formatCount(r.liveRoutes),
      perRoute(r.filterConfigBytes, r.liveRoutes),
      perRoute(r.xdsBytes, r.liveRoutes),
      perRoute(r.extensionRequestBytes, r.liveRoutes),
      perRoute(r.extensionResponseBytes, r.liveRoutes),
      ...types.map((t) => (r.xdsByType?.[t] === undefined ? 'not measured' : formatBytes(r.xdsByType[t]))),
    ]),
  };
}

export const CONFIG_SIZES_NOTE =
  'The largest size observed while exactly that many routes were live and none was being deleted (churn, scale-down and cleanup are left out: the config lags behind deletions), i.e. the config once it had caught up with them (a count the run only passed through may show a config still growing). ' +
  'Filter config: the AI Gateway controller\'s per-Gateway filterapi.Config, reassembled from its index and part Secrets. ' +
  'xDS: the serialized resources Envoy Gateway serves to that Gateway\'s Envoy, as an xDS client received them (Endpoints and Secrets are not subscribed to). ' +
  'Extension request and response: the payload of the largest PostTranslateModify call that returned OK at that count, as the recording proxy between Envoy Gateway and the AI Gateway extension server read it from the gRPC length prefixes: both directions are held to the one gRPC limit (Envoy Gateway sends the request and receives the response).';
