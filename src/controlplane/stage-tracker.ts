import { nowMs } from '../time/clock';
import { CONTROL_PLANE_STAGES, ControlPlaneStage, removedMilestone } from '../results/schema';

/**
 * The stages whose latest time makes a route ready on the control plane (no Envoy runs): Envoy Gateway serves it
 * in xDS to the Gateway's Envoy, and the real extproc has loaded it. (`filterConfig` comes before both.)
 */
export const READY_STAGES: readonly ControlPlaneStage[] = ['xdsServed', 'extprocLoaded'];

/** A route (one life of it) being followed through the stages. */
export interface TrackedRoute {
  /** `AIGatewayRoute/namespace/name`. */
  readonly object: string;
  /** `namespace/name`: the key of the route in xDS. */
  readonly key: string;
  /** Its model: the key of the route in the filter config and in the extproc. */
  readonly model: string;
  readonly incarnation?: number;
}

export interface StageRecord {
  readonly object: string;
  readonly milestone: string;
  readonly clientTimeMs: number;
  readonly incarnation?: number;
}

export interface StageOutcome<R extends TrackedRoute = TrackedRoute> {
  /** The route as it was added (the caller's own object, with whatever else it carries). */
  readonly route: R;
  readonly kind: 'ready' | 'timedOut';
  readonly atMs: number;
  /** For timedOut: the stages never reached. */
  readonly missing?: readonly ControlPlaneStage[];
}

/** What a stage's observer holds at one moment: the models or route keys it contains. */
export type StageContents = ReadonlySet<string>;

/** Which key of a route a stage is indexed by. */
const keyOf = (stage: ControlPlaneStage, route: TrackedRoute) => (stage === 'xdsServed' ? route.key : route.model);

interface Entry<R extends TrackedRoute> {
  readonly route: R;
  readonly addedMs: number;
  readonly reached: Map<ControlPlaneStage, number>;
  /** Stages that already held this key when the route was added (an earlier life): they count only after an absence. */
  readonly stale: Set<ControlPlaneStage>;
}

interface Removal {
  readonly route: TrackedRoute;
  readonly pending: Set<ControlPlaneStage>;
}

/**
 * Follows routes through the control-plane stages from the contents each observer reports (the whole set each
 * time, so a missed event cannot lose a route): records each stage the first time a route's key appears after
 * the route was created, reports `ready` (recorded by the runner) at the later of the ready stages, `timedOut` when that does not happen in time,
 * and, for deleted routes, when each stage no longer holds them.
 */
export class StageTracker<R extends TrackedRoute = TrackedRoute> {
  private readonly entries = new Map<string, Entry<R>>();
  private readonly removals = new Map<string, Removal>();
  private readonly contents = new Map<ControlPlaneStage, StageContents>();
  private idleWaiters: (() => void)[] = [];
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly onRecord: (record: StageRecord) => void,
    private readonly onOutcome: (outcome: StageOutcome<R>) => void,
    private readonly timeoutMs: number,
  ) {}

  get pending(): number {
    return this.entries.size;
  }

  /**
   * Starts following a route that was just created, or with `existing`, one created earlier whose readiness is
   * checked again: then a stage that holds its key now counts as reached now (not as an earlier life's).
   */
  add(route: R, addedMs = nowMs(), existing = false): void {
    this.removals.delete(route.object);
    const holding = CONTROL_PLANE_STAGES.filter((stage) => this.contents.get(stage)?.has(keyOf(stage, route)));
    const entry = { route, addedMs, reached: new Map(existing ? holding.map((stage) => [stage, addedMs]) : []), stale: new Set(existing ? [] : holding) };
    this.entries.set(route.object, entry);
    this.timer ??= setInterval(() => this.expire(), Math.min(1000, this.timeoutMs)).unref();
    if (existing && READY_STAGES.every((s) => entry.reached.has(s))) {
      this.settle(route.object);
      queueMicrotask(() => this.onOutcome({ route, kind: 'ready', atMs: addedMs }));
    }
  }

  /** Follows a deleted route until every stage that held it has let it go. */
  remove(route: TrackedRoute): void {
    this.settle(route.object);
    const pending = new Set(CONTROL_PLANE_STAGES.filter((stage) => this.contents.get(stage)?.has(keyOf(stage, route))));
    if (pending.size > 0) this.removals.set(route.object, { route, pending });
  }

  /** Deleted routes some stage still holds. */
  get removing(): number {
    return this.removals.size;
  }

  /** A stage's observer reports what it holds now (at `tMs`, its own arrival time). */
  observe(stage: ControlPlaneStage, tMs: number, contents: StageContents): void {
    this.contents.set(stage, contents);
    for (const entry of [...this.entries.values()]) {
      const present = contents.has(keyOf(stage, entry.route));
      if (!present) {
        entry.stale.delete(stage);
        continue;
      }
      if (entry.stale.has(stage) || entry.reached.has(stage)) continue;
      const atMs = Math.max(tMs, entry.addedMs);
      entry.reached.set(stage, atMs);
      this.onRecord({ object: entry.route.object, milestone: stage, clientTimeMs: atMs, incarnation: entry.route.incarnation });
      if (READY_STAGES.every((s) => entry.reached.has(s))) {
        const readyMs = Math.max(...READY_STAGES.map((s) => entry.reached.get(s)!));
        this.settle(entry.route.object);
        this.onOutcome({ route: entry.route, kind: 'ready', atMs: readyMs });
      }
    }
    for (const removal of [...this.removals.values()]) {
      if (!removal.pending.has(stage) || contents.has(keyOf(stage, removal.route))) continue;
      removal.pending.delete(stage);
      this.onRecord({ object: removal.route.object, milestone: removedMilestone(stage), clientTimeMs: tMs, incarnation: removal.route.incarnation });
      if (removal.pending.size === 0) this.removals.delete(removal.route.object);
    }
    this.wakeIfIdle();
  }

  /** Resolves when no route is waiting (each became ready or timed out). */
  idle(): Promise<void> {
    if (this.entries.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.entries.clear();
    this.wakeIfIdle();
  }

  private expire(): void {
    const now = nowMs();
    for (const entry of [...this.entries.values()]) {
      if (now - entry.addedMs < this.timeoutMs) continue;
      this.settle(entry.route.object);
      this.onOutcome({ route: entry.route, kind: 'timedOut', atMs: now, missing: CONTROL_PLANE_STAGES.filter((s) => !entry.reached.has(s)) });
    }
    this.wakeIfIdle();
  }

  private settle(object: string): void {
    this.entries.delete(object);
  }

  private wakeIfIdle(): void {
    if (this.entries.size > 0) return;
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const wake of waiters) wake();
  }
}
