/** A label selector for what Envoy Gateway creates for one Gateway's Envoy proxies (Deployment, pods, Service). */
export function gatewayEnvoySelector(gateway: { readonly name: string; readonly namespace: string }): string {
  return `gateway.envoyproxy.io/owning-gateway-name=${gateway.name},gateway.envoyproxy.io/owning-gateway-namespace=${gateway.namespace}`;
}
