/**
 * How AI Gateway's route configuration and the Envoy Gateway → AI Gateway extension messages grow with the
 * fixture, and which Kubernetes or gRPC limit they cross first. Each size is linear in routes, headers per
 * backend and backends, with coefficients fitted to what `npm run bench:grpc-limit` measured against the real
 * controllers (tests/plan/measured-sizes.json; the plan's test holds this model within 10 % of it).
 */

/** Kubernetes' object size limit (etcd request limit): the legacy single filter-config Secret must fit. */
export const LEGACY_SECRET_LIMIT_BYTES = 1_048_576;
/** AI Gateway v1.1 splits the config into at most 8 part Secrets of ≤ 700 KiB each. */
export const BUNDLE_PART_BYTES = 700 * 1024;
export const BUNDLE_PARTS = 8;

/** bytes = base + routes × (perRoute + headers × perRoutePerHeader) + backends × perBackend. */
export interface LinearSize {
  readonly baseBytes: number;
  readonly perRouteBytes: number;
  readonly perRoutePerHeaderBytes: number;
  readonly perBackendBytes: number;
}

/**
 * The fitted coefficients, at the benchmark's names (namespace `aigw-scale-bench`, `route-NNNNNN`,
 * `model-NNNNNN`, `backend-NNN`). Measured: headers per backend enter only the filter config (each backend entry
 * carries its headerMutation); neither headers nor the number of backends changes the extension messages (Envoy
 * Gateway makes a cluster per route rule, whichever backend it points at). The filter config also grows by one byte per route for each namespace character beyond those
 * (the backend entry's name carries it); the extension messages' dependence on name lengths is not modelled.
 */
export const CALIBRATION = {
  versions: 'Envoy Gateway v1.8.1, AI Gateway v1.1.0',
  namespace: 'aigw-scale-bench',
  /** The per-Gateway filterapi.Config (all Secret parts). */
  filterConfig: { baseBytes: 77, perRouteBytes: 220, perRoutePerHeaderBytes: 57.8, perBackendBytes: 0 },
  /** PostTranslateModify request: every listener, route, cluster and secret Envoy Gateway translated. */
  extensionRequest: { baseBytes: 3_626, perRouteBytes: 1_616, perRoutePerHeaderBytes: 0, perBackendBytes: 0 },
  /** PostTranslateModify response: the same resources as the extension rewrote them (about twice the request). */
  extensionResponse: { baseBytes: 4_468, perRouteBytes: 3_192, perRoutePerHeaderBytes: 0, perBackendBytes: 0 },
} as const;

export interface PlanInput {
  readonly routes: number;
  readonly backends: number;
  readonly headerMutations: number;
  readonly namespace: string;
  /** The extension gRPC limit (the one knob), bytes. */
  readonly grpcMaxMessageBytes: number;
  /**
   * Routes of other Gateways the same controllers already carry (a Pulumi stack's fixture, say). They add to the
   * controllers' work but not to these limits: Envoy Gateway translates each Gateway into its own xDS, with one
   * extension call each, and AI Gateway writes one filter config per Gateway. @default 0
   */
  readonly otherRoutes?: number;
}

export type LimitName = 'legacy-secret' | 'bundle-parts' | 'extension-request' | 'extension-response';

export interface LimitCheck {
  readonly name: LimitName;
  readonly description: string;
  readonly limitBytes: number;
  readonly predictedBytes: number;
  readonly crossed: boolean;
  /** The first route count at which the prediction exceeds the limit. */
  readonly crossedAtRoutes: number;
  /** What happens when it is crossed. */
  readonly consequence: string;
  /** gRPC limits: the smallest whole-MiB knob that clears this prediction with 10 % headroom, e.g. `26Mi`. */
  readonly knobToClear?: string;
}

export interface Plan {
  readonly input: PlanInput;
  /** Every route the controllers carry once this fixture is applied: its own and the other Gateways'. */
  readonly controllerRoutes: number;
  readonly filterConfigBytes: number;
  readonly filterConfigBytesPerRoute: number;
  readonly extensionRequestBytes: number;
  readonly extensionResponseBytes: number;
  /** The larger of the two extension messages, per route: what moves the gRPC knob. */
  readonly extensionMessageBytesPerRoute: number;
  readonly limits: readonly LimitCheck[];
  /** The limit crossed at the lowest route count. */
  readonly firstLimit: LimitCheck;
  /** The limit that breaks routing (not the informational legacy Secret) crossed at the lowest route count. */
  readonly firstBlockingLimit: LimitCheck;
  /** True when a limit that breaks routing (bundle parts, gRPC) is crossed at the planned route count. */
  readonly blocking: boolean;
  readonly calibration: typeof CALIBRATION;
}

/** Bytes per route of a size for this fixture (headers and, for the filter config, the namespace's length). */
function perRoute(size: LinearSize, input: PlanInput, namespaceBytes: number): number {
  return size.perRouteBytes + input.headerMutations * size.perRoutePerHeaderBytes + namespaceBytes;
}

/** Filter-config bytes contributed by one route. */
export function filterConfigBytesPerRoute(input: PlanInput): number {
  const extraDigits = Math.max(0, String(input.routes).length - 6); // route-NNNNNN and model-NNNNNN widen past 6 digits
  return perRoute(CALIBRATION.filterConfig, input, input.namespace.length - CALIBRATION.namespace.length) + 2 * extraDigits;
}

function crossing(base: number, perRouteBytes: number, limit: number): number {
  return Math.max(1, Math.floor((limit - base) / perRouteBytes) + 1);
}

/** The smallest whole-MiB quantity at least 10 % above `bytes`. */
export function knobFor(bytes: number): string {
  return `${Math.ceil((bytes * 1.1) / 2 ** 20)}Mi`;
}

export function planConfigSize(input: PlanInput): Plan {
  const fixed = (size: LinearSize) => size.baseBytes + input.backends * size.perBackendBytes;
  const filterPerRoute = filterConfigBytesPerRoute(input);
  const requestPerRoute = perRoute(CALIBRATION.extensionRequest, input, 0);
  const responsePerRoute = perRoute(CALIBRATION.extensionResponse, input, 0);
  const sizes = {
    filterConfig: { base: fixed(CALIBRATION.filterConfig), per: filterPerRoute },
    request: { base: fixed(CALIBRATION.extensionRequest), per: requestPerRoute },
    response: { base: fixed(CALIBRATION.extensionResponse), per: responsePerRoute },
  };
  const at = (s: { base: number; per: number }) => s.base + s.per * input.routes;
  const check = (name: LimitName, description: string, limitBytes: number, size: { base: number; per: number }, consequence: string): LimitCheck => {
    const predictedBytes = at(size);
    const crossed = predictedBytes > limitBytes;
    return { name, description, limitBytes, predictedBytes, crossed, crossedAtRoutes: crossing(size.base, size.per, limitBytes), consequence, ...(name.startsWith('extension') && { knobToClear: knobFor(predictedBytes) }) };
  };
  const grpcFailure = 'Envoy Gateway logs ResourceExhausted and skips publishing xDS: Envoy keeps its last good config, routes ready before stay ready, new routes never become ready, and no status condition says so';
  const limits = [
    check('legacy-secret', 'legacy filter-config Secret (1 MiB object limit)', LEGACY_SECRET_LIMIT_BYTES, sizes.filterConfig,
      'the legacy Secret is no longer written; only the index + part Secrets carry the config (fine for v1.1 extprocs)'),
    check('bundle-parts', `filter-config part Secrets (${BUNDLE_PARTS} × 700 KiB)`, BUNDLE_PART_BYTES * BUNDLE_PARTS, sizes.filterConfig,
      'the controller cannot store the config: new routes never become ready'),
    check('extension-request', 'extension gRPC request (Envoy Gateway → AI Gateway, PostTranslateModify)', input.grpcMaxMessageBytes, sizes.request, grpcFailure),
    check('extension-response', 'extension gRPC response (AI Gateway → Envoy Gateway, about twice the request)', input.grpcMaxMessageBytes, sizes.response, grpcFailure),
  ];
  const byCrossing = [...limits].sort((a, b) => a.crossedAtRoutes - b.crossedAtRoutes);
  const firstLimit = byCrossing[0];
  const firstBlockingLimit = byCrossing.find((l) => l.name !== 'legacy-secret')!;
  return {
    input,
    controllerRoutes: input.routes + (input.otherRoutes ?? 0),
    filterConfigBytes: at(sizes.filterConfig),
    filterConfigBytesPerRoute: filterPerRoute,
    extensionRequestBytes: at(sizes.request),
    extensionResponseBytes: at(sizes.response),
    extensionMessageBytesPerRoute: Math.max(requestPerRoute, responsePerRoute),
    limits,
    firstLimit,
    firstBlockingLimit,
    blocking: limits.some((l) => l.crossed && l.name !== 'legacy-secret'),
    calibration: CALIBRATION,
  };
}
