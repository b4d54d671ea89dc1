import { ExtensionCallFollower } from './extension-calls';
import { RunOptions } from '../run-record';
import { ConfigSizesMeasurement } from './config-sizes';
import { MeasuredResults, MeasuredRun, Measurement } from './measurement';
import { MilestonesMeasurement } from './milestones';
import { ProfilesMeasurement } from './profiles';
import { SamplesMeasurement } from './samples';

/**
 * What a run measures, as its scenario and options call for: samples always; config sizes on the control plane;
 * extension calls where the recorder logs them; profiles when the scenario enables them; milestones when it
 * declares any. Started in this order, and the errors they report come in this order.
 */
export function chooseMeasurements(options: RunOptions): Measurement[] {
  const { cluster, scenario, spec } = options;
  return [
    new SamplesMeasurement(options.samplers, scenario),
    ...(scenario.gateway.mode === 'control-plane' ? [new ConfigSizesMeasurement()] : []),
    ...(options.extensionCallLog ? [new ExtensionCallFollower({ file: options.extensionCallLog })] : []),
    ...(scenario.profiles.enabled ? [new ProfilesMeasurement(cluster, { outDir: options.outDir, cpuSeconds: scenario.profiles.cpuSeconds, sources: options.profileSources })] : []),
    ...(scenario.milestones.length > 0 ? [new MilestonesMeasurement(cluster, { namespace: spec.namespace, specs: scenario.milestones, signal: options.signal })] : []),
  ];
}

/** The chosen measurements through a run: started together, told of the peak, stopped and collected in two groups. */
export class RunMeasurements {
  private readonly started: Measurement[] = [];

  constructor(private readonly chosen: readonly Measurement[]) {}

  /** Starts each in turn; when one fails, those started before it are still stopped by finish(). */
  async start(run: MeasuredRun): Promise<void> {
    for (const measurement of this.chosen) {
      await measurement.start(run);
      this.started.push(measurement);
    }
  }

  async atPeak(): Promise<void> {
    for (const measurement of this.started) await measurement.atPeak?.();
  }

  /** Stops and collects those that end with the measured run (before cleanup) or, after cleanup, the rest. */
  async finish(results: MeasuredResults, when: 'before-cleanup' | 'after-cleanup'): Promise<void> {
    for (const measurement of this.started.filter((m) => m.measuresCleanup === (when === 'after-cleanup'))) {
      await measurement.stop();
      measurement.collect(results);
    }
  }
}
