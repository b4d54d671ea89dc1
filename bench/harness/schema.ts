/**
 * The benchmark page's data (docs/benchmarks.json): one section per benchmark, each case measured on every side
 * in the same run over alternating rounds, with the comparisons and goals computed from those rounds. The page
 * (docs/benchmarks.md) and the README's figures are rendered from it and nothing else.
 */

/** Summary of one metric on one side: every round's value and min / median / max. */
export interface Figure {
  readonly samples: readonly number[];
  readonly min: number;
  readonly median: number;
  readonly max: number;
  /** The run stopped at a budget: the values are lower bounds (rendered with "≥"). */
  readonly lowerBound?: boolean;
}

/** One way of doing the thing measured: ours or a baseline a user would pick instead. */
export interface SideResult {
  readonly name: string;
  /** What exactly ran, in one sentence (tool, version, flags). */
  readonly description: string;
  readonly rounds: number;
  readonly metrics: Readonly<Record<string, Figure>>;
  readonly notes: readonly string[];
}

/** Subject against baseline on one metric, from the medians. */
export interface ComparisonResult {
  readonly subject: string;
  readonly baseline: string;
  readonly metric: string;
  /** How many times better the subject is: baseline/subject for lower-is-better metrics, subject/baseline else. */
  readonly ratio: number;
  /** subject − baseline, in the metric's unit: what the subject adds (negative: saves). */
  readonly difference: number;
}

/** A target from the issue that states what "good" is, met or not in this run. */
export interface GoalResult {
  readonly text: string;
  readonly value: number;
  readonly valueText: string;
  readonly comparator: '>=' | '<=';
  readonly threshold: number;
  readonly met: boolean;
}

export interface CaseResult {
  readonly id: string;
  readonly title: string;
  /** Each side ran once, untimed, before the rounds. */
  readonly warmedUp: boolean;
  readonly sides: readonly SideResult[];
  readonly comparisons: readonly ComparisonResult[];
  readonly goals: readonly GoalResult[];
}

export interface MachineSnapshot {
  readonly cores: number;
  readonly cpuModel: string;
  readonly memoryBytes: number;
  /** 1, 5 and 15-minute load averages. */
  readonly loadBefore: readonly number[];
  readonly loadAfter: readonly number[];
}

export interface SectionResult {
  readonly id: string;
  readonly title: string;
  /** What the benchmark measures and how, for the page. */
  readonly method: string;
  readonly command: string;
  readonly startedAt: string;
  readonly finishedAt: string;
  readonly rounds: number;
  readonly machine: MachineSnapshot;
  readonly versions: Readonly<Record<string, string>>;
  readonly cases: readonly CaseResult[];
  readonly notes: readonly string[];
}

export interface BenchmarksPage {
  readonly sections: readonly SectionResult[];
}
