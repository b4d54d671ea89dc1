/** The options every benchmark takes: how many rounds and where the page is. */
import * as path from 'node:path';
import { arg } from '../args';
import { PROJECT_DIR } from './page-file';

export const DEFAULT_ROUNDS = 5;

export interface CommonOptions {
  readonly rounds: number;
  readonly pageDir: string;
}

/** `--rounds N` (default 5) and `--page-dir DIR` (default docs/, which also updates the README's figures). */
export function commonOptions(): CommonOptions {
  return { rounds: Number(arg('rounds', String(DEFAULT_ROUNDS))), pageDir: path.resolve(arg('page-dir', path.join(PROJECT_DIR, 'docs'))) };
}

/** A comma-separated list of whole numbers from the command line, refused when any is not one. */
export function countsArg(name: string, fallback: string): number[] {
  const text = arg(name, fallback);
  const counts = text.split(',').map(Number);
  if (counts.some((count) => !Number.isInteger(count) || count < 1)) throw new Error(`--${name} takes whole numbers ≥ 1 separated by commas, got "${text}"`);
  return counts;
}

/** Runs a benchmark script's `main`: a failure prints its message (the page keeps what was written) and exits 1. */
export function runScript(main: () => Promise<void>): void {
  main().catch((error) => {
    console.error(error instanceof Error ? error.message : error);
    process.exitCode = 1;
  });
}
