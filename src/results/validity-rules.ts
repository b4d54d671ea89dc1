/**
 * The rules that make a run valid, shared by the scenario (which sets them) and the report (which applies them);
 * report/validity.ts says what breaking them means.
 */

/** A run that breaks one of these is invalid: marked so in the report and by exit code, never averaged. */
export interface ValidityRules {
  /** Largest share of routes allowed to miss any declared milestone. @default 0.05 */
  readonly maxMissingShare: number;
  /** Components that must have samples. @default [] */
  readonly requireSamples: readonly string[];
  /** Largest gap between two samples of a required component, as a multiple of the interval. @default 5 */
  readonly maxSampleGapIntervals: number;
}

/** The rules for files without a scenario (schema version 1): the defaults documented in ValidityRules. */
export const DEFAULT_VALIDITY_RULES: ValidityRules = { maxMissingShare: 0.05, requireSamples: [], maxSampleGapIntervals: 5 };
