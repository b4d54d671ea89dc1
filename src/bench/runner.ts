import * as os from 'node:os';
import { fixtureParts } from '../../charts/scale-fixture';
import { fixtureLabels, FIXTURE_LABEL, PART_OF_LABEL, PART_OF_VALUE } from '../../constructs/conventions';
import { Applier, ApplyObject, applySet, applySetMember } from '../kube/applier';
import { applySetParentName } from '../kube/applyset';
import { messageOf } from '../kube/cluster';
import { forEachConcurrently } from '../kube/concurrency';
import { deleteFixtures } from '../kube/delete';
import { METADATA_ONLY } from '../kube/inventory';
import { RateLimiter } from '../kube/rate-limiter';
import { ResourceMap } from '../kube/resources';
import { ExtensionCallFollower } from '../controlplane/extension-calls';
import { BenchResults, ConfigSizeSample, Failure, GateCheck, MilestoneRecord, Phase, PhaseRecord, ProfileRecord, RESULTS_SCHEMA_VERSION } from '../results/schema';
import { nowMs } from './clock';
import { checkHealthGate } from './health-gate';
import { churnVictims, provisionStages } from './load-shape';
import { MilestoneWatcher, ObservedMilestone } from './milestone-watcher';
import { RunOptions, runSettings, unmeasuredAfterRun } from './run-record';
import { preflight } from './preflight';
import { ReadinessOutcome, RouteReadiness, pendingRoute, routeObjectName, startRouteReadiness } from './route-readiness';
import { clusterProfileSources, takeProfiles } from './profiles';
import { ProcessSampler, SampleRecorder, runnerPlatform } from './samplers';
import { sleepUntil } from './sleep';

/** Routes applied with the fixture's infrastructure and not timed: the first route on a Gateway triggers the Envoy rollout. */
const WARM_UP_ROUTES = 1;


/**
 * One benchmark run as a scenario describes it: preflight → warm-up (infrastructure and route 1, which must
 * answer before anything is timed) → provision the other routes in the scenario's load shape (all at once, in
 * batches, or in steps with a hold and a health gate between them), probing each route through the gateway
 * until it is ready (k successes in a row) → churn cycles → optional scale-down → cleanup. Resources are sampled
 * throughout and status milestones are timed with watches. Ctrl-C (the signal) ends the run early: what was
 * measured is returned and the fixture is still cleaned up.
 */
export async function runScenario(options: RunOptions): Promise<BenchResults> {
  const { cluster, scenario, spec } = options;
  const { load, probe: probing } = scenario;
  const startedAt = new Date();
  const phases: PhaseRecord[] = [];
  const milestones: MilestoneRecord[] = [];
  const failures: Failure[] = [];
  const notMeasured: string[] = [];
  const gateChecks: GateCheck[] = [];
  const profiles: ProfileRecord[] = [];
  const configSizes: ConfigSizeSample[] = [];
  // Where the run is: the phase and, within it, the load step or churn cycle (samples and phase records carry them).
  let phase: Phase = 'preflight';
  let position: { step?: number; cycle?: number } = {};
  let phaseStart = nowMs();
  // Routes that exist now (by name): samples carry their count.
  const liveRoutes = new Set<string>();
  const enter = (next: Phase, detail = '', at: { step?: number; cycle?: number } = {}) => {
    phases.push({ phase, startMs: phaseStart, endMs: nowMs(), ...position });
    phase = next;
    position = at;
    phaseStart = nowMs();
    options.onPhase?.(next, detail);
  };
  const aborted = () => options.signal?.aborted ?? false;

  // Which life of each route is current (by route name): records of the route and its HTTPRoute carry it.
  const incarnations = new Map<string, number>();
  // Timed routes created so far, and those that timed out or failed to be created: the health gate's error rate.
  const routeTally = { attempted: 0, failed: 0 };
  const progress = { done: 0, total: 0 };
  const track = (total: number) => void Object.assign(progress, { done: 0, total });
  const settled = () => options.onProgress?.(phase, ++progress.done, progress.total);

  options.onPhase?.('preflight', scenario.gateway.mode === 'control-plane' ? 'readiness on the control plane (xDS + extproc)' : scenario.gateway.url ?? 'gateway through kubectl port-forward');
  const checked = await preflight(cluster, { spec, gatewayUrl: scenario.gateway.url, grpcMaxMessageBytes: scenario.gateway.grpcMaxMessageBytes, allowMissingControllers: scenario.gateway.allowMissingControllers, force: options.force ?? false, localControllers: options.localControllers });
  notMeasured.push(...checked.warnings.filter((w) => w.includes('not found')).map((w) => `${w}: its CPU and memory were not measured`));

  let readiness: RouteReadiness | undefined;
  // The extproc runs here only in control-plane mode, from the first filter config on: sampled once it exists.
  const extprocSampler = new ProcessSampler([{ component: 'ai-gateway-extproc', pid: () => readiness?.extprocPid }]);
  const samplers = scenario.gateway.mode === 'control-plane' ? [...options.samplers, extprocSampler] : options.samplers;
  const recorder = new SampleRecorder(samplers, scenario.sampling.intervalMs, () => ({ phase, liveObjects: liveRoutes.size, ...position }));
  recorder.start();
  const extensionCalls = options.extensionCallLog ? new ExtensionCallFollower({ file: options.extensionCallLog, liveObjects: () => liveRoutes.size }) : undefined;
  extensionCalls?.start();

  // The warm-up route is waited for, not timed: its outcome goes to the waiter instead of the records.
  const warmUpWaiters = new Map<string, (outcome: ReadinessOutcome) => void>();
  const onOutcome = (outcome: ReadinessOutcome) => {
    const { object, incarnation } = outcome.route;
    const waiter = warmUpWaiters.get(object);
    if (waiter) {
      if (outcome.kind !== 'firstSuccess') waiter(outcome);
      return;
    }
    milestones.push({ object, milestone: outcome.kind, clientTimeMs: outcome.atMs, attempts: outcome.attempts, incarnation });
    if (outcome.kind === 'firstSuccess') return;
    if (outcome.kind === 'timedOut') {
      routeTally.failed++;
      failures.push({ phase, object, message: outcome.detail });
    }
    settled();
  };

  let watcher: MilestoneWatcher | undefined;
  const onAbort = () => readiness?.stop();
  options.signal?.addEventListener('abort', onAbort);

  const parent = { name: applySetParentName(spec.fixtureId), namespace: spec.namespace };
  const member = applySetMember(parent);
  const allParts = fixtureParts(spec, options.extras);
  const allRoutes = [...allParts.find((p) => p.name === 'routes')!.manifests].map((route) => member(route as ApplyObject));
  const routeNames = new Set(allRoutes.map((route) => route.metadata.name));
  const resources = new ResourceMap(cluster);
  // The scenario's client-side rate limit (absent: none) on creates and deletes.
  const rate = { qps: load.qps ?? 0, burst: load.burst };
  const applier = new Applier(cluster, resources, { concurrency: load.concurrency, ...rate, signal: options.signal });
  // Deletes (churn, scale-down) never overlap creates, so their own bucket keeps the total within qps.
  const deleteLimiter = new RateLimiter(rate.qps, rate.burst);

  /** Creates routes (the next incarnation of each) and starts probing each as soon as the apiserver accepted it. */
  const createRoutes = async (routes: readonly ApplyObject[], scheduler: RouteReadiness) => {
    await forEachConcurrently(
      routes,
      load.concurrency,
      async (route) => {
        const name = route.metadata.name;
        const object = routeObjectName(spec.namespace, name);
        // Set before the create: the watch may see the new object before the create returns.
        const incarnation = (incarnations.get(name) ?? 0) + 1;
        incarnations.set(name, incarnation);
        const outcome = await applier.applyOne(route);
        if (outcome.kind === 'skipped') return;
        routeTally.attempted++;
        if (outcome.kind === 'failed') {
          routeTally.failed++;
          settled();
          failures.push({ phase, object, message: `HTTP ${outcome.failure.status}: ${outcome.failure.message}` });
          return;
        }
        const at = nowMs();
        liveRoutes.add(name);
        milestones.push({ object, milestone: 'created', clientTimeMs: at, serverTime: outcome.creationTimestamp, incarnation });
        scheduler.add(pendingRoute(spec.namespace, route, incarnation), at);
      },
      aborted,
    );
  };

  /** Deletes routes through the rate limit, recording when the apiserver accepted each delete. */
  const deleteRoutes = async (routes: readonly ApplyObject[]) => {
    await forEachConcurrently(
      routes,
      load.concurrency,
      async (route) => {
        const object = routeObjectName(spec.namespace, route.metadata.name);
        await deleteLimiter.take();
        const response = await cluster.requestRetrying('DELETE', `${await resources.objectPath(route)}?propagationPolicy=Background`);
        if (response.status !== 200 && response.status !== 202) return void failures.push({ phase, object, message: `delete failed with HTTP ${response.status}: ${messageOf(response.body)}` });
        liveRoutes.delete(route.metadata.name);
        const incarnation = incarnations.get(route.metadata.name);
        milestones.push({ object, milestone: 'deleted', clientTimeMs: nowMs(), incarnation });
        readiness?.removed(pendingRoute(spec.namespace, route, incarnation));
      },
      aborted,
    );
  };

  /** Waits until none of the routes is listed any more (finalizers may hold them), up to the per-route timeout. */
  const waitRoutesGone = async (routes: readonly ApplyObject[]) => {
    const collection = await resources.collectionPath(routes[0].apiVersion, routes[0].kind, spec.namespace);
    const deadline = nowMs() + probing.perRouteTimeoutMs;
    let pending = new Set(routes.map((route) => route.metadata.name));
    while (pending.size > 0 && !aborted()) {
      const response = await cluster.requestRetrying('GET', collection, undefined, undefined, METADATA_ONLY);
      if (response.status !== 200) throw new Error(`listing routes failed with HTTP ${response.status}: ${messageOf(response.body)}`);
      const listed = new Set((response.body.items ?? []).map((item: { metadata: { name: string } }) => item.metadata.name));
      pending = new Set([...pending].filter((name) => listed.has(name)));
      if (pending.size === 0) return;
      if (nowMs() > deadline) throw new Error(`${pending.size} deleted route(s) still present after ${probing.perRouteTimeoutMs} ms, e.g. ${[...pending][0]}`);
      await sleepUntil(nowMs() + 100, options.signal);
    }
  };

  const onMilestone = (observed: ObservedMilestone) => {
    const isRoute = routeNames.has(observed.name);
    milestones.push({
      object: observed.object,
      milestone: observed.milestone,
      clientTimeMs: observed.clientTimeMs,
      serverTime: observed.serverTime,
      incarnation: isRoute ? incarnations.get(observed.name) ?? 1 : undefined,
      route: isRoute && observed.kind !== 'AIGatewayRoute' ? routeObjectName(spec.namespace, observed.name) : undefined,
    });
  };

  let interrupted = false;
  try {
    if (scenario.milestones.length > 0) watcher = await MilestoneWatcher.start(cluster, { namespace: spec.namespace, specs: scenario.milestones, onMilestone, signal: options.signal });

    // Warm-up: the whole fixture with its first route, which must be ready before anything is timed.
    enter('warm-up', 'infrastructure and route 1');
    const warmUp = allRoutes.slice(0, WARM_UP_ROUTES);
    for (const route of warmUp) incarnations.set(route.metadata.name, 1);
    const warm = await applySet(
      cluster,
      { parent, labels: fixtureLabels(spec.fixtureId), groups: allParts.map((p) => (p.name === 'routes' ? warmUp : ([...p.manifests] as ApplyObject[]))) },
      { concurrency: load.concurrency, ...rate, signal: options.signal },
    );
    if (warm.failed.length > 0) throw new Error(`warm-up apply failed: ${warm.failed.map((f) => `${f.object}: ${f.message}`).join('; ')}`);
    for (const route of warmUp) liveRoutes.add(route.metadata.name);
    const scheduler = (readiness = await startRouteReadiness({
      cluster,
      scenario,
      gateway: { name: spec.gatewayName, namespace: spec.namespace },
      controlPlane: options.controlPlane,
      onOutcome,
      onRecord: (record) => milestones.push(record),
      onSize: (size) => configSizes.push({ ...size, liveObjects: liveRoutes.size }),
      log: (line) => options.onPhase?.(phase, line),
      signal: options.signal,
    }));
    const warmOutcome = await new Promise<ReadinessOutcome | undefined>((resolve) => {
      const route = pendingRoute(spec.namespace, warmUp[0], 1);
      warmUpWaiters.set(route.object, resolve);
      options.signal?.addEventListener('abort', () => resolve(undefined));
      scheduler.add(route);
    });
    warmUpWaiters.clear();
    if (aborted() || !warmOutcome) throw new Interrupted();
    if (warmOutcome.kind !== 'ready') {
      throw new Error(`${warmUp[0].metadata.name} was not ready ${scheduler.description}: ${warmOutcome.detail}; is the gateway routing this fixture?`);
    }

    // Provision the timed routes in the scenario's shape.
    const shape = load.shape;
    const stages = provisionStages(shape, spec.routes, WARM_UP_ROUTES);
    if (shape.type !== 'steps') {
      enter('provision', `${spec.routes - WARM_UP_ROUTES} routes, ${shape.type}`);
      track(spec.routes - WARM_UP_ROUTES);
    }
    for (const stage of stages) {
      if (aborted()) break;
      const stageStarted = nowMs();
      const routes = allRoutes.slice(stage.from - 1, stage.to);
      if (stage.step !== undefined) {
        enter('provision', `step ${stage.step}: routes ${stage.from}–${stage.to}`, { step: stage.step });
        track(routes.length);
      }
      await createRoutes(routes, scheduler);
      if (stage.waitReady) await scheduler.idle();
      if (stage.intervalMs !== undefined) await sleepUntil(stageStarted + stage.intervalMs, options.signal);
      if (stage.step === undefined) continue;

      await scheduler.idle(); // every route of the step is ready or timed out
      if (aborted()) break;
      if (stage.holdMs) {
        enter('hold', `${stage.holdMs} ms at ${liveRoutes.size} routes`, { step: stage.step });
        await sleepUntil(nowMs() + stage.holdMs, options.signal);
      }
      if (shape.type !== 'steps' || stage === stages[stages.length - 1] || aborted()) continue;
      const gate = await checkHealthGate(cluster, shape.healthGate, stage.step, routeTally.attempted === 0 ? 0 : routeTally.failed / routeTally.attempted, options.signal);
      gateChecks.push(gate);
      if (!gate.passed) {
        failures.push({ phase, message: `health gate after step ${stage.step} failed: ${gate.message}; the ramp stopped at ${liveRoutes.size} routes` });
        break;
      }
    }
    if (shape.type !== 'steps') {
      enter('validate', `${scheduler.pending} routes still waiting`);
      await scheduler.idle();
    }
    if (aborted()) throw new Interrupted();

    // The fixture is at its peak (full scale, or where a failed gate stopped the ramp): profile the controllers here.
    if (scenario.profiles.enabled) {
      const found = options.profileSources ? { sources: [...options.profileSources], notProfiled: [] } : await clusterProfileSources(cluster);
      options.onPhase?.(phase, `profiling ${found.sources.map((s) => s.component).join(', ') || 'nothing'} at ${liveRoutes.size} routes (CPU for ${scenario.profiles.cpuSeconds} s)`);
      const taken = await takeProfiles(found.sources, { outDir: options.outDir, cpuSeconds: scenario.profiles.cpuSeconds, liveObjects: liveRoutes.size });
      profiles.push(...taken.records);
      notMeasured.push(...found.notProfiled, ...taken.problems);
    }

    // A failed gate stopped the ramp, not the run: churn and scale-down work on the routes that exist.
    if (load.churn) {
      const churn = load.churn;
      for (let cycle = 1; cycle <= churn.cycles && !aborted(); cycle++) {
        const timed = allRoutes.slice(WARM_UP_ROUTES).filter((route) => liveRoutes.has(route.metadata.name));
        const victims = churnVictims(timed, churn.share, cycle);
        if (victims.length === 0) break; // no timed route exists to churn
        enter('churn', `cycle ${cycle}: deleting and recreating ${victims.length} routes`, { cycle });
        track(victims.length);
        await deleteRoutes(victims);
        await waitRoutesGone(victims);
        await sleepUntil(nowMs() + churn.deleteDelayMs, options.signal);
        if (aborted()) break;
        await createRoutes(victims, scheduler);
        await scheduler.idle();
        await sleepUntil(nowMs() + churn.recreateDelayMs, options.signal);
      }
    }
    if (aborted()) throw new Interrupted();

    if (load.scaleDownSteps && load.scaleDownSteps > 0) {
      enter('scale-down', `${load.scaleDownSteps} steps`);
      const live = allRoutes.slice(WARM_UP_ROUTES).filter((route) => liveRoutes.has(route.metadata.name));
      const stepSize = Math.ceil(live.length / load.scaleDownSteps);
      for (let end = live.length; end > 0 && !aborted(); end -= stepSize) {
        await deleteRoutes(live.slice(Math.max(0, end - stepSize), end));
        await sleepUntil(nowMs() + scenario.sampling.intervalMs * 3, options.signal); // let memory settle, keep sampling
      }
    }
  } catch (error) {
    if (error instanceof Interrupted || aborted()) interrupted = true;
    else {
      failures.push({ phase, message: (error as Error).message });
      interrupted = true;
    }
  } finally {
    options.signal?.removeEventListener('abort', onAbort);
    if (readiness) {
      await readiness.close();
      for (const problem of new Set(readiness.problems)) failures.push({ phase, message: `readiness: ${problem}` });
    }
    if (watcher) {
      await watcher.stop();
      for (const error of new Set(watcher.errors)) failures.push({ phase, message: `milestone watch: ${error}` });
    }
    enter('cleanup', options.keep ? 'keeping the fixture (--keep)' : `deleting fixture ${spec.fixtureId}`);
    if (!options.keep) {
      try {
        const deleted = await deleteFixtures(cluster, { fixtureId: spec.fixtureId }, { fixtureLabel: FIXTURE_LABEL, partOfSelector: `${PART_OF_LABEL}=${PART_OF_VALUE}` });
        liveRoutes.clear();
        if (deleted.remaining.length > 0) failures.push({ phase: 'cleanup', message: `still present after cleanup: ${deleted.remaining.slice(0, 5).join(', ')}` });
      } catch (error) {
        failures.push({ phase: 'cleanup', message: `cleanup failed: ${(error as Error).message}; run \`aigw-scale delete --fixture ${spec.fixtureId}\`` });
      }
    }
    await recorder.stop();
    extensionCalls?.stop();
    phases.push({ phase, startMs: phaseStart, endMs: nowMs() });
  }

  for (const error of new Set(recorder.errors)) failures.push({ phase: 'validate', message: `sampling: ${error}` });
  const mode = scenario.gateway.mode;
  notMeasured.push(...unmeasuredAfterRun(mode, new Set(recorder.samples.map((s) => s.component)), extensionCalls !== undefined));
  if (extensionCalls?.error) failures.push({ phase: 'cleanup', object: 'extension-recorder', message: extensionCalls.error });

  return {
    schemaVersion: RESULTS_SCHEMA_VERSION,
    tool: { name: 'aigw-scale', version: options.toolVersion },
    run: { id: spec.fixtureId, startedAt: startedAt.toISOString(), finishedAt: new Date().toISOString(), mode, interrupted },
    environment: { context: cluster.contextName, server: cluster.server, kubernetesVersion: checked.kubernetesVersion, nodes: checked.nodes, runnerCpus: os.cpus().length, runnerPlatform: runnerPlatform() },
    versions: checked.versions,
    settings: runSettings(spec, scenario, WARM_UP_ROUTES),
    scenario,
    repeat: options.repeat,
    plan: checked.plan,
    phases,
    milestones,
    samples: recorder.samples,
    failures,
    gateChecks,
    profiles,
    ...(configSizes.length > 0 && { configSizes }),
    ...(extensionCalls && { extensionCalls: extensionCalls.collect() }),
    notMeasured,
  };
}

class Interrupted extends Error {}
