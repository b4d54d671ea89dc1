import { FixtureSpec } from '../../charts/fixture-spec';
import { Cluster } from '../kube/cluster';
import { applySetParentName } from '../kube/applyset';
import { Plan, planConfigSize } from '../plan/config-size';
import { GatewayClient } from './gateway-client';

/** Why a run cannot start; the message says what to do. */
export class PreflightError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PreflightError';
  }
}

/** The CRDs a run needs. */
export const REQUIRED_CRDS = [
  'aigatewayroutes.aigateway.envoyproxy.io',
  'aiservicebackends.aigateway.envoyproxy.io',
  'backends.gateway.envoyproxy.io',
  'gateways.gateway.networking.k8s.io',
  'gatewayclasses.gateway.networking.k8s.io',
];

/** The two controllers, as their Helm charts deploy them. */
export const CONTROLLERS = [
  { name: 'envoy-gateway', namespace: 'envoy-gateway-system', deployment: 'envoy-gateway' },
  { name: 'ai-gateway-controller', namespace: 'envoy-ai-gateway-system', deployment: 'ai-gateway-controller' },
] as const;

export interface PreflightOptions {
  readonly spec: FixtureSpec;
  /** Probed when given (a port-forward is only possible once the fixture's Gateway exists). */
  readonly gatewayUrl?: string;
  readonly grpcMaxMessageBytes: number;
  /** Run without the controllers (the local control plane before they run there): a warning instead of an error. */
  readonly allowMissingControllers: boolean;
  /** Start even when the plan says a limit will be crossed. */
  readonly force: boolean;
  /** Controllers running as processes of `aigw-scale local up --controllers`, by name, with their versions. */
  readonly localControllers?: Readonly<Record<string, string>>;
}

export interface PreflightResult {
  readonly kubernetesVersion: string;
  readonly nodes?: number;
  readonly versions: Record<string, string>;
  readonly plan: Plan;
  readonly warnings: string[];
}

/** Checks everything a run needs before it creates anything. */
export async function preflight(cluster: Cluster, options: PreflightOptions): Promise<PreflightResult> {
  const warnings: string[] = [];
  let kubernetesVersion: string;
  try {
    kubernetesVersion = (await cluster.version()).gitVersion;
  } catch (error) {
    throw new PreflightError(`the cluster is not reachable: ${(error as Error).message}`);
  }

  const missingCrds: string[] = [];
  for (const name of REQUIRED_CRDS) {
    const response = await cluster.requestRetrying('GET', `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${name}`);
    if (response.status !== 200) missingCrds.push(name);
  }
  if (missingCrds.length > 0) {
    throw new PreflightError(`missing CRDs: ${missingCrds.join(', ')}; install Envoy Gateway and AI Gateway (or \`aigw-scale apply --crds DIR …\` on a local cluster)`);
  }

  const versions: Record<string, string> = {};
  for (const controller of CONTROLLERS) {
    const local = options.localControllers?.[controller.name];
    if (local) {
      versions[controller.name] = local;
      continue;
    }
    const response = await cluster.requestRetrying('GET', `/apis/apps/v1/namespaces/${controller.namespace}/deployments/${controller.deployment}`);
    if (response.status === 200) {
      const image: string | undefined = response.body.spec.template.spec.containers[0]?.image;
      if (image) versions[controller.name] = image.slice(image.lastIndexOf(':') + 1);
      continue;
    }
    const message = `${controller.name} not found (deployment ${controller.namespace}/${controller.deployment})`;
    if (!options.allowMissingControllers) throw new PreflightError(`${message}; install it, or pass --allow-missing-controllers to run against a bare control plane`);
    warnings.push(message);
  }

  const nodes = await cluster.requestRetrying('GET', '/api/v1/nodes?limit=500');
  const parent = await cluster.requestRetrying('GET', `/api/v1/namespaces/${options.spec.namespace}/configmaps/${applySetParentName(options.spec.fixtureId)}`);
  if (parent.status === 200) {
    throw new PreflightError(`fixture "${options.spec.fixtureId}" already exists in namespace ${options.spec.namespace}; a run creates its own: pass another --fixture, or \`aigw-scale delete --fixture ${options.spec.fixtureId}\``);
  }

  const plan = planConfigSize({
    routes: options.spec.routes,
    backends: options.spec.backends,
    headerMutations: options.spec.headerMutations,
    namespace: options.spec.namespace,
    grpcMaxMessageBytes: options.grpcMaxMessageBytes,
  });
  if (plan.blocking) {
    const crossed = plan.limits.filter((l) => l.crossed && l.name !== 'legacy-secret').map((l) => `${l.description} at ${l.crossedAtRoutes} routes`);
    if (!options.force) throw new PreflightError(`the plan predicts a limit is crossed: ${crossed.join('; ')}; raise --grpc-max-message-size, lower --routes, or pass --force`);
    warnings.push(`plan: ${crossed.join('; ')} (running anyway: --force)`);
  }

  if (options.gatewayUrl) {
    const client = new GatewayClient(options.gatewayUrl, 3000, 1);
    const probe = await client.probe('aigw-scale-preflight');
    client.close();
    if (probe.status === 0) throw new PreflightError(`the gateway at ${options.gatewayUrl} does not answer (${probe.error}); check --gateway-url or use --port-forward`);
  }

  return { kubernetesVersion, nodes: nodes.status === 200 ? (nodes.body.items ?? []).length : undefined, versions, plan, warnings };
}
