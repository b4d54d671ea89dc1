/**
 * The JSON Schema of scenario FILES (draft 2020-12): the one source of truth for their shape and defaults.
 * Files name durations and sizes without unit suffixes and accept human units (`hold: 5s`, `grpcMaxMessageSize:
 * 25Mi`); parsing converts them to the Scenario type's `…Ms`/`…Bytes` fields (see DURATION_KEYS, SIZE_KEYS).
 * Cross-field rules (steps increasing, milestone names, SLO metrics) are checked in code, with the same positions.
 */

import { FIXTURE_SCHEMA } from '../../charts/fixture-spec';
import { DURATION_PATTERN, QUANTITY_PATTERN } from '../units/units';

const withoutDefault = <T extends { default?: unknown }>({ default: _default, ...rest }: T): Omit<T, 'default'> => rest;
const duration = { $ref: '#/$defs/duration' };
const size = { $ref: '#/$defs/size' };
const share = { type: 'number', minimum: 0, maximum: 1 };
const positiveInteger = { type: 'integer', minimum: 1 };
/** An object that rejects keys it does not name. */
const closed = (properties: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({ type: 'object', properties, additionalProperties: false, ...extra });
const shapeType = (type: string) => ({ properties: { type: { const: type } } });

export const SCENARIO_SCHEMA = {
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  $id: 'https://github.com/aigw-scale/aigw-scale/scenario.schema.json',
  title: 'aigw-scale scenario',
  description: 'One benchmark run, completely: fixture, load shape, churn, milestones, sampling, SLO gates, validity rules, repeats, profiles.',
  type: 'object',
  required: ['apiVersion', 'kind', 'name', 'fixture'],
  additionalProperties: false,
  properties: {
    apiVersion: { const: 'aigw-scale/v1' },
    kind: { const: 'Scenario' },
    name: { type: 'string', pattern: '^[A-Za-z0-9][A-Za-z0-9._-]*$', maxLength: 100, description: 'Name for reports and JUnit suites.' },
    // Every fixture knob, as FIXTURE_SCHEMA defines it; a run needs 2 routes and room for `-r<k>` in its id.
    fixture: {
      ...FIXTURE_SCHEMA,
      required: ['routes'],
      properties: {
        ...FIXTURE_SCHEMA.properties,
        routes: { ...withoutDefault(FIXTURE_SCHEMA.properties.routes), minimum: 2, description: 'Routes at full scale, including the warm-up route (route 1, not timed).' },
        fixtureId: { ...FIXTURE_SCHEMA.properties.fixtureId, maxLength: 59, description: 'Absent: bench-<time>. Repeats use <id>-r<k>.' },
      },
    },
    gateway: closed(
      {
        url: { type: 'string', pattern: '^https?://', description: 'Where the Gateway answers; absent: kubectl port-forward to its Envoy Service.' },
        mode: { enum: ['cluster', 'stand-in', 'control-plane'], default: 'cluster' },
        grpcMaxMessageSize: { ...size, default: '25Mi' },
        allowMissingControllers: { type: 'boolean', default: false },
      },
      { default: {} },
    ),
    load: closed(
      {
        qps: { type: 'number', exclusiveMinimum: 0, description: 'Creates/deletes per second (token bucket); absent: unlimited.' },
        burst: { ...positiveInteger, description: 'Token-bucket size; absent: max(1, qps).' },
        concurrency: { ...positiveInteger, default: 16 },
        shape: {
          type: 'object',
          required: ['type'],
          default: { type: 'all-at-once' },
          properties: { type: { enum: ['all-at-once', 'batches', 'steps'] } },
          // Each type names its own keys (if/then rather than oneOf: Ajv fills in defaults inside `then` only).
          allOf: [
            { if: shapeType('all-at-once'), then: closed({ type: {} }) },
            { if: shapeType('batches'), then: closed({ type: {}, batchSize: positiveInteger, interval: { ...duration, default: 1000 }, waitReady: { type: 'boolean' } }, { required: ['batchSize'] }) },
            {
              if: shapeType('steps'),
              then: closed(
                {
                  type: {},
                  steps: { type: 'array', minItems: 1, items: closed({ routes: { type: 'integer', minimum: 2 }, hold: { ...duration, default: 0 } }, { required: ['routes'] }) },
                  healthGate: closed({ maxErrorRate: { ...share, default: 0.05 }, controllersReady: { type: 'boolean', default: true }, timeout: { ...duration, default: 60_000 } }, { default: {} }),
                },
                { required: ['steps'] },
              ),
            },
          ],
        },
        churn: closed(
          {
            cycles: positiveInteger,
            share: { type: 'number', exclusiveMinimum: 0, maximum: 1 },
            deleteDelay: { ...duration, default: 0 },
            recreateDelay: { ...duration, default: 0 },
          },
          { required: ['cycles', 'share'] },
        ),
        scaleDownSteps: positiveInteger,
      },
      { default: {} },
    ),
    probe: closed(
      {
        requestInterval: { ...duration, default: 100 },
        perRouteTimeout: { ...duration, default: 120_000 },
        concurrency: { ...positiveInteger, default: 512 },
        consecutiveSuccesses: { ...positiveInteger, default: 3 },
      },
      { default: {} },
    ),
    milestones: {
      type: 'array',
      default: [],
      items: closed(
        {
          name: { type: 'string', pattern: '^[A-Za-z][A-Za-z0-9_-]*$' },
          apiVersion: { type: 'string', pattern: '^([a-z0-9.-]+/)?v[0-9][a-z0-9]*$' },
          kind: { type: 'string', pattern: '^[A-Z][A-Za-z0-9]*$' },
          condition: closed({ type: { type: 'string', minLength: 1 }, status: { enum: ['True', 'False', 'Unknown'], default: 'True' }, perParent: { type: 'boolean', default: false } }, { required: ['type'] }),
          path: { type: 'string', pattern: '^status(\\.[A-Za-z0-9_-]+)+$' },
          equals: { type: ['string', 'number', 'boolean'] },
        },
        { required: ['name', 'kind'] },
      ),
    },
    sampling: closed({ interval: { ...duration, default: 2000 } }, { default: {} }),
    slo: {
      type: 'array',
      default: [],
      items: closed(
        {
          metric: { type: 'string', description: 'milestone.<name>.<p50|p90|p95|p99|max>, memory.<component>.max, cpu.<component>.max or errorRate.' },
          max: { type: ['number', 'string'], description: 'Milestones: a duration; memory: a size; cpu: millicores; errorRate: a share.' },
          atRoutes: { ...positiveInteger, description: 'memory/cpu only: samples at or above this many live routes.' },
        },
        { required: ['metric', 'max'] },
      ),
    },
    validity: closed(
      {
        maxMissingShare: { ...share, default: 0.05 },
        requireSamples: { type: 'array', items: { type: 'string' }, uniqueItems: true, default: [] },
        maxSampleGapIntervals: { type: 'number', minimum: 1, default: 5 },
      },
      { default: {} },
    ),
    repeat: { type: 'integer', minimum: 1, maximum: 100, default: 1 },
    profiles: closed({ enabled: { type: 'boolean', default: false }, cpuSeconds: { type: 'integer', minimum: 1, maximum: 300, default: 10 } }, { default: {} }),
  },
  $defs: {
    duration: {
      description: 'milliseconds as a number, or a number with a unit: 500ms, 5s, 2m, 1h',
      anyOf: [{ type: 'number', minimum: 0 }, { type: 'string', pattern: DURATION_PATTERN }],
    },
    size: {
      description: 'bytes as an integer, or a Kubernetes quantity: 512Mi, 25Mi, 1Gi, 500M',
      anyOf: [{ type: 'integer', minimum: 0 }, { type: 'string', pattern: QUANTITY_PATTERN }],
    },
  },
} as const;

/** File keys holding durations; the Scenario field is the key + `Ms`. */
export const DURATION_KEYS: ReadonlySet<string> = new Set(['interval', 'hold', 'timeout', 'deleteDelay', 'recreateDelay', 'requestInterval', 'perRouteTimeout']);
/** File keys holding sizes; the Scenario field swaps `Size` for `Bytes`. */
export const SIZE_KEYS: ReadonlySet<string> = new Set(['grpcMaxMessageSize']);
