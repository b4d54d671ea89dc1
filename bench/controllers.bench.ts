/**
 * `npm run bench:controllers`: the AI Gateway scaling blog's experiment against the real controllers, on a fresh
 * local control plane that it brings up and tears down. Runs `aigw-scale bench` twice, as a user would:
 *   1. examples/scenarios/blog-2000.yaml — N routes in four steps (all created at once within a step, concurrency
 *      16), hold, scale-down: every stage timed per route, CPU/memory against the route count → DIR/;
 *   2. the blog tool's way — one route at a time, each waiting until ready before the next (M routes) →
 *      DIR/one-by-one/.
 * Options: --routes N (default 2000) --one-by-one M (default 100; 0 skips it) --out DIR (default out/controllers)
 *          --grpc-max-message-size Q (default 25Mi)
 * Needs `npx aigw-scale local build --with-controllers`. Locally no Envoy runs: a route is ready when Envoy
 * Gateway serves it in xDS and the real extproc has loaded it; every report says so.
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { downLocalCluster, upLocalCluster } from '../src/local/control-plane';
import { CONTROLLER_COMPONENTS, requireBinaries } from '../src/local/binaries';

const ROOT = path.resolve(__dirname, '..');
const SCENARIO = path.join(ROOT, 'examples', 'scenarios', 'blog-2000.yaml');

function option(name: string, fallback: string): string {
  const index = process.argv.indexOf(`--${name}`);
  return index > 0 && process.argv[index + 1] !== undefined ? process.argv[index + 1] : fallback;
}

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

/** The steps of blog-2000 scaled to N routes: quarters, as the file does for 2,000. */
const stepsFor = (routes: number) => [1, 2, 3, 4].map((q) => Math.max(2, Math.round((routes * q) / 4))).filter((v, i, all) => all.indexOf(v) === i).join(',');

async function main(): Promise<void> {
  const routes = wholeNumber('routes', option('routes', '2000'), 2);
  const oneByOne = wholeNumber('one-by-one', option('one-by-one', '100'), 0);
  const out = path.resolve(option('out', path.join(ROOT, 'out', 'controllers')));
  const grpc = option('grpc-max-message-size', '25Mi');
  requireBinaries([...CONTROLLER_COMPONENTS]); // fails with the build command when missing

  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'aigw-scale-bench-controllers-'));
  const env = { ...process.env, AIGW_SCALE_LOCAL_DIR: dir };
  let interrupted = false;
  const onSignal = () => {
    interrupted = true; // the child bench gets the same SIGINT, writes what it measured and cleans up
  };
  process.on('SIGINT', onSignal);
  const codes: number[] = [];
  try {
    const started = performance.now();
    const state = await upLocalCluster({ dir, nodes: 1, controllers: true, grpcMaxMessageSize: grpc, onProgress: (line) => process.stderr.write(`  ${line}\n`) });
    process.stderr.write(`local control plane with the real controllers up in ${((performance.now() - started) / 1000).toFixed(1)} s\n`);
    const common = ['--kubeconfig', state.kubeconfig, '--grpc-max-message-size', grpc];
    codes.push(await cli(['bench', '--scenario', SCENARIO, '--routes', String(routes), ...(routes === 2000 ? [] : ['--steps', stepsFor(routes), '--hold', '20s']), '--fixture', 'blog-steps', '--out', out, ...common], env));
    if (oneByOne > 0 && !interrupted) {
      const args = ['bench', '--scenario', SCENARIO, '--routes', String(oneByOne + 1), '--batch-size', '1', '--wait-ready', '--batch-interval', '0s', '--scale-down-steps', '1'];
      codes.push(await cli([...args, '--fixture', 'blog-one-by-one', '--out', path.join(out, 'one-by-one'), ...common], env));
    }
  } finally {
    downLocalCluster(dir);
    fs.rmSync(dir, { recursive: true, force: true });
    process.off('SIGINT', onSignal);
  }
  process.stderr.write(`\nresults: ${path.join(out, 'results.json')}${oneByOne > 0 ? `, ${path.join(out, 'one-by-one', 'results.json')}` : ''}\n`);
  process.exitCode = interrupted ? 130 : codes.find((code) => code !== 0) ?? 0;
}

main().catch((error) => {
  process.stderr.write(`bench:controllers: ${(error as Error).stack ?? error}\n`);
  process.exitCode = 1;
});
