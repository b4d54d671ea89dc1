/**
 * One benchmark's run: cases measured on every side over alternating rounds, comparisons and goals computed
 * from them, the section written into the page (docs/benchmarks.json) and the page re-rendered.
 */
import { loadAverage, machineBefore, reproducingCommand } from './machine';
import { formatValue, METRICS, MetricName } from './metrics';
import { writePageSection } from './page-file';
import { CaseResult, ComparisonResult, GoalResult, SectionResult, SideResult } from './schema';
import { figureOf, roundOrder } from './stats';

/** What one round of a side measured: metric values, and notes worth keeping (a budget hit, a version seen). */
export interface RoundResult {
  readonly metrics: Partial<Record<MetricName, number>>;
  readonly notes?: readonly string[];
  /** The round stopped at a budget: its values are lower bounds. */
  readonly stoppedAtBudget?: boolean;
}

export interface Side {
  readonly name: string;
  readonly description: string;
  /** Fewer rounds than the section's, for a side too slow to repeat (the page shows the count). */
  readonly rounds?: number;
  /** One round (0-based), or -1 for the untimed warm-up. */
  run(round: number): Promise<RoundResult>;
}

export interface GoalSpec {
  readonly text: string;
  readonly comparator: '>=' | '<=';
  readonly threshold: number;
}

export interface SectionOptions {
  readonly id: string;
  readonly title: string;
  readonly method: string;
  readonly rounds: number;
  /** Where the page lives (docs/ by default); the section replaces its previous version there. */
  readonly pageDir: string;
}

export class BenchSection {
  private readonly startedAt = new Date().toISOString();
  private readonly machine = machineBefore();
  private readonly cases: CaseResult[] = [];
  private readonly notes: string[] = [];
  private readonly versionsSeen: Record<string, string> = { node: process.version };

  constructor(private readonly options: SectionOptions) {
    if (!Number.isInteger(options.rounds) || options.rounds < 1) throw new Error(`--rounds must be a whole number ≥ 1, got ${options.rounds}`);
    console.log(`${options.title}: ${options.rounds} alternating rounds on ${this.machine.cores} cores, load ${this.machine.loadBefore.join(' ')}`);
  }

  versions(versions: Record<string, string>): void {
    Object.assign(this.versionsSeen, versions);
  }

  note(text: string): void {
    this.notes.push(text);
  }

  /**
   * Runs every side once per round, in an order rotated each round, and keeps the case. `warmUp` runs each side
   * once first and discards it (caches filled, a lazily built bundle built), when the first run is not the
   * figure a user would see again.
   */
  async measure(id: string, title: string, sides: readonly Side[], options: { warmUp?: boolean } = {}): Promise<MeasuredCase> {
    if (options.warmUp) for (const side of sides) await side.run(-1);
    const rounds = new Map<string, RoundResult[]>(sides.map((side) => [side.name, []]));
    for (let round = 0; round < this.options.rounds; round++) {
      for (const side of roundOrder(sides, round)) {
        const started = performance.now();
        const result = await side.run(round);
        rounds.get(side.name)!.push(result);
        const shown = Object.entries(result.metrics)
          .map(([metric, value]) => `${metric} ${formatValue(metric as MetricName, value!)}`)
          .join(', ');
        console.log(`[${this.options.id} ${title}] round ${round + 1}/${side.rounds ?? this.options.rounds} ${side.name}: ${shown} (${((performance.now() - started) / 1000).toFixed(1)} s)`);
      }
    }
    const measured = new MeasuredCase(id, title, sides.map((side) => sideResult(side, rounds.get(side.name)!)), options.warmUp === true);
    this.cases.push(measured.result);
    return measured;
  }

  /** Writes the section into the page and re-renders it; returns what was written. */
  finish(): SectionResult {
    const { id, title, method, rounds, pageDir } = this.options;
    const section: SectionResult = {
      id,
      title,
      method,
      command: reproducingCommand(),
      startedAt: this.startedAt,
      finishedAt: new Date().toISOString(),
      rounds,
      machine: { ...this.machine, loadAfter: loadAverage() },
      versions: this.versionsSeen,
      cases: this.cases,
      notes: this.notes,
    };
    const written = writePageSection(pageDir, section);
    console.log(`${title}: written to ${written.join(', ')}`);
    return section;
  }
}

/**
 * A ratio judged against a goal, precise enough that the text never looks like the threshold when it misses it:
 * a share below 1 ("≥ 80 % of the ceiling") as a percentage, else two decimals ("4.99×").
 */
export function goalRatioText(ratio: number, threshold: number): string {
  return threshold < 1 ? `${(ratio * 100).toFixed(0)} %` : `${ratio.toFixed(2)}×`;
}

/** A measured case: add comparisons and goals, which are computed from its medians. */
export class MeasuredCase {
  private readonly comparisons: ComparisonResult[] = [];
  private readonly goals: GoalResult[] = [];
  readonly result: CaseResult;

  constructor(id: string, title: string, private readonly sides: readonly SideResult[], warmedUp: boolean) {
    this.result = { id, title, warmedUp, sides, comparisons: this.comparisons, goals: this.goals };
  }

  median(side: string, metric: MetricName): number {
    const found = this.sides.find((s) => s.name === side);
    const figure = found?.metrics[metric];
    if (!figure) throw new Error(`no ${metric} measured on side "${side}"`);
    return figure.median;
  }

  /** How many times better `subject` is than `baseline` on `metric`, optionally against a goal. */
  compare(subject: string, baseline: string, metric: MetricName, goal?: GoalSpec): number {
    const ours = this.median(subject, metric);
    const theirs = this.median(baseline, metric);
    const ratio = METRICS[metric].better === 'lower' ? theirs / ours : ours / theirs;
    this.comparisons.push({ subject, baseline, metric, ratio, difference: ours - theirs });
    if (goal) this.goal(goal, ratio, goalRatioText(ratio, goal.threshold));
    return ratio;
  }

  /** A goal on one side's own median (an absolute target such as "under 10 minutes"). */
  goalOn(side: string, metric: MetricName, goal: GoalSpec): void {
    const value = this.median(side, metric);
    this.goal(goal, value, formatValue(metric, value));
  }

  private goal(goal: GoalSpec, value: number, valueText: string): void {
    const met = goal.comparator === '>=' ? value >= goal.threshold : value <= goal.threshold;
    this.goals.push({ ...goal, value, valueText, met });
  }
}


function sideResult(side: Side, rounds: readonly RoundResult[]): SideResult {
  const metrics: Record<string, ReturnType<typeof figureOf>> = {};
  const names = new Set(rounds.flatMap((round) => Object.keys(round.metrics)));
  for (const name of names) {
    const values = rounds.map((round) => round.metrics[name as MetricName]).filter((value): value is number => value !== undefined);
    metrics[name] = figureOf(values, rounds.some((round) => round.stoppedAtBudget));
  }
  return { name: side.name, description: side.description, rounds: rounds.length, metrics, notes: [...new Set(rounds.flatMap((round) => round.notes ?? []))] };
}
