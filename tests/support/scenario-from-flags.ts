import { FLAGS_ONLY_SOURCE, ScenarioFlags, flagOverrides } from '../../src/scenario/from-flags';
import { ScenarioSource, resolveScenario } from '../../src/scenario/parse';
import { Scenario } from '../../src/results/scenario';

/**
 * The Scenario the flags describe, over `base` (a scenario file) or, without one, over the defaults: what
 * `aigw-scale bench` resolves, which also keeps the overrides to tell the user about them.
 */
export function scenarioFromFlags(flags: ScenarioFlags, base: ScenarioSource = FLAGS_ONLY_SOURCE): Scenario {
  return resolveScenario(base, flagOverrides(flags, base));
}
