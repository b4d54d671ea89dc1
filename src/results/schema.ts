/**
 * results.json: everything a benchmark run measured, and nothing derived from it. Reports and comparisons are
 * computed from this file alone, so any past run can be re-rendered and compared. What was not measured is
 * absent, never zero.
 */

export const RESULTS_SCHEMA_VERSION = 1;

/** Components whose resource use is sampled. */
export type Component = 'envoy-gateway' | 'ai-gateway-controller' | 'envoy-proxy' | 'kube-apiserver' | 'etcd' | 'mock-provider' | 'runner';

/** Run phases, in order. */
export type Phase = 'preflight' | 'warm-up' | 'provision' | 'validate' | 'scale-down' | 'cleanup';

/** Per-object milestones the runner records. */
export type Milestone =
  /** The apiserver accepted the object (client clock when the create returned; serverTime = creationTimestamp). */
  | 'created'
  /** First 200 through the gateway from the right backend. */
  | 'firstSuccess'
  /** The route was given up on (per-route timeout). */
  | 'timedOut'
  /** Deleted during scale-down. */
  | 'deleted';

export interface MilestoneRecord {
  /** `Kind/namespace/name`, e.g. `AIGatewayRoute/bench/route-000001`. */
  readonly object: string;
  readonly milestone: Milestone;
  /** Client clock, Unix epoch milliseconds (fractional: sub-millisecond resolution from a monotonic clock). */
  readonly clientTimeMs: number;
  /** The server's own timestamp for the event when it has one (RFC 3339, 1 s resolution), e.g. creationTimestamp. */
  readonly serverTime?: string;
  /** Requests sent until this milestone (firstSuccess, timedOut). */
  readonly attempts?: number;
}

export interface Sample {
  /** Client clock, Unix epoch milliseconds. */
  readonly t: number;
  readonly component: Component;
  /** CPU in millicores averaged since the previous sample of this component; absent when not measurable. */
  readonly cpuMillicores?: number;
  /** Working set (metrics API / kubelet) or resident set (local processes), bytes. */
  readonly memoryBytes?: number;
  /** Routes that existed when the sample was taken. */
  readonly liveObjects: number;
  readonly phase: Phase;
}

export interface PhaseRecord {
  readonly phase: Phase;
  readonly startMs: number;
  readonly endMs: number;
}

export interface Failure {
  readonly phase: Phase;
  /** The object it concerns, when it concerns one. */
  readonly object?: string;
  readonly message: string;
}

export interface BenchResults {
  readonly schemaVersion: typeof RESULTS_SCHEMA_VERSION;
  readonly tool: { readonly name: 'aigw-scale'; readonly version: string };
  readonly run: {
    readonly id: string;
    readonly startedAt: string;
    readonly finishedAt: string;
    /** `cluster`: through a real gateway; `stand-in`: through the test stand-in gateway (no Envoy). */
    readonly mode: 'cluster' | 'stand-in' | 'control-plane';
    /** Ctrl-C or an error stopped the run early; what was measured until then is here. */
    readonly interrupted: boolean;
  };
  readonly environment: {
    readonly context: string;
    readonly server: string;
    readonly kubernetesVersion?: string;
    readonly nodes?: number;
    readonly runnerCpus: number;
    readonly runnerPlatform: string;
  };
  /** Versions found in the cluster (controller images); absent when not found. */
  readonly versions: Readonly<Record<string, string>>;
  readonly settings: {
    readonly routes: number;
    /** Routes applied in the warm-up phase and not timed (route-000001 …); included in `routes`. */
    readonly warmUpRoutes?: number;
    readonly backends: number;
    readonly headerMutations: number;
    readonly fixtureId: string;
    readonly namespace: string;
    readonly provisioning: { readonly mode: 'all-at-once' | 'batches'; readonly batchSize?: number; readonly batchIntervalMs?: number };
    readonly perRouteTimeoutMs: number;
    readonly sampleIntervalMs: number;
    readonly requestIntervalMs: number;
    readonly scaleDownSteps?: number;
    readonly grpcMaxMessageBytes?: number;
  };
  /** The config-size plan made in preflight (see `aigw-scale plan`). */
  readonly plan?: unknown;
  readonly phases: readonly PhaseRecord[];
  readonly milestones: readonly MilestoneRecord[];
  readonly samples: readonly Sample[];
  readonly failures: readonly Failure[];
  /** Things the run could not measure, said plainly (e.g. "no Envoy proxy pods: data-plane memory not measured"). */
  readonly notMeasured: readonly string[];
}

/** Reads and checks a results.json; throws with a clear message for another schema version or a broken file. */
export function parseResults(text: string, source = 'results.json'): BenchResults {
  let data: any;
  try {
    data = JSON.parse(text);
  } catch (error) {
    throw new Error(`${source} is not JSON: ${(error as Error).message}`);
  }
  if (data?.schemaVersion !== RESULTS_SCHEMA_VERSION) {
    throw new Error(`${source} has schemaVersion ${JSON.stringify(data?.schemaVersion)}; this aigw-scale reads version ${RESULTS_SCHEMA_VERSION}`);
  }
  for (const key of ['run', 'settings', 'milestones', 'samples', 'failures', 'phases'] as const) {
    if (data[key] === undefined) throw new Error(`${source} lacks "${key}"`);
  }
  return data as BenchResults;
}
