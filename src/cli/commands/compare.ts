import { Command } from 'commander';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CompareError, CompareOptions, Comparison, compareResults } from '../../report/compare';
import { formatComparison } from '../../report/comparison-text';
import { BenchResults } from '../../results/schema';
import { DEFAULT_THRESHOLDS, THRESHOLD_NAMES, ThresholdError, Thresholds, applyThresholdFlag, describeThreshold, thresholdsFromJson } from '../../report/thresholds';
import { EXIT_FAILURE, UsageError } from '../errors';
import { printResult } from '../output';
import { readResultsFile } from './report';

interface CompareFlags {
  base: string[];
  new: string[];
  thresholdFile?: string;
  threshold: string[];
  iterations: string;
  seed: string;
  confidence: string;
  json: boolean;
  includeInvalid: boolean;
}

/**
 * The results files a side names: a results.json, a run directory holding one, or a directory of repeats
 * (`run-<k>/results.json`, as `bench --repeat` writes them).
 */
export function expandRunPaths(paths: readonly string[]): string[] {
  return paths.flatMap((p) => {
    let stat: fs.Stats;
    try {
      stat = fs.statSync(p);
    } catch {
      return [p]; // reading it reports the problem
    }
    if (!stat.isDirectory()) return [p];
    const direct = path.join(p, 'results.json');
    if (fs.existsSync(direct)) return [direct];
    const runs = fs
      .readdirSync(p, { withFileTypes: true })
      .filter((e) => e.isDirectory() && /^run-/.test(e.name) && fs.existsSync(path.join(p, e.name, 'results.json')))
      .map((e) => e.name)
      .sort((a, b) => a.localeCompare(b, 'en', { numeric: true }))
      .map((name) => path.join(p, name, 'results.json'));
    if (runs.length === 0) throw new UsageError(`${p} is a directory without results.json or run-*/results.json; give results files or a bench --out directory`);
    return runs;
  });
}

const collect = (value: string, previous: string[]): string[] => [...previous, value];

/** The arguments after `--` on the command line (commander drops the `--` itself from the operands). */
function operandsAfterDoubleDash(command: Command): number | undefined {
  let root: Command = command;
  while (root.parent) root = root.parent;
  const raw: readonly string[] = (root as unknown as { rawArgs?: string[] }).rawArgs ?? [];
  const at = raw.indexOf('--');
  return at < 0 ? undefined : raw.length - at - 1;
}

/** Base and new files from `BASE NEW`, `BASE… -- NEW…` or `--base F… --new F…`. */
export function splitRuns(operands: readonly string[], afterDoubleDash: number | undefined, base: readonly string[], next: readonly string[]): { base: string[]; next: string[] } {
  const usage = 'usage: aigw-scale compare BASE.json NEW.json | BASE… -- NEW… | --base F [--base F…] --new F [--new F…]';
  if (base.length > 0 || next.length > 0) {
    if (operands.length > 0) throw new UsageError(`give the runs either as --base/--new or as arguments, not both (${usage})`);
    if (base.length === 0 || next.length === 0) throw new UsageError(`${base.length === 0 ? '--base' : '--new'} is missing (${usage})`);
    return { base: [...base], next: [...next] };
  }
  if (afterDoubleDash !== undefined) {
    const split = operands.length - afterDoubleDash;
    const result = { base: operands.slice(0, split), next: operands.slice(split) };
    if (result.base.length === 0 || result.next.length === 0) throw new UsageError(`need at least one results file on each side of -- (${usage})`);
    return result;
  }
  if (operands.length !== 2) throw new UsageError(`expected 2 results files, got ${operands.length} (${usage})`);
  return { base: [operands[0]], next: [operands[1]] };
}

function thresholdsFrom(options: CompareFlags): Thresholds {
  let thresholds: Thresholds = DEFAULT_THRESHOLDS;
  try {
    if (options.thresholdFile) {
      let text: string;
      try {
        text = fs.readFileSync(options.thresholdFile, 'utf8');
      } catch (error) {
        throw new ThresholdError(`cannot read --threshold-file ${options.thresholdFile}: ${(error as Error).message}`);
      }
      let data: unknown;
      try {
        data = JSON.parse(text);
      } catch (error) {
        throw new ThresholdError(`--threshold-file ${options.thresholdFile} is not JSON: ${(error as Error).message}`);
      }
      thresholds = thresholdsFromJson(data, options.thresholdFile, thresholds);
    }
    for (const flag of options.threshold) thresholds = applyThresholdFlag(flag, thresholds);
  } catch (error) {
    if (error instanceof ThresholdError) throw new UsageError(error.message);
    throw error;
  }
  return thresholds;
}

function numberOption(name: string, value: string, check: (n: number) => boolean, allowed: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || !check(n)) throw new UsageError(`${name}: got ${JSON.stringify(value)}; allowed: ${allowed}`);
  return n;
}

const DEFAULTS_HELP = `
Regression: worse by more than the relative threshold AND the absolute one (and, where a bootstrap interval
exists, the interval excludes 0). Defaults (override with --threshold NAME=REL%,ABS or --threshold-file):
${THRESHOLD_NAMES.map((n) => `  ${n.padEnd(15)} ${describeThreshold(n, DEFAULT_THRESHOLDS[n])}`).join('\n')}
Threshold file: {"ttfsP50": {"relative": "30%", "absolute": "400ms"}, "peakMemory": {"absolute": "32MiB"}}
The TTFS thresholds are the minimum effect for every milestone's p50/p99. A difference is significant when the
bootstrap interval excludes 0 and it exceeds both thresholds; with ≥ 2 runs per side a Mann–Whitney U test on the
run-level values is shown beside it (3 vs 3 runs cannot give p below 0.1). Invalid runs are excluded unless
--include-invalid.
Exit codes: 0 no regression, 1 regression, 2 bad input (including a side with no valid run).`;

/** compareResults, with a side left without valid runs reported as bad input (exit 2). */
function compareOrExplain(base: BenchResults[], next: BenchResults[], thresholds: Thresholds, options: CompareOptions): Comparison {
  try {
    return compareResults(base, next, thresholds, options);
  } catch (error) {
    if (error instanceof CompareError) throw new UsageError(error.message);
    throw error;
  }
}

export function compareCommand(): Command {
  const command = new Command('compare')
    .description('compare base run(s) with new run(s) from results.json files; exit 1 on a regression')
    .argument('[files...]', 'BASE NEW, or several: BASE1 BASE2 -- NEW1 NEW2; each a results.json or a directory of run-*/results.json')
    .option('--base <file>', 'a base results.json or directory of repeats (repeatable)', collect, [])
    .option('--new <file>', 'a new results.json or directory of repeats (repeatable)', collect, [])
    .option('--include-invalid', 'compare invalid runs too (by default they are excluded, with a warning)', false)
    .option('--threshold-file <file>', 'JSON file of thresholds by name (partial; see below)')
    .option('--threshold <name=value>', 'override one threshold, e.g. ttfsP50=30%,400ms (repeatable)', collect, [])
    .option('--iterations <n>', 'bootstrap replicates', '2000')
    .option('--seed <n>', 'bootstrap seed (results are deterministic per seed)', '1')
    .option('--confidence <c>', 'two-sided confidence of the bootstrap intervals', '0.95')
    .option('--json', 'print the comparison as JSON', false)
    .addHelpText('after', DEFAULTS_HELP);
  return command.action((operands: string[], options: CompareFlags) => {
    const files = splitRuns(operands, operandsAfterDoubleDash(command), options.base, options.new);
    const thresholds = thresholdsFrom(options);
    const iterations = numberOption('--iterations', options.iterations, (n) => Number.isInteger(n) && n >= 100 && n <= 1_000_000, 'an integer from 100 to 1,000,000');
    const seed = numberOption('--seed', options.seed, Number.isInteger, 'an integer');
    const confidence = numberOption('--confidence', options.confidence, (n) => n > 0.5 && n < 1, 'a number between 0.5 and 1, e.g. 0.95');
    const expanded = { base: expandRunPaths(files.base), next: expandRunPaths(files.next) };
    const base = expanded.base.map(readResultsFile);
    const next = expanded.next.map(readResultsFile);
    const comparison = compareOrExplain(base, next, thresholds, { iterations, seed, confidence, includeInvalid: options.includeInvalid });
    printResult(options.json, { ...comparison, files: expanded }, formatComparison(comparison));
    if (comparison.regressions > 0) process.exitCode = EXIT_FAILURE;
  });
}
