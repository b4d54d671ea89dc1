/**
 * `npm run bench:controllers`: the AI Gateway scaling blog's experiment against the real controllers, on a fresh
 * local control plane that it brings up and tears down. Runs `aigw-scale bench` three times, as a user would:
 *   1. examples/scenarios/blog-2000.yaml — N routes in four steps (all created at once within a step, concurrency
 *      16), hold, scale-down: every stage timed per route, CPU/memory against the route count → DIR/;
 *   2. all N routes created at once, then deleted at once → DIR/all-at-once/;
 *   3. the blog tool's way — one route at a time, each waiting until ready before the next (M routes) →
 *      DIR/one-by-one/.
 * Options: --routes N (default 2000) --one-by-one M (default 100; 0 skips it) --out DIR (default out/controllers)
 *          --grpc-max-message-size Q (default 25Mi) --docs FILE (also write a page with the machine, the command
 *          and both reports, e.g. docs/controllers.md; the HTML reports with their plots go beside it)
 * Needs `npx aigw-scale local build --with-controllers`. Locally no Envoy runs: a route is ready when Envoy
 * Gateway serves it in xDS and the real extproc has loaded it; every report says so.
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { downLocalCluster, upLocalCluster } from '../src/local/control-plane';
import { CONTROLLER_COMPONENTS, requireBinaries } from '../src/local/binaries';
import { milestoneTable } from '../src/report';
import { BenchResults } from '../src/results/schema';
import { arg } from './args';

const ROOT = path.resolve(__dirname, '..');
const SCENARIO = path.join(ROOT, 'examples', 'scenarios', 'blog-2000.yaml');

function wholeNumber(name: string, text: string, min: number): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value < min) {
    process.stderr.write(`bench:controllers: --${name}: got ${JSON.stringify(text)}; allowed: a whole number ≥ ${min}; nothing was done\n`);
    process.exit(2);
  }
  return value;
}

/** Runs the CLI with the local cluster's state directory, streaming its output; resolves with its exit code. */
function cli(args: string[], env: NodeJS.ProcessEnv): Promise<number> {
  process.stderr.write(`\n$ npx aigw-scale ${args.join(' ')}\n`);
  const child = spawn(process.execPath, [path.join(ROOT, 'bin', 'aigw-scale.cjs'), ...args], { cwd: ROOT, env, stdio: 'inherit' });
  return new Promise((resolve) => child.on('exit', (code, signal) => resolve(code ?? (signal ? 128 : 1))));
}

/** One `aigw-scale bench` run of this benchmark: its title, its output directory, the flags it adds to the scenario. */
interface Run {
  readonly title: string;
  readonly dir: string;
  readonly args: readonly string[];
}

function runsOf(routes: number, oneByOne: number, out: string): Run[] {
  const runs: Run[] = [
    { title: 'Four steps to the full count, hold, scale-down (examples/scenarios/blog-2000.yaml)', dir: out, args: ['--routes', String(routes), '--backends', String(Math.min(10, routes)), ...(routes === 2000 ? [] : ['--steps', stepsFor(routes), '--hold', '20s']), '--fixture-id', 'blog-steps'] },
    { title: 'All routes created at once, then deleted at once', dir: path.join(out, 'all-at-once'), args: ['--routes', String(routes), '--backends', String(Math.min(10, routes)), '--batch-size', String(routes), '--scale-down-steps', '1', '--fixture-id', 'blog-all-at-once'] },
  ];
  const oneByOneArgs = ['--routes', String(oneByOne + 1), '--backends', String(Math.min(10, oneByOne + 1)), '--batch-size', '1', '--wait-ready', '--batch-interval', '0s', '--scale-down-steps', '1', '--fixture-id', 'blog-one-by-one'];
  if (oneByOne > 0) runs.push({ title: "One by one, as the blog's tool did: each route waits until ready before the next", dir: path.join(out, 'one-by-one'), args: oneByOneArgs });
  return runs;
}

/** The steps of blog-2000 scaled to N routes: quarters, as the file does for 2,000. */
const stepsFor = (routes: number) => [1, 2, 3, 4].map((q) => Math.max(2, Math.round((routes * q) / 4))).filter((v, i, all) => all.indexOf(v) === i).join(',');

async function main(): Promise<void> {
  const routes = wholeNumber('routes', arg('routes', '2000'), 2);
  const oneByOne = wholeNumber('one-by-one', arg('one-by-one', '100'), 0);
  const out = path.resolve(arg('out', path.join(ROOT, 'out', 'controllers')));
  const grpc = arg('grpc-max-message-size', '25Mi');
  const docs = process.argv.includes('--docs') ? path.resolve(arg('docs', '')) : undefined;
  const loadBefore = os.loadavg();
  requireBinaries([...CONTROLLER_COMPONENTS]); // fails with the build command when missing

  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'aigw-scale-bench-controllers-'));
  const env = { ...process.env, AIGW_SCALE_LOCAL_DIR: dir };
  let interrupted = false;
  const onSignal = () => {
    interrupted = true; // the child bench gets the same SIGINT, writes what it measured and cleans up
  };
  process.on('SIGINT', onSignal);
  const codes: number[] = [];
  const runs = runsOf(routes, oneByOne, out);
  try {
    const started = performance.now();
    const state = await upLocalCluster({ dir, nodes: 1, controllers: true, grpcMaxMessageSize: grpc, onProgress: (line) => process.stderr.write(`  ${line}\n`) });
    process.stderr.write(`local control plane with the real controllers up in ${((performance.now() - started) / 1000).toFixed(1)} s\n`);
    const common = ['--kubeconfig', state.kubeconfig, '--grpc-max-message-size', grpc];
    for (const run of runs) {
      if (interrupted) break;
      codes.push(await cli(['bench', '--scenario', SCENARIO, ...run.args, '--out', run.dir, ...common], env));
    }
  } finally {
    downLocalCluster(dir);
    fs.rmSync(dir, { recursive: true, force: true });
    process.off('SIGINT', onSignal);
  }
  process.stderr.write(`\nresults: ${runs.map((run) => path.join(run.dir, 'results.json')).join(', ')}\n`);
  const failed = codes.length < runs.length || codes.some((code) => code !== 0);
  if (docs && !failed) writeDocsPage(docs, runs, { loadBefore, loadAfter: os.loadavg() });
  else if (docs) process.stderr.write(`docs page not written: ${interrupted ? 'interrupted' : 'a run failed'}\n`);
  process.exitCode = interrupted ? 130 : codes.find((code) => code !== 0) ?? 0;
}

/** The page docs/ shows: how the figures were made, on what machine, then both reports as the bench wrote them. */
function writeDocsPage(file: string, runs: readonly Run[], load: { loadBefore: number[]; loadAfter: number[] }): void {
  const dir = path.dirname(file);
  const stem = path.basename(file, '.md');
  fs.mkdirSync(dir, { recursive: true });
  const demote = (markdown: string) => markdown.replace(/^(#+) /gm, '##$1 ');
  const cpu = os.cpus();
  const lines = [
    '# The control plane against the real controllers: figures from this machine',
    '',
    '<!-- Written by `npm run bench:controllers -- --docs …`; do not edit by hand, re-run it. -->',
    '',
    `Command: \`npm run bench:controllers -- ${process.argv.slice(2).join(' ')}\``,
    '',
    `Machine: ${cpu.length} × ${cpu[0]?.model ?? 'CPU'}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, ${os.platform()} ${os.release()}; load average before ${load.loadBefore.map((l) => l.toFixed(2)).join(' ')}, after ${load.loadAfter.map((l) => l.toFixed(2)).join(' ')}; ${new Date().toISOString()}.`,
    '',
    'Envoy did not run (no registry reachable here ships it): a route is ready when Envoy Gateway serves it in xDS to the Gateway\'s Envoy and the real AI Gateway extproc has loaded it. Envoy applying that config, the kubelet\'s Secret-volume refresh and traffic are not in these figures.',
    '',
  ];
  lines.push(...stageSummary(runs), '');
  for (const [i, run] of runs.entries()) {
    const html = `${stem}-${i + 1}.html`;
    fs.copyFileSync(path.join(run.dir, 'report.html'), path.join(dir, html));
    lines.push(`## ${run.title}`, '', `Plots: [${html}](${html}).`, '', demote(fs.readFileSync(path.join(run.dir, 'report.md'), 'utf8')), '');
  }
  fs.writeFileSync(file, `${lines.join('\n').trimEnd()}\n`);
  process.stderr.write(`docs page: ${file}\n`);
}

/** Every stage of every run in one table (p50 / p90 / p99 / max), from the report's own milestone table. */
function stageSummary(runs: readonly Run[]): string[] {
  const seconds = (ms: number) => `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`;
  const rows = ['| run | routes timed | milestone | from | reached | p50 | p90 | p99 | max |', '|---|---:|---|---|---:|---:|---:|---:|---:|'];
  for (const run of runs) {
    const results = JSON.parse(fs.readFileSync(path.join(run.dir, 'results.json'), 'utf8')) as BenchResults;
    const table = milestoneTable(results);
    for (const m of table.latencies) {
      if (!m.client) continue;
      const d = m.client;
      rows.push(`| ${run.title.split(/[:(]/)[0].trim()} | ${table.lives.length} | ${m.milestone} | ${m.from} | ${m.reached} of ${m.reached + m.missed} | ${seconds(d.p50)} | ${seconds(d.p90)} | ${seconds(d.p99)} | ${seconds(d.max)} |`);
    }
  }
  return ['## Every stage, every run (client clock, from the route\'s create or delete)', '', ...rows];
}

main().catch((error) => {
  process.stderr.write(`bench:controllers: ${(error as Error).stack ?? error}\n`);
  process.exitCode = 1;
});
