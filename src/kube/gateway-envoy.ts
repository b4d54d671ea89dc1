import { AI_GATEWAY_NAMESPACE, ENVOY_GATEWAY_NAMESPACE } from '../install/facts';
import type { Component } from '../results/schema';
import { ApiResponse, Cluster } from './cluster';

/**
 * The one home of label selectors for what the Helm charts and Envoy Gateway create. Each is the pod template's
 * selector labels without `app.kubernetes.io/instance` (the release name, which users choose).
 */

/** Where a component's pods are found in a cluster (no namespace: cluster-wide). */
export interface PodSelector {
  readonly component: Component;
  readonly namespace?: string;
  readonly labelSelector: string;
}

/** gateway-helm's envoy-gateway Deployment: `control-plane: envoy-gateway` plus `app.kubernetes.io/name: gateway-helm`. */
export const ENVOY_GATEWAY_PODS: PodSelector = {
  component: 'envoy-gateway',
  namespace: ENVOY_GATEWAY_NAMESPACE,
  labelSelector: 'control-plane=envoy-gateway,app.kubernetes.io/name=gateway-helm',
};

/** ai-gateway-helm's controller Deployment: its selectorLabels name the chart (`ai-gateway-helm`), not the Deployment. */
export const AI_GATEWAY_CONTROLLER_PODS: PodSelector = {
  component: 'ai-gateway-controller',
  namespace: AI_GATEWAY_NAMESPACE,
  labelSelector: 'app.kubernetes.io/name=ai-gateway-helm',
};

/** The two controllers the charts install. */
export const CONTROLLER_PODS: readonly PodSelector[] = [ENVOY_GATEWAY_PODS, AI_GATEWAY_CONTROLLER_PODS];

/** A label selector for what Envoy Gateway creates for one Gateway's Envoy proxies (Deployment, pods, Service). */
export function gatewayEnvoySelector(gateway: { readonly name: string; readonly namespace: string }): string {
  return `gateway.envoyproxy.io/owning-gateway-name=${gateway.name},gateway.envoyproxy.io/owning-gateway-namespace=${gateway.namespace}`;
}

/**
 * The pods a run samples: both controllers, and the Envoy proxies of the run's Gateway only (cluster-wide: they
 * live in Envoy Gateway's namespace, or the Gateway's own in Gateway-namespace mode).
 */
export function runPods(gateway: { readonly name: string; readonly namespace: string }): PodSelector[] {
  return [...CONTROLLER_PODS, { component: 'envoy-proxy', labelSelector: gatewayEnvoySelector(gateway) }];
}

/** Lists the pods a selector names (the apiserver's answer as it is: callers decide what a 404 or 403 means). */
export function listPods(cluster: Cluster, selector: PodSelector): Promise<ApiResponse> {
  const scope = selector.namespace ? `/namespaces/${selector.namespace}` : '';
  return cluster.requestRetrying('GET', `/api/v1${scope}/pods?labelSelector=${encodeURIComponent(selector.labelSelector)}`);
}
