/**
 * What the benchmark installs and then relies on, stated once: the pinned controller versions, the charts'
 * namespaces and names, the CRDs a run needs. Infra, the local control plane, preflight, the samplers and the Job
 * read them here; the build script reads the versions through src/local/build/versions.generated.sh
 * (`npm run generate:versions`). Imports nothing, so any folder may import it without a cycle.
 */

/** AI Gateway v1.1 docs pair it with Envoy Gateway v1.8.1. */
export const ENVOY_GATEWAY_VERSION = 'v1.8.1';
export const AI_GATEWAY_VERSION = 'v1.1.0';

/** gateway-helm's chart directory name at the pinned version, whose CRDs the local control plane installs. */
export const ENVOY_GATEWAY_CHART = `gateway-helm-${ENVOY_GATEWAY_VERSION}`;

/** Release namespaces of the two charts (their documented defaults). */
export const ENVOY_GATEWAY_NAMESPACE = 'envoy-gateway-system';
/** gateway-helm's ConfigMap in its namespace holding the EnvoyGateway config (where `bench --profiles` finds pprof). */
export const ENVOY_GATEWAY_CONFIG_MAP = 'envoy-gateway-config';
export const AI_GATEWAY_NAMESPACE = 'envoy-ai-gateway-system';

/** The AI Gateway chart's fixed name for the controller's Deployment and Service (the extension server). */
export const AI_GATEWAY_CONTROLLER_SERVICE = 'ai-gateway-controller';

/** The CRD every route of the fixture is. */
export const ROUTE_CRD = 'aigatewayroutes.aigateway.envoyproxy.io';

/** The CRDs a run needs (preflight checks them; the Job's RBAC may read exactly these). */
export const REQUIRED_CRDS: readonly string[] = [
  ROUTE_CRD,
  'aiservicebackends.aigateway.envoyproxy.io',
  'backends.gateway.envoyproxy.io',
  'gateways.gateway.networking.k8s.io',
  'gatewayclasses.gateway.networking.k8s.io',
];

/** The two controllers, as their Helm charts deploy them. */
export const CONTROLLERS = [
  { name: 'envoy-gateway', namespace: ENVOY_GATEWAY_NAMESPACE, deployment: 'envoy-gateway' },
  { name: 'ai-gateway-controller', namespace: AI_GATEWAY_NAMESPACE, deployment: AI_GATEWAY_CONTROLLER_SERVICE },
] as const;

/** The controllers' Deployments, which preflight reads (their image tags are the recorded versions). */
export const CONTROLLER_DEPLOYMENTS: readonly string[] = CONTROLLERS.map((c) => c.deployment);
