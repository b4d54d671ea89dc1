/**
 * `npm run bench:apply`: the fixture applied to a fresh local etcd + kube-apiserver by `aigw-scale apply DIR`,
 * by `kubectl apply --server-side -f DIR` (kubectl built at the apiserver's version), and by a raw request loop
 * (create, and server-side apply) that shows what the apiserver itself can take; in alternating rounds, each side
 * on its own fresh control plane every round. Options: --routes 2000[,10000] --rounds 5 --page-dir docs
 * --raw-concurrency auto|N (auto: a pre-check picks the fastest of 16, 32, 64)
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { resolveFixtureSpec } from '../charts/fixture-spec';
import { fixtureParts } from '../charts/scale-fixture';
import { Cluster } from '../src/kube/cluster';
import { installCrds } from '../src/kube/crds';
import { requireBinaries } from '../src/local/binaries';
import { downLocalCluster, upLocalCluster } from '../src/local/control-plane';
import { procMemory, procStat } from '../src/local/proc-stats';
import { readCrdDir } from '../src/upstream/crds';
import { resolveCrdDir } from '../src/upstream/dirs';
import { writeFixture } from '../src/synth/write-fixture';
import { RAW_CONCURRENCY_CANDIDATES, RawVerb, readGroups, sendAll } from './apply-raw';
import { arg } from './args';
import { commonOptions, countsArg, runScript } from './harness/options';
import { PROJECT_DIR } from './harness/page-file';
import { BenchSection, RoundResult, Side } from './harness/section';
import { timedProcess } from './harness/timed-process';

const BACKENDS = 10;
const NAMESPACE = 'bench';

/**
 * Installs the CRDs and waits until each kind can be listed: an Established CRD's storage may still be
 * initializing (HTTP 429 for about a second), which would otherwise be charged to whichever side reads first.
 */
async function installCrdsUntilServed(cluster: Cluster): Promise<void> {
  const crds = readCrdDir(resolveCrdDir());
  const installed = await installCrds(cluster, crds);
  if (installed.failed.length > 0) throw new Error(`CRDs failed: ${JSON.stringify(installed.failed)}`);
  for (const crd of crds) {
    const { group, names, versions } = crd.spec;
    const version = versions.find((v) => v.served)!.name;
    const response = await cluster.requestRetrying('GET', `/apis/${group}/${version}/${names.plural}?limit=1`); // retried on 429
    if (response.status !== 200) throw new Error(`listing ${names.plural} after installing its CRD answered HTTP ${response.status}`);
  }
}

/** What a side timed: its whole process, and the part spent on requests where it can tell (in process). */
interface Timed {
  readonly wallSeconds?: number;
  readonly requestSeconds?: number;
}

/**
 * Starts a fresh etcd + kube-apiserver, installs the CRDs (not timed), runs `work`, and reports its times as
 * throughput with the apiserver's CPU time during it and the control plane's peak memory; the control plane is
 * removed afterwards.
 */
async function onFreshControlPlane(objects: number, work: (kubeconfig: string) => Promise<Timed>): Promise<RoundResult['metrics']> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'aigw-scale-bench-apply-'));
  const state = await upLocalCluster({ dir, controlPlaneOnly: true });
  try {
    const cluster = await Cluster.connect({ kubeconfig: state.kubeconfig });
    try {
      await installCrdsUntilServed(cluster);
    } finally {
      cluster.close();
    }
    const pid = (name: string) => state.processes.find((p) => p.name === name)!.pid;
    const apiserverCpuBefore = procStat(pid('kube-apiserver')).cpuSeconds;
    const { wallSeconds, requestSeconds } = await work(state.kubeconfig);
    return {
      ...(wallSeconds !== undefined ? { wallSeconds, objectsPerSecond: objects / wallSeconds } : {}),
      ...(requestSeconds !== undefined ? { requestSeconds, requestObjectsPerSecond: objects / requestSeconds } : {}),
      // What the apiserver spent on this side's requests, whatever else the machine ran meanwhile.
      apiserverCpuSeconds: procStat(pid('kube-apiserver')).cpuSeconds - apiserverCpuBefore,
      apiserverPeakRssBytes: procMemory(pid('kube-apiserver')).peakRssBytes,
      etcdPeakRssBytes: procMemory(pid('etcd')).peakRssBytes,
    };
  } finally {
    downLocalCluster(dir);
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** Writes the fixture at `routes` to a temporary directory for `use`, and removes it afterwards. */
async function withFixture<T>(routes: number, use: (manifests: string, objects: number) => Promise<T>): Promise<T> {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'aigw-scale-bench-apply-fixture-'));
  try {
    const manifests = path.join(work, 'manifests');
    const { objects } = writeFixture(fixtureParts(resolveFixtureSpec({ routes, backends: BACKENDS, namespace: NAMESPACE })), manifests);
    return await use(manifests, objects);
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}

/**
 * A side that runs a whole process against the fresh control plane; `command` gets the kubeconfig, and
 * `requestSecondsOf` reads from its output how long its requests took, where the tool reports it.
 */
function processSide(name: string, description: string, objects: number, command: (kubeconfig: string) => string[], requestSecondsOf?: (stdout: string) => number): Side {
  return {
    name,
    description,
    run: async () => ({
      metrics: await onFreshControlPlane(objects, async (kubeconfig) => {
        const run = timedProcess(command(kubeconfig), { cwd: PROJECT_DIR });
        return { wallSeconds: run.wallSeconds, requestSeconds: requestSecondsOf?.(run.stdout) };
      }),
    }),
  };
}

/** `aigw-scale apply --json`'s own timing: listing the ApplySet's members, every apply, and the prune. */
function appliedSeconds(stdout: string): number {
  const seconds = JSON.parse(stdout).seconds;
  if (typeof seconds !== 'number') throw new Error(`aigw-scale apply --json printed no seconds: ${stdout.slice(0, 500)}`);
  return seconds;
}

function rawSide(name: string, description: string, manifests: string, objects: number, verb: RawVerb, concurrency: number): Side {
  const groups = readGroups(manifests);
  return { name, description, run: async () => ({ metrics: await onFreshControlPlane(objects, async (kubeconfig) => ({ requestSeconds: await sendAll(kubeconfig, groups, verb, concurrency) })) }) };
}

/** `--raw-concurrency N`, or with `auto` the candidate whose raw create is fastest on a fresh control plane. */
async function rawConcurrency(manifests: string, objects: number, routes: number, section: BenchSection): Promise<number> {
  const flag = arg('raw-concurrency', 'auto');
  if (flag !== 'auto') {
    const concurrency = Number(flag);
    if (!Number.isInteger(concurrency) || concurrency < 1) throw new Error(`--raw-concurrency takes auto or a whole number ≥ 1, got "${flag}"`);
    section.note(`Raw requests: ${concurrency} in flight (--raw-concurrency).`);
    return concurrency;
  }
  const groups = readGroups(manifests);
  const tried: { concurrency: number; rate: number }[] = [];
  for (const concurrency of RAW_CONCURRENCY_CANDIDATES) {
    const metrics = await onFreshControlPlane(objects, async (kubeconfig) => ({ requestSeconds: await sendAll(kubeconfig, groups, 'create', concurrency) }));
    tried.push({ concurrency, rate: metrics.requestObjectsPerSecond! });
    console.log(`[apply] raw create pre-check at ${routes} routes, ${concurrency} in flight: ${metrics.requestObjectsPerSecond!.toFixed(0)} objects/s`);
  }
  const best = tried.reduce((a, b) => (b.rate > a.rate ? b : a));
  const shown = tried.map((t) => `${t.concurrency} → ${t.rate.toFixed(0)}/s`).join(', ');
  section.note(
    `Raw requests: ${best.concurrency} in flight, the fastest raw create in a pre-check at ${routes.toLocaleString('en-US')} routes (one fresh control plane each, not part of the rounds): ${shown}. 64 is the most the client can have in flight (HTTPS/1.1, one request per connection).`,
  );
  return best.concurrency;
}

function versionOf(binary: string, args: string[]): string {
  const result = spawnSync(binary, args, { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`${binary} ${args.join(' ')} exited ${result.status}: ${result.stderr}`);
  return result.stdout.trim();
}

async function main(): Promise<void> {
  const options = commonOptions();
  const routeCounts = countsArg('routes', '2000');
  const goalRoutes = Math.max(...routeCounts);
  const binaries = requireBinaries(['etcd', 'kube-apiserver', 'kubectl']);
  const kubectl = binaries.kubectl;
  const section = new BenchSection({
    id: 'apply',
    title: 'Apply',
    method:
      `The fixture at each route count (${BACKENDS} backends, namespace \`${NAMESPACE}\`), written once per case with \`writeFixture\` and applied by every side. ` +
      'Each side gets a fresh etcd + kube-apiserver every round (`upLocalCluster({controlPlaneOnly: true})`, the pinned binaries from `aigw-scale local build`), with the AI Gateway and Gateway API CRDs installed first and every kind listable (a new CRD\'s storage answers 429 for about a second); none of that is timed. ' +
      '`aigw-scale apply` and kubectl are timed as whole processes (start-up, reading the files, every request); the CLI\'s bundle is built once before the rounds. ' +
      'The raw sides are this benchmark\'s own loop, one request per object straight to the apiserver in the order the applier uses (Namespaces, then each file in turn); only the requests are timed, so they are the ceiling for the apiserver on this machine. ' +
      'objects/s is the fixture\'s object count over the whole process\'s wall time, objects/s (requests only) over the time spent on requests (the raw loops\' own, and the one `aigw-scale apply` reports); kube-apiserver CPU time is what it used (user + system) during the timed part, which load from elsewhere on the machine does not inflate much; peak RSS is the VmHWM of kube-apiserver and etcd after the side ran.',
    ...options,
  });
  const kubectlVersion: string = JSON.parse(versionOf(kubectl, ['version', '--client', '-o', 'json'])).clientVersion.gitVersion;
  section.versions({
    kubectl: kubectlVersion,
    'kube-apiserver': versionOf(binaries['kube-apiserver'], ['--version']).replace(/^Kubernetes /, ''),
    etcd: /etcd Version: (\S+)/.exec(versionOf(binaries.etcd, ['--version']))?.[1] ?? 'unknown',
  });
  // The CLI rebuilds its bundle when a source is newer (bin/local-bundle.cjs): once here, untimed, so every round
  // starts it as a user's later runs do.
  timedProcess(['npx', 'aigw-scale', '--help'], { cwd: PROJECT_DIR });
  // Saturation is found where it matters most: at the largest count.
  const concurrency = await withFixture(goalRoutes, (manifests, objects) => rawConcurrency(manifests, objects, goalRoutes, section));
  for (const routes of routeCounts) {
    await withFixture(routes, async (manifests, objects) => {
      const ours = processSide(
        'aigw-scale apply',
        `\`npx aigw-scale apply DIR --kubeconfig K --json\` (default 32 requests in flight), ${objects.toLocaleString('en-US')} objects; its requests' time is the one it reports (listing the ApplySet's members, every apply, the prune).`,
        objects,
        (kubeconfig) => ['npx', 'aigw-scale', 'apply', manifests, '--kubeconfig', kubeconfig, '--json'],
        appliedSeconds,
      );
      const kubectlSide = processSide('kubectl apply --server-side', `\`kubectl apply --server-side -f DIR --kubeconfig K\` with kubectl ${kubectlVersion}, the apiserver's version (built by \`aigw-scale local build\`, never the system's).`, objects, (kubeconfig) => [kubectl, 'apply', '--server-side', '-f', manifests, '--kubeconfig', kubeconfig]);
      const rawCreate = rawSide('raw create', `POST of each object body as written, ${concurrency} in flight, in process (Node HTTPS, keep-alive).`, manifests, objects, 'create', concurrency);
      const rawApply = rawSide('raw server-side apply', `PATCH application/apply-patch+yaml (force) of each object body as written, ${concurrency} in flight, in process: what server-side apply costs the apiserver over create for new objects.`, manifests, objects, 'apply', concurrency);
      const measured = await section.measure(`routes-${routes}`, `${routes.toLocaleString('en-US')} routes`, [ours, kubectlSide, rawCreate, rawApply]);
      const atGoal = routes === goalRoutes;
      const count = goalRoutes.toLocaleString('en-US');
      measured.compare(ours.name, kubectlSide.name, 'objectsPerSecond', atGoal ? { text: `apply at ${count} routes: ≥ 5× kubectl's objects/s`, comparator: '>=', threshold: 5 } : undefined);
      // Like for like: the raw loops time only their requests, so ours is compared on its requests too.
      measured.compare(ours.name, rawCreate.name, 'requestObjectsPerSecond', atGoal ? { text: `apply at ${count} routes: ≥ 80 % of the raw-create ceiling (requests only, both)`, comparator: '>=', threshold: 0.8 } : undefined);
      // Server-side apply's own cost: how close ours comes to the same verb's ceiling.
      measured.compare(ours.name, rawApply.name, 'requestObjectsPerSecond');
      measured.compare(rawApply.name, rawCreate.name, 'requestObjectsPerSecond');
      measured.compare(rawApply.name, rawCreate.name, 'apiserverCpuSeconds');
      measured.compare(ours.name, kubectlSide.name, 'apiserverPeakRssBytes');
    });
  }
  section.finish();
}

runScript(main);
