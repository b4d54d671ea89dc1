import { COMPONENT_LABELS, COMPONENT_ORDER, primaryComponents } from '../results/components';
import { BenchResults, CONTROL_PLANE_NOT_MEASURED_PREFIX, Component, Failure, MilestoneRecord, Phase, Sample } from '../results/schema';
import { MilestoneLatency, MilestoneTable, ObjectMilestone, isWarmUpName, milestoneTable, routeOf } from './milestones';
import { PeakVsSettledCpu, RetainedMemory, peakVsSettledCpu, retainedMemory } from './phase-resources';
import { GateResult, evaluateSlo } from './slo';
import { Distribution, LinearFit, linearRegression, mean } from './stats';
import { Validity, assessValidity } from './validity';

/** Phases whose samples the memory-per-route regression uses. */
export const REGRESSION_PHASES: readonly Phase[] = ['provision', 'validate'];

/** `ready`: reached the run's readiness milestone (`ready`, or `firstSuccess` in files without it). */
export type RouteStatus = 'ready' | 'timed-out' | 'failed' | 'pending';

/** A route's first life (incarnation 1); later lives after churn are in the milestone latencies. */
export interface RouteOutcome {
  /** `AIGatewayRoute/namespace/name`. */
  readonly object: string;
  /** 1-based: the number in `route-000123`, else the order of creation. */
  readonly index: number;
  readonly status: RouteStatus;
  readonly createdMs?: number;
  readonly firstSuccessMs?: number;
  /** firstSuccess.clientTimeMs − created.clientTimeMs. */
  readonly ttfsMs?: number;
  /** Client time of `ready` (control-plane mode: in xDS and loaded by the extproc). */
  readonly readyMs?: number;
  /** ready.clientTimeMs − created.clientTimeMs. */
  readonly timeToReadyMs?: number;
  readonly attempts?: number;
  /** The first failure recorded for this route. */
  readonly failure?: string;
}

export interface RouteCounts {
  /** Routes the run meant to time: settings.routes minus the untimed warm-up route (see `warmUpRoutes`). */
  readonly expected: number;
  /**
   * Routes applied during warm-up and not timed: the runner applies route-000001 with the infrastructure and waits
   * for it before timing anything, recording no milestone for it. Detected as: a warm-up phase and no record of
   * route 1 (results.json has no explicit field for it).
   */
  readonly warmUpRoutes: number;
  readonly created: number;
  /** Reached the readiness milestone in their first life (none in control-plane files that measured no readiness). */
  readonly ready: number;
  readonly timedOut: number;
  /** A failure names the route and it neither succeeded nor timed out. */
  readonly failed: number;
  /** Created, but the run ended before success, timeout or failure. */
  readonly pending: number;
  /** Intended routes with no record at all (the run ended, or failed, before creating them). */
  readonly notCreated: number;
  /** ready / expected. */
  readonly readyRatio: number;
}

export interface ResourceStat {
  readonly peak: number;
  /** Client time of the peak. */
  readonly peakAtMs: number;
  /** The last sample's value. */
  readonly final: number;
  readonly finalPhase: Phase;
  readonly mean: number;
  readonly samples: number;
}

export interface MemoryPerRoute extends LinearFit {
  /** The phases whose samples were fitted. */
  readonly phases: readonly Phase[];
  /** The slope: bytes of memory per live route. */
  readonly bytesPerRoute: number;
  /** Memory the fit predicts at 0 routes. */
  readonly baselineBytes: number;
  readonly minRoutes: number;
  readonly maxRoutes: number;
}

export interface ComponentSummary {
  readonly component: Component;
  readonly label: string;
  readonly samples: number;
  /** Absent: not measured. */
  readonly cpu?: ResourceStat;
  readonly memory?: ResourceStat;
  readonly memoryPerRoute?: MemoryPerRoute;
  /** Why memory per route is absent. */
  readonly memoryPerRouteMissing?: string;
}

/** One phase record with what happened in it. */
export interface PhaseSummary {
  readonly phase: Phase;
  readonly step?: number;
  readonly cycle?: number;
  /** ms since the run's origin. */
  readonly startMs: number;
  readonly durationMs: number;
  /** Resource samples taken in it (all components). */
  readonly samples: number;
  /** Live routes at its last sample; absent without samples. */
  readonly liveRoutesAtEnd?: number;
}

export interface Summary {
  readonly runId: string;
  readonly mode: BenchResults['run']['mode'];
  readonly startedAt: string;
  readonly finishedAt: string;
  readonly durationMs?: number;
  readonly interrupted: boolean;
  /** Client time plots count from (start of the first phase, else startedAt, else the first sample). */
  readonly originMs: number;
  readonly routes: RouteCounts;
  /** Every route known from milestones or failures, by index. */
  readonly outcomes: readonly RouteOutcome[];
  /** Time to first success over every route life that had one (timed-out routes have none); absent when none. */
  readonly ttfs?: Distribution;
  /** The milestone that means ready (see MilestoneTable.readiness); absent when readiness was not measured. */
  readonly readiness?: MilestoneTable['readiness'];
  /** Readiness was measured on the control plane (in xDS and loaded by the extproc): no Envoy, no traffic. */
  readonly readyOnControlPlane: boolean;
  /** Time from create to `ready` over every route life that reached it; absent when none. */
  readonly timeToReady?: Distribution;
  /** Per milestone: latency from the route's `created` (removals: its `deleted`), client and server clocks, reached and missed lives. */
  readonly milestones: readonly MilestoneLatency[];
  /** The route-scoped milestones the run was meant to time (see MilestoneTable.declared). */
  readonly declaredMilestones: readonly string[];
  /** Scenario milestones on objects not tied to a route, with their first records. */
  readonly objectMilestones: readonly ObjectMilestone[];
  readonly phases: readonly PhaseSummary[];
  /** The scenario's SLO gates checked against this run (empty without gates). */
  readonly slo: readonly GateResult[];
  /** Last first success (control plane: last ready) − first create: when the whole set was ready (only meaningful when all were). */
  readonly allReadyAfterMs?: number;
  /** The components an operator asks about first in this mode (the extproc instead of Envoy in control-plane mode). */
  readonly primaryComponents: readonly Component[];
  /** The primary components first, then other sampled components. */
  readonly components: readonly ComponentSummary[];
  /** Per component: memory before provisioning, at its peak and at the end of scale-down; empty without scale-down. */
  readonly retainedMemory: readonly RetainedMemory[];
  /** Per component: peak CPU while provisioning against the median once settled; absent without such phases. */
  readonly peakVsSettledCpu?: PeakVsSettledCpu;
  readonly failures: readonly Failure[];
  /** The run's own notMeasured list plus what the summary found absent. */
  readonly notMeasured: readonly string[];
  readonly validity: Validity;
  /** Worth knowing but not invalidating. */
  readonly warnings: readonly string[];
}

/** Routes named by route milestones (their own or, for other kinds, their `route`) or by failures. */
function routeObjects(milestones: readonly MilestoneRecord[], failures: readonly Failure[]): Set<string> {
  const routes = new Set<string>();
  for (const m of milestones) {
    const route = routeOf(m);
    if (route !== undefined) routes.add(route);
  }
  for (const f of failures) if (f.object && f.object.startsWith('AIGatewayRoute/')) routes.add(f.object);
  return routes;
}

function routeOutcomes(results: BenchResults, table: MilestoneTable): RouteOutcome[] {
  const readiness = table.readiness;
  const routes = routeObjects(results.milestones, results.failures);
  const first = new Map<string, Map<string, MilestoneRecord>>();
  for (const m of results.milestones) {
    if (!routes.has(m.object) || (m.incarnation ?? 1) !== 1) continue;
    let byMilestone = first.get(m.object);
    if (!byMilestone) first.set(m.object, (byMilestone = new Map()));
    const seen = byMilestone.get(m.milestone);
    if (!seen || m.clientTimeMs < seen.clientTimeMs) byMilestone.set(m.milestone, m);
  }
  const failureOf = new Map<string, string>();
  for (const f of results.failures) if (f.object && routes.has(f.object) && !failureOf.has(f.object)) failureOf.set(f.object, f.message);

  // creation order is the fallback index for names without a number
  const byCreation = [...routes].sort((a, b) => (first.get(a)?.get('created')?.clientTimeMs ?? Infinity) - (first.get(b)?.get('created')?.clientTimeMs ?? Infinity) || a.localeCompare(b));
  const numbered = byCreation.map((o) => /-(\d+)$/.exec(o)?.[1]);
  const useNumbers = numbered.every((n) => n !== undefined) && new Set(numbered).size === numbered.length;

  const outcomes = byCreation.map((object, i): RouteOutcome => {
    const m = first.get(object) ?? new Map<string, MilestoneRecord>();
    const created = m.get('created');
    const success = m.get('firstSuccess');
    const ready = readiness === undefined ? undefined : m.get(readiness);
    const readyRecord = m.get('ready');
    const timedOut = m.get('timedOut');
    const failure = failureOf.get(object);
    const status: RouteStatus = ready ? 'ready' : timedOut ? 'timed-out' : failure !== undefined ? 'failed' : 'pending';
    return {
      object,
      index: useNumbers ? Number(numbered[i]) : i + 1,
      status,
      ...(created && { createdMs: created.clientTimeMs }),
      ...(success && { firstSuccessMs: success.clientTimeMs }),
      ...(created && success && { ttfsMs: success.clientTimeMs - created.clientTimeMs }),
      ...(readyRecord && { readyMs: readyRecord.clientTimeMs }),
      ...(created && readyRecord && { timeToReadyMs: readyRecord.clientTimeMs - created.clientTimeMs }),
      ...((success ?? timedOut)?.attempts !== undefined && { attempts: (success ?? timedOut)?.attempts }),
      ...(failure !== undefined && { failure }),
    };
  });
  // the control-plane trackers also follow the untimed warm-up route: records, but no create, so no outcome
  const untimed = (o: RouteOutcome) => table.warmUpRoutes > 0 && o.createdMs === undefined && o.failure === undefined && isWarmUpName(o.object);
  return outcomes.filter((o) => !untimed(o)).sort((a, b) => a.index - b.index);
}

function resourceStat(samples: readonly Sample[], value: (s: Sample) => number | undefined): ResourceStat | undefined {
  const measured = samples.filter((s) => value(s) !== undefined && Number.isFinite(value(s)));
  if (measured.length === 0) return undefined;
  let peak = measured[0];
  for (const s of measured) if ((value(s) as number) > (value(peak) as number)) peak = s;
  const last = measured[measured.length - 1];
  return {
    peak: value(peak) as number,
    peakAtMs: peak.t,
    final: value(last) as number,
    finalPhase: last.phase,
    mean: mean(measured.map((s) => value(s) as number)) as number,
    samples: measured.length,
  };
}

/**
 * Least-squares slope of memory against live routes over the provision and validate samples. When the route count
 * did not change there (all routes created between two samples), the warm-up samples (infrastructure and the first
 * route in place) are added as the baseline, and the fit says so in `phases`.
 */
export function memoryPerRoute(samples: readonly Sample[]): { fit?: MemoryPerRoute; missing?: string } {
  const measured = samples.filter((s) => s.memoryBytes !== undefined && Number.isFinite(s.memoryBytes));
  const attempt = (phases: readonly Phase[]) => {
    const points = measured.filter((s) => phases.includes(s.phase));
    const xs = points.map((s) => s.liveObjects);
    const fit = points.length >= 3 ? linearRegression(xs, points.map((s) => s.memoryBytes as number)) : undefined;
    return { points, fit: fit && { ...fit, phases, bytesPerRoute: fit.slope, baselineBytes: fit.intercept, minRoutes: Math.min(...xs), maxRoutes: Math.max(...xs) } };
  };
  const main = attempt(REGRESSION_PHASES);
  if (main.fit) return { fit: main.fit };
  const withWarmUp = attempt(['warm-up', ...REGRESSION_PHASES]);
  if (withWarmUp.fit) return { fit: withWarmUp.fit };
  if (main.points.length < 3) return { missing: `${main.points.length} memory sample(s) during provision/validate; at least 3 needed` };
  return { missing: 'the route count did not change while memory was sampled (all samples at the same count)' };
}

function componentSummaries(results: BenchResults, primary: readonly Component[]): ComponentSummary[] {
  const byComponent = new Map<Component, Sample[]>();
  for (const s of [...results.samples].sort((a, b) => a.t - b.t)) {
    let list = byComponent.get(s.component);
    if (!list) byComponent.set(s.component, (list = []));
    list.push(s);
  }
  const order = [...new Set([...primary, ...COMPONENT_ORDER])];
  const components = [...new Set<Component>([...primary, ...byComponent.keys()])].sort((a, b) => (order.indexOf(a) + 1 || 99) - (order.indexOf(b) + 1 || 99) || a.localeCompare(b));
  return components.map((component) => {
    const samples = byComponent.get(component) ?? [];
    const cpu = resourceStat(samples, (s) => s.cpuMillicores);
    const memory = resourceStat(samples, (s) => s.memoryBytes);
    const perRoute = memory ? memoryPerRoute(samples) : { missing: 'memory not measured' };
    return {
      component,
      label: COMPONENT_LABELS[component] ?? component,
      samples: samples.length,
      ...(cpu && { cpu }),
      ...(memory && { memory }),
      ...(perRoute.fit && { memoryPerRoute: perRoute.fit }),
      ...(perRoute.missing && { memoryPerRouteMissing: perRoute.missing }),
    };
  });
}

function originOf(results: BenchResults): number {
  const phaseStart = results.phases.length > 0 ? Math.min(...results.phases.map((p) => p.startMs)) : NaN;
  if (Number.isFinite(phaseStart)) return phaseStart;
  const started = Date.parse(results.run.startedAt);
  if (Number.isFinite(started)) return started;
  const firstSample = results.samples.length > 0 ? Math.min(...results.samples.map((s) => s.t)) : NaN;
  return Number.isFinite(firstSample) ? firstSample : 0;
}

function phaseSummaries(results: BenchResults, originMs: number): PhaseSummary[] {
  return [...results.phases]
    .sort((a, b) => a.startMs - b.startMs)
    .map((p) => {
      const inside = results.samples.filter((s) => s.phase === p.phase && s.t >= p.startMs && s.t <= p.endMs).sort((a, b) => a.t - b.t);
      return {
        phase: p.phase,
        ...(p.step !== undefined && { step: p.step }),
        ...(p.cycle !== undefined && { cycle: p.cycle }),
        startMs: p.startMs - originMs,
        durationMs: p.endMs - p.startMs,
        samples: inside.length,
        ...(inside.length > 0 && { liveRoutesAtEnd: inside[inside.length - 1].liveObjects }),
      };
    });
}

/** What a control-plane run leaves out, in the runner's own words when it wrote them (older files: a general line). */
function controlPlaneWarning(results: BenchResults): string {
  const line = results.notMeasured.find((l) => l.startsWith(CONTROL_PLANE_NOT_MEASURED_PREFIX));
  if (!line) return 'mode control-plane: no gateway data plane; time to first success was not measured through Envoy';
  return `mode control-plane: readiness was measured on the control plane only. ${line.replace(/^data plane:\s*/, '')}`;
}

/** Everything the report says, computed from results.json alone. Absent measurements stay absent. */
export function summarize(results: BenchResults, table: MilestoneTable = milestoneTable(results)): Summary {
  const outcomes = routeOutcomes(results, table);
  const count = (status: RouteStatus) => outcomes.filter((o) => o.status === status).length;
  const created = outcomes.filter((o) => o.createdMs !== undefined).length;
  const warmUpRoutes = table.warmUpRoutes;
  const expected = table.expectedRoutes;
  const ready = count('ready');
  const routes: RouteCounts = {
    expected,
    warmUpRoutes,
    created,
    ready,
    timedOut: count('timed-out'),
    failed: count('failed'),
    pending: count('pending'),
    notCreated: Math.max(0, expected - outcomes.length),
    readyRatio: expected > 0 ? ready / expected : 0,
  };
  const ttfs = table.latencies.find((l) => l.milestone === 'firstSuccess')?.client;
  const timeToReady = table.readiness === 'ready' ? table.latencies.find((l) => l.milestone === 'ready')?.client : undefined;
  const createdTimes = outcomes.flatMap((o) => (o.createdMs === undefined ? [] : [o.createdMs]));
  // with no traffic there is no first success: the set was ready when its last route was ready on the control plane
  const doneAt = (o: RouteOutcome) => (table.controlPlane ? o.readyMs : o.firstSuccessMs);
  const successTimes = outcomes.flatMap((o) => doneAt(o) ?? []);
  const allReadyAfterMs = createdTimes.length > 0 && successTimes.length > 0 ? Math.max(...successTimes) - Math.min(...createdTimes) : undefined;

  const primary = primaryComponents(results.run.mode);
  const components = componentSummaries(results, primary);

  const notMeasured = [...results.notMeasured];
  const addNotMeasured = (line: string) => {
    if (!notMeasured.includes(line)) notMeasured.push(line);
  };
  for (const c of components) {
    // the runner's own line about a component (e.g. "envoy-proxy: no CPU or memory samples …") already says it
    if (results.notMeasured.some((line) => line.includes(c.component)) && !c.memory && !c.cpu) continue;
    if (c.samples === 0) addNotMeasured(`${c.component}: never sampled — CPU and memory not measured`);
    else {
      if (!c.cpu) addNotMeasured(`${c.component}: CPU not measured`);
      if (!c.memory) addNotMeasured(`${c.component}: memory not measured`);
      else if (!c.memoryPerRoute) addNotMeasured(`${c.component}: memory per route not computed (${c.memoryPerRouteMissing})`);
    }
  }
  // a control-plane run sends no traffic: its notMeasured line already says so
  if (!ttfs && !table.controlPlane) addNotMeasured('time to first success: no route reached first success');

  for (const l of table.latencies) if (!l.client && table.declared.includes(l.milestone)) addNotMeasured(`milestone ${l.milestone}: no route reached it`);

  const warnings: string[] = [];
  if (results.run.mode === 'stand-in') warnings.push('mode stand-in: requests went through the test stand-in gateway, not Envoy; times say nothing about Envoy AI Gateway');
  if (results.run.mode === 'control-plane') warnings.push(controlPlaneWarning(results));
  const negative = table.lives.filter((l) => (l.reached.get('firstSuccess')?.clientTimeMs ?? Infinity) < l.createdMs).length;
  if (negative > 0) warnings.push(`${negative} route(s) have a first success before their create returned (client clock): check the runner`);
  const originMs = originOf(results);

  const cpuSettling = peakVsSettledCpu(results, components);
  const started = Date.parse(results.run.startedAt);
  const finished = Date.parse(results.run.finishedAt);
  return {
    runId: results.run.id,
    mode: results.run.mode,
    startedAt: results.run.startedAt,
    finishedAt: results.run.finishedAt,
    ...(Number.isFinite(started) && Number.isFinite(finished) && { durationMs: finished - started }),
    interrupted: results.run.interrupted,
    originMs,
    routes,
    outcomes,
    ...(ttfs && { ttfs }),
    ...(table.readiness && { readiness: table.readiness }),
    readyOnControlPlane: table.controlPlane,
    ...(timeToReady && { timeToReady }),
    milestones: table.latencies,
    declaredMilestones: table.declared,
    objectMilestones: table.objectMilestones,
    phases: phaseSummaries(results, originMs),
    slo: evaluateSlo(results, table),
    ...(allReadyAfterMs !== undefined && { allReadyAfterMs }),
    primaryComponents: primary,
    components,
    retainedMemory: retainedMemory(results, components),
    ...(cpuSettling && { peakVsSettledCpu: cpuSettling }),
    failures: results.failures,
    notMeasured,
    validity: assessValidity(results, table),
    warnings,
  };
}
