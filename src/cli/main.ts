import { Command, CommanderError } from 'commander';
import { applyCommand } from './commands/apply';
import { compareCommand } from './commands/compare';
import { benchCommand } from './commands/bench';
import { benchJobCommand } from './commands/bench-job';
import { deleteCommand } from './commands/delete';
import { localCommand } from './commands/local';
import { planCommand } from './commands/plan';
import { reportCommand } from './commands/report';
import { scenarioCommand } from './commands/scenario';
import { mockCommand } from './commands/mock';
import { synthCommand } from './commands/synth';
import { valuesCommand } from './commands/values';
import { EXIT_USAGE, reportError } from './errors';

/** The `aigw-scale` program: wiring only; each command validates its input and calls the library. */
export function buildProgram(): Command {
  const program = new Command('aigw-scale')
    .description('Scale benchmarks for the Envoy AI Gateway control plane: fixtures, environment, benchmark, report')
    .showHelpAfterError()
    .exitOverride();
  for (const command of [synthCommand(), valuesCommand(), applyCommand(), deleteCommand(), localCommand(), planCommand(), benchCommand(), scenarioCommand(), benchJobCommand(), mockCommand(), reportCommand(), compareCommand()]) program.addCommand(command.exitOverride());
  return program;
}

export async function main(argv: string[]): Promise<void> {
  try {
    await buildProgram().parseAsync(argv);
  } catch (error) {
    if (error instanceof CommanderError) {
      // commander already printed the message (or the help); map its usage errors to our exit code.
      process.exitCode = error.exitCode === 0 ? 0 : EXIT_USAGE;
      return;
    }
    process.exitCode = reportError(error);
  }
}
