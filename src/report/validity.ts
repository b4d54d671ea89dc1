/**
 * The validity guard: a run that lost too many routes on the way to a milestone, lacks samples it needed, or was
 * interrupted is invalid — marked so in the report, by exit code and in JUnit, and left out of repeat aggregates
 * and comparisons rather than averaged in.
 */
import { BenchResults, Phase, Sample } from '../results/schema';
import { DEFAULT_VALIDITY_RULES, ValidityRules } from '../results/validity-rules';
import { formatCount, formatMs } from './format';
import { MilestoneTable, milestoneTable, missedShare } from './milestones';

export interface Validity {
  readonly valid: boolean;
  /** Why the run is invalid (empty when valid). */
  readonly reasons: readonly string[];
}

/** Phases in which a required component must be sampled without long gaps. */
export const SAMPLED_PHASES: readonly Phase[] = ['provision', 'hold', 'validate'];

const percent = (share: number) => `${(share * 100).toFixed(2)} %`;

/** Time windows of the sampled phases, merged where they touch, [start, end] ms. */
function sampledWindows(results: BenchResults): [number, number][] {
  const windows = results.phases
    .filter((p) => SAMPLED_PHASES.includes(p.phase) && p.endMs > p.startMs)
    .map((p): [number, number] => [p.startMs, p.endMs])
    .sort((a, b) => a[0] - b[0]);
  const merged: [number, number][] = [];
  for (const w of windows) {
    const last = merged[merged.length - 1];
    if (last && w[0] <= last[1]) last[1] = Math.max(last[1], w[1]);
    else merged.push([...w]);
  }
  return merged;
}

/** The longest stretch inside the windows without a sample, with where it starts. */
function longestGap(samples: readonly Sample[], windows: readonly [number, number][]): { gapMs: number; fromMs: number } {
  let worst = { gapMs: 0, fromMs: 0 };
  for (const [start, end] of windows) {
    const times = [start, ...samples.map((s) => s.t).filter((t) => t > start && t < end), end].sort((a, b) => a - b);
    for (let i = 1; i < times.length; i++) if (times[i] - times[i - 1] > worst.gapMs) worst = { gapMs: times[i] - times[i - 1], fromMs: times[i - 1] };
  }
  return worst;
}

function missingMilestones(table: MilestoneTable, maxShare: number): string[] {
  const reasons: string[] = [];
  if (table.declared.length > 0) {
    const missingAny = (life: MilestoneTable['lives'][number]) => table.declared.some((m) => !life.reached.has(m));
    const { missed, of } = missedShare(table, missingAny);
    if (of > 0 && missed / of > maxShare) {
      // in declared order (data-plane first), not the table's pipeline order
      const per = table.declared.flatMap((name) => table.latencies.filter((l) => l.milestone === name).map((l) => `${l.milestone} ${formatCount(l.missed)}`)).join(', ');
      const notCreated = table.notCreated > 0 ? `; ${formatCount(table.notCreated)} never created` : '';
      reasons.push(
        `${formatCount(missed)} of ${formatCount(of)} timed route lives (${percent(missed / of)}) missed a declared milestone (created but never reached: ${per}${notCreated}); at most ${percent(maxShare)} allowed`,
      );
    }
  }
  for (const m of table.objectMilestones) {
    if (m.records.length === 0) reasons.push(`milestone ${m.milestone} (${m.kind}) was never reached by any object`);
  }
  return reasons;
}

function missingSamples(results: BenchResults, rules: ValidityRules): string[] {
  const reasons: string[] = [];
  if (results.samples.length === 0) reasons.push('no resource samples were recorded');
  const intervalMs = results.scenario?.sampling.intervalMs ?? results.settings.sampleIntervalMs;
  const maxGapMs = rules.maxSampleGapIntervals * intervalMs;
  const windows = sampledWindows(results);
  const origin = results.phases.length > 0 ? Math.min(...results.phases.map((p) => p.startMs)) : 0;
  for (const component of rules.requireSamples) {
    const samples = results.samples.filter((s) => s.component === component);
    if (samples.length === 0) {
      if (results.samples.length > 0) reasons.push(`required component ${component} has no samples`);
      continue;
    }
    const gap = longestGap(samples, windows);
    if (gap.gapMs > maxGapMs) {
      reasons.push(
        `required component ${component} went ${formatMs(gap.gapMs)} without a sample from ${formatMs(gap.fromMs - origin)} into the run (during ${SAMPLED_PHASES.join('/')}); ` +
          `at most ${rules.maxSampleGapIntervals} × the ${formatMs(intervalMs)} interval = ${formatMs(maxGapMs)} allowed`,
      );
    }
  }
  return reasons;
}

/** Is the run valid under its scenario's rules (DEFAULT_VALIDITY_RULES for files without a scenario), and if not, why. */
export function assessValidity(results: BenchResults, table: MilestoneTable = milestoneTable(results)): Validity {
  const rules = results.scenario?.validity ?? DEFAULT_VALIDITY_RULES;
  const reasons: string[] = [];
  if (results.run.interrupted) reasons.push('the run was interrupted before it finished');
  if (table.lives.length === 0) reasons.push('no route was created (no route milestones were recorded)');
  else reasons.push(...missingMilestones(table, rules.maxMissingShare));
  reasons.push(...missingSamples(results, rules));
  return { valid: reasons.length === 0, reasons };
}
