import { Scenario } from '../../results/scenario';
import { ProcessSampler, SampleRecorder, Sampler } from '../samplers';
import { MeasuredResults, MeasuredRun, Measurement } from './measurement';

/** CPU and memory of every component, every sampling interval, tagged with where the run was then. */
export class SamplesMeasurement implements Measurement {
  readonly name = 'samples';
  readonly measuresCleanup = true;
  private recorder?: SampleRecorder;

  constructor(private readonly samplers: readonly Sampler[], private readonly scenario: Scenario) {}

  async start(run: MeasuredRun): Promise<void> {
    // The extproc runs here only in control-plane mode, from the first filter config on: sampled once it exists.
    const extproc = new ProcessSampler([{ component: 'ai-gateway-extproc', pid: () => run.extprocPid }]);
    const samplers = this.scenario.gateway.mode === 'control-plane' ? [...this.samplers, extproc] : this.samplers;
    this.recorder = new SampleRecorder(samplers, this.scenario.sampling.intervalMs, () => run.where());
    this.recorder.start();
  }

  async stop(): Promise<void> {
    await this.recorder?.stop();
  }

  collect(results: MeasuredResults): void {
    if (!this.recorder) return;
    results.samples = this.recorder.samples;
    for (const error of new Set(this.recorder.errors)) results.failures.push({ phase: 'validate', message: `sampling: ${error}` });
  }
}
