/** What `npm run bench:grpc-limit` records (grpc-limit.json) and the page it renders from it (grpc-limit.md). */
import { CeilingResult } from '../src/bench/ceiling';
import { AI_GATEWAY_VERSION, ENVOY_GATEWAY_VERSION } from '../src/install/facts';
import type { LimitConfig } from './grpc-limit.bench';

/** Route counts at which sizes are reported (the blog's and the plan's checkpoints). */
export const SIZE_CHECKPOINTS = [100, 500, 1000, 2000] as const;

export interface SizesAt {
  readonly filterConfigBytes?: number;
  readonly xdsBytes?: number;
  readonly extensionRequestBytes?: number;
  readonly extensionResponseBytes?: number;
}

/** Sizes by route count (as a string key: JSON). */
export type MeasuredSizes = Readonly<Record<string, SizesAt>>;

export interface GrpcLimitReport {
  readonly command: string;
  machine: string;
  readonly configurations: {
    readonly config: LimitConfig;
    readonly namespace: string;
    readonly ceiling: CeilingResult;
    readonly sizes: MeasuredSizes;
    /** Around every 1,000 routes: median time between translation calls and median call duration. */
    readonly cadence: readonly { readonly routes: number; readonly medianGapMs: number; readonly medianCallMs: number }[];
    /** Peak memory of each component during the ramp. */
    readonly peakMemoryMiB: Readonly<Record<string, number>>;
    readonly minutes: number;
  }[];
}

/** Components whose peak memory the page shows (the controllers, the extproc, the apiserver and etcd). */
export const PEAK_COLUMNS: readonly string[] = ['envoy-gateway', 'ai-gateway-controller', 'ai-gateway-extproc', 'kube-apiserver', 'etcd'];
const count = (n: number | undefined) => (n === undefined ? '—' : n.toLocaleString('en-US'));
const mib = (bytes: number | undefined) => (bytes === undefined ? '—' : `${(bytes / 2 ** 20).toFixed(2)} MiB`);

/** `reports`: the report (HTML, with plots) of a configuration, by name, where the page links it. */
export function renderGrpcLimitPage(report: GrpcLimitReport, reports: Readonly<Record<string, string>> = {}): string {
  const lines = [
    '# Where the extension gRPC limit breaks: measured against the real controllers',
    '',
    '<!-- Written by `npm run bench:grpc-limit`; do not edit by hand, re-run it. -->',
    '',
    `Command: \`${report.command}\``,
    '',
    `Machine: ${report.machine}.`,
    '',
    `Each configuration ran on a fresh local control plane (real etcd, kube-apiserver, Envoy Gateway ${ENVOY_GATEWAY_VERSION}, AI Gateway controller and extproc ${AI_GATEWAY_VERSION}) with the knob set on both sides, ` +
      'through `aigw-scale bench --control-plane --find-ceiling`: routes added in steps until a step\'s routes were not all ready within the per-route timeout, then a bisection on the same fixture. ' +
      'Envoy did not run (no registry reachable here ships it): a route is ready when Envoy Gateway serves it in xDS and the real extproc has loaded it. ' +
      'The extension messages were measured by a recording proxy between Envoy Gateway and the AI Gateway extension server (gRPC length prefixes).',
    '',
    '## Ceilings',
    '',
    '| configuration | knob | backends | headers per backend | largest count all ready | first count that failed | limiting stage | the message that crossed | earlier routes still ready | search took |',
    '|---|---|---:|---:|---:|---:|---|---|---|---:|',
  ];
  for (const { config, ceiling, minutes } of report.configurations) {
    const refusal = ceiling.evidence?.grpcRefusal;
    const crossed = refusal ? `${refusal.message}: ${count(refusal.bytes)} B > ${count(refusal.limitBytes)} B` : '—';
    const earlier = ceiling.earlierRoutes ? `${ceiling.earlierRoutes.stillReady} of ${ceiling.earlierRoutes.checked}` : '—';
    const failed = ceiling.failedAt !== undefined ? count(ceiling.failedAt) : `none up to ${count(ceiling.settings.maxRoutes)} (${ceiling.stoppedBy})`;
    lines.push(`| ${config.name} | ${config.grpcMaxMessageSize} | ${config.backends} | ${config.headerMutations} | ${count(ceiling.ceiling)} | ${failed} | ${ceiling.limitingStage ?? '—'} | ${crossed} | ${earlier} | ${Number.isNaN(minutes) ? '—' : `${minutes.toFixed(1)} min`} |`);
  }
  const links = Object.entries(reports).map(([name, file]) => `[${name}](${file})`).join(', ');
  lines.push('', '## Measured sizes', '', `The largest size observed while exactly that many routes were live. Every sample, plotted against live routes with the knob, is in the report of each search${links ? ` (here: ${links})` : ''}.`, '');
  lines.push('| configuration | routes | filter config | xDS to the Envoy | extension request | extension response |', '|---|---:|---:|---:|---:|---:|');
  for (const { config, sizes } of report.configurations) {
    for (const n of SIZE_CHECKPOINTS) {
      const s = sizes[String(n)];
      if (s) lines.push(`| ${config.name} | ${count(n)} | ${mib(s.filterConfigBytes)} | ${mib(s.xdsBytes)} | ${mib(s.extensionRequestBytes)} | ${mib(s.extensionResponseBytes)} |`);
    }
  }
  lines.push('', '## How often Envoy Gateway translates, and what the controllers hold', '', 'Around each 1,000 routes the ramp passed: the median time between two translation calls to the extension server, and the median duration of one call (both sides of the recording proxy included). Peak memory over the whole ramp.', '');
  lines.push('| configuration | routes | between translations | one extension call |', '|---|---:|---:|---:|');
  for (const { config, cadence } of report.configurations) for (const c of cadence) lines.push(`| ${config.name} | ${count(c.routes)} | ${(c.medianGapMs / 1000).toFixed(1)} s | ${(c.medianCallMs / 1000).toFixed(2)} s |`);
  lines.push('', '| configuration | ' + PEAK_COLUMNS.join(' | ') + ' |', '|---|' + PEAK_COLUMNS.map(() => '---:').join('|') + '|');
  for (const { config, peakMemoryMiB } of report.configurations) lines.push(`| ${config.name} | ${PEAK_COLUMNS.map((c) => (peakMemoryMiB[c] === undefined ? '—' : `${count(peakMemoryMiB[c])} MiB`)).join(' | ')} |`);
  lines.push('', '## How each search went', '', 'Each probe: the route count, ✓ when every route created for it was ready within the timeout, ✗ when not, (+k) the routes created together for it.', '');
  for (const { config, ceiling } of report.configurations) {
    const probe = (p: CeilingResult['probes'][number]) => `${count(p.routes)} ${p.ready ? '✓' : '✗'}${p.added !== undefined ? ` (+${count(p.added)})` : ''}`;
    const ramp = ceiling.probes.filter((p) => p.search === 'ramp');
    const bisect = ceiling.probes.filter((p) => p.search === 'bisect');
    lines.push(`- **${config.name}** (timeout ${ceiling.settings.perRouteTimeoutMs / 1000} s per route): ramp ${ramp.length > 6 ? `${ramp.slice(0, 2).map(probe).join(', ')}, …, ${ramp.slice(-3).map(probe).join(', ')}` : ramp.map(probe).join(', ')}` +
      `${bisect.length > 0 ? `; bisect ${bisect.map(probe).join(', ')}` : ''}; stopped by ${ceiling.stoppedBy}.`);
    // Searches recorded before each bisection probe added a whole step: for a limit in time, fewer routes
    // arriving together are ready sooner, so such a ceiling is optimistic.
    if (ceiling.limitingStage === 'translation-time' && bisect.some((p) => p.added === undefined || p.added < ceiling.settings.step)) {
      lines.push(`  Caution: its bisection probes added fewer routes than the ramp's step of ${count(ceiling.settings.step)}; the limit is time, so that ceiling holds for those smaller increments — a whole step last passed at ${count(ramp.filter((p) => p.ready).pop()?.routes)} routes.`);
    }
  }
  for (const { config, ceiling } of report.configurations.filter((c) => c.ceiling.evidence)) {
    const evidence = ceiling.evidence!;
    lines.push('', `## What a user sees when ${config.name} breaks (at ${count(ceiling.failedAt)} routes)`, '');
    for (const [component, found] of Object.entries(evidence.logs)) lines.push(`- **${component}** logs: \`${found[0].slice(0, 400).replace(/`/g, "'")}\``);
    if (Object.keys(evidence.logs).length === 0) lines.push('- No controller logged an error.');
    for (const object of evidence.objects) {
      const conditions = object.conditions.map((c) => `${c.type}=${c.status}${c.reason ? ` (${c.reason})` : ''}`).join(', ') || 'no conditions';
      lines.push(`- ${object.object}: ${conditions}`);
    }
    lines.push(`- Warning events in the namespace: ${evidence.warningEvents.length === 0 ? 'none' : evidence.warningEvents.join('; ')}`);
    if (evidence.stopped.length > 0) lines.push(`- Stopped: ${evidence.stopped.join(', ')}`);
  }
  return `${lines.join('\n')}\n`;
}
