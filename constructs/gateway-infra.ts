import { Construct } from 'constructs';
import { ClientTrafficPolicy, ClientTrafficPolicySpecConnectionBufferLimit } from './generated/envoy-gateway';
import { Gateway, GatewayClass } from './generated/gateway-api';
import { GATEWAY_CONTROLLER_NAME, fixtureLabels, gatewayClassName } from './conventions';
import { Manifest, addApiObjects } from './manifest';

export interface GatewayInfraProps {
  /** Fixture id: labels every object and names the cluster-scoped GatewayClass (`aigw-scale-<id>`). */
  readonly fixtureId: string;
  /** Namespace of the Gateway and its policies. */
  readonly namespace: string;
  /** Name of the Gateway the AIGatewayRoutes attach to. @default "aigw-scale" */
  readonly gatewayName?: string;
  /** Port of the Gateway's single HTTP listener. @default 80 */
  readonly listenerPort?: number;
  /**
   * Envoy's per-connection buffer limit (a ClientTrafficPolicy on the Gateway), e.g. "32Mi"; large
   * completions need more than Envoy's default. @default undefined (no ClientTrafficPolicy)
   */
  readonly connectionBufferLimit?: string;
  /**
   * Type of the Envoy Service Envoy Gateway creates for the Gateway, set through an EnvoyProxy the Gateway
   * references. @default undefined (no EnvoyProxy: Envoy Gateway's LoadBalancer)
   */
  readonly envoyServiceType?: EnvoyServiceType;
}

/** Service types an EnvoyProxy accepts for Envoy (its CRD's enum). */
export const ENVOY_SERVICE_TYPES = ['ClusterIP', 'LoadBalancer', 'NodePort'] as const;
export type EnvoyServiceType = (typeof ENVOY_SERVICE_TYPES)[number];

export const DEFAULT_GATEWAY_NAME = 'aigw-scale';

/** The GatewayClass, optional EnvoyProxy, Gateway and optional ClientTrafficPolicy, in apply order. */
export function gatewayInfraManifests(props: GatewayInfraProps): Manifest[] {
  const labels = fixtureLabels(props.fixtureId);
  const gatewayName = props.gatewayName ?? DEFAULT_GATEWAY_NAME;
  const proxyName = `${gatewayName}-proxy`;
  const manifests: Manifest[] = [
    GatewayClass.manifest({
      metadata: { name: gatewayClassName(props.fixtureId), labels },
      spec: { controllerName: GATEWAY_CONTROLLER_NAME },
    }),
  ];
  if (props.envoyServiceType !== undefined) {
    // no typed binding: the EnvoyProxy CRD is not among the imported ones (tests check it against the real CRD)
    manifests.push({
      apiVersion: 'gateway.envoyproxy.io/v1alpha1',
      kind: 'EnvoyProxy',
      metadata: { name: proxyName, namespace: props.namespace, labels },
      spec: { provider: { type: 'Kubernetes', kubernetes: { envoyService: { type: props.envoyServiceType } } } },
    });
  }
  manifests.push(
    Gateway.manifest({
      metadata: { name: gatewayName, namespace: props.namespace, labels },
      spec: {
        gatewayClassName: gatewayClassName(props.fixtureId),
        listeners: [{ name: 'http', protocol: 'HTTP', port: props.listenerPort ?? 80 }],
        infrastructure: props.envoyServiceType !== undefined ? { parametersRef: { group: 'gateway.envoyproxy.io', kind: 'EnvoyProxy', name: proxyName } } : undefined,
      },
    }),
  );
  if (props.connectionBufferLimit !== undefined) {
    manifests.push(
      ClientTrafficPolicy.manifest({
        metadata: { name: `${gatewayName}-buffer-limit`, namespace: props.namespace, labels },
        spec: {
          targetRefs: [{ group: 'gateway.networking.k8s.io', kind: 'Gateway', name: gatewayName }],
          connection: { bufferLimit: ClientTrafficPolicySpecConnectionBufferLimit.fromString(props.connectionBufferLimit) },
        },
      }),
    );
  }
  return manifests;
}

/** The seed's "Gateway infrastructure": a GatewayClass bound to Envoy Gateway and one HTTP Gateway. */
export class GatewayInfra extends Construct {
  /** Name of the Gateway every route of the fixture attaches to. */
  readonly gatewayName: string;

  constructor(scope: Construct, id: string, props: GatewayInfraProps) {
    super(scope, id);
    this.gatewayName = props.gatewayName ?? DEFAULT_GATEWAY_NAME;
    addApiObjects(this, gatewayInfraManifests(props));
  }
}
