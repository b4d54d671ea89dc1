import { Cluster } from '../../kube/cluster';
import { ProfileRecord } from '../../results/schema';
import { ProfileSource, clusterProfileSources, takeProfiles } from '../profiles';
import { MeasuredResults, MeasuredRun, Measurement } from './measurement';

export interface ProfilesOptions {
  /** Directory of results.json: profiles go to `profiles/` in it. */
  readonly outDir: string;
  readonly cpuSeconds: number;
  /** pprof endpoints of controllers running here; absent: the controllers' pods in the cluster. */
  readonly sources?: readonly ProfileSource[];
}

/** Heap and CPU profiles of the controllers, taken once, at the fixture's peak. */
export class ProfilesMeasurement implements Measurement {
  readonly name = 'profiles';
  readonly measuresCleanup = false;
  private run?: MeasuredRun;
  private readonly records: ProfileRecord[] = [];
  private readonly problems: string[] = [];

  constructor(private readonly cluster: Cluster, private readonly options: ProfilesOptions) {}

  async start(run: MeasuredRun): Promise<void> {
    this.run = run;
  }

  async atPeak(): Promise<void> {
    const run = this.run!;
    const { sources, outDir, cpuSeconds } = this.options;
    const found = sources ? { sources: [...sources], notProfiled: [] } : await clusterProfileSources(this.cluster);
    const liveObjects = run.where().liveObjects;
    run.log(`profiling ${found.sources.map((s) => s.component).join(', ') || 'nothing'} at ${liveObjects} routes (CPU for ${cpuSeconds} s)`);
    const taken = await takeProfiles(found.sources, { outDir, cpuSeconds, liveObjects });
    this.records.push(...taken.records);
    this.problems.push(...found.notProfiled, ...taken.problems);
  }

  async stop(): Promise<void> {}

  collect(results: MeasuredResults): void {
    results.profiles.push(...this.records);
    results.notMeasured.push(...this.problems);
  }
}
