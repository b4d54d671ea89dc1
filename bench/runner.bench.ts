/**
 * `npm run bench:runner`: our runner (`npx aigw-scale bench`, its defaults) against the blog's method (create a
 * route, probe it until it answers, then the next), N routes on a local control plane, through the STAND-IN
 * gateway (Envoy cannot run here). Both sides use the fixture and probe settings the runner resolves by default.
 * Options: --routes 2000 --activation-delay 0 (ms) --rounds 5 --page-dir docs
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { FixtureSpec } from '../charts/fixture-spec';
import { fixtureParts } from '../charts/scale-fixture';
import { FIXTURE_LABEL, PART_OF_LABEL, PART_OF_VALUE, fixtureLabels } from '../constructs/conventions';
import { GatewayClient } from '../src/bench/gateway-client';
import { ProbeScheduler } from '../src/bench/probe-scheduler';
import { pendingRoute } from '../src/bench/route-readiness';
import { Applier, ApplyObject, applySet, applySetMember } from '../src/kube/applier';
import { applySetParentName } from '../src/kube/applyset';
import { Cluster } from '../src/kube/cluster';
import { installCrds } from '../src/kube/crds';
import { deleteFixtures } from '../src/kube/delete';
import { ResourceMap } from '../src/kube/resources';
import { downLocalCluster, upLocalCluster } from '../src/local/control-plane';
import { StandInGateway } from '../src/local/stand-in-gateway';
import { quantile } from '../src/report/stats';
import { Scenario } from '../src/results/scenario';
import { parseResults } from '../src/results/schema';
import { FLAGS_ONLY_SOURCE, flagOverrides } from '../src/scenario/from-flags';
import { resolveScenario } from '../src/scenario/parse';
import { nowMs } from '../src/time/clock';
import { readCrdDir } from '../src/upstream/crds';
import { resolveCrdDir } from '../src/upstream/dirs';
import { arg } from './args';
import { ChildServer, startChildServer, stopChildServer } from './harness/child-server';
import { commonOptions, countsArg, runScript } from './harness/options';
import { PROJECT_DIR } from './harness/page-file';
import { BenchSection, RoundResult, Side } from './harness/section';

/** The goal is set at the count the issue names. */
const GOAL_ROUTES = 2000;
/** The extproc's config poll: what a non-zero activation delay would model. */
const EXTPROC_POLL_MS = 5000;

/** What every side of a round shares: the control plane, the mock provider, the stand-in's delay, the runner's defaults. */
interface Bench {
  readonly cluster: Cluster;
  readonly kubeconfig: string;
  readonly mockPort: number;
  readonly activationDelayMs: number;
  readonly defaults: Scenario;
}

/** What `aigw-scale bench --routes N --namespace NS --fixture-id NS --gateway-url URL` resolves to: both sides' fixture and probe. */
function defaultScenario(routes: number, namespace: string): Scenario {
  return resolveScenario(FLAGS_ONLY_SOURCE, flagOverrides({ routes, namespace, fixtureId: namespace, gatewayUrl: 'http://stand-in', standIn: true }));
}

/** The fixture's parts as the runner applies them, with its routes labelled as members of the fixture's ApplySet. */
function fixtureOf(routes: number, namespace: string) {
  const spec: FixtureSpec = { ...defaultScenario(routes, namespace).fixture, fixtureId: namespace };
  const parent = { name: applySetParentName(spec.fixtureId), namespace };
  const parts = fixtureParts(spec);
  const routeObjects = [...parts.find((p) => p.name === 'routes')!.manifests].map((route) => applySetMember(parent)(route as ApplyObject));
  return { spec, parent, parts, routeObjects };
}

/** The timed routes' models (route 1 is the warm-up on both sides): the stand-in's detections are read for these. */
function timedModels(routes: number, namespace: string): string[] {
  return fixtureOf(routes, namespace).routeObjects.slice(1).map((route) => pendingRoute(namespace, route).model);
}

/** Waits (up to 2 min) until the fixture's namespace and routes are gone, so the next side starts on a clean control plane. */
async function fixtureGone(cluster: Cluster, namespace: string): Promise<void> {
  const deadline = Date.now() + 120_000;
  for (;;) {
    const routesLeft = await cluster.requestRetrying('GET', `/apis/aigateway.envoyproxy.io/v1beta1/aigatewayroutes?labelSelector=${encodeURIComponent(`${FIXTURE_LABEL}=${namespace}`)}`);
    const namespaceLeft = await cluster.requestRetrying('GET', `/api/v1/namespaces/${namespace}`);
    if (routesLeft.body.items?.length === 0 && namespaceLeft.status === 404) return;
    if (Date.now() > deadline) throw new Error(`fixture ${namespace} not gone after 2 min: ${routesLeft.body.items?.length} routes, namespace HTTP ${namespaceLeft.status}`);
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

/**
 * Detection resolution as the stand-in saw it, the same for every client: per timed route, the time between the
 * arrival of the last probe it refused and the first it forwarded. A route forwarded on its first probe has none.
 */
function detection(gateway: StandInGateway, models: readonly string[]): RoundResult['metrics'] {
  const windows: number[] = [];
  for (const model of models) {
    const seen = gateway.detections.get(model);
    if (seen?.firstForwardedMs === undefined) throw new Error(`the stand-in never forwarded a probe for ${model}`);
    if (seen.lastRefusedMs !== undefined) windows.push(seen.firstForwardedMs - seen.lastRefusedMs);
  }
  return { detectionMs: quantile(windows, 0.5), detectionP99Ms: quantile(windows, 0.99), firstProbeAnswers: models.length - windows.length };
}

/**
 * A side whose rounds each run in their own namespace (`runner-<slug>-r<round>-<time>`, also the fixture id) with
 * their own stand-in, and are cleaned up and waited for until gone before the next side starts.
 */
function sideWithStandIn(bench: Bench, side: { name: string; slug: string; description: string }, routes: number, measure: (gateway: StandInGateway, namespace: string) => Promise<number>): Side {
  return {
    name: side.name,
    description: side.description,
    async run(round) {
      const namespace = `runner-${side.slug}-r${round + 1}-${Date.now().toString(36)}`;
      const gateway = await new StandInGateway(bench.cluster, namespace, { host: '127.0.0.1', port: bench.mockPort }, bench.activationDelayMs).start();
      try {
        const totalSeconds = await measure(gateway, namespace);
        await fixtureGone(bench.cluster, namespace);
        return { metrics: { totalSeconds, ...detection(gateway, timedModels(routes, namespace)) } };
      } finally {
        await gateway.stop();
      }
    },
  };
}

/** Runs a command to completion without blocking this process (it serves the stand-in the command probes). */
async function runToEnd(command: string, args: readonly string[]): Promise<void> {
  const child = spawn(command, args, { cwd: PROJECT_DIR, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-4000)));
  const status = await new Promise<number | null>((resolve) => child.on('close', resolve));
  if (status !== 0) throw new Error(`${command} ${args.join(' ')} exited ${status}:\n${stderr}`);
}

/** Ours: the whole CLI with its defaults; total time from results.json, first timed create → last route ready. */
function oursSide(bench: Bench, routes: number): Side {
  const { load, probe } = bench.defaults;
  const command = `npx aigw-scale bench --routes ${routes} --gateway-url STAND-IN --stand-in --allow-missing-controllers --namespace NS --fixture-id NS --out DIR`;
  const description = `\`${command}\`: the runner's defaults (all routes at once, ${load.concurrency} creates in flight; every route probed every ${probe.requestIntervalMs} ms, ${probe.concurrency} probes in flight; ready after ${probe.consecutiveSuccesses} successes in a row). Timed from results.json: the first timed route created → the last one ready.`;
  return sideWithStandIn(bench, { name: 'aigw-scale bench', slug: 'ours', description }, routes, async (gateway, namespace) => {
    const out = fs.mkdtempSync(path.join(os.tmpdir(), 'aigw-scale-bench-runner-'));
    try {
      await runToEnd('npx', ['aigw-scale', 'bench', '--routes', String(routes), '--gateway-url', gateway.url, '--stand-in', '--allow-missing-controllers', '--namespace', namespace, '--fixture-id', namespace, '--out', out, '--kubeconfig', bench.kubeconfig]);
      const results = parseResults(fs.readFileSync(path.join(out, 'results.json'), 'utf8'));
      const times = (milestone: string) => results.milestones.filter((m) => m.milestone === milestone).map((m) => m.clientTimeMs);
      const ready = times('ready');
      if (ready.length !== routes - 1) throw new Error(`${ready.length} of ${routes - 1} timed routes ready (${out})`);
      return (Math.max(...ready) - Math.min(...times('created'))) / 1000;
    } finally {
      fs.rmSync(out, { recursive: true, force: true });
    }
  });
}

/**
 * The blog's method: the fixture with route 1 (untimed, like the runner's warm-up), then each route in turn created
 * the way the runner creates it (server-side apply) and probed until its own backend answers once; then the next.
 */
function blogSide(bench: Bench, routes: number): Side {
  const { probe } = bench.defaults;
  const description = `Each route in turn: created (server-side apply, as the runner creates), then probed every ${probe.requestIntervalMs} ms with the runner's HTTP client (plain HTTP, not the openai SDK) until its own backend answers 200 once; then the next. Timed: the first timed route created → the last one answering.`;
  return sideWithStandIn(bench, { name: 'blog method', slug: 'blog', description }, routes, async (gateway, namespace) => {
    const { spec, parent, parts, routeObjects } = fixtureOf(routes, namespace);
    const client = new GatewayClient(gateway.url, Math.min(10_000, probe.perRouteTimeoutMs), 1);
    const answered = (route: ApplyObject) =>
      new Promise<number>((resolve, reject) => {
        const options = { intervalMs: probe.requestIntervalMs, timeoutMs: probe.perRouteTimeoutMs, concurrency: 1, consecutiveSuccesses: 1 };
        const scheduler = new ProbeScheduler(client, (outcome) => (outcome.kind === 'ready' ? resolve(outcome.atMs) : outcome.kind === 'timedOut' && reject(new Error(`${route.metadata.name} did not answer within ${probe.perRouteTimeoutMs} ms`))), options);
        scheduler.add(pendingRoute(namespace, route));
      });
    try {
      const groups = parts.map((part) => (part.name === 'routes' ? routeObjects.slice(0, 1) : ([...part.manifests] as ApplyObject[])));
      const applied = await applySet(bench.cluster, { parent, labels: fixtureLabels(spec.fixtureId), groups });
      if (applied.failed.length > 0) throw new Error(`fixture apply failed: ${JSON.stringify(applied.failed)}`);
      await answered(routeObjects[0]);
      const applier = new Applier(bench.cluster, new ResourceMap(bench.cluster));
      let firstCreatedMs: number | undefined;
      let lastAnsweredMs = NaN;
      for (const route of routeObjects.slice(1)) {
        const created = await applier.applyOne(route);
        if (created.kind !== 'created') throw new Error(`creating ${route.metadata.name}: ${JSON.stringify(created)}`);
        firstCreatedMs ??= nowMs();
        lastAnsweredMs = await answered(route);
      }
      return (lastAnsweredMs - firstCreatedMs!) / 1000;
    } finally {
      client.close();
      await deleteFixtures(bench.cluster, { fixtureId: spec.fixtureId }, { fixtureLabel: FIXTURE_LABEL, partOfSelector: `${PART_OF_LABEL}=${PART_OF_VALUE}` });
    }
  });
}

/** What is timed, through what, and why the stand-in's delay is what it is. */
function methodText(activationDelayMs: number, defaults: Scenario): string {
  const pollSeconds = EXTPROC_POLL_MS / 1000;
  const delayReason =
    activationDelayMs === 0
      ? 'zero on purpose: the strictest baseline for our runner, since the blog’s serial method then pays only its per-route round trips (create, the stand-in’s next list, the probes)'
      : 'set by --activation-delay';
  return [
    'Routes created and proven to answer from their own backend, on a local control plane (etcd, kube-apiserver, kube-controller-manager, kwok: no Envoy, no controllers, nothing installed but the CRDs).',
    `Envoy cannot run on this machine, so traffic goes through a **stand-in gateway** (\`src/local/stand-in-gateway.ts\`): it lists the namespace's AIGatewayRoutes every 100 ms (metadata only) and serves a route by \`x-ai-eg-model\` **${activationDelayMs} ms** after it first saw it, forwarding to the mock provider (a child process).`,
    `The delay is ${delayReason}. Any delay d adds about d to every route of the blog’s method but about d once to ours (its routes activate in parallel): at the extproc’s ${pollSeconds} s poll the blog’s method would take about N × ${pollSeconds} s more (≈ ${((GOAL_ROUTES * EXTPROC_POLL_MS) / 3_600_000).toFixed(1)} h at ${GOAL_ROUTES.toLocaleString('en-US')} routes).`,
    `Both sides use the same fixture (the runner's default: one Gateway, ${defaults.fixture.backends} backend${defaults.fixture.backends === 1 ? '' : 's'}, synthesized by the same code) and the runner's default probe (a plain HTTP chat completion every ${defaults.probe.requestIntervalMs} ms, the same client); route 1 is the untimed warm-up on both, routes 2…N are timed.`,
    'Detection resolution is measured by the stand-in for both sides: per timed route, the time between the arrivals of the last probe it refused and of the first it forwarded, i.e. one probe interval plus one round trip. The runner keeps every pending route probed at once, so its round trips include queueing at the stand-in (one Node process on the same cores); the blog’s method has one request in flight. Routes answered on their very first probe have no window and are counted apart.',
    'Every side of every round runs on the same control plane in its own namespace, deleted and waited for until gone before the next side starts.',
  ].join(' ');
}

async function main(): Promise<void> {
  const options = commonOptions();
  const routeCounts = countsArg('routes', String(GOAL_ROUTES));
  const activationDelayMs = Number(arg('activation-delay', '0'));
  if (!(activationDelayMs >= 0)) throw new Error(`--activation-delay takes milliseconds ≥ 0, got ${activationDelayMs}`);
  const defaults = defaultScenario(GOAL_ROUTES, 'runner');
  const section = new BenchSection({
    id: 'runner',
    title: 'Runner',
    method: methodText(activationDelayMs, defaults),
    ...options,
  });
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'aigw-scale-bench-runner-'));
  const localDir = path.join(work, 'local');
  let mock: ChildServer | undefined;
  let cluster: Cluster | undefined;
  try {
    const state = await upLocalCluster({ dir: localDir });
    cluster = await Cluster.connect({ kubeconfig: state.kubeconfig });
    const crds = await installCrds(cluster, readCrdDir(resolveCrdDir()));
    if (crds.failed.length > 0) throw new Error(`CRDs failed: ${JSON.stringify(crds.failed)}`);
    // In a child process, so its answers do not share this process's event loop with the stand-in.
    mock = await startChildServer('the mock provider', ['-r', 'tsx/cjs', path.join(PROJECT_DIR, 'src', 'mock-provider', 'cli-entry.ts'), '--port', '0', '--host', '127.0.0.1']);
    const bench: Bench = { cluster, kubeconfig: state.kubeconfig, mockPort: Number(new URL(mock.url).port), activationDelayMs, defaults };
    section.versions({ 'kube-apiserver': (await cluster.request('GET', '/version')).body.gitVersion });
    section.note(`Stand-in activation delay ${activationDelayMs} ms; the probe interval ${defaults.probe.requestIntervalMs} ms on both sides.`);
    for (const routes of routeCounts) {
      const ours = oursSide(bench, routes);
      const blog = blogSide(bench, routes);
      const measured = await section.measure(`routes-${routes}`, `${routes.toLocaleString('en-US')} routes`, [ours, blog]);
      const goal = routes === GOAL_ROUTES ? { text: `runner, total time at ${GOAL_ROUTES.toLocaleString('en-US')} routes: ≤ 1/10 of the blog's method`, comparator: '>=' as const, threshold: 10 } : undefined;
      measured.compare(ours.name, blog.name, 'totalSeconds', goal);
      measured.compare(ours.name, blog.name, 'detectionMs');
      measured.compare(ours.name, blog.name, 'detectionP99Ms');
    }
  } finally {
    if (mock) await stopChildServer(mock);
    cluster?.close();
    downLocalCluster(localDir);
    fs.rmSync(work, { recursive: true, force: true });
  }
  section.finish();
}

runScript(main);
