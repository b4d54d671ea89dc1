/**
 * What the runner measures besides readiness, behind one interface (as kube-burner's measurements): each is started
 * before the warm-up, stopped when the run ends and then adds its records to the results.
 */
import { ConfigSizeSample, ExtensionCallSample, Failure, MilestoneRecord, ProfileRecord, Sample } from '../../results/schema';
import { SampleContext } from '../samplers';

/** The size of the config the data plane receives, as control-plane readiness observes it. */
export type ConfigSize = Omit<ConfigSizeSample, 'liveObjects'>;

/** What a measurement sees of the run it measures. */
export interface MeasuredRun {
  /** Where the run is now: phase, live routes, load step or churn cycle. */
  where(): SampleContext;
  /** Process id of the extproc that control-plane readiness runs here, once it runs. */
  readonly extprocPid: number | undefined;
  /** The current life of a fixture route by name (1 before it is created); undefined for any other object. */
  routeIncarnation(name: string): number | undefined;
  /** Adds a milestone to the run's timeline as it happens (milestones of every source stay in arrival order). */
  recordMilestone(record: MilestoneRecord): void;
  /** Control plane: calls the listener with each new size of the config the data plane receives. */
  followConfigSizes(listener: (size: ConfigSize) => void): void;
  /** A progress line in the current phase. */
  log(line: string): void;
}

/** The parts of results.json that measurements fill, and the lists they add to. */
export interface MeasuredResults {
  readonly failures: Failure[];
  readonly notMeasured: string[];
  samples: readonly Sample[];
  readonly profiles: ProfileRecord[];
  configSizes?: readonly ConfigSizeSample[];
  extensionCalls?: readonly ExtensionCallSample[];
}

export interface Measurement {
  readonly name: string;
  /**
   * Whether it goes on while the fixture is deleted (samples do: memory after the delete is a result); the others
   * stop before cleanup, so deleting the fixture adds nothing to them.
   */
  readonly measuresCleanup: boolean;
  start(run: MeasuredRun): Promise<void>;
  /** The fixture is at its peak (full scale, or where a failed health gate stopped the ramp), before churn. */
  atPeak?(): Promise<void>;
  stop(): Promise<void>;
  /** After stop(): adds what was measured, and what went wrong or could not be measured, to the results. */
  collect(results: MeasuredResults): void;
}
