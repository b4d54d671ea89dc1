import { ConfigSizeSample } from '../../results/schema';
import { MeasuredResults, MeasuredRun, Measurement } from './measurement';

/** Control plane: each size of the config the data plane receives, with the routes live then. */
export class ConfigSizesMeasurement implements Measurement {
  readonly name = 'config sizes';
  // Sizes come from control-plane readiness, which is closed before cleanup.
  readonly measuresCleanup = false;
  private readonly sizes: ConfigSizeSample[] = [];

  async start(run: MeasuredRun): Promise<void> {
    run.followConfigSizes((size) => this.sizes.push({ ...size, liveObjects: run.where().liveObjects }));
  }

  async stop(): Promise<void> {}

  collect(results: MeasuredResults): void {
    if (this.sizes.length > 0) results.configSizes = this.sizes;
  }
}
