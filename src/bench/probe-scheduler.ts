import { nowMs } from './clock';
import { GatewayClient, ProbeResult } from './gateway-client';

/** A route waiting for its first success. */
export interface PendingRoute {
  readonly object: string;
  readonly model: string;
  readonly backend: string;
}

export interface ProbeOutcome {
  readonly route: PendingRoute;
  readonly success: boolean;
  /** Client time of the successful response (or of giving up). */
  readonly atMs: number;
  /** Client time the last failed probe was answered: the success happened in (lastFailureMs, atMs]. */
  readonly lastFailureMs?: number;
  readonly attempts: number;
  readonly lastResult?: ProbeResult;
}

export interface ProbeSchedulerOptions {
  /** Time between two probes of one route. @default 100 ms */
  readonly intervalMs?: number;
  /** Give up on a route this long after it was added. @default 60 s */
  readonly timeoutMs?: number;
  /** Probes in flight at once, across routes. @default 128 */
  readonly concurrency?: number;
}

/**
 * Probes every pending route through the gateway until a 200 arrives from the route's own backend, each route
 * every `intervalMs`, with bounded concurrency. Routes are added as they are created.
 */
export class ProbeScheduler {
  private readonly queue: { route: PendingRoute; addedMs: number; nextMs: number; attempts: number; lastFailureMs?: number; lastResult?: ProbeResult }[] = [];
  private inFlight = 0;
  private stopped = false;
  private timer?: NodeJS.Timeout;
  private idleWaiters: (() => void)[] = [];
  readonly intervalMs: number;
  readonly timeoutMs: number;
  private readonly concurrency: number;
  probes = 0;

  constructor(private readonly client: GatewayClient, private readonly onOutcome: (outcome: ProbeOutcome) => void, options: ProbeSchedulerOptions = {}) {
    this.intervalMs = options.intervalMs ?? 100;
    this.timeoutMs = options.timeoutMs ?? 60_000;
    this.concurrency = options.concurrency ?? 128;
  }

  get pending(): number {
    return this.queue.length + this.inFlight;
  }

  add(route: PendingRoute, addedMs = nowMs()): void {
    this.queue.push({ route, addedMs, nextMs: addedMs, attempts: 0 });
    this.pump();
  }

  /** Resolves when no route is pending (all succeeded or timed out), or when stopped. */
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

  private pump(): void {
    if (this.stopped) return;
    clearTimeout(this.timer);
    const now = nowMs();
    // The queue is kept ordered by nextMs: a route goes to the back after each probe.
    while (this.inFlight < this.concurrency && this.queue.length > 0 && this.queue[0].nextMs <= now) {
      const entry = this.queue.shift()!;
      if (now - entry.addedMs > this.timeoutMs) {
        this.onOutcome({ route: entry.route, success: false, atMs: now, lastFailureMs: entry.lastFailureMs, attempts: entry.attempts, lastResult: entry.lastResult });
        continue;
      }
      this.inFlight++;
      entry.attempts++;
      this.probes++;
      void this.client.probe(entry.route.model).then((result) => {
        this.inFlight--;
        const answeredMs = nowMs();
        if (result.status === 200 && result.backend === entry.route.backend) {
          this.onOutcome({ route: entry.route, success: true, atMs: answeredMs, lastFailureMs: entry.lastFailureMs, attempts: entry.attempts, lastResult: result });
        } else {
          entry.lastFailureMs = answeredMs;
          entry.lastResult = result;
          entry.nextMs = answeredMs + this.intervalMs;
          this.queue.push(entry);
        }
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
