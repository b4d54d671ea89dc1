/** The sampled components, their labels and the order reports list them in. */
import { BenchResults, Component } from './schema';

/** The components an operator asks about first; always listed (as "not measured" when absent). */
export const PRIMARY_COMPONENTS: readonly Component[] = ['envoy-gateway', 'ai-gateway-controller', 'envoy-proxy'];

/** In control-plane mode no Envoy runs: the extproc (run here, sampled as itself) takes the proxy's place. */
export const CONTROL_PLANE_PRIMARY_COMPONENTS: readonly Component[] = ['envoy-gateway', 'ai-gateway-controller', 'ai-gateway-extproc'];

/** The primary components of a run of this mode. */
export const primaryComponents = (mode: BenchResults['run']['mode']): readonly Component[] => (mode === 'control-plane' ? CONTROL_PLANE_PRIMARY_COMPONENTS : PRIMARY_COMPONENTS);

export const COMPONENT_LABELS: Readonly<Record<Component, string>> = {
  'envoy-gateway': 'Envoy Gateway controller',
  'ai-gateway-controller': 'AI Gateway controller',
  'envoy-proxy': 'Envoy proxy',
  'ai-gateway-extproc': 'AI Gateway extproc',
  'kube-apiserver': 'kube-apiserver',
  etcd: 'etcd',
  'mock-provider': 'mock provider',
  runner: 'benchmark runner',
};

/** Every component, in report order. */
export const COMPONENT_ORDER: readonly Component[] = [...PRIMARY_COMPONENTS, 'ai-gateway-extproc', 'kube-apiserver', 'etcd', 'mock-provider', 'runner'];
