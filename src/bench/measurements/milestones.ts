import { Cluster } from '../../kube/cluster';
import { Phase } from '../../results/schema';
import { MilestoneSpec } from '../../results/scenario';
import { MilestoneWatcher } from '../milestone-watcher';
import { routeObjectName } from '../route-readiness';
import { MeasuredResults, MeasuredRun, Measurement } from './measurement';

export interface MilestonesOptions {
  readonly namespace: string;
  readonly specs: readonly MilestoneSpec[];
  readonly signal?: AbortSignal;
}

/** The scenario's status milestones, timed with watches; a fixture route's records carry its incarnation. */
export class MilestonesMeasurement implements Measurement {
  readonly name = 'milestones';
  readonly measuresCleanup = false;
  private run?: MeasuredRun;
  private watcher?: MilestoneWatcher;
  /** Where the run was when the watches stopped: their errors are reported there. */
  private stoppedIn: Phase = 'preflight';

  constructor(private readonly cluster: Cluster, private readonly options: MilestonesOptions) {}

  async start(run: MeasuredRun): Promise<void> {
    const { namespace } = this.options;
    this.run = run;
    this.watcher = await MilestoneWatcher.start(this.cluster, {
      ...this.options,
      onMilestone: (observed) => {
        const incarnation = run.routeIncarnation(observed.name);
        run.recordMilestone({
          object: observed.object,
          milestone: observed.milestone,
          clientTimeMs: observed.clientTimeMs,
          serverTime: observed.serverTime,
          incarnation,
          // The HTTPRoute generated for a fixture route names that route.
          route: incarnation !== undefined && observed.kind !== 'AIGatewayRoute' ? routeObjectName(namespace, observed.name) : undefined,
        });
      },
    });
  }

  async stop(): Promise<void> {
    if (!this.watcher || !this.run) return;
    this.stoppedIn = this.run.where().phase;
    await this.watcher.stop();
  }

  collect(results: MeasuredResults): void {
    for (const error of new Set(this.watcher?.errors)) results.failures.push({ phase: this.stoppedIn, message: `milestone watch: ${error}` });
  }
}
