/**
 * results.json: everything a benchmark run measured, and nothing derived from it. Reports and comparisons are
 * computed from this file alone, so any past run can be re-rendered and compared. What was not measured is
 * absent, never zero.
 */

import type { FixtureSpec } from '../../charts/fixture-spec';
import type { Scenario } from './scenario';

/** Version 2 added the scenario, generic milestones, incarnations, steps/churn phases, gate checks and profiles. */
export const RESULTS_SCHEMA_VERSION = 2;
/** Older versions this reader still accepts (their files are valid version-2 files without the new fields). */
const READABLE_VERSIONS: readonly number[] = [1, 2];

/** Components whose resource use is sampled. */
export type Component = 'envoy-gateway' | 'ai-gateway-controller' | 'ai-gateway-extproc' | 'envoy-proxy' | 'kube-apiserver' | 'etcd' | 'mock-provider' | 'runner';

/** Run phases, in order (`provision`/`hold` repeat per load step, `churn` per cycle). */
export type Phase = 'preflight' | 'warm-up' | 'provision' | 'hold' | 'validate' | 'churn' | 'scale-down' | 'cleanup';

/** Milestones the runner always records; a scenario adds its own status milestones by name (MilestoneSpec). */
export type BuiltInMilestone =
  /** The apiserver accepted the object (client clock when the create returned; serverTime = creationTimestamp). */
  | 'created'
  /** First 200 through the gateway from the right backend. */
  | 'firstSuccess'
  /**
   * The last of `consecutiveSuccesses` 200s in a row from the right backend: the route is ready. In control-plane
   * mode (no Envoy, no traffic): the later of `xdsServed` and `extprocLoaded`, so no `firstSuccess` is recorded.
   */
  | 'ready'
  /** The route was given up on (per-route timeout). */
  | 'timedOut'
  /** Deleted (scale-down or churn). */
  | 'deleted';

/**
 * The stages a control-plane run (no Envoy) records per route, in pipeline order: the route's model in the
 * filter-config Secrets, the route in the xDS Envoy Gateway serves, the model loaded by the real extproc.
 */
export const CONTROL_PLANE_STAGES = ['filterConfig', 'xdsServed', 'extprocLoaded'] as const;
export type ControlPlaneStage = (typeof CONTROL_PLANE_STAGES)[number];
/** After a delete, when each stage let the route go (reports time these from `deleted`). */
export const REMOVAL_MILESTONES = ['filterConfigRemoved', 'xdsServedRemoved', 'extprocLoadedRemoved'] as const;
export const removedMilestone = (stage: ControlPlaneStage) => `${stage}Removed` as (typeof REMOVAL_MILESTONES)[number];

export const BUILT_IN_MILESTONES: readonly string[] = ['created', 'firstSuccess', 'ready', 'timedOut', 'deleted', ...CONTROL_PLANE_STAGES, ...REMOVAL_MILESTONES];

/**
 * A built-in milestone or the name of a scenario milestone (e.g. `routeAccepted`). Control-plane runs also record,
 * per route, `filterConfig`, `xdsServed` and `extprocLoaded` (timed from `created`) and, after a delete,
 * `filterConfigRemoved`, `xdsServedRemoved` and `extprocLoadedRemoved` (reports time these from `deleted`).
 */
export type Milestone = BuiltInMilestone | (string & {});

export interface MilestoneRecord {
  /** `Kind/namespace/name`, e.g. `AIGatewayRoute/bench/route-000001`. */
  readonly object: string;
  readonly milestone: Milestone;
  /**
   * Client clock, Unix epoch milliseconds (fractional: sub-millisecond resolution from a monotonic clock). Never
   * before the route's `created`: one seen while the create's response was on its way is recorded at the create.
   */
  readonly clientTimeMs: number;
  /** The server's own timestamp for the event when it has one (RFC 3339, 1 s resolution), e.g. creationTimestamp. */
  readonly serverTime?: string;
  /** Requests sent until this milestone (firstSuccess, ready, timedOut). */
  readonly attempts?: number;
  /** Which life of the object: 1 for the first create, +1 for each churn recreate. Absent means 1. */
  readonly incarnation?: number;
  /** For objects of other kinds tied to a route by name (its HTTPRoute): the route's `AIGatewayRoute/ns/name`. */
  readonly route?: string;
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
  /** Load step (1-based) or churn cycle (1-based) the sample was taken in, when the phase has one. */
  readonly step?: number;
  readonly cycle?: number;
}

export interface PhaseRecord {
  readonly phase: Phase;
  readonly startMs: number;
  readonly endMs: number;
  readonly step?: number;
  readonly cycle?: number;
}

/** A health-gate check between two load steps. */
export interface GateCheck {
  /** The step that had just finished. */
  readonly step: number;
  readonly atMs: number;
  readonly passed: boolean;
  /** Share of the routes probed so far that timed out or failed. */
  readonly errorRate: number;
  /** Why it failed, or what it waited for. */
  readonly message?: string;
}

/** A profile file written beside results.json. */
export interface ProfileRecord {
  readonly component: Component;
  readonly kind: 'heap' | 'cpu';
  /** Path relative to results.json. */
  readonly file: string;
  readonly atMs: number;
  readonly liveObjects: number;
}

export interface Failure {
  readonly phase: Phase;
  /** The object it concerns, when it concerns one. */
  readonly object?: string;
  readonly message: string;
}

export interface BenchResults {
  /** Version 1 files are read as they are (they lack the version-2 fields). */
  readonly schemaVersion: 1 | typeof RESULTS_SCHEMA_VERSION;
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
  /** The whole resolved fixture (files before it record only routes, backends, headerMutations, fixtureId and namespace), and how the run went about it. */
  readonly settings: Pick<FixtureSpec, 'routes' | 'backends' | 'headerMutations' | 'fixtureId' | 'namespace'> & Partial<FixtureSpec> & {
    /** Routes applied in the warm-up phase and not timed (route-000001 …); included in `routes`. */
    readonly warmUpRoutes?: number;
    readonly provisioning: { readonly mode: 'all-at-once' | 'batches' | 'steps'; readonly batchSize?: number; readonly batchIntervalMs?: number };
    readonly perRouteTimeoutMs: number;
    readonly sampleIntervalMs: number;
    readonly requestIntervalMs: number;
    readonly scaleDownSteps?: number;
    readonly grpcMaxMessageBytes?: number;
  };
  /** The resolved scenario the run followed (absent in version-1 files). */
  readonly scenario?: Scenario;
  /** Which repeat this run was, when the scenario repeats (1-based). */
  readonly repeat?: { readonly index: number; readonly of: number };
  /** The config-size plan made in preflight (see `aigw-scale plan`). */
  readonly plan?: unknown;
  readonly phases: readonly PhaseRecord[];
  readonly milestones: readonly MilestoneRecord[];
  readonly samples: readonly Sample[];
  readonly failures: readonly Failure[];
  readonly gateChecks?: readonly GateCheck[];
  readonly profiles?: readonly ProfileRecord[];
  /** Sizes of the config the data plane receives, each time it changed (control-plane runs). */
  readonly configSizes?: readonly ConfigSizeSample[];
  /** Envoy Gateway → AI Gateway extension calls (local controllers with the recording proxy), with the live route count. */
  readonly extensionCalls?: readonly ExtensionCallSample[];
  /**
   * Things the run could not measure, said plainly (e.g. "no Envoy proxy pods: data-plane memory not measured"). A
   * control-plane run's line starting "data plane: Envoy did not run" also tells reports that readiness was measured
   * on the control plane; they quote it.
   */
  readonly notMeasured: readonly string[];
}

/**
 * How a control-plane run's notMeasured line begins (the runner writes the whole sentence; reports recognise it
 * and quote it).
 */
export const CONTROL_PLANE_NOT_MEASURED_PREFIX = 'data plane: Envoy did not run';

/** One observed size of the config the data plane receives. */
export interface ConfigSizeSample {
  /** Client clock, Unix epoch milliseconds. */
  readonly t: number;
  /** Live routes when it was observed. */
  readonly liveObjects: number;
  /** `filterConfig`: the AI Gateway filter config of the Gateway (all Secret parts); `xds`: what Envoy Gateway serves its Envoy. */
  readonly source: 'filterConfig' | 'xds';
  /** Serialized bytes (xds: the sum over resource types). */
  readonly bytes: number;
  /** xds: serialized bytes per resource type, by the type's short name (Listener, RouteConfiguration, Cluster). */
  readonly byType?: Readonly<Record<string, number>>;
}

/** The hook whose request carries every listener, route, cluster and secret: the message the gRPC knob is for. */
export const TRANSLATION_HOOK = 'PostTranslateModify';

/** One Envoy Gateway → AI Gateway extension server call, as the recording proxy saw it. */
export interface ExtensionCall {
  /** When the call began, Unix epoch milliseconds (the proxy's clock: this host's). */
  readonly t: number;
  /** The hook: the gRPC method's name (PostTranslateModify, PostClusterModify, PostRouteModify, …). */
  readonly method: string;
  /** Payload bytes of the request's gRPC messages (the length prefixes: what the gRPC limit is compared with). */
  readonly requestBytes: number;
  readonly requestMessages: number;
  readonly responseBytes: number;
  /** grpc-status (0 = OK); absent when the call never completed. */
  readonly grpcStatus?: number;
  readonly grpcMessage?: string;
  readonly durationMs: number;
}

/** An extension call in a run, with the routes live when it began. */
export interface ExtensionCallSample extends ExtensionCall {
  readonly liveObjects: number;
}

/** Reads and checks a results.json; throws with a clear message for another schema version or a broken file. */
export function parseResults(text: string, source = 'results.json'): BenchResults {
  let data: any;
  try {
    data = JSON.parse(text);
  } catch (error) {
    throw new Error(`${source} is not JSON: ${(error as Error).message}`);
  }
  if (!READABLE_VERSIONS.includes(data?.schemaVersion)) {
    throw new Error(`${source} has schemaVersion ${JSON.stringify(data?.schemaVersion)}; this aigw-scale reads versions ${READABLE_VERSIONS.join(', ')}`);
  }
  for (const key of ['run', 'settings', 'milestones', 'samples', 'failures', 'phases'] as const) {
    if (data[key] === undefined) throw new Error(`${source} lacks "${key}"`);
  }
  return data as BenchResults;
}
