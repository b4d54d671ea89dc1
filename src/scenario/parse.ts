/**
 * Scenario files → the Scenario type: YAML parsed with positions, checked against SCENARIO_SCHEMA (Ajv, draft
 * 2020-12, defaults filled in from the schema), human units converted, cross-field rules checked. Every problem is
 * reported at once, each at its line and column (`scenario.yaml:12:7: load.churn.share: must be <= 1`), or at the
 * CLI flag that set the value when flags override the file.
 */
import * as fs from 'node:fs';
import Ajv2020, { ErrorObject, ValidateFunction } from 'ajv/dist/2020';
import YAML, { LineCounter, isMap, isSeq, isScalar, Node as YamlNode } from 'yaml';
import { LOCAL_MIN_GRPC_MESSAGE_BYTES, MAX_GRPC_MESSAGE_BYTES } from '../../charts/helm-values';
import { COMPONENT_ORDER } from '../results/components';
import { BUILT_IN_MILESTONES } from '../results/schema';
import { parseSloMetric, usesSamples } from '../results/slo-metric';
import { DURATION_KEYS, SCENARIO_SCHEMA, SIZE_KEYS } from './schema';
import { Scenario } from '../results/scenario';
import { durationMs, formatDuration, formatSize, sizeBytes } from '../units/units';

/** A path into a scenario document: keys and array indices. */
export type DocPath = readonly (string | number)[];

export interface ScenarioProblem {
  /** Where the value came from: `file:line:col`, or the CLI flag that set it; absent when it is a default. */
  readonly at?: string;
  /** Dotted path in the file, e.g. `load.churn.share` or `slo[1].metric`; empty for the whole document. */
  readonly path: string;
  readonly message: string;
}

/** One line per problem: `file:line:col: path: message`, or for a flag `--flag: message (path)`. */
export const formatProblem = (p: ScenarioProblem): string =>
  p.at?.startsWith('--') ? `${p.at}: ${p.message}${p.path ? ` (${p.path})` : ''}` : [p.at, p.path, p.message].filter(Boolean).join(': ');

/** An invalid scenario (the CLI exits with code 2): carries every problem, each with its position. */
export class ScenarioError extends Error {
  constructor(readonly problems: readonly ScenarioProblem[]) {
    super(`invalid scenario, nothing was done:\n${problems.map((p) => `  ${formatProblem(p)}`).join('\n')}`);
    this.name = 'ScenarioError';
  }
}

/** A scenario document before validation, with a way to find where each value is written. */
export interface ScenarioSource {
  /** The file name used in positions. */
  readonly name: string;
  readonly document: Record<string, unknown>;
  /** `name:line:col` of the value at `path` (or of `key` inside it); undefined when the file does not have it. */
  locate(path: DocPath, key?: string): string | undefined;
}

/** A value a CLI flag sets in the document (undefined removes it). */
export interface Override {
  readonly path: DocPath;
  readonly value: unknown;
  /** The flag and what was typed, for messages: `--churn-share`, `2`. */
  readonly flag: string;
  readonly given: unknown;
}

export const dottedPath = (path: DocPath): string => path.map((part, i) => (typeof part === 'number' ? `[${part}]` : i === 0 ? part : `.${part}`)).join('');

/** Parses YAML keeping positions; a syntax error or a document that is not a mapping is a ScenarioError. */
export function readScenarioSource(text: string, name: string): ScenarioSource {
  const lineCounter = new LineCounter();
  const doc = YAML.parseDocument(text, { lineCounter, prettyErrors: false });
  const position = (offset: number) => {
    const { line, col } = lineCounter.linePos(offset);
    return `${name}:${line}:${col}`;
  };
  if (doc.errors.length > 0) {
    throw new ScenarioError(doc.errors.map((e) => ({ at: position(e.pos[0]), path: '', message: `YAML: ${e.message.split('\n')[0]}` })));
  }
  const document = doc.toJS();
  if (typeof document !== 'object' || document === null || Array.isArray(document)) {
    throw new ScenarioError([{ at: `${name}:1:1`, path: '', message: 'a scenario is a YAML mapping starting with `apiVersion: aigw-scale/v1` and `kind: Scenario`' }]);
  }
  const locate = (path: DocPath, key?: string): string | undefined => {
    let node: unknown = doc.contents;
    let keyNode: unknown;
    for (const part of key === undefined ? path : [...path, key]) {
      keyNode = undefined;
      if (isMap(node)) {
        const pair = node.items.find((item) => (isScalar(item.key) ? item.key.value : item.key) === part);
        if (!pair) return undefined;
        keyNode = pair.key;
        node = pair.value;
      } else if (isSeq(node) && typeof part === 'number' && part < node.items.length) {
        node = node.items[part];
      } else return undefined;
    }
    // A key points at itself; a value at its start; an empty value (`churn:`) at its key.
    const target = (key !== undefined ? keyNode : (node as YamlNode | null)?.range ? node : keyNode) as YamlNode | undefined;
    return target?.range ? position(target.range[0]) : path.length === 0 ? `${name}:1:1` : undefined;
  };
  return { name, document, locate };
}

let compiled: ValidateFunction | undefined;
/** The compiled schema validator (compiled once: Ajv compilation takes tens of milliseconds). */
function validator(): ValidateFunction {
  compiled ??= new Ajv2020({ allErrors: true, useDefaults: true, verbose: true, strict: false }).compile(SCENARIO_SCHEMA);
  return compiled;
}

/**
 * The resolved Scenario from a source and flag overrides: defaults filled in, units converted, every rule checked.
 * Throws ScenarioError with every problem, each located in the file or at the flag that set it.
 */
export function resolveScenario(source: ScenarioSource, overrides: readonly Override[] = []): Scenario {
  const document = structuredClone(source.document);
  for (const override of overrides) setPath(document, override.path, override.value);
  const where = locator(source, overrides);

  const validate = validator();
  if (!validate(document)) throw new ScenarioError(schemaProblems(validate.errors ?? []).map(({ path, key, message }) => ({ at: where(path, key), path: dottedPath(key === undefined ? path : [...path, key]), message })));

  const problems: { path: DocPath; message: string }[] = [];
  const scenario = convertUnits(document, problems) as unknown as Scenario;
  problems.push(...crossFieldProblems(scenario));
  if (problems.length > 0) throw new ScenarioError(problems.map(({ path, message }) => ({ at: where(path), path: dottedPath(path), message })));
  return scenario;
}

/** Parses and validates scenario text; `sourceName` names it in positions. */
export function parseScenario(text: string, sourceName: string): Scenario {
  return resolveScenario(readScenarioSource(text, sourceName));
}

/** Reads, parses and validates a scenario file. */
export function loadScenarioFile(file: string): Scenario {
  return parseScenario(readScenarioText(file), file);
}

/** A scenario file's text; an unreadable file is a ScenarioError naming it. */
export function readScenarioText(file: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (error) {
    throw new ScenarioError([{ at: file, path: '', message: (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (error as Error).message }]);
  }
}

/** The scenario as a file (top-level keys in schema order): units made human again (`5s`, `25Mi`), so it parses back to the same Scenario. */
export function renderScenarioYaml(scenario: Scenario): string {
  const toFile = (value: unknown, key?: string): unknown => {
    if (Array.isArray(value)) return value.map((item) => toFile(item));
    if (typeof value !== 'object' || value === null) return value;
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      if (v === undefined) continue;
      if (k.endsWith('Ms') && DURATION_KEYS.has(k.slice(0, -2))) out[k.slice(0, -2)] = formatDuration(v as number);
      else if (k.endsWith('Bytes') && SIZE_KEYS.has(`${k.slice(0, -5)}Size`)) out[`${k.slice(0, -5)}Size`] = formatSize(v as number);
      else out[k] = toFile(v, k);
    }
    if (key === undefined && 'metric' in out) out.max = humanGateMax(String(out.metric), out.max as number);
    return out;
  };
  const file = toFile(scenario) as Record<string, unknown>;
  const ordered = Object.fromEntries(Object.keys(SCENARIO_SCHEMA.properties).filter((key) => file[key] !== undefined).map((key) => [key, file[key]]));
  return YAML.stringify(ordered, { lineWidth: 0 });
}

function humanGateMax(metric: string, max: number): string | number {
  const parsed = parseSloMetric(metric);
  if ('error' in parsed) return max;
  return parsed.kind === 'milestone' ? formatDuration(max) : parsed.kind === 'memory' ? formatSize(max) : max;
}

function setPath(document: Record<string, unknown>, path: DocPath, value: unknown): void {
  let node: any = document;
  for (const part of path.slice(0, -1)) {
    if (typeof node[part] !== 'object' || node[part] === null) node[part] = {};
    node = node[part];
  }
  const last = path[path.length - 1];
  if (value === undefined) delete node[last];
  else node[last] = value;
}

const startsWith = (path: DocPath, prefix: DocPath) => prefix.length <= path.length && prefix.every((part, i) => path[i] === part);

/**
 * Where a problem at `path` came from: the flag that set it (or a value above it), else the file's position, else
 * a flag that set something inside it (a flag created the object), else the nearest position in the file.
 */
function locator(source: ScenarioSource, overrides: readonly Override[]) {
  return (path: DocPath, key?: string): string | undefined => {
    const full = key === undefined ? path : [...path, key];
    const setter = [...overrides].reverse().find((o) => startsWith(full, o.path));
    if (setter) return setter.flag;
    const inFile = source.locate(path, key);
    if (inFile) return inFile;
    const inside = overrides.find((o) => startsWith(o.path, path));
    if (inside) return inside.flag;
    for (let n = path.length; n >= 0; n--) {
      const near = source.locate(path.slice(0, n));
      if (near) return near;
    }
    return undefined;
  };
}

/** Ajv errors as plain problems: one per place, unknown keys and missing keys pointed at the key itself. */
function schemaProblems(errors: readonly ErrorObject[]): { path: DocPath; key?: string; message: string }[] {
  const toPath = (pointer: string): DocPath => (pointer === '' ? [] : pointer.slice(1).split('/').map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~')).map((p) => (/^\d+$/.test(p) ? Number(p) : p)));
  // A failed `anyOf` (duration, size) says what is allowed; the branch errors under it only repeat it.
  const anyOfAt = new Set(errors.filter((e) => e.keyword === 'anyOf').map((e) => e.instancePath));
  const seen = new Set<string>();
  const problems: { path: DocPath; key?: string; message: string }[] = [];
  for (const error of errors) {
    if (error.keyword === 'if' || (anyOfAt.has(error.instancePath) && error.keyword !== 'anyOf')) continue;
    const path = toPath(error.instancePath);
    const problem = describeSchemaError(error, path);
    const id = `${dottedPath(path)}|${problem.key}|${problem.message}`;
    if (!seen.has(id)) problems.push(problem);
    seen.add(id);
  }
  return problems;
}

function describeSchemaError(error: ErrorObject, path: DocPath): { path: DocPath; key?: string; message: string } {
  const params = error.params as Record<string, any>;
  switch (error.keyword) {
    case 'additionalProperties': {
      const allowed = Object.keys((error.parentSchema as any)?.properties ?? {});
      const forShape = path[path.length - 1] === 'shape' ? ` with type ${JSON.stringify((error.data as any)?.type)}` : '';
      return { path, key: String(params.additionalProperty), message: `unknown key; allowed${forShape}: ${allowed.join(', ')}` };
    }
    case 'required':
      return { path, message: `missing required key "${params.missingProperty}"` };
    case 'anyOf':
      return { path, message: `got ${JSON.stringify(error.data)}; allowed: ${(error.parentSchema as any)?.description ?? error.message}` };
    case 'enum':
      return { path, message: `got ${JSON.stringify(error.data)}; allowed: ${(params.allowedValues as unknown[]).join(', ')}` };
    case 'const':
      return { path, message: `got ${JSON.stringify(error.data)}; must be ${JSON.stringify(params.allowedValue)}` };
    case 'pattern':
      // A fixture knob says what it allows (FIXTURE_PROPERTIES' `allowed`); elsewhere the description does.
      return { path, message: `got ${JSON.stringify(error.data)}; ${(error.parentSchema as any)?.allowed ?? (error.parentSchema as any)?.description ?? `must match ${params.pattern}`}`.replace(/; $/, '') };
    default:
      return { path, message: `got ${JSON.stringify(error.data)}; ${error.message}` };
  }
}

/** File keys → Scenario fields: durations to `…Ms`, sizes to `…Bytes`, gate thresholds by their metric's unit. */
function convertUnits(document: Record<string, unknown>, problems: { path: DocPath; message: string }[]): Record<string, unknown> {
  const walk = (value: unknown, path: DocPath): unknown => {
    if (Array.isArray(value)) return value.map((item, i) => walk(item, [...path, i]));
    if (typeof value !== 'object' || value === null) return value;
    const out: Record<string, unknown> = {};
    for (const [key, v] of Object.entries(value)) {
      if (DURATION_KEYS.has(key)) out[`${key}Ms`] = durationMs(v);
      else if (SIZE_KEYS.has(key)) out[key.replace(/Size$/, 'Bytes')] = sizeBytes(v);
      else out[key] = walk(v, [...path, key]);
    }
    return out;
  };
  const scenario = walk(document, []) as Record<string, any>;
  scenario.slo = (scenario.slo as { metric: string; max: unknown }[]).map((gate, i) => {
    const parsed = parseSloMetric(gate.metric);
    if ('error' in parsed) return gate; // reported by the cross-field checks
    const unit = {
      milestone: { convert: durationMs, allowed: 'a duration, e.g. 30s or 1500ms' },
      memory: { convert: sizeBytes, allowed: 'a size, e.g. 512Mi or 1Gi' },
      cpu: { convert: (v: unknown) => (typeof v === 'number' && v >= 0 ? v : undefined), allowed: 'millicores, a number ≥ 0, e.g. 500' },
      errorRate: { convert: (v: unknown) => (typeof v === 'number' && v >= 0 && v <= 1 ? v : undefined), allowed: 'a share from 0 to 1, e.g. 0.01' },
    }[parsed.kind];
    const max = unit.convert(gate.max);
    if (max === undefined) problems.push({ path: ['slo', i, 'max'], message: `got ${JSON.stringify(gate.max)}; allowed for ${gate.metric}: ${unit.allowed}` });
    return { ...gate, max };
  });
  return scenario;
}

/** Rules that span fields, each at the path to point at. */
function crossFieldProblems(scenario: Scenario): { path: DocPath; message: string }[] {
  const problems: { path: DocPath; message: string }[] = [];
  const { fixture, load } = scenario;
  if (fixture.backends > fixture.routes) problems.push({ path: ['fixture', 'backends'], message: `${fixture.backends} backends for ${fixture.routes} routes; allowed: at most fixture.routes` });
  const grpc = scenario.gateway.grpcMaxMessageBytes;
  // The limit the cluster was installed with: local controllers may run below 4Mi (LOCAL_MIN_GRPC_MESSAGE_BYTES).
  if (grpc < LOCAL_MIN_GRPC_MESSAGE_BYTES || grpc > MAX_GRPC_MESSAGE_BYTES) problems.push({ path: ['gateway', 'grpcMaxMessageSize'], message: `${formatSize(grpc)} is outside the extension gRPC limit's range 64Ki … 2Gi` });
  if (load.burst !== undefined && load.qps === undefined) problems.push({ path: ['load', 'burst'], message: 'a burst needs load.qps (without qps, creates are not rate-limited)' });
  if (load.shape.type === 'steps') {
    const steps = load.shape.steps;
    steps.forEach((step, i) => {
      if (i > 0 && step.routes <= steps[i - 1].routes) problems.push({ path: ['load', 'shape', 'steps', i, 'routes'], message: `${step.routes} after ${steps[i - 1].routes}; steps must increase` });
    });
    const last = steps[steps.length - 1];
    if (last.routes !== fixture.routes) problems.push({ path: ['load', 'shape', 'steps', steps.length - 1, 'routes'], message: `the last step has ${last.routes} routes, fixture.routes is ${fixture.routes}; the last step must reach fixture.routes` });
  }

  const declared = new Map<string, number>();
  scenario.milestones.forEach((milestone, i) => {
    if ((BUILT_IN_MILESTONES as readonly string[]).includes(milestone.name)) problems.push({ path: ['milestones', i, 'name'], message: `"${milestone.name}" is a built-in milestone; pick another name (built-ins: ${BUILT_IN_MILESTONES.join(', ')})` });
    else if (declared.has(milestone.name)) problems.push({ path: ['milestones', i, 'name'], message: `"${milestone.name}" is already the name of milestones[${declared.get(milestone.name)}]; names must be unique` });
    else declared.set(milestone.name, i);
    if (Boolean(milestone.condition) === Boolean(milestone.path)) problems.push({ path: ['milestones', i], message: 'give exactly one of condition or path' });
    if (milestone.equals !== undefined && !milestone.path) problems.push({ path: ['milestones', i, 'equals'], message: 'equals needs a path' });
  });

  scenario.slo.forEach((gate, i) => {
    const parsed = parseSloMetric(gate.metric);
    if ('error' in parsed) return problems.push({ path: ['slo', i, 'metric'], message: parsed.error });
    if (parsed.kind === 'milestone' && !declared.has(parsed.milestone) && !(BUILT_IN_MILESTONES as readonly string[]).includes(parsed.milestone)) {
      problems.push({ path: ['slo', i, 'metric'], message: `no milestone "${parsed.milestone}"; declared: ${[...declared.keys()].join(', ') || 'none'}; built-in: ${BUILT_IN_MILESTONES.join(', ')}` });
    }
    if (gate.atRoutes !== undefined && !usesSamples(parsed)) problems.push({ path: ['slo', i, 'atRoutes'], message: 'atRoutes applies to memory.* and cpu.* gates only' });
    if (gate.atRoutes !== undefined && gate.atRoutes > fixture.routes) problems.push({ path: ['slo', i, 'atRoutes'], message: `${gate.atRoutes} is more than fixture.routes (${fixture.routes}); the gate could never be evaluated` });
    return undefined;
  });

  scenario.validity.requireSamples.forEach((component, i) => {
    if (!(COMPONENT_ORDER as readonly string[]).includes(component)) problems.push({ path: ['validity', 'requireSamples', i], message: `unknown component "${component}"; allowed: ${COMPONENT_ORDER.join(', ')}` });
  });
  return problems;
}
