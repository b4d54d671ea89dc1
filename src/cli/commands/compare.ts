import { Command } from 'commander';
import * as fs from 'node:fs';
import { compareResults, describeThreshold, formatComparison } from '../../report/compare';
import { DEFAULT_THRESHOLDS, THRESHOLD_NAMES, ThresholdError, Thresholds, applyThresholdFlag, thresholdsFromJson } from '../../report/thresholds';
import { EXIT_FAILURE, UsageError } from '../errors';
import { printResult } from '../output';
import { readResultsFile } from './report';

interface CompareOptions {
  base: string[];
  new: string[];
  thresholdFile?: string;
  threshold: string[];
  iterations: string;
  seed: string;
  confidence: string;
  json: boolean;
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

function thresholdsFrom(options: CompareOptions): Thresholds {
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
Exit codes: 0 no regression, 1 regression, 2 bad input.`;

export function compareCommand(): Command {
  const command = new Command('compare')
    .description('compare base run(s) with new run(s) from results.json files; exit 1 on a regression')
    .argument('[files...]', 'BASE.json NEW.json, or several: BASE1.json BASE2.json -- NEW1.json NEW2.json')
    .option('--base <file>', 'a base results.json (repeatable)', collect, [])
    .option('--new <file>', 'a new results.json (repeatable)', collect, [])
    .option('--threshold-file <file>', 'JSON file of thresholds by name (partial; see below)')
    .option('--threshold <name=value>', 'override one threshold, e.g. ttfsP50=30%,400ms (repeatable)', collect, [])
    .option('--iterations <n>', 'bootstrap replicates', '2000')
    .option('--seed <n>', 'bootstrap seed (results are deterministic per seed)', '1')
    .option('--confidence <c>', 'two-sided confidence of the bootstrap intervals', '0.95')
    .option('--json', 'print the comparison as JSON', false)
    .addHelpText('after', DEFAULTS_HELP);
  return command.action((operands: string[], options: CompareOptions) => {
    const files = splitRuns(operands, operandsAfterDoubleDash(command), options.base, options.new);
    const thresholds = thresholdsFrom(options);
    const iterations = numberOption('--iterations', options.iterations, (n) => Number.isInteger(n) && n >= 100 && n <= 1_000_000, 'an integer from 100 to 1,000,000');
    const seed = numberOption('--seed', options.seed, Number.isInteger, 'an integer');
    const confidence = numberOption('--confidence', options.confidence, (n) => n > 0.5 && n < 1, 'a number between 0.5 and 1, e.g. 0.95');
    const base = files.base.map(readResultsFile);
    const next = files.next.map(readResultsFile);
    const comparison = compareResults(base, next, thresholds, { iterations, seed, confidence });
    printResult(options.json, { ...comparison, files }, formatComparison(comparison));
    if (comparison.regressions > 0) process.exitCode = EXIT_FAILURE;
  });
}
