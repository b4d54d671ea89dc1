/**
 * `npm run bench:grpc-limit`: where the one gRPC knob breaks, against the real controllers. For each configuration
 * (the knob, backends, headers per backend) it brings up a fresh local control plane with that knob and runs
 * `aigw-scale bench --control-plane --find-ceiling`: ramp in steps until a step's routes are not all ready within
 * the per-route timeout, bisect, and say what failed. Every Envoy Gateway → extension call's size is recorded by
 * the recording proxy, the filter config's by its watch.
 * Options: --out DIR (default out/grpc-limit): DIR/grpc-limit.json, DIR/grpc-limit.md, DIR/<config>/ per search
 *          --only a,b (run only these configurations; the others' figures in DIR are kept) --budget 30m (per search)
 *          --docs FILE (also write the page, e.g. docs/grpc-limit.md)
 *          --calibration FILE (write the measured sizes the plan's test holds the model against,
 *          e.g. tests/plan/measured-sizes.json)
 *          --render-only (no searches: read DIR/<config>/ of an earlier run and write the files again)
 * Needs `npx aigw-scale local build --with-controllers`.
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { CeilingResult } from '../src/bench/ceiling';
import { CONTROLLER_COMPONENTS, requireBinaries } from '../src/local/binaries';
import { downLocalCluster, upLocalCluster } from '../src/local/control-plane';
import { configSizeRows } from '../src/report/config-sizes';
import { BenchResults, ExtensionCallSample, TRANSLATION_HOOK } from '../src/results/schema';
import { arg } from './args';
import { GrpcLimitReport, MeasuredSizes, PEAK_COLUMNS, SIZE_CHECKPOINTS, renderGrpcLimitPage } from './grpc-limit-page';

const ROOT = path.resolve(__dirname, '..');

/** One configuration the benchmark searches. */
export interface LimitConfig {
  readonly name: string;
  readonly grpcMaxMessageSize: string;
  readonly backends: number;
  readonly headerMutations: number;
  /** Routes added per ramp step, the most the ramp tries, and the bisection's resolution. */
  readonly step: number;
  readonly maxRoutes: number;
  readonly resolution: number;
  /** How long each route may take to be ready (longer where translation itself takes long). */
  readonly perRouteTimeout: string;
}

const at4Mi = { grpcMaxMessageSize: '4Mi', backends: 1, headerMutations: 0, step: 100, maxRoutes: 4000, resolution: 10, perRouteTimeout: '60s' };
/** In the order they run: the two knob values first, then what moves the 4 MiB ceiling. */
export const CONFIGS: readonly LimitConfig[] = [
  { name: '4Mi', ...at4Mi },
  { name: '25Mi', grpcMaxMessageSize: '25Mi', backends: 1, headerMutations: 0, step: 500, maxRoutes: 20_000, resolution: 50, perRouteTimeout: '2m' },
  { name: '4Mi-headers-16', ...at4Mi, headerMutations: 16 },
  { name: '4Mi-backends-100', ...at4Mi, backends: 100 },
  { name: '4Mi-headers-4', ...at4Mi, headerMutations: 4 },
  { name: '4Mi-backends-10', ...at4Mi, backends: 10 },
];

function cli(args: string[], env: NodeJS.ProcessEnv): Promise<number> {
  process.stderr.write(`\n$ npx aigw-scale ${args.join(' ')}\n`);
  const child = spawn(process.execPath, [path.join(ROOT, 'bin', 'aigw-scale.cjs'), ...args], { cwd: ROOT, env, stdio: 'inherit' });
  return new Promise((resolve) => child.on('exit', (code, signal) => resolve(code ?? (signal ? 128 : 1))));
}

/** The sizes a run measured at the checkpoints it held. */
function measuredSizes(results: BenchResults): MeasuredSizes {
  const rows = configSizeRows(results);
  return Object.fromEntries(
    SIZE_CHECKPOINTS.flatMap((n) => {
      const row = rows.find((r) => r.liveRoutes === n);
      return row ? [[String(n), { filterConfigBytes: row.filterConfigBytes, xdsBytes: row.xdsBytes, extensionRequestBytes: row.extensionRequestBytes, extensionResponseBytes: row.extensionResponseBytes }]] : [];
    }),
  );
}

async function searchOne(config: LimitConfig, out: string, budget: string): Promise<GrpcLimitReport['configurations'][number]> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'aigw-scale-bench-grpc-'));
  const env = { ...process.env, AIGW_SCALE_LOCAL_DIR: dir };
  const runDir = path.join(out, config.name);
  const started = performance.now();
  try {
    const state = await upLocalCluster({ dir, nodes: 1, controllers: true, grpcMaxMessageSize: config.grpcMaxMessageSize, onProgress: (line) => process.stderr.write(`  ${line}\n`) });
    const args = [
      'bench', '--control-plane', '--find-ceiling', '--kubeconfig', state.kubeconfig, '--grpc-max-message-size', config.grpcMaxMessageSize,
      '--routes', String(config.maxRoutes), '--backends', String(config.backends), '--header-mutations', String(config.headerMutations),
      '--ceiling-step', String(config.step), '--ceiling-resolution', String(config.resolution), '--ceiling-budget', budget,
      '--per-route-timeout', config.perRouteTimeout, '--fixture-id', `grpc-${config.name.toLowerCase()}`, '--out', runDir,
    ];
    const code = await cli(args, env);
    if (code !== 0) throw new Error(`the ceiling search of ${config.name} exited with ${code}`);
  } finally {
    downLocalCluster(dir);
    fs.rmSync(dir, { recursive: true, force: true });
  }
  return { ...readSearch(config, runDir), minutes: (performance.now() - started) / 60_000 };
}

/** Checkpoints of the translation cadence table: every 1,000 routes up to the peak. */
const CADENCE_STEP = 1000;

/**
 * How often Envoy Gateway translated (the gap between successive translation calls, median) and how long the
 * extension call took (median), around each 1,000 routes the ramp passed (±5 %); the controllers' peak memory.
 */
function cadenceAndMemory(results: BenchResults): Pick<GrpcLimitReport['configurations'][number], 'cadence' | 'peakMemoryMiB'> {
  const calls = (results.extensionCalls ?? []).filter((c) => c.method === TRANSLATION_HOOK && c.grpcStatus === 0);
  const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
  const peak = Math.max(0, ...calls.map((c) => c.liveObjects));
  const cadence = [];
  for (let n = CADENCE_STEP; n <= peak; n += CADENCE_STEP) {
    const near = (c: ExtensionCallSample) => Math.abs(c.liveObjects - n) <= n * 0.05;
    const gaps = calls.flatMap((c, i) => (i > 0 && near(c) ? [c.t - calls[i - 1].t] : []));
    const durations = calls.filter(near).map((c) => c.durationMs);
    if (gaps.length > 0) cadence.push({ routes: n, medianGapMs: median(gaps), medianCallMs: median(durations) });
  }
  const peakMemoryMiB: Record<string, number> = {};
  for (const s of results.samples) if (s.memoryBytes && PEAK_COLUMNS.includes(s.component)) peakMemoryMiB[s.component] = Math.max(peakMemoryMiB[s.component] ?? 0, Math.round(s.memoryBytes / 2 ** 20));
  return { cadence, peakMemoryMiB };
}

const reportFileName = (docs: string, config: string) => `${path.basename(docs, '.md')}-${config}.html`;

/** A finished search's outcome and sizes, from its output directory. */
function readSearch(config: LimitConfig, runDir: string): Omit<GrpcLimitReport['configurations'][number], 'minutes'> {
  const ceiling = JSON.parse(fs.readFileSync(path.join(runDir, 'ceiling.json'), 'utf8')) as CeilingResult;
  const results = JSON.parse(fs.readFileSync(path.join(runDir, 'results.json'), 'utf8')) as BenchResults;
  return { config, namespace: results.settings.namespace, ceiling, sizes: measuredSizes(results), ...cadenceAndMemory(results) };
}

async function main(): Promise<void> {
  const out = path.resolve(arg('out', path.join(ROOT, 'out', 'grpc-limit')));
  const only = arg('only', '').split(',').filter(Boolean);
  const unknown = only.filter((name) => !CONFIGS.some((c) => c.name === name));
  if (unknown.length > 0) {
    process.stderr.write(`bench:grpc-limit: --only: no configuration ${unknown.join(', ')}; there are ${CONFIGS.map((c) => c.name).join(', ')}; nothing was done\n`);
    process.exit(2);
  }
  const budget = arg('budget', '30m');
  const docs = process.argv.includes('--docs') ? path.resolve(arg('docs', '')) : undefined;
  const calibration = process.argv.includes('--calibration') ? path.resolve(arg('calibration', '')) : undefined;
  const renderOnly = process.argv.includes('--render-only');
  const earlierFile = path.join(out, 'grpc-limit.json');
  // An earlier run in DIR: --render-only reads it again; --only re-runs some configurations and keeps the others.
  const earlier = (renderOnly || only.length > 0) && fs.existsSync(earlierFile) ? (JSON.parse(fs.readFileSync(earlierFile, 'utf8')) as GrpcLimitReport) : undefined;
  if (!renderOnly) requireBinaries([...CONTROLLER_COMPONENTS]);
  fs.mkdirSync(out, { recursive: true });
  const loadBefore = os.loadavg();
  const thisCommand = `npm run bench:grpc-limit -- ${process.argv.slice(2).join(' ')}`;
  const command = renderOnly ? earlier?.command ?? thisCommand : earlier ? `${earlier.command}, then ${thisCommand}` : thisCommand;
  const report: GrpcLimitReport = { command, machine: earlier?.machine ?? '', configurations: [] };
  const write = () => {
    const cpu = os.cpus();
    if (!renderOnly) report.machine = `${earlier ? `${earlier.machine}; then ` : ''}${cpu.length} × ${cpu[0]?.model ?? 'CPU'}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB; load average before ${loadBefore.map((l) => l.toFixed(2)).join(' ')}, after ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}; ${new Date().toISOString()}`;
    fs.writeFileSync(path.join(out, 'grpc-limit.json'), `${JSON.stringify(report, null, 1)}\n`);
    // The reports (tables and plots of every sample) of the two knob values go beside the docs page; the variants'
    // stay in DIR (each is 1.5–4 MB).
    const linked = docs ? report.configurations.filter((c) => c.config.backends === 1 && c.config.headerMutations === 0) : [];
    for (const c of linked) fs.copyFileSync(path.join(out, c.config.name, 'report.html'), path.join(path.dirname(docs!), reportFileName(docs!, c.config.name)));
    const page = renderGrpcLimitPage(report, Object.fromEntries(linked.map((c) => [c.config.name, reportFileName(docs!, c.config.name)])));
    fs.writeFileSync(path.join(out, 'grpc-limit.md'), page);
    if (docs) fs.writeFileSync(docs, page);
    if (calibration) {
      const measured = report.configurations.map((c) => ({
        name: c.config.name,
        namespace: c.namespace,
        grpcMaxMessageSize: c.config.grpcMaxMessageSize,
        backends: c.config.backends,
        headerMutations: c.config.headerMutations,
        ...(c.ceiling.limitingStage === 'extension-message' && { failedAt: c.ceiling.failedAt }),
        sizes: c.sizes,
      }));
      fs.writeFileSync(calibration, `${JSON.stringify({ writtenBy: report.command, measured }, null, 1)}\n`);
    }
  };
  for (const config of CONFIGS) {
    // --render-only: the searches of an earlier run in DIR, read again (e.g. after the page's renderer changed).
    if (renderOnly && (only.length === 0 || only.includes(config.name))) {
      const runDir = path.join(out, config.name);
      const before = earlier?.configurations.find((c) => c.config.name === config.name);
      if (fs.existsSync(path.join(runDir, 'ceiling.json'))) report.configurations.push({ ...readSearch(config, runDir), minutes: before?.minutes ?? Number.NaN });
      continue;
    }
    if (only.length > 0 && !only.includes(config.name)) {
      const kept = earlier?.configurations.find((c) => c.config.name === config.name);
      if (kept) report.configurations.push(kept);
      continue;
    }
    report.configurations.push(await searchOne(config, out, budget));
    write(); // after each search: a long benchmark keeps what it has measured
  }
  if (renderOnly) write();
  process.stderr.write(`\nresults: ${path.join(out, 'grpc-limit.json')}, ${path.join(out, 'grpc-limit.md')}\n`);
}

main().catch((error) => {
  process.stderr.write(`bench:grpc-limit: ${(error as Error).stack ?? error}\n`);
  process.exitCode = 1;
});
