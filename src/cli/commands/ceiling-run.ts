/** `aigw-scale bench --find-ceiling`: the CLI side of the ceiling search (src/bench/ceiling.ts). */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { InvalidArgumentError } from 'commander';
import { durationMs } from '../../units/units';
import { CeilingResult, findCeiling } from '../../bench/ceiling';
import { clusterEvidence, localEvidence } from '../../bench/ceiling-evidence';
import { RunOptions } from '../../bench/run-record';
import { LocalClusterState, controllerProcesses } from '../../local/control-plane';
import { writeReports } from '../../report';
import { Scenario } from '../../results/scenario';
import { UsageError } from '../errors';
import { formatCount } from '../output';

export interface CeilingCliOptions {
  findCeiling: boolean;
  ceilingStep: number;
  ceilingResolution: number;
  ceilingBudget: string;
}

export function positiveInteger(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError(`expected a positive integer, got ${JSON.stringify(value)}`);
  return n;
}

/** Refuses what a ceiling search cannot do, before any cluster is contacted. */
export function checkCeilingUsage(options: CeilingCliOptions & { keep: boolean }, scenario: Scenario): void {
  if (!options.findCeiling) return;
  if (scenario.repeat > 1) throw new UsageError('--find-ceiling searches once: drop --repeat');
  if (scenario.load.churn || scenario.load.scaleDownSteps) throw new UsageError('--find-ceiling ramps and bisects on its own: drop --churn-cycles and --scale-down-steps');
  if (scenario.load.shape.type !== 'all-at-once') throw new UsageError('--find-ceiling ramps in steps of --ceiling-step: drop --steps / --batch-size');
  if (options.keep) throw new UsageError('--find-ceiling deletes its fixture at the end: drop --keep');
  if (options.ceilingStep >= scenario.fixture.routes) throw new UsageError(`--ceiling-step ${options.ceilingStep} must be below --routes ${scenario.fixture.routes} (the most the search tries)`);
  ceilingBudgetMs(options);
}

const ceilingBudgetMs = (options: CeilingCliOptions): number => {
  const ms = durationMs(options.ceilingBudget);
  if (ms === undefined || ms <= 0) throw new UsageError(`--ceiling-budget: expected a duration such as 30m or 90s, got ${JSON.stringify(options.ceilingBudget)}`);
  return ms;
};

/** Runs the search, writes the ramp's results and reports plus ceiling.json, prints the ceiling; returns the exit code. */
export async function runCeilingSearch(run: Omit<RunOptions, 'keep'>, options: CeilingCliOptions, local: LocalClusterState | undefined): Promise<number> {
  const log = (line: string) => process.stderr.write(`== ceiling: ${line}\n`);
  const controllers = controllerProcesses(local);
  const { result, ramp } = await findCeiling({
    ...run,
    settings: { step: options.ceilingStep, resolution: options.ceilingResolution, budgetMs: ceilingBudgetMs(options) },
    evidence: controllers.length > 0 ? localEvidence(controllers) : clusterEvidence(run.cluster),
    log,
    onPhase: (phase, detail) => log(`${phase}${detail ? `: ${detail}` : ''}`),
  });
  fs.mkdirSync(run.outDir, { recursive: true });
  fs.writeFileSync(path.join(run.outDir, 'results.json'), `${JSON.stringify(ramp, null, 1)}\n`);
  await writeReports(ramp, run.outDir);
  fs.writeFileSync(path.join(run.outDir, 'ceiling.json'), `${JSON.stringify(result, null, 1)}\n`);
  process.stdout.write(`${describeCeiling(result).join('\n')}\nresults: ${path.join(run.outDir, 'ceiling.json')} (the ramp: results.json)\n`);
  return result.stoppedBy === 'interrupted' ? 130 : 0;
}

/** The search's outcome in lines a person reads. */
export function describeCeiling(result: CeilingResult): string[] {
  const s = result.settings;
  const lines = [
    `ceiling: ${formatCount(result.ceiling)} routes all ready within ${s.perRouteTimeoutMs / 1000} s each` +
      (result.failedAt !== undefined ? `; ${formatCount(result.failedAt)} did not (resolution ${s.resolution})` : ` (no failure up to ${formatCount(s.maxRoutes)}: stopped by ${result.stoppedBy})`),
  ];
  if (result.limitingStage) lines.push(`limiting stage: ${result.limitingStage}`);
  const refusal = result.evidence?.grpcRefusal;
  if (refusal) lines.push(`  the extension ${refusal.message} was ${formatCount(refusal.bytes)} B, over the ${formatCount(refusal.limitBytes)} B limit (${refusal.component})`);
  for (const [component, found] of Object.entries(result.evidence?.logs ?? {})) lines.push(`  ${component}: ${found[0]}`);
  if (result.earlierRoutes) lines.push(`routes ready before the failure: ${result.earlierRoutes.stillReady} of ${result.earlierRoutes.checked} checked still ready`);
  return lines;
}
