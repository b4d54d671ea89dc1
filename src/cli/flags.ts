import { UsageError } from './errors';

/** A numeric flag that must be an integer in [min, max]; a UsageError says what was given and what is allowed. */
export function integerFlag(flag: string, value: unknown, min: number, max = Number.MAX_SAFE_INTEGER): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    const allowed = max === Number.MAX_SAFE_INTEGER ? `an integer ≥ ${min}` : `an integer from ${min} to ${max}`;
    throw new UsageError(`${flag}: got ${JSON.stringify(value)}; allowed: ${allowed}`);
  }
  return value;
}
