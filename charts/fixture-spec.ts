/**
 * The validated description of a scale fixture. Every entry point (CLI flags, `cdk8s synth` environment
 * variables, Pulumi stack config) builds a FixtureSpec through `resolveFixtureSpec`, so defaults and limits
 * live in one place.
 */

import { ROUTE_API_VERSIONS, RouteApiVersion } from '../constructs/ai-route-set';

export const MAX_ROUTES = 100_000;
/** AIServiceBackend `spec.headerMutation.set` holds at most 16 headers. */
export const MAX_HEADER_MUTATIONS = 16;

/** Input: what a user may set. Everything but `routes` has a default. */
export interface FixtureSpecInput {
  /** Number of AIGatewayRoutes (1 … 100,000). */
  readonly routes: number;
  /** Number of backends (Backend + AIServiceBackend pairs), 1 … routes. @default 1 */
  readonly backends?: number;
  /** Namespace of every namespaced object; a DNS-1123 label. @default "aigw-scale" */
  readonly namespace?: string;
  /** Fixture id carried in the `aigw-scale/fixture` label and cluster-scoped names. @default the namespace */
  readonly fixtureId?: string;
  /** Name of the Gateway the routes attach to; a DNS-1123 label. @default "aigw-scale" */
  readonly gatewayName?: string;
  /** Headers each AIServiceBackend sets through `headerMutation` (0 … 16); grows the filter config. @default 0 */
  readonly headerMutations?: number;
  /** API version of the AIGatewayRoutes. @default "v1beta1" */
  readonly routeApiVersion?: RouteApiVersion;
  /** Port of the mock provider Services the Backends point at. @default 8080 */
  readonly providerPort?: number;
  /**
   * One FQDN every Backend points at instead of the per-backend mock Services
   * (`<backend>.<namespace>.svc.cluster.local`). @default undefined (per-backend Services)
   */
  readonly providerHost?: string;
  /** Port of the Gateway's HTTP listener. @default 80 */
  readonly listenerPort?: number;
  /** Envoy connection buffer limit set through a ClientTrafficPolicy, e.g. "32Mi". @default undefined (no policy) */
  readonly connectionBufferLimit?: string;
  /** Give every backend a BackendSecurityPolicy of type APIKey backed by one Secret. @default false */
  readonly apiKeyAuth?: boolean;
  /** Create the Namespace object as part of the fixture (never for "default"). @default true */
  readonly createNamespace?: boolean;
}

/** A FixtureSpec with every default filled in and every value checked. */
export type FixtureSpec = Required<Omit<FixtureSpecInput, 'providerHost' | 'connectionBufferLimit'>> &
  Pick<FixtureSpecInput, 'providerHost' | 'connectionBufferLimit'>;

/** One invalid setting: which prop, what was given, what is allowed. */
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

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const QUANTITY = /^[0-9]+(\.[0-9]+)?(Ki|Mi|Gi|Ti|k|M|G|T)?$/;
const LOOPBACK_HOST = /^(localhost|127\.\d+\.\d+\.\d+|::1)$/i;

class Checker {
  readonly problems: FixtureProblem[] = [];

  integer(prop: string, value: unknown, min: number, max: number): void {
    if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
      this.problems.push({ prop, value, allowed: `an integer from ${min} to ${max.toLocaleString('en-US')}` });
    }
  }

  dnsLabel(prop: string, value: unknown): void {
    if (typeof value !== 'string' || value.length > 63 || !DNS1123_LABEL.test(value)) {
      this.problems.push({ prop, value, allowed: 'a DNS-1123 label: lowercase letters, digits and "-", 1-63 characters, starting and ending alphanumeric' });
    }
  }

  check(prop: string, ok: boolean, value: unknown, allowed: string): void {
    if (!ok) this.problems.push({ prop, value, allowed });
  }
}

/** Fills in defaults and validates; throws FixtureValidationError listing every problem. */
export function resolveFixtureSpec(input: FixtureSpecInput): FixtureSpec {
  const namespace = input.namespace ?? 'aigw-scale';
  const spec: FixtureSpec = {
    routes: input.routes,
    backends: input.backends ?? 1,
    namespace,
    fixtureId: input.fixtureId ?? namespace,
    gatewayName: input.gatewayName ?? 'aigw-scale',
    headerMutations: input.headerMutations ?? 0,
    routeApiVersion: input.routeApiVersion ?? 'v1beta1',
    providerPort: input.providerPort ?? 8080,
    providerHost: input.providerHost,
    listenerPort: input.listenerPort ?? 80,
    connectionBufferLimit: input.connectionBufferLimit,
    apiKeyAuth: input.apiKeyAuth ?? false,
    createNamespace: input.createNamespace ?? true,
  };

  const c = new Checker();
  c.integer('routes', spec.routes, 1, MAX_ROUTES);
  const routesValid = c.problems.length === 0;
  c.integer('backends', spec.backends, 1, routesValid ? spec.routes : MAX_ROUTES);
  c.dnsLabel('namespace', spec.namespace);
  if (input.fixtureId !== undefined) c.dnsLabel('fixtureId', spec.fixtureId); // else it is the namespace, checked above
  c.dnsLabel('gatewayName', spec.gatewayName);
  c.integer('headerMutations', spec.headerMutations, 0, MAX_HEADER_MUTATIONS);
  c.check('routeApiVersion', (ROUTE_API_VERSIONS as readonly unknown[]).includes(spec.routeApiVersion), spec.routeApiVersion, ROUTE_API_VERSIONS.join(' or '));
  c.integer('providerPort', spec.providerPort, 1, 65535);
  c.integer('listenerPort', spec.listenerPort, 1, 65535);
  if (spec.providerHost !== undefined) {
    const host = spec.providerHost;
    c.check(
      'providerHost',
      typeof host === 'string' && host.length <= 253 && DNS1123_SUBDOMAIN.test(host) && !LOOPBACK_HOST.test(host),
      host,
      'a DNS name (e.g. mock.aigw-scale.svc.cluster.local); Envoy Gateway Backends forbid localhost and loopback addresses',
    );
  }
  if (spec.connectionBufferLimit !== undefined) {
    c.check('connectionBufferLimit', typeof spec.connectionBufferLimit === 'string' && QUANTITY.test(spec.connectionBufferLimit), spec.connectionBufferLimit, 'a Kubernetes quantity such as "32Mi"');
  }
  c.check('apiKeyAuth', typeof spec.apiKeyAuth === 'boolean', spec.apiKeyAuth, 'true or false');
  c.check('createNamespace', typeof spec.createNamespace === 'boolean', spec.createNamespace, 'true or false');
  if (c.problems.length > 0) throw new FixtureValidationError(c.problems);
  return spec;
}
