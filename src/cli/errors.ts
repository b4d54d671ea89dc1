import { FixtureValidationError } from '../../charts/fixture-spec';
import { HelmValuesError } from '../../charts/helm-values';

/** Bad input from the user: printed without a stack trace, exit code 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;

/** Errors whose message is the whole story (input problems): no stack, exit 2. */
export function isUsageError(error: unknown): error is Error {
  return error instanceof UsageError || error instanceof FixtureValidationError || error instanceof HelmValuesError;
}

/** Prints an error for a person and returns the exit code. Stacks only with AIGW_SCALE_DEBUG=1. */
export function reportError(error: unknown, stderr: NodeJS.WritableStream = process.stderr): number {
  const message = error instanceof Error ? error.message : String(error);
  stderr.write(`aigw-scale: ${message}\n`);
  if (process.env.AIGW_SCALE_DEBUG === '1' && error instanceof Error && error.stack) stderr.write(`${error.stack}\n`);
  return isUsageError(error) ? EXIT_USAGE : EXIT_FAILURE;
}
