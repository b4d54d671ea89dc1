/**
 * The ceiling search (`aigw-scale bench --find-ceiling`): the largest route count that still reaches ready within
 * the per-route timeout, and the stage that limited it. A ramp in steps (the runner, health gate at error rate 0,
 * so it stops at the first step with a route not ready) finds the step that fails; a bisection between the last
 * good step and it, on the same fixture, narrows it down: each probe deletes down to one step below the midpoint,
 * waits until the controllers have let the deleted routes go, and creates a whole step up to the midpoint. The
 * ceiling is so the largest count at which a step of routes still reaches ready within the timeout. Works
 * wherever the runner does (through traffic, or on the control plane).
 */
import { fixtureParts } from '../../charts/scale-fixture';
import { FIXTURE_LABEL, PART_OF_LABEL, PART_OF_VALUE } from '../../constructs/conventions';
import { Applier, ApplyObject, applySetMember } from '../kube/applier';
import { applySetParentName } from '../kube/applyset';
import { Cluster, messageOf } from '../kube/cluster';
import { forEachConcurrently } from '../kube/concurrency';
import { deleteFixtures } from '../kube/delete';
import { METADATA_ONLY } from '../kube/inventory';
import { ResourceMap } from '../kube/resources';
import { BenchResults } from '../results/schema';
import { Scenario } from '../results/scenario';
import { CeilingEvidence, EvidenceSource, LimitingStage, collectEvidence, limitingStage } from './ceiling-evidence';
import { nowMs } from '../time/clock';
import { RunOptions } from './run-record';
import { ReadinessOutcome, pendingRoute, routeObjectName, startRouteReadiness } from './route-readiness';
import { runScenario } from './runner';
import { sleepUntil } from '../time/sleep';

export interface CeilingSettings {
  /** Routes added per ramp step. */
  readonly step: number;
  /** The bisection stops when the window between good and failing counts is this narrow. */
  readonly resolution: number;
  /** The whole search stops after this long (the ramp then reports the last good step). */
  readonly budgetMs: number;
}

/** One route count tried: whether every route up to it reached ready within the per-route timeout. */
export interface CeilingProbe {
  readonly search: 'ramp' | 'bisect';
  readonly routes: number;
  /** Routes created together for this probe (a step: the ramp's step size, or fewer at the first step). */
  readonly added: number;
  readonly ready: boolean;
  /** From the first create of the probe until its last route was ready or timed out. */
  readonly seconds: number;
}

export interface CeilingResult {
  readonly settings: CeilingSettings & { readonly maxRoutes: number; readonly perRouteTimeoutMs: number; readonly grpcMaxMessageBytes?: number };
  /** The largest route count at which every route reached ready. */
  readonly ceiling: number;
  /** The smallest route count found that did not (absent: none up to maxRoutes, or the budget ran out first). */
  readonly failedAt?: number;
  readonly stoppedBy: 'failure' | 'max-routes' | 'budget' | 'interrupted';
  readonly limitingStage?: LimitingStage;
  readonly probes: readonly CeilingProbe[];
  /** What the controllers logged, what the objects said and what the extension calls returned when it failed. */
  readonly evidence?: CeilingEvidence;
  /** After the failure: were routes that had been ready before it still ready (a sample, checked again)? */
  readonly earlierRoutes?: { readonly checked: number; readonly stillReady: number };
}

export interface CeilingOptions extends Omit<RunOptions, 'keep'> {
  readonly settings: CeilingSettings;
  /** Where the controllers' logs are read (local process logs or pod logs). */
  readonly evidence: EvidenceSource;
  readonly log: (line: string) => void;
}

/** Cumulative route counts of the ramp: step, 2·step, … up to max (max included). */
export function rampCounts(step: number, max: number): number[] {
  const counts: number[] = [];
  for (let n = step; n < max; n += step) counts.push(n);
  return [...counts, max];
}

/**
 * The ramp's good and failing counts from its results: the first route (in fixture order) that timed out or could
 * not be created fails its step; the largest count below it whose routes were all ready is good.
 */
export function rampOutcome(results: BenchResults, counts: readonly number[], indexOf: ReadonlyMap<string, number>): { good: number; failed?: number } {
  const ready = new Set(results.milestones.filter((m) => m.milestone === 'ready').map((m) => m.object));
  const bad = [...results.milestones.filter((m) => m.milestone === 'timedOut').map((m) => m.object), ...results.failures.flatMap((f) => (f.object ? [f.object] : []))];
  const firstBad = Math.min(...bad.map((object) => indexOf.get(object) ?? Infinity));
  const allReadyUpTo = (n: number) => [...indexOf].every(([object, index]) => index === 1 || index > n || ready.has(object));
  const good = [1, ...counts].filter((n) => n < firstBad && allReadyUpTo(n)).pop() ?? 1;
  return { good, failed: Number.isFinite(firstBad) ? counts.find((n) => n >= firstBad) : undefined };
}

export async function findCeiling(options: CeilingOptions): Promise<{ result: CeilingResult; ramp: BenchResults }> {
  const { cluster, spec, settings } = options;
  const counts = rampCounts(settings.step, spec.routes);
  const budget = new AbortController();
  const budgetTimer = setTimeout(() => budget.abort(), settings.budgetMs).unref();
  const signal = options.signal ? AbortSignal.any([options.signal, budget.signal]) : budget.signal;
  const scenario: Scenario = {
    ...options.scenario,
    // The ramp stops at its first failing step by design: routes never created, or not ready in that step, are the
    // search's finding, not a broken run.
    validity: { ...options.scenario.validity, maxMissingShare: 1 },
    load: { ...options.scenario.load, shape: { type: 'steps', steps: counts.map((routes) => ({ routes, holdMs: 0 })), healthGate: { maxErrorRate: 0, controllersReady: true, timeoutMs: 60_000 } }, churn: undefined, scaleDownSteps: undefined },
  };
  const allRoutes = [...fixtureParts(spec, options.extras).find((p) => p.name === 'routes')!.manifests] as ApplyObject[];
  const indexOf = new Map(allRoutes.map((route, i) => [routeObjectName(spec.namespace, route.metadata.name), i + 1]));
  const rampStarted = nowMs();
  options.log(`ramp: steps of ${settings.step} up to ${spec.routes} routes, each route ready within ${options.scenario.probe.perRouteTimeoutMs / 1000} s`);
  const ramp = await runScenario({ ...options, scenario, keep: true, force: true, signal });
  const outcome = rampOutcome(ramp, counts, indexOf);
  const stepSeconds = stepDurations(ramp);
  const probes: CeilingProbe[] = counts
    .filter((n) => n <= (outcome.failed ?? outcome.good))
    .map((n, i) => ({ search: 'ramp', routes: n, added: n - (counts[i - 1] ?? 1), ready: n <= outcome.good, seconds: stepSeconds[i] ?? 0 }));

  let good = outcome.good;
  let failed = outcome.failed;
  let evidence: CeilingEvidence | undefined;
  let earlierRoutes: CeilingResult['earlierRoutes'];
  const interrupted = () => options.signal?.aborted ?? false;
  try {
    if (failed !== undefined && !signal.aborted) {
      evidence = await collectEvidence(cluster, options.evidence, { sinceMs: rampStarted, namespace: spec.namespace, gateway: spec.gatewayName, failingRoute: allRoutes[good]?.metadata.name, extensionCalls: ramp.extensionCalls ?? [] });
      const bisect = await bisection(options, scenario, allRoutes, good, failed, signal);
      ({ good, failed } = bisect);
      probes.push(...bisect.probes);
      earlierRoutes = bisect.earlierRoutes;
    }
  } finally {
    clearTimeout(budgetTimer);
    options.log(`cleanup: deleting fixture ${spec.fixtureId}`);
    await deleteFixtures(cluster, { fixtureId: spec.fixtureId }, { fixtureLabel: FIXTURE_LABEL, partOfSelector: `${PART_OF_LABEL}=${PART_OF_VALUE}` });
  }
  const stoppedBy = interrupted() ? 'interrupted' : failed !== undefined ? 'failure' : budget.signal.aborted ? 'budget' : 'max-routes';
  return {
    ramp,
    result: {
      settings: { ...settings, maxRoutes: spec.routes, perRouteTimeoutMs: options.scenario.probe.perRouteTimeoutMs, grpcMaxMessageBytes: options.scenario.gateway.grpcMaxMessageBytes },
      ceiling: good,
      ...(failed !== undefined && { failedAt: failed }),
      stoppedBy,
      ...(evidence && { limitingStage: limitingStage(evidence), evidence }),
      probes,
      ...(earlierRoutes && { earlierRoutes }),
    },
  };
}

/** Seconds each ramp step took, from the runner's phase records (provision and hold of step k). */
function stepDurations(ramp: BenchResults): number[] {
  const byStep = new Map<number, { start: number; end: number }>();
  for (const p of ramp.phases) {
    if (p.step === undefined || p.phase !== 'provision') continue;
    byStep.set(p.step, { start: Math.min(byStep.get(p.step)?.start ?? Infinity, p.startMs), end: Math.max(byStep.get(p.step)?.end ?? 0, p.endMs) });
  }
  return [...byStep.entries()].sort(([a], [b]) => a - b).map(([, d]) => Math.round(d.end - d.start) / 1000);
}

/** How many routes the recheck of earlier routes samples (spread evenly over the good ones). */
const RECHECK_SAMPLE = 20;

async function bisection(options: CeilingOptions, scenario: Scenario, allRoutes: readonly ApplyObject[], goodAtStart: number, failedAtStart: number, signal: AbortSignal) {
  const { cluster, spec, settings } = options;
  const resources = new ResourceMap(cluster);
  const applier = new Applier(cluster, resources, { concurrency: scenario.load.concurrency, signal });
  const member = applySetMember({ name: applySetParentName(spec.fixtureId), namespace: spec.namespace });
  const outcomes = new Map<string, ReadinessOutcome>();
  const readiness = await startRouteReadiness({
    cluster,
    scenario,
    gateway: { name: spec.gatewayName, namespace: spec.namespace },
    controlPlane: options.controlPlane,
    onOutcome: (outcome) => void (outcome.kind !== 'firstSuccess' && outcomes.set(outcome.route.object, outcome)),
    onRecord: () => undefined,
    log: options.log,
    signal,
  });
  const probes: CeilingProbe[] = [];
  let good = goodAtStart;
  let failed = failedAtStart;
  let live = failedAtStart; // the ramp created every route of the failing step
  try {
    // Are routes that were ready before the failure still ready while it lasts?
    const sample = Array.from({ length: Math.min(RECHECK_SAMPLE, good - 1) }, (_, i) => allRoutes[1 + Math.floor((i * (good - 1)) / Math.min(RECHECK_SAMPLE, good - 1))]);
    for (const route of sample) readiness.recheck(pendingRoute(spec.namespace, route));
    await readiness.idle();
    const earlierRoutes = { checked: sample.length, stillReady: sample.filter((r) => outcomes.get(routeObjectName(spec.namespace, r.metadata.name))?.kind === 'ready').length };
    options.log(`earlier routes: ${earlierRoutes.stillReady} of ${earlierRoutes.checked} checked still ready while ${live} routes exist`);

    while (failed - good > settings.resolution && !signal.aborted) {
      const mid = Math.floor((good + failed) / 2);
      // Each probe adds a whole step, as the ramp did: where the limit is time (translation), how many routes
      // arrive together decides whether they are ready in time, so a smaller increment would pass a larger count.
      const base = Math.max(1, mid - settings.step);
      if (live > base) {
        const doomed = allRoutes.slice(base, live);
        options.log(`bisect: deleting routes ${base + 1}–${live}, waiting for their HTTPRoutes to go`);
        await deleteAndWait(cluster, resources, doomed, spec.namespace, scenario.load.concurrency, signal);
        live = base;
      }
      const created = allRoutes.slice(base, mid).map((route) => member(route));
      const started = nowMs();
      options.log(`bisect: ${mid} routes (good ${good}, failing ${failed})`);
      outcomes.clear();
      await forEachConcurrently(created, scenario.load.concurrency, async (route) => {
        const outcome = await applier.applyOne(route);
        if (outcome.kind === 'failed') throw new Error(`creating ${route.metadata.name} failed: HTTP ${outcome.failure.status}: ${outcome.failure.message}`);
        readiness.add(pendingRoute(spec.namespace, route, 2), nowMs());
      });
      live = mid;
      await readiness.idle();
      const ready = created.every((route) => outcomes.get(routeObjectName(spec.namespace, route.metadata.name))?.kind === 'ready');
      probes.push({ search: 'bisect', routes: mid, added: created.length, ready, seconds: Math.round(nowMs() - started) / 1000 });
      if (ready) good = mid;
      else failed = mid;
    }
    return { good, failed, probes, earlierRoutes };
  } finally {
    await readiness.close();
  }
}

/** Deletes routes and waits until the HTTPRoutes generated for them are gone (they carry the config the controllers translate). */
async function deleteAndWait(cluster: Cluster, resources: ResourceMap, routes: readonly ApplyObject[], namespace: string, concurrency: number, signal: AbortSignal): Promise<void> {
  await forEachConcurrently(routes, concurrency, async (route) => {
    const response = await cluster.requestRetrying('DELETE', `${await resources.objectPath(route)}?propagationPolicy=Background`);
    if (response.status !== 200 && response.status !== 202 && response.status !== 404) throw new Error(`deleting ${route.metadata.name} failed with HTTP ${response.status}: ${messageOf(response.body)}`);
  });
  const collection = await resources.collectionPath('gateway.networking.k8s.io/v1', 'HTTPRoute', namespace);
  const names = new Set(routes.map((r) => r.metadata.name));
  const deadline = nowMs() + 10 * 60_000;
  while (!signal.aborted) {
    const listed = await cluster.requestRetrying('GET', collection, undefined, undefined, METADATA_ONLY);
    if (listed.status !== 200) throw new Error(`listing HTTPRoutes failed with HTTP ${listed.status}: ${messageOf(listed.body)}`);
    const remaining = (listed.body.items ?? []).filter((item: { metadata: { name: string } }) => names.has(item.metadata.name)).length;
    if (remaining === 0) return;
    if (nowMs() > deadline) throw new Error(`${remaining} HTTPRoute(s) of deleted routes still present after 10 min (garbage collection)`);
    await sleepUntil(nowMs() + 500, signal);
  }
}
