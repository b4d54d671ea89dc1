/**
 * Per-milestone latencies: for every milestone a run recorded (built-in `firstSuccess`, `ready`, the control-plane
 * stages, and scenario ones such as `routeAccepted`), per route and incarnation, the milestone's client time minus
 * the route's `created` client time of the same incarnation — or, for removal milestones, minus its `deleted`.
 * Records of other kinds (the generated HTTPRoute, …) name their route in `route`; records without `incarnation`
 * belong to incarnation 1.
 */
import { BenchResults, CONTROL_PLANE_NOT_MEASURED_PREFIX, CONTROL_PLANE_STAGES, MilestoneRecord, REMOVAL_MILESTONES } from '../results/schema';
import { Distribution, distribution } from './stats';

/** Milestones that are not latencies: the start (`created`) and the ends of a route's life. */
const NOT_LATENCIES: ReadonlySet<string> = new Set(['created', 'timedOut', 'deleted']);

/** The built-in data-plane milestones, in the order reports list them. */
export const DATA_PLANE_MILESTONES = ['firstSuccess', 'ready'] as const;

/** Milestones the runner records on its own (no scenario declares them), for the report's list of built-ins. */
export const BUILT_IN_ROUTE_MILESTONES: readonly string[] = ['created', ...CONTROL_PLANE_STAGES, ...DATA_PLANE_MILESTONES, 'timedOut', 'deleted', ...REMOVAL_MILESTONES];

export const isRemovalMilestone = (name: string): boolean => (REMOVAL_MILESTONES as readonly string[]).includes(name);


/** One route's life: the route (`AIGatewayRoute/ns/name`) and its incarnation. */
export interface RouteLife {
  readonly route: string;
  readonly incarnation: number;
  /** Client time of `created`. */
  readonly createdMs: number;
  /** Server creationTimestamp, when recorded. */
  readonly createdServerTime?: string;
  /** First record of each milestone in this life. */
  readonly reached: ReadonlyMap<string, MilestoneRecord>;
}

export interface MilestoneLatency {
  /** Milestone name, e.g. `ready`, `routeAccepted`. */
  readonly milestone: string;
  /** What the latency counts from: the life's `created`, or its `deleted` for removal milestones. */
  readonly from: 'created' | 'deleted';
  /** Kinds whose records gave this milestone, e.g. ["HTTPRoute"]. */
  readonly kinds: readonly string[];
  /** Client-side latency from the route's `created` (or `deleted`), ms (sub-millisecond clocks); absent when none reached it. */
  readonly client?: Distribution;
  /** Server-side latency (server time − creationTimestamp), ms at 1 s resolution; absent without both timestamps. */
  readonly server?: Distribution;
  /** Route lives (route × incarnation with a `created`; for removals, also a `deleted`) that reached it. */
  readonly reached: number;
  /** Route lives that never reached it (for removals: deleted lives only). */
  readonly missed: number;
}

export interface ObjectMilestone {
  readonly milestone: string;
  readonly kind: string;
  /** First record per object (none: never reached). */
  readonly records: readonly MilestoneRecord[];
}

export interface MilestoneTable {
  /** Route lives with a `created` record, in creation order. */
  readonly lives: readonly RouteLife[];
  /**
   * Per milestone in pipeline order: scenario status milestones (declared order), the control-plane stages,
   * firstSuccess and ready, any other (alphabetically), then the removal milestones.
   */
  readonly latencies: readonly MilestoneLatency[];
  /**
   * Route-scoped milestones the run was meant to time: the data-plane ones when it probed a data plane (in
   * control-plane mode the stages and `ready`), plus the scenario's on route kinds (names ending in `Route`, matched
   * to routes by name) or recorded with a `route`. Removals are not among them (only deleted lives can reach them).
   */
  readonly declared: readonly string[];
  /** Scenario milestones on objects not tied to a route (e.g. the Gateway's Programmed), each with its first records. */
  readonly objectMilestones: readonly ObjectMilestone[];
  /**
   * The milestone that means "ready" in this file: `ready`, or `firstSuccess` for files without it; absent for
   * control-plane files from before readiness was measured there.
   */
  readonly readiness?: 'ready' | 'firstSuccess';
  /** Readiness was measured on the control plane (xDS and extproc), without Envoy or traffic. */
  readonly controlPlane: boolean;
  /** Timed routes in the fixture (settings.routes minus the untimed warm-up route). */
  readonly expectedRoutes: number;
  readonly warmUpRoutes: number;
  /** Timed routes with no `created` record at all (the run ended, or failed, before creating them). */
  readonly notCreated: number;
}

const kindOf = (object: string): string => object.split('/')[0];
/** route-000001, the name of the untimed warm-up route. */
export const isWarmUpName = (object: string): boolean => /(^|\/)route-0*1$/.test(object);

/** The route a record belongs to: its `route`, or itself for AIGatewayRoutes and probed objects. */
export function routeOf(record: MilestoneRecord): string | undefined {
  if (record.route) return record.route;
  if (kindOf(record.object) === 'AIGatewayRoute' || (DATA_PLANE_MILESTONES as readonly string[]).includes(record.milestone) || record.milestone === 'timedOut') {
    return record.object;
  }
  return undefined;
}

/**
 * The untimed warm-up routes: settings.warmUpRoutes, or — in files without it — 1 when there was a warm-up phase
 * and no record of route-000001.
 */
export function warmUpRouteCount(results: BenchResults): number {
  if (results.settings.warmUpRoutes !== undefined) return results.settings.warmUpRoutes;
  const mentionsFirst = results.milestones.some((m) => isWarmUpName(routeOf(m) ?? m.object)) || results.failures.some((f) => f.object !== undefined && isWarmUpName(f.object));
  return results.phases.some((p) => p.phase === 'warm-up') && !mentionsFirst && results.settings.routes > 0 ? 1 : 0;
}

/**
 * Whether a control-plane run measured readiness: its runner says so in notMeasured, or it recorded the stages.
 * Older control-plane files did neither and measured no readiness at all.
 */
export function measuredOnControlPlane(results: BenchResults): boolean {
  if (results.run.mode !== 'control-plane') return false;
  const stages: readonly string[] = CONTROL_PLANE_STAGES;
  return results.notMeasured.some((line) => line.startsWith(CONTROL_PLANE_NOT_MEASURED_PREFIX)) || results.milestones.some((m) => stages.includes(m.milestone));
}

/**
 * Which milestone means ready: `ready` when the run records it (results with a scenario always do; in control-plane
 * mode, the later of xdsServed and extprocLoaded), `firstSuccess` for older files, undefined for control-plane
 * files that measured no readiness.
 */
function readinessOf(results: BenchResults): MilestoneTable['readiness'] {
  if (results.run.mode === 'control-plane') return measuredOnControlPlane(results) ? 'ready' : undefined;
  return results.scenario !== undefined || results.milestones.some((m) => m.milestone === 'ready') ? 'ready' : 'firstSuccess';
}

/** Server-side latency from two RFC 3339 timestamps, ms (1 s resolution); undefined when either is missing. */
function serverLatency(from: string | undefined, to: string | undefined): number | undefined {
  if (from === undefined || to === undefined) return undefined;
  const ms = Date.parse(to) - Date.parse(from);
  return Number.isFinite(ms) ? ms : undefined;
}

/** Route lives and per-milestone latencies, computed from results.json alone. */
export function milestoneTable(results: BenchResults): MilestoneTable {
  const byLife = new Map<string, { route: string; incarnation: number; records: MilestoneRecord[] }>();
  for (const record of results.milestones) {
    const route = routeOf(record);
    if (route === undefined) continue;
    const incarnation = record.incarnation ?? 1;
    const key = `${route}#${incarnation}`;
    let life = byLife.get(key);
    if (!life) byLife.set(key, (life = { route, incarnation, records: [] }));
    life.records.push(record);
  }
  const lives: RouteLife[] = [];
  const kinds = new Map<string, Set<string>>();
  for (const { route, incarnation, records } of byLife.values()) {
    const reached = new Map<string, MilestoneRecord>();
    for (const r of records) {
      const seen = reached.get(r.milestone);
      if (!seen || r.clientTimeMs < seen.clientTimeMs) reached.set(r.milestone, r);
    }
    const created = reached.get('created');
    if (!created) continue; // a milestone without its create cannot be timed
    lives.push({ route, incarnation, createdMs: created.clientTimeMs, ...(created.serverTime && { createdServerTime: created.serverTime }), reached });
    for (const r of reached.values()) {
      if (NOT_LATENCIES.has(r.milestone)) continue;
      let set = kinds.get(r.milestone);
      if (!set) kinds.set(r.milestone, (set = new Set()));
      set.add(kindOf(r.object));
    }
  }
  lives.sort((a, b) => a.createdMs - b.createdMs || a.route.localeCompare(b.route) || a.incarnation - b.incarnation);

  const readiness = readinessOf(results);
  const controlPlane = measuredOnControlPlane(results);
  const specs = results.scenario?.milestones ?? [];
  const isRouteScoped = (name: string, kind: string) => /Route$/.test(kind) || kinds.has(name);
  const dataPlane = controlPlane ? [...CONTROL_PLANE_STAGES, 'ready'] : readiness === undefined ? [] : readiness === 'ready' ? [...DATA_PLANE_MILESTONES] : ['firstSuccess'];
  const status = specs.filter((m) => isRouteScoped(m.name, m.kind)).map((m) => m.name);
  const declared = [...new Set([...dataPlane, ...status])];
  const objectMilestones = specs
    .filter((m) => !isRouteScoped(m.name, m.kind))
    .map((m): ObjectMilestone => {
      const first = new Map<string, MilestoneRecord>();
      for (const r of results.milestones) {
        if (r.milestone !== m.name) continue;
        const seen = first.get(r.object);
        if (!seen || r.clientTimeMs < seen.clientTimeMs) first.set(r.object, r);
      }
      return { milestone: m.name, kind: m.kind, records: [...first.values()].sort((a, b) => a.clientTimeMs - b.clientTimeMs) };
    });
  const objectNames = new Set(objectMilestones.map((m) => m.milestone));
  const names = pipelineOrder(status, [...declared, ...[...kinds.keys()].filter((k) => !objectNames.has(k))]);

  const latencies = names.map((milestone): MilestoneLatency => {
    const removal = isRemovalMilestone(milestone);
    // a removal can only be reached by a life that was deleted: the others neither reach nor miss it
    const eligible = removal ? lives.filter((l) => l.reached.has('deleted')) : lives;
    const client: number[] = [];
    const server: number[] = [];
    for (const life of eligible) {
      const latency = lifeLatency(life, milestone);
      if (latency === undefined) continue;
      client.push(latency);
      const start = removal ? life.reached.get('deleted')?.serverTime : life.createdServerTime;
      const s = serverLatency(start, life.reached.get(milestone)?.serverTime);
      if (s !== undefined) server.push(s);
    }
    const c = distribution(client);
    const s = distribution(server);
    const kindList = [...(kinds.get(milestone) ?? [])].sort();
    return { milestone, from: removal ? 'deleted' : 'created', kinds: kindList, ...(c && { client: c }), ...(s && { server: s }), reached: client.length, missed: eligible.length - client.length };
  });

  const warmUpRoutes = warmUpRouteCount(results);
  const expectedRoutes = Math.max(0, results.settings.routes - warmUpRoutes);
  const createdRoutes = new Set(lives.map((l) => l.route)).size;
  return { lives, latencies, declared, objectMilestones, ...(readiness && { readiness }), controlPlane, expectedRoutes, warmUpRoutes, notCreated: Math.max(0, expectedRoutes - createdRoutes) };
}

/**
 * Pipeline order: status milestones as the scenario declares them, the control-plane stages, firstSuccess, ready,
 * other milestones alphabetically, then the removals (they follow the delete, after everything else).
 */
function pipelineOrder(status: readonly string[], names: readonly string[]): string[] {
  const present = new Set(names);
  const fixed = [...status, ...CONTROL_PLANE_STAGES, ...DATA_PLANE_MILESTONES];
  const others = [...present].filter((n) => !fixed.includes(n) && !isRemovalMilestone(n)).sort();
  return [...new Set([...fixed, ...others, ...REMOVAL_MILESTONES])].filter((n) => present.has(n));
}

/** One life's latency to a milestone (from its `deleted` for removals, else its `created`); undefined if not reached. */
export function lifeLatency(life: RouteLife, milestone: string): number | undefined {
  const record = life.reached.get(milestone);
  if (!record) return undefined;
  if (!isRemovalMilestone(milestone)) return record.clientTimeMs - life.createdMs;
  const deleted = life.reached.get('deleted');
  return deleted === undefined ? undefined : record.clientTimeMs - deleted.clientTimeMs;
}

/** Latency in ms of one statistic of one milestone (client clock), or undefined when not measured. */
export function milestoneStatistic(table: MilestoneTable, milestone: string, statistic: keyof Distribution): number | undefined {
  return table.latencies.find((l) => l.milestone === milestone)?.client?.[statistic];
}

/** Route lives (plus routes never created) that lack `milestone`: the share of timed routes that missed it. */
export function missedShare(table: MilestoneTable, missing: (life: RouteLife) => boolean): { missed: number; of: number } {
  const missed = table.lives.filter(missing).length + table.notCreated;
  return { missed, of: table.lives.length + table.notCreated };
}
