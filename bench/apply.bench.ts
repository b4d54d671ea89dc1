/**
 * `npm run bench:apply`: applying a fixture to a fresh local kube-apiserver with `aigw-scale apply` and with
 * `kubectl apply --server-side -f DIR`, in the same run, each tool on its own fresh control plane (etcd +
 * kube-apiserver). Reports objects/s, wall time (whole process, start-up included) and the peak RSS of
 * kube-apiserver and etcd. CRD installation is not timed. Options: --routes 2000,10000 --tools ours,kubectl
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { resolveFixtureSpec } from '../charts/fixture-spec';
import { fixtureParts } from '../charts/scale-fixture';
import { Cluster } from '../src/kube/cluster';
import { installCrds } from '../src/kube/crds';
import { downLocalCluster, upLocalCluster } from '../src/local/control-plane';
import { readCrdDir } from '../src/upstream/crds';
import { resolveCrdDir } from '../src/upstream/dirs';
import { writeFixture } from '../src/synth/write-fixture';
import { arg } from './args';

const routeCounts = arg('routes', '2000,10000').split(',').map(Number);
const tools = arg('tools', 'ours,kubectl').split(',') as ('ours' | 'kubectl')[];
const BIN = path.join(__dirname, '..', 'bin', 'aigw-scale.cjs');

/** Peak resident set of a process so far (VmHWM), in bytes. */
function peakRss(pid: number): number {
  const match = /VmHWM:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
  return match ? Number(match[1]) * 1024 : NaN;
}

async function run(tool: 'ours' | 'kubectl', routes: number) {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), `aigw-scale-bench-apply-${tool}-`));
  const manifests = path.join(work, 'manifests');
  const summary = writeFixture(fixtureParts(resolveFixtureSpec({ routes, backends: 10, namespace: 'bench' })), manifests);
  const state = await upLocalCluster({ dir: path.join(work, 'local'), controlPlaneOnly: true });
  try {
    const cluster = await Cluster.connect({ kubeconfig: state.kubeconfig });
    const crds = await installCrds(cluster, readCrdDir(resolveCrdDir()));
    cluster.close();
    if (crds.failed.length > 0) throw new Error(`CRDs failed: ${JSON.stringify(crds.failed)}`);
    const command = tool === 'ours' ? [process.execPath, BIN, 'apply', manifests, '--kubeconfig', state.kubeconfig] : ['kubectl', 'apply', '--server-side', '-f', manifests, '--kubeconfig', state.kubeconfig];
    const started = performance.now();
    const result = spawnSync(command[0], command.slice(1), { encoding: 'utf8', maxBuffer: 256 << 20 });
    const seconds = (performance.now() - started) / 1000;
    if (result.status !== 0) throw new Error(`${tool} failed (${result.status}): ${result.stderr.slice(-2000)}`);
    const pid = (name: string) => state.processes.find((p) => p.name === name)!.pid;
    return { tool, routes, objects: summary.objects, seconds, objectsPerSecond: summary.objects / seconds, apiserverPeakRssBytes: peakRss(pid('kube-apiserver')), etcdPeakRssBytes: peakRss(pid('etcd')) };
  } finally {
    downLocalCluster(path.join(work, 'local'));
    fs.rmSync(work, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const kubectl = spawnSync('kubectl', ['version', '--client', '-o', 'json'], { encoding: 'utf8' });
  const kubectlVersion = kubectl.status === 0 ? JSON.parse(kubectl.stdout).clientVersion.gitVersion : 'not found';
  console.log(`bench:apply on ${os.cpus().length} CPUs; kubectl ${kubectlVersion} (a client older than the v1.36 apiserver); each run on a fresh etcd + kube-apiserver`);
  console.log('routes  | tool    | objects | wall s | objects/s | kube-apiserver peak RSS | etcd peak RSS');
  const rows = [];
  for (const routes of routeCounts) {
    for (const tool of tools) {
      const row = await run(tool, routes);
      rows.push(row);
      console.log(
        `${String(routes).padStart(7)} | ${tool.padEnd(7)} | ${String(row.objects).padStart(7)} | ${row.seconds.toFixed(1).padStart(6)} | ${row.objectsPerSecond.toFixed(0).padStart(9)} | ` +
          `${(row.apiserverPeakRssBytes / 2 ** 20).toFixed(0).padStart(19)} MB | ${(row.etcdPeakRssBytes / 2 ** 20).toFixed(0).padStart(9)} MB`,
      );
    }
    const ours = rows.find((r) => r.routes === routes && r.tool === 'ours');
    const theirs = rows.find((r) => r.routes === routes && r.tool === 'kubectl');
    if (ours && theirs) console.log(`${String(routes).padStart(7)} | ours/kubectl throughput: ${(ours.objectsPerSecond / theirs.objectsPerSecond).toFixed(1)}×`);
  }
  const out = path.join(__dirname, 'results', 'apply.json');
  fs.mkdirSync(path.dirname(out), { recursive: true });
  fs.writeFileSync(out, `${JSON.stringify({ date: new Date().toISOString(), cpus: os.cpus().length, kubectlVersion, rows }, null, 2)}\n`);
  console.log(`results: ${path.relative(process.cwd(), out)}`);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
