/**
 * A scenario describes one benchmark run completely: the fixture, how routes are provisioned (load shape, churn),
 * what is timed (milestones), what is sampled, the SLO gates, the validity rules and how often to repeat it.
 * Scenario files (YAML, `apiVersion: aigw-scale/v1`, `kind: Scenario`) parse into this type; CLI flags are
 * shortcuts that produce the same value; results.json embeds the resolved scenario so any run can be repeated.
 * Durations are milliseconds, sizes bytes, shares fractions in [0, 1] — after parsing; files may say `5s`, `512Mi`.
 */
import type { FixtureSpec } from '../../charts/fixture-spec';
import { ValidityRules } from './validity-rules';

export interface Scenario {
  readonly apiVersion: 'aigw-scale/v1';
  readonly kind: 'Scenario';
  /** A name for reports and JUnit suites, e.g. `steps-and-churn`. */
  readonly name: string;
  readonly fixture: ScenarioFixture;
  readonly gateway: ScenarioGateway;
  readonly load: ScenarioLoad;
  readonly probe: ScenarioProbe;
  /** Status milestones to time, per kind, with watches. `created` and the data-plane milestones are always recorded. */
  readonly milestones: readonly MilestoneSpec[];
  readonly sampling: ScenarioSampling;
  /** Gates a run must pass; a violation gives a non-zero exit and a failed JUnit test case. Empty: no gates. */
  readonly slo: readonly SloGate[];
  readonly validity: ValidityRules;
  /** Run the scenario this many times, each on a fresh fixture. @default 1 */
  readonly repeat: number;
  readonly profiles: ProfileSettings;
}

/** Every fixture knob (charts/fixture-spec.ts), defaults filled in; the fixture id is per run. */
export type ScenarioFixture = Omit<FixtureSpec, 'fixtureId'> & {
  /** Fixture id; each repeat gets its own (`<id>-r<k>`). @default bench-<time> */
  readonly fixtureId?: string;
};

export interface ScenarioGateway {
  /** Where the Gateway answers; absent: port-forward to its Envoy Service. */
  readonly url?: string;
  /**
   * How readiness is measured: traffic through Envoy (`cluster`) or the test stand-in (`stand-in`), or, where no
   * Envoy runs, on the control plane (`control-plane`: the route in Envoy Gateway's xDS and loaded by the real
   * extproc; needs `aigw-scale local up --controllers`). @default cluster
   */
  readonly mode: 'cluster' | 'stand-in' | 'control-plane';
  /** The extension gRPC limit the cluster was installed with, bytes. @default 25Mi */
  readonly grpcMaxMessageBytes: number;
  /** Run without Envoy Gateway / AI Gateway controllers found (their resources are reported as not measured). */
  readonly allowMissingControllers: boolean;
}

export interface ScenarioLoad {
  /** Client-side rate limit on creates/deletes (token bucket). Absent: unlimited. */
  readonly qps?: number;
  /** Token-bucket size. @default max(1, qps) */
  readonly burst?: number;
  /** Creates in flight. @default 16 */
  readonly concurrency: number;
  readonly shape: LoadShape;
  /** Delete and recreate a share of the routes after the shape reached full scale. Absent: no churn. */
  readonly churn?: ChurnSettings;
  /** After everything, delete routes in this many steps while sampling. Absent: no scale-down. */
  readonly scaleDownSteps?: number;
}

export type LoadShape =
  | { readonly type: 'all-at-once' }
  /** `waitReady`: each batch waits until its routes are ready (or timed out) before the next starts (the blog's one-by-one). */
  | { readonly type: 'batches'; readonly batchSize: number; readonly intervalMs: number; readonly waitReady?: boolean }
  | { readonly type: 'steps'; readonly steps: readonly LoadStep[]; readonly healthGate: HealthGate };

export interface LoadStep {
  /** Live routes at the end of this step (cumulative, increasing; the last equals fixture.routes). */
  readonly routes: number;
  /** Hold at this level after every route of the step is ready (or timed out), sampling. @default 0 */
  readonly holdMs: number;
}

/** Checked between steps; a failed gate stops the ramp (recorded as a failure) and the run goes on to churn/cleanup. */
export interface HealthGate {
  /** Share of the routes probed so far that timed out or failed. @default 0.05 */
  readonly maxErrorRate: number;
  /** Envoy Gateway / AI Gateway controller pods (when found) must be Ready. @default true */
  readonly controllersReady: boolean;
  /** Wait this long for the gate to pass before giving up. @default 60 s */
  readonly timeoutMs: number;
}

export interface ChurnSettings {
  readonly cycles: number;
  /** Share of the timed routes deleted and recreated per cycle, (0, 1]. */
  readonly share: number;
  /** Pause after deleting, before recreating. @default 0 */
  readonly deleteDelayMs: number;
  /** Pause after the recreated routes are ready, before the next cycle. @default 0 */
  readonly recreateDelayMs: number;
}

export interface ScenarioProbe {
  /** @default 100 */
  readonly requestIntervalMs: number;
  /** @default 120 s */
  readonly perRouteTimeoutMs: number;
  /** @default 512 */
  readonly concurrency: number;
  /** A route is `ready` after this many successes in a row (its own backend answering); `firstSuccess` is the first. @default 3 */
  readonly consecutiveSuccesses: number;
}

/**
 * One timed milestone: the first time an object of `kind` satisfies the condition or path, observed by a watch on
 * the run's namespace. Objects are matched to routes by name (the AI Gateway controller names the HTTPRoute after
 * its AIGatewayRoute), so route-scoped latencies are measured from the route's `created`.
 */
export interface MilestoneSpec {
  /** Milestone name in results and reports, e.g. `routeAccepted`. Unique; not a built-in name. */
  readonly name: string;
  /** e.g. `aigateway.envoyproxy.io/v1alpha1`; absent: the preferred version found by discovery. */
  readonly apiVersion?: string;
  readonly kind: string;
  readonly condition?: {
    readonly type: string;
    /** @default "True" */
    readonly status: string;
    /** Conditions under status.parents[*].conditions (Gateway API route status): every parent must have it. */
    readonly perParent: boolean;
  };
  /** Or a status path, dot-separated (`status.addresses`), met when it exists — or equals `equals` when given. */
  readonly path?: string;
  readonly equals?: string | number | boolean;
}

export interface ScenarioSampling {
  /** @default 2000 */
  readonly intervalMs: number;
}

/**
 * A gate on one metric of one run. Metrics (see src/results/slo-metric.ts):
 * - `milestone.<name>.<p50|p90|p95|p99|max>`: latency in ms from the route's `created` (e.g. milestone.ready.p99);
 * - `memory.<component>.max`, `cpu.<component>.max`: peak working set in bytes, peak millicores;
 * - `errorRate`: share of timed routes that never became ready.
 */
export interface SloGate {
  readonly metric: string;
  readonly max: number;
  /** Evaluate only on samples taken at or above this many live routes (memory/cpu gates). */
  readonly atRoutes?: number;
}

export interface ProfileSettings {
  /** Take heap and CPU profiles of the controllers at peak memory. @default false */
  readonly enabled: boolean;
  /** CPU profile duration. @default 10 s */
  readonly cpuSeconds: number;
}
