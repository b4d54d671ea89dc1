/** A run's inputs, and what it records besides its measurements: its settings, and what it could not measure. */
import { FixtureSpec } from '../../charts/fixture-spec';
import { FixtureExtras } from '../../charts/scale-fixture';
import { Cluster } from '../kube/cluster';
import { BenchResults, CONTROL_PLANE_NOT_MEASURED_PREFIX, Component, MilestoneRecord, Phase } from '../results/schema';
import { primaryComponents } from '../results/components';
import { Scenario, ScenarioGateway } from '../results/scenario';
import { ProfileSource } from './profiles';
import { ControlPlaneEndpoints } from './route-readiness';
import { Sampler } from './samplers';

/** The run's settings as results record them (the whole scenario is recorded beside them). */
export function runSettings(spec: FixtureSpec, scenario: Scenario, warmUpRoutes: number): BenchResults['settings'] {
  const { load, probe } = scenario;
  const shape = load.shape;
  return {
    ...spec,
    warmUpRoutes,
    provisioning: shape.type === 'batches' ? { mode: 'batches', batchSize: shape.batchSize, batchIntervalMs: shape.intervalMs } : { mode: shape.type },
    perRouteTimeoutMs: probe.perRouteTimeoutMs,
    sampleIntervalMs: scenario.sampling.intervalMs,
    requestIntervalMs: probe.requestIntervalMs,
    scaleDownSteps: load.scaleDownSteps,
    grpcMaxMessageBytes: scenario.gateway.grpcMaxMessageBytes,
  };
}

/** What a control-plane run leaves out, said in every report of one. */
export const CONTROL_PLANE_NOT_MEASURED =
  `${CONTROL_PLANE_NOT_MEASURED_PREFIX} (no registry here ships it). A route counted as ready when Envoy Gateway served it in xDS to the Gateway's Envoy and the real AI Gateway extproc had loaded it; Envoy applying that config, the kubelet's Secret-volume refresh (we sync at once) and traffic were not measured.`;

/** The components a run of this mode should have sampled; one line for each that has no samples, and for the data plane. */
/** Only `local up --controllers` puts the recording proxy between Envoy Gateway and the extension server. */
export const EXTENSION_CALLS_NOT_MEASURED = 'extension gRPC messages: not measured (recorded only on the controllers of `aigw-scale local up --controllers`)';

export function unmeasuredAfterRun(mode: ScenarioGateway['mode'], sampled: ReadonlySet<Component>, extensionCallsRecorded: boolean): string[] {
  const lines = primaryComponents(mode).filter((c) => !sampled.has(c)).map((c) => `${c}: no CPU or memory samples (no pods found, or no metrics source)`);
  if (mode === 'control-plane') lines.push(CONTROL_PLANE_NOT_MEASURED);
  else if (mode !== 'cluster') lines.push(`data plane: requests went through the ${mode} gateway, not Envoy`);
  if (!extensionCallsRecorded) lines.push(EXTENSION_CALLS_NOT_MEASURED);
  return lines;
}

/** What one run is given: the cluster, the scenario and fixture, the measurements and where progress goes. */
export interface RunOptions {
  readonly cluster: Cluster;
  /** The resolved, validated scenario. */
  readonly scenario: Scenario;
  /** The fixture of this run (its own id; each repeat has its own), created and, unless `keep`, deleted by the run. */
  readonly spec: FixtureSpec;
  readonly extras?: FixtureExtras;
  readonly samplers: readonly Sampler[];
  readonly toolVersion: string;
  /** Directory of this run's results.json: profiles are written to `profiles/` in it. */
  readonly outDir: string;
  /** Which repeat this is, when the scenario repeats (1-based). */
  readonly repeat?: { readonly index: number; readonly of: number };
  /** Keep the fixture after the run. @default false */
  readonly keep?: boolean;
  /** Start even when the config-size plan predicts a limit is crossed. @default false */
  readonly force?: boolean;
  /** Controllers running as local processes (`local up --controllers`), by name, with their versions. */
  readonly localControllers?: Readonly<Record<string, string>>;
  /** Where control-plane readiness is observed (scenario gateway mode `control-plane`, local controllers). */
  readonly controlPlane?: ControlPlaneEndpoints;
  /** The extension recorder's log (`local up --controllers`): the run records the extension calls made during it. */
  readonly extensionCallLog?: string;
  /** pprof endpoints of controllers running as local processes; absent: the controllers' pods in the cluster. */
  readonly profileSources?: readonly ProfileSource[];
  /** Ctrl-C: ends the run early; what was measured is returned and the fixture is still cleaned up. */
  readonly signal?: AbortSignal;
  /** Progress: a phase started, or counts moved within it. */
  readonly onPhase?: (phase: Phase, detail: string) => void;
  readonly onProgress?: (phase: Phase, done: number, total: number) => void;
}

/**
 * A watch event can arrive while the create's response is still on its way (seen under load, by a few ms): the
 * status was written after the object existed, so the earliest the run can say a milestone was reached is when
 * its create returned. The control-plane stages are held to the same rule (StageTracker); server times stay.
 */
export function clampToCreated(milestones: readonly MilestoneRecord[]): MilestoneRecord[] {
  const key = (m: MilestoneRecord) => `${m.route ?? m.object}#${m.incarnation ?? 1}`;
  const createdAt = new Map(milestones.filter((m) => m.milestone === 'created').map((m) => [key(m), m.clientTimeMs]));
  return milestones.map((m) => {
    const created = createdAt.get(key(m));
    return created !== undefined && m.clientTimeMs < created ? { ...m, clientTimeMs: created } : m;
  });
}
