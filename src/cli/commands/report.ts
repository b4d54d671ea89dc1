import { Command } from 'commander';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { summarize, writeReports } from '../../report';
import { BenchResults, parseResults } from '../../results/schema';
import { UsageError } from '../errors';
import { printResult } from '../output';

/** Reads and checks a results.json; every problem (missing, unreadable, not JSON, other schema) is a UsageError. */
export function readResultsFile(file: string): BenchResults {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new UsageError(`cannot read ${file}: ${code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'it is a directory' : (error as Error).message}`);
  }
  try {
    return parseResults(text, file);
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

export function reportCommand(): Command {
  return new Command('report')
    .description('render report.md, report.html (inline SVG plots, no external resources) and summary.json from a results.json')
    .argument('<results>', 'the results.json of a run')
    .option('--out <dir>', 'write the reports into this directory instead of beside the results file')
    .option('--json', 'print the written paths, the run validity and the SLO gates as JSON', false)
    .action(async (file: string, options: { out?: string; json: boolean }) => {
      const results = readResultsFile(file);
      const summary = summarize(results);
      const written = await writeReports(results, options.out ?? path.dirname(file), summary);
      const { validity } = summary;
      const failedGates = summary.slo.filter((g) => !g.passed);
      printResult(
        options.json,
        { markdown: written.markdown, html: written.html, summary: written.summary, run: results.run.id, valid: validity.valid, invalidBecause: validity.reasons, slo: summary.slo },
        [
          written.markdown,
          written.html,
          written.summary,
          ...(validity.valid ? [] : [`note: run ${results.run.id} is invalid: ${validity.reasons.join('; ')}`]),
          ...failedGates.map((g) => `note: SLO gate failed: ${g.message}`),
        ].join('\n'),
      );
    });
}
