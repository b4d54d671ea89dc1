import { nowMs } from '../time/clock';
import { GatewayClient, ProbeResult } from './gateway-client';

/** A route (one incarnation of it) waiting to become ready. */
export interface PendingRoute {
  readonly object: string;
  readonly model: string;
  readonly backend: string;
  /**
   * The route's namespace. Every fixture has the same model and backend names, so only an answer from a backend in
   * this namespace proves it came through this route (not through another fixture's Gateway).
   */
  readonly namespace: string;
  /** Which life of the route this is (1, then +1 per churn recreate); carried into the outcomes. */
  readonly incarnation?: number;
}

/**
 * What the probes found for one route: `firstSuccess` (the first 200 from its own backend, see answeredByRoute), `ready` (the k-th
 * such answer in a row) or `timedOut` (no `ready` within the timeout). A route gives `firstSuccess` then `ready`
 * (the same answer when k = 1), or `timedOut` (possibly after a `firstSuccess`).
 */
export interface ProbeOutcome {
  readonly route: PendingRoute;
  readonly kind: 'firstSuccess' | 'ready' | 'timedOut';
  /** Client time of the answer (or of giving up). */
  readonly atMs: number;
  /** Client time the last failed probe before this answer was answered: a success happened in (lastFailureMs, atMs]. */
  readonly lastFailureMs?: number;
  /** Probes sent to this route until this outcome. */
  readonly attempts: number;
  readonly lastResult?: ProbeResult;
}

export interface ProbeSchedulerOptions {
  /** Time between two probes of one route. @default 100 ms */
  readonly intervalMs?: number;
  /** Give up on a route that is not ready this long after it was added. @default 60 s */
  readonly timeoutMs?: number;
  /** Probes in flight at once, across routes. @default 128 */
  readonly concurrency?: number;
  /** Successes in a row (any failure resets the count) that make a route ready. @default 1 */
  readonly consecutiveSuccesses?: number;
}

/** A 200 from the route's own backend, in the route's own namespace. */
const answeredByRoute = (result: ProbeResult, route: PendingRoute): boolean =>
  result.status === 200 && result.backend === route.backend && result.namespace === route.namespace;

interface Entry {
  readonly route: PendingRoute;
  readonly addedMs: number;
  nextMs: number;
  attempts: number;
  streak: number;
  succeededOnce: boolean;
  lastFailureMs?: number;
  lastResult?: ProbeResult;
}

/**
 * Probes every pending route through the gateway until it answered from the route's own backend
 * `consecutiveSuccesses` times in a row, so a flapping route is not counted ready. Each route is probed every
 * `intervalMs`, with bounded concurrency across routes; routes are added as they are created.
 */
export class ProbeScheduler {
  private readonly queue: Entry[] = [];
  private inFlight = 0;
  private stopped = false;
  private timer?: NodeJS.Timeout;
  private idleWaiters: (() => void)[] = [];
  readonly intervalMs: number;
  readonly timeoutMs: number;
  private readonly concurrency: number;
  private readonly consecutiveSuccesses: number;
  probes = 0;

  constructor(private readonly client: GatewayClient, private readonly onOutcome: (outcome: ProbeOutcome) => void, options: ProbeSchedulerOptions = {}) {
    this.intervalMs = options.intervalMs ?? 100;
    this.timeoutMs = options.timeoutMs ?? 60_000;
    this.concurrency = options.concurrency ?? 128;
    this.consecutiveSuccesses = options.consecutiveSuccesses ?? 1;
    if (!Number.isInteger(this.consecutiveSuccesses) || this.consecutiveSuccesses < 1) throw new Error(`consecutiveSuccesses must be a whole number ≥ 1, got ${options.consecutiveSuccesses}`);
  }

  get pending(): number {
    return this.queue.length + this.inFlight;
  }

  add(route: PendingRoute, addedMs = nowMs()): void {
    this.queue.push({ route, addedMs, nextMs: addedMs, attempts: 0, streak: 0, succeededOnce: false });
    this.pump();
  }

  /** Resolves when no route is pending (all ready or timed out), or when stopped. */
  idle(): Promise<void> {
    if (this.pending === 0 || this.stopped) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
    this.settleIdle();
  }

  private settleIdle(): void {
    if (this.pending === 0 || this.stopped) for (const resolve of this.idleWaiters.splice(0)) resolve();
  }

  private emit(entry: Entry, kind: ProbeOutcome['kind'], atMs: number): void {
    this.onOutcome({ route: entry.route, kind, atMs, lastFailureMs: entry.lastFailureMs, attempts: entry.attempts, lastResult: entry.lastResult });
  }

  private answered(entry: Entry, result: ProbeResult): void {
    this.inFlight--;
    const answeredMs = nowMs();
    entry.lastResult = result;
    if (answeredByRoute(result, entry.route)) {
      entry.streak++;
      if (!entry.succeededOnce) {
        entry.succeededOnce = true;
        this.emit(entry, 'firstSuccess', answeredMs);
      }
      if (entry.streak >= this.consecutiveSuccesses) {
        this.emit(entry, 'ready', answeredMs);
        return;
      }
    } else {
      entry.streak = 0;
      entry.lastFailureMs = answeredMs;
    }
    entry.nextMs = answeredMs + this.intervalMs;
    this.queue.push(entry);
  }

  private pump(): void {
    if (this.stopped) return;
    clearTimeout(this.timer);
    const now = nowMs();
    // The queue is kept ordered by nextMs: a route goes to the back after each probe.
    while (this.inFlight < this.concurrency && this.queue.length > 0 && this.queue[0].nextMs <= now) {
      const entry = this.queue.shift()!;
      if (now - entry.addedMs > this.timeoutMs) {
        this.emit(entry, 'timedOut', now);
        continue;
      }
      this.inFlight++;
      entry.attempts++;
      this.probes++;
      void this.client.probe(entry.route.model).then((result) => {
        if (this.stopped) return;
        this.answered(entry, result);
        this.settleIdle();
        this.pump();
      });
    }
    this.settleIdle();
    if (this.queue.length > 0 && !this.stopped) {
      this.timer = setTimeout(() => this.pump(), Math.max(1, Math.min(this.intervalMs, this.queue[0].nextMs - nowMs())));
    }
  }
}
