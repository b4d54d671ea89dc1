import { Construct } from 'constructs';
import { AiGatewayRoute, AiGatewayRouteV1Beta1, AiGatewayRouteV1Beta1Props } from './generated/aigateway';
import {
  BACKEND_ANNOTATION,
  MODEL_ANNOTATION,
  MODEL_HEADER,
  backendIndexForRoute,
  fixtureLabels,
  modelName,
  routeName,
} from './conventions';
import { Manifest, addApiObjects } from './manifest';

/** Served AIGatewayRoute versions: v1beta1 is the storage version, v1alpha1 is deprecated. */
export const ROUTE_API_VERSIONS = ['v1beta1', 'v1alpha1'] as const;
export type RouteApiVersion = (typeof ROUTE_API_VERSIONS)[number];

export interface AIRouteSetProps {
  /** Fixture id carried in every route's labels. */
  readonly fixtureId: string;
  /** Namespace of the routes (the Gateway's and the backends'). */
  readonly namespace: string;
  /** Number of routes N; route i is `route-00000i` and matches `x-ai-eg-model: model-00000i`. */
  readonly routes: number;
  /** AIServiceBackend names; route i uses backendNames[(i - 1) mod M]. */
  readonly backendNames: readonly string[];
  /** Gateway the routes attach to (parentRefs). */
  readonly gatewayName: string;
  /** API version of the AIGatewayRoutes. @default "v1beta1" */
  readonly apiVersion?: RouteApiVersion;
}

/**
 * The routes one by one, as a generator so 100,000 of them stream without being held at once. Each route
 * carries its model and backend as annotations: the benchmark reads the model → route → backend map there.
 */
export function* aiRouteManifests(props: AIRouteSetProps): Generator<Manifest> {
  const labels = fixtureLabels(props.fixtureId);
  const parentRefs = [{ name: props.gatewayName, kind: 'Gateway', group: 'gateway.networking.k8s.io' }];
  // Both versions share one schema; only the GVK differs.
  const gvk = props.apiVersion === 'v1alpha1' ? AiGatewayRoute.GVK : AiGatewayRouteV1Beta1.GVK;
  for (let i = 1; i <= props.routes; i++) {
    const model = modelName(i);
    const backend = props.backendNames[backendIndexForRoute(i, props.backendNames.length) - 1];
    // Typed by the generated props. The bindings' toJson would only copy these plain values (it converts
    // int-or-string wrappers, which a route has none of), and it costs more than the rest of synthesis at 50,000
    // routes, so the literal is the manifest. The header match type defaults to Exact.
    const routeProps: AiGatewayRouteV1Beta1Props = {
      metadata: {
        name: routeName(i),
        namespace: props.namespace,
        labels,
        annotations: { [MODEL_ANNOTATION]: model, [BACKEND_ANNOTATION]: backend },
      },
      spec: {
        parentRefs,
        rules: [{ matches: [{ headers: [{ name: MODEL_HEADER, value: model }] }], backendRefs: [{ name: backend }] }],
      },
    };
    yield { apiVersion: gvk.apiVersion, kind: gvk.kind, metadata: routeProps.metadata as Manifest['metadata'], spec: routeProps.spec };
  }
}

/** The seed's "route infrastructure": N AIGatewayRoutes with one rule each. */
export class AIRouteSet extends Construct {
  constructor(scope: Construct, id: string, props: AIRouteSetProps) {
    super(scope, id);
    addApiObjects(this, aiRouteManifests(props));
  }
}
