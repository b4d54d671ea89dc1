/**
 * A model of how AI Gateway's route configuration grows with the fixture, and which Kubernetes or gRPC limit
 * it crosses first. Everything here is an estimate from the filterapi format (REFERENCE.md: per route one
 * `backends` entry of ≈125 B and one `models` entry of ≈83 B at default names) and from the Envoy xDS objects
 * Envoy Gateway sends to the extension server per route; not yet calibrated against the real controllers.
 */

/** Kubernetes' object size limit (etcd request limit): the legacy single filter-config Secret must fit. */
export const LEGACY_SECRET_LIMIT_BYTES = 1_048_576;
/** AI Gateway v1.1 splits the config into at most 8 part Secrets of ≤ 700 KiB each. */
export const BUNDLE_PART_BYTES = 700 * 1024;
export const BUNDLE_PARTS = 8;

/** Assumptions, with their sources; printed by `aigw-scale plan` so nobody mistakes the model for a measurement. */
export const ASSUMPTIONS = {
  /** YAML of a `backends` entry beyond its name (schema, auth, per-entry keys), bytes. */
  backendEntryOverheadBytes: 85,
  /** YAML of a `models` entry beyond the model name (owner, created time, keys), bytes. */
  modelEntryOverheadBytes: 71,
  /** One `set` header of a headerMutation in the backends entry: `- name: …\n  value: …\n`. */
  headerEntryOverheadBytes: 20,
  /** Fixed part of the filter config (version, metadata keys, the route-not-found entries …), bytes. */
  filterConfigBaseBytes: 2_048,
  /** xDS per route sent to the extension server: one Envoy route (header matcher + per-filter config) and one cluster. */
  xdsPerRouteBytes: 2_100,
  /** xDS that does not grow with routes: listener, HTTP connection manager, filters, secrets. */
  xdsBaseBytes: 40_000,
} as const;

export interface PlanInput {
  readonly routes: number;
  readonly backends: number;
  readonly headerMutations: number;
  readonly namespace: string;
  /** The extension gRPC limit (the one knob), bytes. */
  readonly grpcMaxMessageBytes: number;
}

export interface LimitCheck {
  readonly name: 'legacy-secret' | 'bundle-parts' | 'extension-grpc';
  readonly description: string;
  readonly limitBytes: number;
  readonly predictedBytes: number;
  readonly crossed: boolean;
  /** The first route count at which the prediction exceeds the limit. */
  readonly crossedAtRoutes: number;
  /** What happens when it is crossed. */
  readonly consequence: string;
}

export interface Plan {
  readonly input: PlanInput;
  readonly filterConfigBytesPerRoute: number;
  readonly filterConfigBytes: number;
  readonly extensionMessageBytesPerRoute: number;
  readonly extensionMessageBytes: number;
  readonly limits: readonly LimitCheck[];
  /** The limit crossed at the lowest route count. */
  readonly firstLimit: LimitCheck;
  /** True when a limit that breaks routing (bundle parts, gRPC) is crossed at the planned route count. */
  readonly blocking: boolean;
  readonly assumptions: typeof ASSUMPTIONS;
}

const digits = (n: number) => String(n).length;

/** Filter-config bytes contributed by one route at the widest names of this fixture. */
export function filterConfigBytesPerRoute(input: PlanInput): number {
  const routeName = 'route-000000'.length + Math.max(0, digits(input.routes) - 6);
  const backendName = 'backend-000'.length + Math.max(0, digits(input.backends) - 3);
  // `<ns>/<backend>/route/<route>/rule/0/ref/0`
  const backendEntryName = input.namespace.length + 1 + backendName + '/route/'.length + routeName + '/rule/0/ref/0'.length;
  const modelName = 'model-000000'.length + Math.max(0, digits(input.routes) - 6);
  const headers = input.headerMutations * (ASSUMPTIONS.headerEntryOverheadBytes + 'x-aigw-scale-header-00'.length + 'value-00'.length);
  return backendEntryName + ASSUMPTIONS.backendEntryOverheadBytes + headers + modelName + ASSUMPTIONS.modelEntryOverheadBytes;
}

function crossing(base: number, perRoute: number, limit: number): number {
  return Math.max(1, Math.floor((limit - base) / perRoute) + 1);
}

export function planConfigSize(input: PlanInput): Plan {
  const perRoute = filterConfigBytesPerRoute(input);
  const filterConfigBytes = ASSUMPTIONS.filterConfigBaseBytes + perRoute * input.routes;
  const xdsBytes = ASSUMPTIONS.xdsBaseBytes + ASSUMPTIONS.xdsPerRouteBytes * input.routes;
  const check = (name: LimitCheck['name'], description: string, limitBytes: number, predictedBytes: number, base: number, per: number, consequence: string): LimitCheck => ({
    name,
    description,
    limitBytes,
    predictedBytes,
    crossed: predictedBytes > limitBytes,
    crossedAtRoutes: crossing(base, per, limitBytes),
    consequence,
  });
  const limits = [
    check('legacy-secret', 'legacy filter-config Secret (1 MiB object limit)', LEGACY_SECRET_LIMIT_BYTES, filterConfigBytes, ASSUMPTIONS.filterConfigBaseBytes, perRoute,
      'the legacy Secret is no longer written; only the index + part Secrets carry the config (fine for v1.1 extprocs)'),
    check('bundle-parts', `filter-config part Secrets (${BUNDLE_PARTS} × 700 KiB)`, BUNDLE_PART_BYTES * BUNDLE_PARTS, filterConfigBytes, ASSUMPTIONS.filterConfigBaseBytes, perRoute,
      'the controller cannot store the config: new routes never become ready'),
    check('extension-grpc', 'Envoy Gateway → AI Gateway extension gRPC message', input.grpcMaxMessageBytes, xdsBytes, ASSUMPTIONS.xdsBaseBytes, ASSUMPTIONS.xdsPerRouteBytes,
      'the translation fails with ResourceExhausted: Envoy keeps its last good config, new routes never become ready'),
  ];
  const firstLimit = [...limits].sort((a, b) => a.crossedAtRoutes - b.crossedAtRoutes)[0];
  return {
    input,
    filterConfigBytesPerRoute: perRoute,
    filterConfigBytes,
    extensionMessageBytesPerRoute: ASSUMPTIONS.xdsPerRouteBytes,
    extensionMessageBytes: xdsBytes,
    limits,
    firstLimit,
    blocking: limits.some((l) => l.crossed && l.name !== 'legacy-secret'),
    assumptions: ASSUMPTIONS,
  };
}
