import * as os from 'node:os';
import { FixtureSpec } from '../../charts/fixture-spec';
import { FixtureExtras, fixtureParts } from '../../charts/scale-fixture';
import { fixtureLabels, modelName, backendName, backendIndexForRoute, routeName, FIXTURE_LABEL, PART_OF_LABEL, PART_OF_VALUE } from '../../constructs/conventions';
import { Applier, ApplyObject, applySet, applySetMember } from '../kube/applier';
import { applySetParentName } from '../kube/applyset';
import { forEachConcurrently } from '../kube/concurrency';
import { Cluster } from '../kube/cluster';
import { deleteFixtures } from '../kube/delete';
import { deleteObjects } from '../kube/inventory';
import { ResourceMap } from '../kube/resources';
import { BenchResults, Component, Failure, MilestoneRecord, Phase, PhaseRecord, RESULTS_SCHEMA_VERSION } from '../results/schema';
import { nowMs } from './clock';
import { GatewayClient, describeProbe } from './gateway-client';
import { preflight } from './preflight';
import { ProbeOutcome, ProbeScheduler } from './probe-scheduler';
import { PortForward } from './port-forward';
import { SampleRecorder, Sampler, runnerPlatform } from './samplers';

export type Provisioning = { readonly mode: 'all-at-once' } | { readonly mode: 'batches'; readonly batchSize: number; readonly batchIntervalMs: number };

export interface BenchOptions {
  readonly cluster: Cluster;
  /** The run's own fixture (its id is the run's; it is created and, unless `keep`, deleted by the run). */
  readonly spec: FixtureSpec;
  readonly extras?: FixtureExtras;
  /** Where the fixture's Gateway answers; without it, a `kubectl port-forward` to its Envoy Service is opened. */
  readonly gatewayUrl?: string;
  readonly mode: BenchResults['run']['mode'];
  readonly provisioning: Provisioning;
  readonly perRouteTimeoutMs: number;
  readonly requestIntervalMs: number;
  readonly sampleIntervalMs: number;
  readonly probeConcurrency: number;
  readonly applyConcurrency: number;
  readonly grpcMaxMessageBytes: number;
  readonly scaleDownSteps?: number;
  readonly keep: boolean;
  readonly allowMissingControllers: boolean;
  readonly force: boolean;
  readonly samplers: readonly Sampler[];
  readonly toolVersion: string;
  readonly signal?: AbortSignal;
  /** Progress: a phase started, or counts moved within it. */
  readonly onPhase?: (phase: Phase, detail: string) => void;
  readonly onProgress?: (phase: Phase, done: number, total: number) => void;
}

const objectName = (namespace: string, route: string) => `AIGatewayRoute/${namespace}/${route}`;

/**
 * One benchmark run: preflight → warm-up (the first route on a Gateway triggers the Envoy sidecar rollout, so it is
 * not timed) → provision routes 2…N while probing each through the gateway until its own backend answers →
 * wait for the rest → optional scale-down → cleanup. Resources are sampled throughout. Ctrl-C (the signal) ends
 * the run early: what was measured is returned and the fixture is still cleaned up.
 */
export async function runBenchmark(options: BenchOptions): Promise<BenchResults> {
  const { cluster, spec } = options;
  const startedAt = new Date();
  const phases: PhaseRecord[] = [];
  const milestones: MilestoneRecord[] = [];
  const failures: Failure[] = [];
  const notMeasured: string[] = [];
  let phase: Phase = 'preflight';
  let phaseStart = nowMs();
  let liveRoutes = 0;
  const enter = (next: Phase, detail = '') => {
    phases.push({ phase, startMs: phaseStart, endMs: nowMs() });
    phase = next;
    phaseStart = nowMs();
    options.onPhase?.(next, detail);
  };
  const aborted = () => options.signal?.aborted ?? false;

  options.onPhase?.('preflight', options.gatewayUrl ?? 'gateway through kubectl port-forward');
  const checked = await preflight(cluster, { spec, gatewayUrl: options.gatewayUrl, grpcMaxMessageBytes: options.grpcMaxMessageBytes, allowMissingControllers: options.allowMissingControllers, force: options.force });
  notMeasured.push(...checked.warnings.filter((w) => w.includes('not found')).map((w) => `${w}: its CPU and memory were not measured`));

  const recorder = new SampleRecorder(options.samplers, options.sampleIntervalMs, () => ({ phase, liveObjects: liveRoutes }));
  recorder.start();
  const pendingSuccess = new Map<string, (outcome: ProbeOutcome) => void>();
  let client: GatewayClient | undefined;
  let scheduler: ProbeScheduler | undefined;
  let portForward: PortForward | undefined;
  const onAbort = () => scheduler?.stop();
  options.signal?.addEventListener('abort', onAbort);
  const startProbing = (url: string): ProbeScheduler => {
    client = new GatewayClient(url, Math.min(10_000, options.perRouteTimeoutMs), options.probeConcurrency);
    const created = new ProbeScheduler(
      client,
      (outcome) => {
        const waiter = pendingSuccess.get(outcome.route.object);
        if (waiter) return waiter(outcome);
        if (outcome.success) {
          milestones.push({ object: outcome.route.object, milestone: 'firstSuccess', clientTimeMs: outcome.atMs, attempts: outcome.attempts });
        } else {
          milestones.push({ object: outcome.route.object, milestone: 'timedOut', clientTimeMs: outcome.atMs, attempts: outcome.attempts });
          failures.push({ phase, object: outcome.route.object, message: `no success within ${options.perRouteTimeoutMs} ms (last: ${describeProbe(outcome.lastResult)})` });
        }
        options.onProgress?.(phase, spec.routes - 1 - created.pending, spec.routes - 1);
      },
      { intervalMs: options.requestIntervalMs, timeoutMs: options.perRouteTimeoutMs, concurrency: options.probeConcurrency },
    );
    return created;
  };

  const parent = { name: applySetParentName(spec.fixtureId), namespace: spec.namespace };
  const member = applySetMember(parent);
  const allParts = fixtureParts(spec, options.extras);
  const routesPart = allParts.find((p) => p.name === 'routes')!;
  const allRoutes = [...routesPart.manifests] as ApplyObject[];
  let interrupted = false;
  try {
    // Warm-up: the whole fixture with its first route, which must answer before anything is timed.
    enter('warm-up', 'infrastructure and route 1');
    const warm = await applySet(
      cluster,
      { parent, labels: fixtureLabels(spec.fixtureId), groups: allParts.map((p) => (p.name === 'routes' ? allRoutes.slice(0, 1) : ([...p.manifests] as ApplyObject[]))) },
      { concurrency: options.applyConcurrency, signal: options.signal },
    );
    if (warm.failed.length > 0) throw new Error(`warm-up apply failed: ${warm.failed.map((f) => `${f.object}: ${f.message}`).join('; ')}`);
    liveRoutes = 1;
    if (!options.gatewayUrl) portForward = await PortForward.toGateway(cluster, { name: spec.gatewayName, namespace: spec.namespace });
    const probes = (scheduler = startProbing(options.gatewayUrl ?? portForward!.url));
    const warmOutcome = await new Promise<ProbeOutcome>((resolve) => {
      const object = objectName(spec.namespace, routeName(1));
      pendingSuccess.set(object, resolve);
      probes.add({ object, model: modelName(1), backend: backendName(backendIndexForRoute(1, spec.backends)) });
      options.signal?.addEventListener('abort', () => resolve({ route: { object, model: '', backend: '' }, success: false, atMs: nowMs(), attempts: 0 }));
    });
    pendingSuccess.clear();
    if (aborted()) throw new Interrupted();
    if (!warmOutcome.success) {
      throw new Error(`route-000001 never answered through ${options.gatewayUrl} within ${options.perRouteTimeoutMs} ms (last: ${describeProbe(warmOutcome.lastResult)}); is the gateway routing this fixture?`);
    }

    // Provision routes 2…N, probing each as soon as the apiserver accepted it.
    enter('provision', `${spec.routes - 1} routes, ${options.provisioning.mode}`);
    const applier = new Applier(cluster, new ResourceMap(cluster), { concurrency: options.applyConcurrency, signal: options.signal });
    const toCreate = allRoutes.slice(1).map(member);
    const batchSize = options.provisioning.mode === 'batches' ? options.provisioning.batchSize : toCreate.length;
    for (let start = 0; start < toCreate.length && !aborted(); start += batchSize) {
      const batchStarted = nowMs();
      await forEachConcurrently(
        toCreate.slice(start, start + batchSize),
        options.applyConcurrency,
        async (route) => {
          const outcome = await applier.applyOne(route);
          const object = objectName(spec.namespace, route.metadata.name);
          if (outcome.kind === 'failed') return void failures.push({ phase: 'provision', object, message: `HTTP ${outcome.failure.status}: ${outcome.failure.message}` });
          if (outcome.kind === 'skipped') return;
          const at = nowMs();
          liveRoutes++;
          milestones.push({ object, milestone: 'created', clientTimeMs: at, serverTime: outcome.creationTimestamp });
          const annotations = route.metadata.annotations as Record<string, string>;
          probes.add({ object, model: annotations['aigw-scale/model'], backend: annotations['aigw-scale/backend'] }, at);
        },
        aborted,
      );
      if (options.provisioning.mode === 'batches') await sleepUntil(batchStarted + options.provisioning.batchIntervalMs, options.signal);
    }

    enter('validate', `${probes.pending} routes still waiting`);
    await probes.idle();
    if (aborted()) throw new Interrupted();

    if (options.scaleDownSteps && options.scaleDownSteps > 0) {
      enter('scale-down', `${options.scaleDownSteps} steps`);
      const resources = new ResourceMap(cluster);
      const stepSize = Math.ceil((spec.routes - 1) / options.scaleDownSteps);
      for (let end = spec.routes; end > 1 && !aborted(); end -= stepSize) {
        const victims = allRoutes.slice(Math.max(1, end - stepSize), end);
        await deleteObjects(cluster, resources, victims);
        const at = nowMs();
        for (const route of victims) milestones.push({ object: objectName(spec.namespace, route.metadata.name), milestone: 'deleted', clientTimeMs: at });
        liveRoutes -= victims.length;
        await sleepUntil(nowMs() + options.sampleIntervalMs * 3, options.signal); // let memory settle, keep sampling
      }
    }
  } catch (error) {
    if (error instanceof Interrupted || aborted()) interrupted = true;
    else {
      failures.push({ phase, message: (error as Error).message });
      interrupted = true;
    }
  } finally {
    scheduler?.stop();
    options.signal?.removeEventListener('abort', onAbort);
    client?.close();
    portForward?.close();
    enter('cleanup', options.keep ? 'keeping the fixture (--keep)' : `deleting fixture ${spec.fixtureId}`);
    if (!options.keep) {
      try {
        const deleted = await deleteFixtures(cluster, { fixtureId: spec.fixtureId }, { fixtureLabel: FIXTURE_LABEL, partOfSelector: `${PART_OF_LABEL}=${PART_OF_VALUE}` });
        liveRoutes = 0;
        if (deleted.remaining.length > 0) failures.push({ phase: 'cleanup', message: `still present after cleanup: ${deleted.remaining.slice(0, 5).join(', ')}` });
      } catch (error) {
        failures.push({ phase: 'cleanup', message: `cleanup failed: ${(error as Error).message}; run \`aigw-scale delete --fixture ${spec.fixtureId}\`` });
      }
    }
    await recorder.stop();
    phases.push({ phase, startMs: phaseStart, endMs: nowMs() });
  }

  for (const error of new Set(recorder.errors)) failures.push({ phase: 'validate', message: `sampling: ${error}` });
  const sampled = new Set(recorder.samples.map((s) => s.component));
  const expected: Component[] = ['envoy-gateway', 'ai-gateway-controller', 'envoy-proxy'];
  for (const component of expected.filter((c) => !sampled.has(c))) notMeasured.push(`${component}: no CPU or memory samples (no pods found, or no metrics source)`);
  if (options.mode !== 'cluster') notMeasured.push(`data plane: requests went through the ${options.mode} gateway, not Envoy`);

  return {
    schemaVersion: RESULTS_SCHEMA_VERSION,
    tool: { name: 'aigw-scale', version: options.toolVersion },
    run: { id: spec.fixtureId, startedAt: startedAt.toISOString(), finishedAt: new Date().toISOString(), mode: options.mode, interrupted },
    environment: { context: cluster.contextName, server: cluster.server, kubernetesVersion: checked.kubernetesVersion, nodes: checked.nodes, runnerCpus: os.cpus().length, runnerPlatform: runnerPlatform() },
    versions: checked.versions,
    settings: {
      routes: spec.routes,
      warmUpRoutes: 1,
      backends: spec.backends,
      headerMutations: spec.headerMutations,
      fixtureId: spec.fixtureId,
      namespace: spec.namespace,
      provisioning: options.provisioning,
      perRouteTimeoutMs: options.perRouteTimeoutMs,
      sampleIntervalMs: options.sampleIntervalMs,
      requestIntervalMs: options.requestIntervalMs,
      scaleDownSteps: options.scaleDownSteps,
      grpcMaxMessageBytes: options.grpcMaxMessageBytes,
    },
    plan: checked.plan,
    phases,
    milestones,
    samples: recorder.samples,
    failures,
    notMeasured,
  };
}

class Interrupted extends Error {}

function sleepUntil(atMs: number, signal?: AbortSignal): Promise<void> {
  const wait = atMs - nowMs();
  if (wait <= 0 || signal?.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, wait);
    signal?.addEventListener('abort', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}
