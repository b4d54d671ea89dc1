import { Command } from 'commander';
import { ScenarioError, formatProblem, loadScenarioFile } from '../../scenario/parse';
import { SCENARIO_SCHEMA } from '../../scenario/schema';
import { EXIT_USAGE, UsageError } from '../errors';

/** Runs `fn`; an invalid scenario becomes a UsageError (printed without a stack, exit code 2). */
export function asUsageError<T>(fn: () => T): T {
  try {
    return fn();
  } catch (error) {
    if (error instanceof ScenarioError) throw new UsageError(error.message);
    throw error;
  }
}

export function scenarioCommand(): Command {
  const command = new Command('scenario').description('scenario files (YAML, apiVersion aigw-scale/v1): check one, or print their JSON schema');
  command
    .command('validate')
    .exitOverride()
    .description('check a scenario file: prints OK, or every problem at its line:column (exit 2)')
    .argument('<file>', 'the scenario file')
    .action((file: string) => {
      try {
        const scenario = loadScenarioFile(file);
        process.stdout.write(`${file}: OK (scenario ${scenario.name}: ${scenario.fixture.routes} routes, ${scenario.load.shape.type}${scenario.load.churn ? ', churn' : ''}, ${scenario.milestones.length} milestone(s), ${scenario.slo.length} SLO gate(s), repeat ${scenario.repeat})\n`);
      } catch (error) {
        if (!(error instanceof ScenarioError)) throw error;
        for (const problem of error.problems) process.stderr.write(`${formatProblem(problem)}\n`);
        process.exitCode = EXIT_USAGE;
      }
    });
  command
    .command('schema')
    .exitOverride()
    .description('print the JSON schema (draft 2020-12) scenario files are validated against')
    .action(() => {
      process.stdout.write(`${JSON.stringify(SCENARIO_SCHEMA, null, 2)}\n`);
    });
  return command;
}
