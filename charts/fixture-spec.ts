/**
 * The scale fixture's one definition: FIXTURE_SCHEMA names every knob once, with its default and limits.
 * Everything else is derived from it: the FixtureSpec type, the CLI flags (`fixtureFlag`), the `cdk8s synth`
 * environment variables (`fixtureEnvVar`), the Pulumi stack keys and `scenario.fixture` (the property names
 * themselves), and results' settings (the resolved spec). `resolveFixtureSpec` is the one validation (Ajv).
 */

import Ajv2020, { ValidateFunction } from 'ajv/dist/2020';
import { ROUTE_API_VERSIONS } from '../constructs/ai-route-set';
import { ENVOY_SERVICE_TYPES } from '../constructs/gateway-infra';
import { QUANTITY_PATTERN } from '../src/units/units';

export const MAX_ROUTES = 100_000;
/** AIServiceBackend `spec.headerMutation.set` holds at most 16 headers. */
export const MAX_HEADER_MUTATIONS = 16;

const DNS1123_LABEL = { type: 'string', maxLength: 63, pattern: '^[a-z0-9]([-a-z0-9]*[a-z0-9])?$', allowed: 'a DNS-1123 label: lowercase letters, digits and "-", 1-63 characters, starting and ending alphanumeric' } as const;
const PORT = { type: 'integer', minimum: 1, maximum: 65535 } as const;

/**
 * The knobs, in the order problems are reported. `allowed` (ignored by Ajv) says what a string accepts; integers,
 * enums and booleans say it themselves. A knob without `default` is absent unless set (fixtureId: the namespace).
 */
export const FIXTURE_PROPERTIES = {
  routes: { type: 'integer', minimum: 1, maximum: MAX_ROUTES, default: 10, description: 'number of AIGatewayRoutes' },
  backends: { type: 'integer', minimum: 1, maximum: MAX_ROUTES, default: 1, description: 'number of backends (Backend + AIServiceBackend pairs), 1 … routes; route i uses backend ((i-1) mod M)+1' },
  namespace: { ...DNS1123_LABEL, default: 'aigw-scale', description: 'namespace of every namespaced object' },
  fixtureId: { ...DNS1123_LABEL, description: 'fixture id (label aigw-scale/fixture, cluster-scoped names); default: the namespace' },
  gatewayName: { ...DNS1123_LABEL, default: 'aigw-scale', description: 'name of the Gateway the routes attach to' },
  headerMutations: { type: 'integer', minimum: 0, maximum: MAX_HEADER_MUTATIONS, default: 0, description: 'headers each AIServiceBackend sets through headerMutation; grows the filter config' },
  routeApiVersion: { enum: ROUTE_API_VERSIONS, default: 'v1beta1', description: 'API version of the AIGatewayRoutes' },
  providerHost: {
    type: 'string',
    maxLength: 253,
    pattern: '^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$',
    not: { pattern: '^(localhost|127\\.\\d+\\.\\d+\\.\\d+|::1)$' },
    allowed: 'a DNS name (e.g. mock.aigw-scale.svc.cluster.local); Envoy Gateway Backends forbid localhost and loopback addresses',
    description: 'one FQDN every Backend points at instead of the per-backend mock provider Services',
  },
  providerPort: { ...PORT, default: 8080, description: 'port of the LLM provider the Backends point at' },
  listenerPort: { ...PORT, default: 80, description: "port of the Gateway's HTTP listener" },
  envoyServiceType: {
    enum: ENVOY_SERVICE_TYPES,
    description: "type of the Gateway's Envoy Service, through an EnvoyProxy (default: none, Envoy Gateway's LoadBalancer); NodePort where no load balancer gives the Gateway the address it needs to be Programmed (kind)",
  },
  connectionBufferLimit: { type: 'string', pattern: QUANTITY_PATTERN, allowed: 'a Kubernetes quantity such as "32Mi"', description: 'Envoy connection buffer limit through a ClientTrafficPolicy, e.g. 32Mi (default: no policy)' },
  apiKeyAuth: { type: 'boolean', default: false, description: 'an APIKey BackendSecurityPolicy per backend (mock key)' },
  createNamespace: { type: 'boolean', default: true, description: 'create the Namespace object (never for "default")' },
  mockProvider: { type: 'boolean', default: false, description: 'run the mock LLM provider in the fixture (one Deployment, a Service per backend)' },
} as const;

type Properties = typeof FIXTURE_PROPERTIES;
export type FixtureProp = keyof Properties;
export const FIXTURE_PROPS = Object.keys(FIXTURE_PROPERTIES) as FixtureProp[];

/** The JSON Schema of a fixture (draft 2020-12). */
export const FIXTURE_SCHEMA = { type: 'object', additionalProperties: false, properties: FIXTURE_PROPERTIES } as const;

type ValueOf<S> = S extends { enum: readonly (infer E)[] } ? E : S extends { type: 'integer' } ? number : S extends { type: 'boolean' } ? boolean : string;
type Defaulted = { [K in FixtureProp]: Properties[K] extends { default: unknown } ? K : never }[FixtureProp];

/** What a user may set: every knob is optional. */
export type FixtureSpecInput = { readonly [K in FixtureProp]?: ValueOf<Properties[K]> };
/** A validated fixture: defaults filled in (fixtureId too); providerHost and connectionBufferLimit only when set. */
export type FixtureSpec = { readonly [K in Defaulted | 'fixtureId']: ValueOf<Properties[K]> } & { readonly [K in Exclude<FixtureProp, Defaulted | 'fixtureId'>]?: ValueOf<Properties[K]> };

/** The flag of a knob: its name in kebab case; a knob that defaults to true is turned off with `--no-…`. */
export function fixtureFlag(prop: FixtureProp): string {
  const kebab = prop.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
  return (FIXTURE_PROPERTIES[prop] as { default?: unknown }).default === true ? `--no-${kebab}` : `--${kebab}`;
}

/** The `cdk8s synth` environment variable of a knob: AIGW_SCALE_ and its name in upper snake case. */
export const fixtureEnvVar = (prop: FixtureProp): string => `AIGW_SCALE_${prop.replace(/[A-Z]/g, (c) => `_${c}`).toUpperCase()}`;

/**
 * A number when the text is one, else the text itself, so validation can report exactly what was given
 * ("2.5" stays 2.5 and is rejected as a non-integer; "ten" is reported as "ten").
 */
export function numberOrText(text: string): number | string {
  return /^-?\d+(\.\d+)?$/.test(text.trim()) ? Number(text) : text;
}

/**
 * The knobs from text (environment variables, Pulumi config): integers and booleans converted by the schema's
 * types, anything unconvertible kept as given for the validator to report. Unset or empty: the default applies.
 */
export function fixtureInputFromText(read: (prop: FixtureProp) => string | undefined): FixtureSpecInput {
  const input: Record<string, unknown> = {};
  for (const prop of FIXTURE_PROPS) {
    const text = read(prop)?.trim();
    if (text === undefined || text === '') continue;
    const type = (FIXTURE_PROPERTIES[prop] as { type?: string }).type;
    input[prop] = type === 'integer' ? numberOrText(text) : type === 'boolean' ? ({ true: true, false: false } as Record<string, boolean>)[text] ?? text : text;
  }
  return input as FixtureSpecInput;
}

/** The fixture knobs among other props (a construct's, commander's options). */
export const fixtureInputOf = (props: FixtureSpecInput): FixtureSpecInput => Object.fromEntries(FIXTURE_PROPS.map((prop) => [prop, props[prop]]));

/** One invalid setting: which knob, what was given, what is allowed. */
export interface FixtureProblem {
  readonly prop: string;
  readonly value: unknown;
  readonly allowed: string;
}

/** Thrown before anything is built when a spec is invalid; lists every problem at once. */
export class FixtureValidationError extends Error {
  constructor(readonly problems: readonly FixtureProblem[]) {
    super(
      'Invalid fixture settings:\n' +
        problems.map((p) => `  - ${p.prop}: got ${JSON.stringify(p.value)}; allowed: ${p.allowed}`).join('\n'),
    );
    this.name = 'FixtureValidationError';
  }
}

/** What a knob accepts, in words; `maximum` overrides the schema's (backends: at most the routes). */
function allowedText(prop: FixtureProp, maximum?: number): string {
  const s = FIXTURE_PROPERTIES[prop] as { type?: string; enum?: readonly string[]; minimum?: number; maximum?: number; allowed?: string };
  if (s.enum) return s.enum.join(' or ');
  if (s.type === 'integer') return `an integer from ${s.minimum} to ${(maximum ?? s.maximum!).toLocaleString('en-US')}`;
  if (s.type === 'boolean') return 'true or false';
  return s.allowed!;
}

let compiled: ValidateFunction | undefined;
// strict: false lets the schema carry `allowed`; Ajv compiles once (tens of milliseconds).
const validator = () => (compiled ??= new Ajv2020({ allErrors: true, useDefaults: true, strict: false }).compile(FIXTURE_SCHEMA));

/** Fills in defaults and validates; throws FixtureValidationError listing every problem, in FIXTURE_PROPS order. */
export function resolveFixtureSpec(input: FixtureSpecInput): FixtureSpec {
  const spec: Record<string, unknown> = Object.fromEntries(Object.entries(input).filter(([, value]) => value !== undefined));
  const validate = validator();
  const bad = new Map<string, string>();
  if (!validate(spec)) {
    for (const error of validate.errors ?? []) {
      if (error.keyword === 'additionalProperties') bad.set(String(error.params.additionalProperty), `a fixture setting: ${FIXTURE_PROPS.join(', ')}`);
      else bad.set(error.instancePath.slice(1).split('/')[0], '');
    }
  }
  // Cross-field: at most one backend per route (checked against the routes only when they are valid).
  const routes = bad.has('routes') ? MAX_ROUTES : (spec.routes as number);
  if (!bad.has('backends') && (spec.backends as number) > routes) bad.set('backends', '');
  if (bad.size > 0) {
    const order = (prop: string) => {
      const index = FIXTURE_PROPS.indexOf(prop as FixtureProp);
      return index < 0 ? FIXTURE_PROPS.length : index; // unknown keys last
    };
    const problems = [...bad.entries()]
      .sort(([a], [b]) => order(a) - order(b))
      .map(([prop, allowed]) => ({ prop, value: spec[prop], allowed: allowed || allowedText(prop as FixtureProp, prop === 'backends' ? routes : undefined) }));
    throw new FixtureValidationError(problems);
  }
  spec.fixtureId ??= spec.namespace;
  // In FIXTURE_PROPS order, so the JSON of equal specs is equal text (scripts in the Pulumi state, Job arguments).
  return Object.fromEntries(FIXTURE_PROPS.filter((prop) => spec[prop] !== undefined).map((prop) => [prop, spec[prop]])) as FixtureSpec;
}
