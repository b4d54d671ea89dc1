/**
 * What the phases of one run share: where the run is (phase, load step or churn cycle), the fixture's routes and
 * which of them live, the run's records, and the readiness source that the warm-up starts.
 */
import { fixtureParts } from '../../charts/scale-fixture';
import { fixtureLabels } from '../../constructs/conventions';
import { Applier, ApplyObject, applySet, applySetMember } from '../kube/applier';
import { applySetParentName } from '../kube/applyset';
import { messageOf } from '../kube/cluster';
import { forEachConcurrently } from '../kube/concurrency';
import { METADATA_ONLY } from '../kube/inventory';
import { RateLimiter } from '../kube/rate-limiter';
import { ResourceMap } from '../kube/resources';
import { Failure, GateCheck, MilestoneRecord, Phase, PhaseRecord } from '../results/schema';
import { nowMs } from '../time/clock';
import { ConfigSize, MeasuredRun } from './measurements/measurement';
import { PendingRoute } from './probe-scheduler';
import { RunOptions } from './run-record';
import { ReadinessOutcome, RouteReadiness, pendingRoute, routeObjectName, startRouteReadiness } from './route-readiness';
import { SampleContext } from './samplers';
import { sleepUntil } from '../time/sleep';

/** Routes applied with the fixture's infrastructure and not timed: the first route on a Gateway triggers the Envoy rollout. */
export const WARM_UP_ROUTES = 1;

/** Thrown by a phase when Ctrl-C ended the run: what was measured is kept. */
export class Interrupted extends Error {}

/** The load step or churn cycle within a phase. */
interface Position {
  readonly step?: number;
  readonly cycle?: number;
}

export class RunContext implements MeasuredRun {
  readonly startedAt = new Date();
  readonly phases: PhaseRecord[] = [];
  readonly milestones: MilestoneRecord[] = [];
  readonly failures: Failure[] = [];
  readonly gateChecks: GateCheck[] = [];
  readonly notMeasured: string[] = [];
  /** Routes that exist now (by name): samples carry their count. */
  readonly liveRoutes = new Set<string>();
  /** Timed routes created so far, and those that timed out or failed to be created: the health gate's error rate. */
  readonly routeTally = { attempted: 0, failed: 0 };
  /** The fixture's routes in order; the first WARM_UP_ROUTES are the warm-up's. */
  readonly allRoutes: readonly ApplyObject[];

  private current: Phase = 'preflight';
  private position: Position = {};
  private phaseStart = nowMs();
  /** Which life of each route is current (by route name): records of the route and its HTTPRoute carry it. */
  private readonly incarnations = new Map<string, number>();
  private readonly routeNames: ReadonlySet<string>;
  private readonly allParts: ReturnType<typeof fixtureParts>;
  private readonly parent: { readonly name: string; readonly namespace: string };
  /** The scenario's client-side rate limit (qps 0: none) on creates and deletes. */
  private readonly rate: { readonly qps: number; readonly burst?: number };
  private readonly progress = { done: 0, total: 0 };
  private readiness?: RouteReadiness;
  /** Untimed routes (the warm-up's): their outcome goes to the waiter instead of the records. */
  private readonly untimed = new Map<string, (outcome: ReadinessOutcome) => void>();
  private readonly configSizeListeners: ((size: ConfigSize) => void)[] = [];
  private readonly resources: ResourceMap;
  private readonly applier: Applier;
  /** Deletes (churn, scale-down) never overlap creates, so their own bucket keeps the total within qps. */
  private readonly deleteLimiter: RateLimiter;
  private readonly onAbort = () => this.readiness?.stop();

  constructor(readonly options: RunOptions) {
    const { cluster, spec, scenario } = options;
    this.parent = { name: applySetParentName(spec.fixtureId), namespace: spec.namespace };
    const member = applySetMember(this.parent);
    this.allParts = fixtureParts(spec, options.extras);
    this.allRoutes = [...this.allParts.find((p) => p.name === 'routes')!.manifests].map((route) => member(route as ApplyObject));
    this.routeNames = new Set(this.allRoutes.map((route) => route.metadata.name));
    this.resources = new ResourceMap(cluster);
    this.rate = { qps: scenario.load.qps ?? 0, burst: scenario.load.burst };
    this.applier = new Applier(cluster, this.resources, { concurrency: scenario.load.concurrency, ...this.rate, signal: options.signal });
    this.deleteLimiter = new RateLimiter(this.rate.qps, this.rate.burst);
  }

  aborted(): boolean {
    return this.options.signal?.aborted ?? false;
  }

  /** Ends the current phase's record and starts the next. */
  enter(next: Phase, detail = '', at: Position = {}): void {
    this.phases.push({ phase: this.current, startMs: this.phaseStart, endMs: nowMs(), ...this.position });
    this.current = next;
    this.position = at;
    this.phaseStart = nowMs();
    this.options.onPhase?.(next, detail);
  }

  /** Ends the last phase's record. */
  endPhases(): void {
    this.phases.push({ phase: this.current, startMs: this.phaseStart, endMs: nowMs() });
  }

  /** Progress counts routes settled (ready, timed out or failed) out of `total` from here on. */
  track(total: number): void {
    Object.assign(this.progress, { done: 0, total });
  }

  fail(message: string, object?: string): void {
    this.failures.push({ phase: this.current, ...(object !== undefined && { object }), message });
  }

  where(): SampleContext {
    return { phase: this.current, liveObjects: this.liveRoutes.size, ...this.position };
  }

  get extprocPid(): number | undefined {
    return this.readiness?.extprocPid;
  }

  routeIncarnation(name: string): number | undefined {
    return this.routeNames.has(name) ? this.incarnations.get(name) ?? 1 : undefined;
  }

  recordMilestone(record: MilestoneRecord): void {
    this.milestones.push(record);
  }

  followConfigSizes(listener: (size: ConfigSize) => void): void {
    this.configSizeListeners.push(listener);
  }

  log(line: string): void {
    this.options.onPhase?.(this.current, line);
  }

  /** The readiness source, started by the warm-up. */
  get routeReadiness(): RouteReadiness {
    if (!this.readiness) throw new Error('route readiness is started by the warm-up');
    return this.readiness;
  }

  async startReadiness(): Promise<RouteReadiness> {
    const { cluster, scenario, spec, controlPlane, signal } = this.options;
    this.readiness = await startRouteReadiness({
      cluster,
      scenario,
      gateway: { name: spec.gatewayName, namespace: spec.namespace },
      controlPlane,
      onOutcome: (outcome) => this.onOutcome(outcome),
      onRecord: (record) => this.recordMilestone(record),
      onSize: (size) => this.configSizeListeners.forEach((listener) => listener(size)),
      log: (line) => this.log(line),
      signal,
    });
    signal?.addEventListener('abort', this.onAbort);
    return this.readiness;
  }

  /** Waits for a route without timing it: undefined when the run was interrupted first. */
  async untimedOutcome(route: PendingRoute): Promise<ReadinessOutcome | undefined> {
    try {
      return await new Promise((resolve) => {
        this.untimed.set(route.object, resolve);
        this.options.signal?.addEventListener('abort', () => resolve(undefined));
        this.routeReadiness.add(route);
      });
    } finally {
      this.untimed.delete(route.object);
    }
  }

  /** Stops following routes; the readiness source's own problems become failures of the current phase. */
  async closeReadiness(): Promise<void> {
    this.options.signal?.removeEventListener('abort', this.onAbort);
    if (!this.readiness) return;
    await this.readiness.close();
    for (const problem of new Set(this.readiness.problems)) this.fail(`readiness: ${problem}`);
  }

  /** Creates routes (the next incarnation of each) and starts following each as soon as the apiserver accepted it. */
  async createRoutes(routes: readonly ApplyObject[]): Promise<void> {
    const { spec, scenario } = this.options;
    const readiness = this.routeReadiness;
    await forEachConcurrently(
      routes,
      scenario.load.concurrency,
      async (route) => {
        const name = route.metadata.name;
        const object = routeObjectName(spec.namespace, name);
        // Set before the create: the watch may see the new object before the create returns.
        const incarnation = (this.incarnations.get(name) ?? 0) + 1;
        this.incarnations.set(name, incarnation);
        const outcome = await this.applier.applyOne(route);
        if (outcome.kind === 'skipped') return;
        this.routeTally.attempted++;
        if (outcome.kind === 'failed') {
          this.routeTally.failed++;
          this.settled();
          this.fail(`HTTP ${outcome.failure.status}: ${outcome.failure.message}`, object);
          return;
        }
        const at = nowMs();
        this.liveRoutes.add(name);
        this.milestones.push({ object, milestone: 'created', clientTimeMs: at, serverTime: outcome.creationTimestamp, incarnation });
        readiness.add(pendingRoute(spec.namespace, route, incarnation), at);
      },
      () => this.aborted(),
    );
  }

  /** Applies the whole fixture with only these of its routes (their first life), in one apply set. */
  async applyFixture(routes: readonly ApplyObject[]): Promise<void> {
    const { cluster, spec, scenario, signal } = this.options;
    for (const route of routes) this.incarnations.set(route.metadata.name, 1);
    const groups = this.allParts.map((p) => (p.name === 'routes' ? routes : ([...p.manifests] as ApplyObject[])));
    const applied = await applySet(cluster, { parent: this.parent, labels: fixtureLabels(spec.fixtureId), groups }, { concurrency: scenario.load.concurrency, ...this.rate, signal });
    if (applied.failed.length > 0) throw new Error(`warm-up apply failed: ${applied.failed.map((f) => `${f.object}: ${f.message}`).join('; ')}`);
    for (const route of routes) this.liveRoutes.add(route.metadata.name);
  }

  /** Deletes routes through the rate limit, recording when the apiserver accepted each delete. */
  async deleteRoutes(routes: readonly ApplyObject[]): Promise<void> {
    const { cluster, spec, scenario } = this.options;
    await forEachConcurrently(
      routes,
      scenario.load.concurrency,
      async (route) => {
        const object = routeObjectName(spec.namespace, route.metadata.name);
        await this.deleteLimiter.take();
        const response = await cluster.requestRetrying('DELETE', `${await this.resources.objectPath(route)}?propagationPolicy=Background`);
        if (response.status !== 200 && response.status !== 202) return this.fail(`delete failed with HTTP ${response.status}: ${messageOf(response.body)}`, object);
        this.liveRoutes.delete(route.metadata.name);
        const incarnation = this.incarnations.get(route.metadata.name);
        this.milestones.push({ object, milestone: 'deleted', clientTimeMs: nowMs(), incarnation });
        this.readiness?.removed(pendingRoute(spec.namespace, route, incarnation));
      },
      () => this.aborted(),
    );
  }

  /** Waits until none of the routes is listed any more (finalizers may hold them), up to the per-route timeout. */
  async waitRoutesGone(routes: readonly ApplyObject[]): Promise<void> {
    const { cluster, spec, scenario, signal } = this.options;
    const timeoutMs = scenario.probe.perRouteTimeoutMs;
    const collection = await this.resources.collectionPath(routes[0].apiVersion, routes[0].kind, spec.namespace);
    const deadline = nowMs() + timeoutMs;
    let pending = new Set(routes.map((route) => route.metadata.name));
    while (pending.size > 0 && !this.aborted()) {
      const response = await cluster.requestRetrying('GET', collection, undefined, undefined, METADATA_ONLY);
      if (response.status !== 200) throw new Error(`listing routes failed with HTTP ${response.status}: ${messageOf(response.body)}`);
      const listed = new Set((response.body.items ?? []).map((item: { metadata: { name: string } }) => item.metadata.name));
      pending = new Set([...pending].filter((name) => listed.has(name)));
      if (pending.size === 0) return;
      if (nowMs() > deadline) throw new Error(`${pending.size} deleted route(s) still present after ${timeoutMs} ms, e.g. ${[...pending][0]}`);
      await sleepUntil(nowMs() + 100, signal);
    }
  }

  /** One outcome of a timed route goes to the records; an untimed route's final one goes to its waiter. */
  private onOutcome(outcome: ReadinessOutcome): void {
    const { object, incarnation } = outcome.route;
    const waiter = this.untimed.get(object);
    if (waiter) {
      if (outcome.kind !== 'firstSuccess') waiter(outcome);
      return;
    }
    this.milestones.push({ object, milestone: outcome.kind, clientTimeMs: outcome.atMs, attempts: outcome.attempts, incarnation });
    if (outcome.kind === 'firstSuccess') return;
    if (outcome.kind === 'timedOut') {
      this.routeTally.failed++;
      this.fail(outcome.detail, object);
    }
    this.settled();
  }

  private settled(): void {
    this.options.onProgress?.(this.current, ++this.progress.done, this.progress.total);
  }
}
