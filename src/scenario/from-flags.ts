/**
 * CLI flags as shortcuts for scenario fields: each flag sets one place in the scenario document, so `bench` with
 * flags and `bench --scenario FILE` resolve through the same schema, defaults and checks (and give deep-equal
 * Scenarios when they say the same thing). With a file, the flags given override the fields they name.
 */
import { FIXTURE_PROPS, FixtureProp, fixtureFlag, numberOrText } from '../../charts/fixture-spec';
import { DocPath, Override, ScenarioError, ScenarioSource, dottedPath } from './parse';

/** Values of the flags the user typed (absent: not given; the scenario file or the schema default applies). */
export interface ScenarioFlags extends Partial<Record<FixtureProp, unknown>> {
  /** A resolved fixture as JSON (what the BenchJob passes): replaces the file's fixture; knob flags still override it. */
  fixtureJson?: string;
  gatewayUrl?: string;
  /** Reach the gateway by port-forward: removes a file's gateway.url. */
  portForward?: boolean;
  standIn?: boolean;
  controlPlane?: boolean;
  grpcMaxMessageSize?: unknown;
  allowMissingControllers?: boolean;
  qps?: unknown;
  burst?: unknown;
  applyConcurrency?: unknown;
  batchSize?: unknown;
  waitReady?: boolean;
  batchInterval?: unknown;
  /** Cumulative route counts, e.g. `100,200,300`. */
  steps?: string;
  hold?: unknown;
  churnCycles?: unknown;
  churnShare?: unknown;
  scaleDownSteps?: unknown;
  requestInterval?: unknown;
  perRouteTimeout?: unknown;
  probeConcurrency?: unknown;
  consecutiveSuccesses?: unknown;
  sampleInterval?: unknown;
  /** `KIND:CONDITION[=STATUS][@parents]`, repeatable; replaces a file's milestones. */
  milestone?: readonly string[];
  /** `METRIC<=VALUE[@ROUTES]`, repeatable; replaces a file's gates. */
  slo?: readonly string[];
  repeat?: unknown;
  profiles?: boolean;
}

/** A flag the scenario cannot take: reported like a file problem, at the flag. */
const flagError = (flag: string, given: unknown, message: string) => new ScenarioError([{ at: flag, path: '', message: `got ${JSON.stringify(given)}; ${message}` }]);

/** Scenario flags beyond the fixture's that set one field as they are: flag name, option key, path in the scenario file. */
const SIMPLE_FLAGS: readonly { flag: string; option: keyof ScenarioFlags; path: DocPath }[] = [
  { flag: '--gateway-url', option: 'gatewayUrl', path: ['gateway', 'url'] },
  { flag: '--grpc-max-message-size', option: 'grpcMaxMessageSize', path: ['gateway', 'grpcMaxMessageSize'] },
  { flag: '--allow-missing-controllers', option: 'allowMissingControllers', path: ['gateway', 'allowMissingControllers'] },
  { flag: '--qps', option: 'qps', path: ['load', 'qps'] },
  { flag: '--burst', option: 'burst', path: ['load', 'burst'] },
  { flag: '--apply-concurrency', option: 'applyConcurrency', path: ['load', 'concurrency'] },
  { flag: '--churn-cycles', option: 'churnCycles', path: ['load', 'churn', 'cycles'] },
  { flag: '--churn-share', option: 'churnShare', path: ['load', 'churn', 'share'] },
  { flag: '--scale-down-steps', option: 'scaleDownSteps', path: ['load', 'scaleDownSteps'] },
  { flag: '--request-interval', option: 'requestInterval', path: ['probe', 'requestInterval'] },
  { flag: '--per-route-timeout', option: 'perRouteTimeout', path: ['probe', 'perRouteTimeout'] },
  { flag: '--probe-concurrency', option: 'probeConcurrency', path: ['probe', 'concurrency'] },
  { flag: '--consecutive-successes', option: 'consecutiveSuccesses', path: ['probe', 'consecutiveSuccesses'] },
  { flag: '--sample-interval', option: 'sampleInterval', path: ['sampling', 'interval'] },
  { flag: '--repeat', option: 'repeat', path: ['repeat'] },
  { flag: '--profiles', option: 'profiles', path: ['profiles', 'enabled'] },
];

/** The scenario flags alone describe (no file): a run named `bench` with everything else from the flags and defaults. */
export const FLAGS_ONLY_SOURCE: ScenarioSource = {
  name: 'flags',
  document: { apiVersion: 'aigw-scale/v1', kind: 'Scenario', name: 'bench', fixture: {} },
  locate: () => undefined,
};

const MILESTONE_FLAG = /^([A-Z][A-Za-z0-9]*):([A-Za-z][A-Za-z0-9_-]*)(?:=(True|False|Unknown))?(@parents)?$/;
const SLO_FLAG = /^([^<>=\s]+)\s*<=\s*([^@\s]+)(?:@(\d+))?$/;

/**
 * A milestone from `KIND:CONDITION[=STATUS][@parents]`, named lowerCamel kind + condition (+ status when not True):
 * `HTTPRoute:Accepted@parents` → `httpRouteAccepted`, `Gateway:Programmed=False` → `gatewayProgrammedFalse`.
 */
export function milestoneFromFlag(text: string): Record<string, unknown> {
  const match = MILESTONE_FLAG.exec(text.trim());
  if (!match) throw flagError('--milestone', text, `allowed: KIND:CONDITION[=STATUS][@parents], e.g. AIGatewayRoute:Accepted or HTTPRoute:ResolvedRefs@parents`);
  const [, kind, type, status = 'True', parents] = match;
  const camelKind = kind.replace(/^[A-Z]+(?=[A-Z][a-z]|$)|^[A-Z]/, (head) => head.toLowerCase());
  return { name: `${camelKind}${type}${status === 'True' ? '' : status}`, kind, condition: { type, status, perParent: Boolean(parents) } };
}

/** A gate from `METRIC<=VALUE[@ROUTES]`, e.g. `milestone.ready.p99<=30s`, `memory.envoy-gateway.max<=512Mi@300`. */
export function sloFromFlag(text: string): Record<string, unknown> {
  const match = SLO_FLAG.exec(text.trim());
  if (!match) throw flagError('--slo', text, `allowed: METRIC<=VALUE[@ROUTES], e.g. milestone.ready.p99<=30s or memory.envoy-gateway.max<=512Mi@300`);
  const [, metric, max, atRoutes] = match;
  return { metric, max: numberOrText(max), ...(atRoutes === undefined ? {} : { atRoutes: Number(atRoutes) }) };
}

function fixtureFromJson(json: string): unknown {
  try {
    return JSON.parse(json);
  } catch (error) {
    throw flagError('--fixture-json', json, `not JSON: ${(error as Error).message}`);
  }
}

/** What the given flags set, in order; `base` is the file they override (for flags that depend on it, like --hold). */
export function flagOverrides(flags: ScenarioFlags, base: ScenarioSource = FLAGS_ONLY_SOURCE): Override[] {
  const overrides: Override[] = [];
  const set = (flag: string, path: DocPath, value: unknown, given: unknown = value) => overrides.push({ flag, path, value, given });
  if (flags.fixtureJson !== undefined) set('--fixture-json', ['fixture'], fixtureFromJson(flags.fixtureJson), flags.fixtureJson);
  for (const prop of FIXTURE_PROPS) if (flags[prop] !== undefined) set(fixtureFlag(prop), ['fixture', prop], flags[prop]);
  for (const { flag, option, path } of SIMPLE_FLAGS) if (flags[option] !== undefined) set(flag, path, flags[option]);
  if (flags.portForward) set('--port-forward', ['gateway', 'url'], undefined, true);
  if (flags.standIn) set('--stand-in', ['gateway', 'mode'], 'stand-in', true);
  if (flags.controlPlane) set('--control-plane', ['gateway', 'mode'], 'control-plane', true);

  if (flags.steps !== undefined && flags.batchSize !== undefined) throw flagError('--steps', flags.steps, 'give at most one of --steps and --batch-size');
  if (flags.batchSize !== undefined) {
    set('--batch-size', ['load', 'shape'], { type: 'batches', batchSize: flags.batchSize, ...(flags.batchInterval === undefined ? {} : { interval: flags.batchInterval }), ...(flags.waitReady ? { waitReady: true } : {}) }, flags.batchSize);
  } else if (flags.waitReady) {
    throw flagError('--wait-ready', true, 'needs --batch-size');
  } else if (flags.batchInterval !== undefined) set('--batch-interval', ['load', 'shape', 'interval'], flags.batchInterval);
  if (flags.steps !== undefined) {
    const steps = flags.steps.split(',').map((routes) => ({ routes: numberOrText(routes), ...(flags.hold === undefined ? {} : { hold: flags.hold }) }));
    set('--steps', ['load', 'shape'], { type: 'steps', steps }, flags.steps);
  } else if (flags.hold !== undefined) {
    const shape = (base.document.load as any)?.shape;
    if (shape?.type !== 'steps' || !Array.isArray(shape.steps)) throw flagError('--hold', flags.hold, 'needs --steps (or a scenario whose load.shape.type is steps)');
    shape.steps.forEach((_: unknown, i: number) => set('--hold', ['load', 'shape', 'steps', i, 'hold'], flags.hold));
  }
  if (flags.milestone !== undefined) set('--milestone', ['milestones'], flags.milestone.map(milestoneFromFlag), flags.milestone);
  if (flags.slo !== undefined) set('--slo', ['slo'], flags.slo.map(sloFromFlag), flags.slo);
  return overrides;
}

/** One line per override, for telling the user which file fields the flags replaced. */
export function describeOverrides(overrides: readonly Override[]): string[] {
  return overrides.map((o) => `${dottedPath(o.path)} ← ${o.flag}${o.value === undefined ? '' : ` ${JSON.stringify(o.given)}`}`);
}
