/**
 * Synthetic results.json for report tests, shaped like the runner's: a warm-up phase applying route-000001 (not
 * timed, no milestones), then routes 2…N created in batches and probed until first success, then cleanup.
 * Time to first success is log-normal (median × e^(σ·z)); memory = base + k·liveRoutes + normal noise; CPU rises
 * with the routes created in the last sample interval. Everything is drawn from a seeded PRNG.
 */
import { resolveFixtureSpec } from '../../charts/fixture-spec';
import { BenchResults, Component, Failure, MilestoneRecord, PhaseRecord, RESULTS_SCHEMA_VERSION, Sample } from '../../src/results/schema';
import { Rng } from '../../src/report/stats';
import { Scenario } from '../../src/results/scenario';

export const KiB = 1024;
export const MiB = 1024 * KiB;

export const PRIMARY: readonly Component[] = ['envoy-gateway', 'ai-gateway-controller', 'envoy-proxy'];

export const DEFAULT_MEMORY_PER_ROUTE: Readonly<Record<Component, number>> = {
  'envoy-gateway': 12 * KiB,
  'ai-gateway-controller': 10 * KiB,
  'envoy-proxy': 20 * KiB,
  'ai-gateway-extproc': 2 * KiB,
  'kube-apiserver': 30 * KiB,
  etcd: 8 * KiB,
  'mock-provider': 0,
  runner: 1 * KiB,
};

const BASE_MEMORY: Readonly<Record<Component, number>> = {
  'envoy-gateway': 90 * MiB,
  'ai-gateway-controller': 45 * MiB,
  'envoy-proxy': 60 * MiB,
  'ai-gateway-extproc': 40 * MiB,
  'kube-apiserver': 300 * MiB,
  etcd: 80 * MiB,
  'mock-provider': 40 * MiB,
  runner: 120 * MiB,
};

export interface MakeOptions {
  /** settings.routes, the warm-up route included. @default 500 */
  readonly routes?: number;
  /** @default 1 */
  readonly seed?: number;
  /** @default 5000 */
  readonly ttfsMedianMs?: number;
  /** Log-normal σ. @default 0.2 */
  readonly ttfsSigma?: number;
  /** Multiplies every time to first success (a planted TTFS regression). @default 1 */
  readonly ttfsFactor?: number;
  /** Routes that never succeed (timedOut milestone after the timeout). @default 0 */
  readonly timedOut?: number;
  /** Routes whose create fails (a failure, no milestone). @default 0 */
  readonly failedCreates?: number;
  /** Components sampled. @default the three primary ones */
  readonly components?: readonly Component[];
  /** Components sampled for memory only (no cpuMillicores). */
  readonly withoutCpu?: readonly Component[];
  /** Multiplies every component's memory per route (a planted memory regression). @default 1 */
  readonly memoryPerRouteFactor?: number;
  /** Standard deviation of the memory noise. @default 64 KiB */
  readonly memoryNoiseBytes?: number;
  /** @default 50 */
  readonly batchSize?: number;
  /** @default 1000 */
  readonly batchIntervalMs?: number;
  /** @default 1000 */
  readonly sampleIntervalMs?: number;
  /** @default 60000 */
  readonly perRouteTimeoutMs?: number;
  /** Record a warm-up phase with an untimed route-000001, as the runner does. @default true */
  readonly warmUp?: boolean;
  /** @default 'cluster' */
  readonly mode?: BenchResults['run']['mode'];
  readonly runId?: string;
  readonly interrupted?: boolean;
  /** Extra failures appended (e.g. many, to test the "first 20" list). */
  readonly extraFailures?: readonly Failure[];
  /** Embed this scenario (makeScenario); with one, each ready route also records `ready` (3 × 100 ms after first success). */
  readonly scenario?: Scenario;
  /** Status milestones recorded per route life: log-normal latency (σ 0.3) from its create; `missing` lives never reach it. */
  readonly statusMilestones?: readonly StatusMilestone[];
  /** After validation, delete and recreate the first `share` of the ready routes, `cycles` times (incarnations 2, 3, …). */
  readonly churn?: { readonly cycles: number; readonly share: number };
}

export interface StatusMilestone {
  readonly name: string;
  /** AIGatewayRoute (recorded on the route) or HTTPRoute (recorded on its HTTPRoute, with `route`). */
  readonly kind: 'AIGatewayRoute' | 'HTTPRoute';
  readonly medianMs: number;
  /** Route lives (counted from the first timed route) that never reach it. @default 0 */
  readonly missing?: number;
}

/** A complete scenario with the documented defaults; `overrides` replaces top-level fields. */
export function makeScenario(overrides: Partial<Scenario> = {}): Scenario {
  return {
    apiVersion: 'aigw-scale/v1',
    kind: 'Scenario',
    name: 'synthetic',
    fixture: resolveFixtureSpec({ routes: 500, backends: 10, namespace: 'bench' }),
    gateway: { mode: 'cluster', grpcMaxMessageBytes: 25 * MiB, allowMissingControllers: false },
    load: { concurrency: 16, shape: { type: 'batches', batchSize: 50, intervalMs: 1000 } },
    probe: { requestIntervalMs: 100, perRouteTimeoutMs: 60_000, concurrency: 512, consecutiveSuccesses: 3 },
    milestones: [],
    sampling: { intervalMs: 1000 },
    slo: [],
    validity: { maxMissingShare: 0.05, requireSamples: [], maxSampleGapIntervals: 5 },
    repeat: 1,
    profiles: { enabled: false, cpuSeconds: 10 },
    ...overrides,
  };
}

export interface Made {
  readonly results: BenchResults;
  /** The true per-route times to first success of the ready routes, in route order. */
  readonly ttfsMs: readonly number[];
  /** The true memory per route of each sampled component (bytes). */
  readonly memoryPerRoute: Readonly<Partial<Record<Component, number>>>;
}

const T0 = Date.UTC(2025, 5, 1, 12, 0, 0);
const routeObject = (i: number) => `AIGatewayRoute/bench/route-${String(i).padStart(6, '0')}`;

export function makeResults(options: MakeOptions = {}): Made {
  const routes = options.routes ?? 500;
  const rng = new Rng(options.seed ?? 1);
  const median = options.ttfsMedianMs ?? 5000;
  const sigma = options.ttfsSigma ?? 0.2;
  const factor = options.ttfsFactor ?? 1;
  const batchSize = options.batchSize ?? 50;
  const batchIntervalMs = options.batchIntervalMs ?? 1000;
  const sampleIntervalMs = options.sampleIntervalMs ?? 1000;
  const timeoutMs = options.perRouteTimeoutMs ?? 60_000;
  const warmUp = options.warmUp ?? true;
  const components = options.components ?? PRIMARY;
  const withoutCpu = new Set(options.withoutCpu ?? []);
  const noise = options.memoryNoiseBytes ?? 64 * KiB;
  const memFactor = options.memoryPerRouteFactor ?? 1;

  const phases: PhaseRecord[] = [];
  const milestones: MilestoneRecord[] = [];
  const failures: Failure[] = [];
  const ttfsMs: number[] = [];

  let t = T0;
  phases.push({ phase: 'preflight', startMs: t, endMs: (t += 2000) });
  const warmUpCreatedAt = t + 500;
  if (warmUp) phases.push({ phase: 'warm-up', startMs: t, endMs: (t += 6000) });

  const provisionStart = t;
  const first = warmUp ? 2 : 1;
  const timed = Array.from({ length: routes - first + 1 }, (_, k) => first + k);
  // which routes time out / fail to create: spread deterministically over the set
  const pick = (from: readonly number[], count: number) => new Set(Array.from({ length: count }, (_, k) => from[Math.floor(((k + 0.5) * from.length) / count)]));
  const timedOut = pick(timed, options.timedOut ?? 0);
  const failedCreates = pick(
    timed.filter((i) => !timedOut.has(i)),
    options.failedCreates ?? 0,
  );

  const serverTime = (ms: number) => new Date(Math.floor(ms / 1000) * 1000).toISOString();
  /** firstSuccess (and ready, with a scenario) plus the status milestones of one route life. */
  const lifeMilestones = (i: number, incarnation: number, created: number, ttfs: number, position: number): MilestoneRecord[] => {
    const life = incarnation === 1 ? {} : { incarnation };
    const out: MilestoneRecord[] = [{ object: routeObject(i), milestone: 'firstSuccess', clientTimeMs: created + ttfs, attempts: Math.ceil(ttfs / 100), ...life }];
    if (options.scenario) out.push({ object: routeObject(i), milestone: 'ready', clientTimeMs: created + ttfs + 300, attempts: Math.ceil(ttfs / 100) + 3, ...life });
    for (const m of options.statusMilestones ?? []) {
      if (incarnation === 1 && position < (m.missing ?? 0)) continue;
      const at = created + m.medianMs * Math.exp(0.3 * rng.normal()) * factor;
      const object = m.kind === 'HTTPRoute' ? `HTTPRoute/bench/route-${String(i).padStart(6, '0')}` : routeObject(i);
      out.push({ object, milestone: m.name, clientTimeMs: at, serverTime: serverTime(at), ...life, ...(m.kind === 'HTTPRoute' && { route: routeObject(i) }) });
    }
    return out;
  };

  const createdTimes: number[] = []; // for liveObjects
  let lastOutcome = provisionStart;
  timed.forEach((i, k) => {
    const batch = Math.floor(k / batchSize);
    const created = provisionStart + batch * batchIntervalMs + rng.next() * 200;
    const z = rng.normal();
    if (failedCreates.has(i)) {
      failures.push({ phase: 'provision', object: routeObject(i), message: 'HTTP 422: AIGatewayRoute.aigateway.envoyproxy.io "x" is invalid' });
      return;
    }
    milestones.push({ object: routeObject(i), milestone: 'created', clientTimeMs: created, serverTime: serverTime(created) });
    createdTimes.push(created);
    if (timedOut.has(i)) {
      milestones.push({ object: routeObject(i), milestone: 'timedOut', clientTimeMs: created + timeoutMs, attempts: Math.round(timeoutMs / 100) });
      failures.push({ phase: 'validate', object: routeObject(i), message: `no success within ${timeoutMs} ms (last: HTTP 404)` });
      lastOutcome = Math.max(lastOutcome, created + timeoutMs);
      return;
    }
    const ttfs = median * Math.exp(sigma * z) * factor;
    ttfsMs.push(ttfs);
    milestones.push(...lifeMilestones(i, 1, created, ttfs, k));
    lastOutcome = Math.max(lastOutcome, created + ttfs);
  });
  const provisionEnd = Math.max(provisionStart + 1, ...createdTimes) + 50;
  phases.push({ phase: 'provision', startMs: provisionStart, endMs: provisionEnd });
  const validateEnd = Math.max(provisionEnd, lastOutcome) + 100;
  phases.push({ phase: 'validate', startMs: provisionEnd, endMs: validateEnd });
  // churn: each cycle deletes the first `share` of the ready routes, recreates them 1 s later, waits for them
  let churnEnd = validateEnd;
  const readyRoutes = timed.filter((i) => !timedOut.has(i) && !failedCreates.has(i));
  const churned = readyRoutes.slice(0, Math.round((options.churn?.share ?? 0) * readyRoutes.length));
  const churnGaps: [number, number][] = []; // [deletedAt, recreatedAt): these routes are not live
  for (let cycle = 1; cycle <= (options.churn?.cycles ?? 0); cycle++) {
    const start = churnEnd;
    const deletedAt = start + 500;
    const recreatedAt = deletedAt + 1000;
    let end = recreatedAt;
    churned.forEach((i, position) => {
      milestones.push({ object: routeObject(i), milestone: 'deleted', clientTimeMs: deletedAt, incarnation: cycle });
      milestones.push({ object: routeObject(i), milestone: 'created', clientTimeMs: recreatedAt, serverTime: serverTime(recreatedAt), incarnation: cycle + 1 });
      const ttfs = median * Math.exp(sigma * rng.normal()) * factor;
      milestones.push(...lifeMilestones(i, cycle + 1, recreatedAt, ttfs, position));
      end = Math.max(end, recreatedAt + ttfs + 400);
    });
    churnGaps.push([deletedAt, recreatedAt]);
    phases.push({ phase: 'churn', startMs: start, endMs: end, cycle });
    churnEnd = end;
  }
  const cleanupEnd = churnEnd + 5000;
  phases.push({ phase: 'cleanup', startMs: churnEnd, endMs: cleanupEnd });
  const deletedAt = churnEnd + 2000;

  createdTimes.sort((a, b) => a - b);
  const liveAt = (time: number): number => {
    if (time >= deletedAt) return 0;
    let n = warmUp && time >= warmUpCreatedAt ? 1 : 0;
    for (const c of createdTimes) if (c <= time) n++;
    for (const [from, to] of churnGaps) if (time >= from && time < to) n -= churned.length;
    return n;
  };
  const phaseAt = (time: number) => [...phases].sort((a, b) => b.startMs - a.startMs).find((p) => p.startMs <= time) ?? phases[0];

  const samples: Sample[] = [];
  const memoryPerRoute: Partial<Record<Component, number>> = {};
  for (const component of components) memoryPerRoute[component] = DEFAULT_MEMORY_PER_ROUTE[component] * memFactor;
  for (let time = T0 + 250; time <= cleanupEnd; time += sampleIntervalMs) {
    const live = liveAt(time);
    const createdRecently = createdTimes.filter((c) => c > time - sampleIntervalMs && c <= time).length;
    for (const component of components) {
      const memory = BASE_MEMORY[component] + (memoryPerRoute[component] as number) * live + noise * rng.normal();
      const cpu = Math.max(0, 15 + 1.5 * createdRecently + 0.01 * live + 3 * rng.normal());
      samples.push({
        t: time + rng.next() * 20,
        component,
        ...(!withoutCpu.has(component) && { cpuMillicores: cpu }),
        memoryBytes: Math.round(memory),
        liveObjects: live,
        phase: phaseAt(time).phase,
        ...(phaseAt(time).cycle !== undefined && { cycle: phaseAt(time).cycle }),
      });
    }
  }

  const results: BenchResults = {
    schemaVersion: RESULTS_SCHEMA_VERSION,
    tool: { name: 'aigw-scale', version: '0.1.0' },
    run: {
      id: options.runId ?? `synthetic-${options.seed ?? 1}`,
      startedAt: new Date(T0).toISOString(),
      finishedAt: new Date(cleanupEnd).toISOString(),
      mode: options.mode ?? 'cluster',
      interrupted: options.interrupted ?? false,
    },
    environment: { context: 'kind-bench', server: 'https://127.0.0.1:6443', kubernetesVersion: 'v1.33.1', nodes: 3, runnerCpus: 8, runnerPlatform: 'linux x64, Node 20.20.2' },
    versions: { 'envoy-gateway': 'v1.5.0', 'ai-gateway-controller': 'v0.4.0', envoy: '1.35.0' },
    settings: {
      routes,
      backends: 10,
      headerMutations: 0,
      fixtureId: 'bench',
      namespace: 'bench',
      provisioning: { mode: 'batches', batchSize, batchIntervalMs },
      perRouteTimeoutMs: timeoutMs,
      sampleIntervalMs,
      requestIntervalMs: 100,
      grpcMaxMessageBytes: 25 * MiB,
    },
    phases,
    milestones,
    samples,
    failures: [...failures, ...(options.extraFailures ?? [])],
    ...(options.scenario && { scenario: options.scenario }),
    notMeasured: components.includes('envoy-proxy') ? [] : ['envoy-proxy: no CPU or memory samples (no pods found, or no metrics source)'],
  };
  return { results, ttfsMs, memoryPerRoute };
}
