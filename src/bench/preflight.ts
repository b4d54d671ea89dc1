import { FixtureSpec } from '../../charts/fixture-spec';
import { FIXTURE_LABEL, modelName } from '../../constructs/conventions';
import { ApiResponse, Cluster, messageOf } from '../kube/cluster';
import { applySetParentName } from '../kube/applyset';
import { METADATA_ONLY } from '../kube/inventory';
import { Plan, planConfigSize } from '../plan/config-size';
import { GatewayClient, describeProbe } from './gateway-client';
import { CONTROLLERS, REQUIRED_CRDS, ROUTE_CRD } from '../install/facts';

/** Why a run cannot start; the message says what to do. */
export class PreflightError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PreflightError';
  }
}

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
  const crds = new Map<string, any>();
  for (const name of REQUIRED_CRDS) {
    const response = await cluster.requestRetrying('GET', `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${name}`);
    if (response.status !== 200) missingCrds.push(name);
    else crds.set(name, response.body);
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

  const others = otherFixtures(await routesByFixture(cluster, crds.get(ROUTE_CRD)), options.spec);
  const intruded = others.filter((group) => group.namespace === options.spec.namespace);
  if (intruded.length > 0) {
    throw new PreflightError(`namespace ${options.spec.namespace} holds ${intruded.map((group) => `${group.routes} routes ${ownerOf(group)}`).join(', ')}: this run's objects have the same names (route-000001 …) and would take them over; pass another --namespace`);
  }
  const otherRoutes = others.reduce((sum, group) => sum + group.routes, 0);
  if (otherRoutes > 0) {
    warnings.push(`the controllers also carry ${otherRoutes} routes of other fixtures (${others.map(describeGroup).join(', ')}): they share the controllers' work, not this Gateway's config limits; results record both (plan.input.otherRoutes)`);
  }

  const plan = planConfigSize({
    otherRoutes,
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
    // The run's first model: none of the run's routes exists yet, so an answer for it came through another Gateway.
    const model = modelName(1);
    const probe = await client.probe(model);
    client.close();
    if (probe.status === 0) throw new PreflightError(`the gateway at ${options.gatewayUrl} does not answer (${probe.error}); check --gateway-url or use --port-forward`);
    if (probe.status === 200) {
      throw new PreflightError(
        `the gateway at ${options.gatewayUrl} already answers ${model} (${describeProbe(probe)}) before this run created any route: it reaches another Gateway ` +
          `(on kind, a stack's port mapping reaches the stack's own Gateway), where this run's routes would look ready at once; reach the run's own Gateway with --port-forward`,
      );
    }
  }

  return { kubernetesVersion, nodes: nodes.status === 200 ? (nodes.body.items ?? []).length : undefined, versions, plan, warnings };
}

/** The AIGatewayRoutes of one fixture (by its label; none for routes aigw-scale did not create) in one namespace. */
interface RouteGroup {
  readonly namespace: string;
  readonly fixture?: string;
  readonly routes: number;
}

const ownerOf = (group: RouteGroup): string => (group.fixture ? `of fixture ${group.fixture}` : 'of no aigw-scale fixture');
const describeGroup = (group: RouteGroup): string => `${group.routes} ${ownerOf(group)} in namespace ${group.namespace}`;

/** Every group but the run's own fixture in its own namespace (already refused when it exists, by its ApplySet parent). */
const otherFixtures = (groups: readonly RouteGroup[], spec: FixtureSpec): RouteGroup[] =>
  groups.filter((group) => group.namespace !== spec.namespace || group.fixture !== spec.fixtureId);

/** Every AIGatewayRoute in the cluster, all of which the controllers reconcile, counted by namespace and fixture. */
async function routesByFixture(cluster: Cluster, crd: any): Promise<RouteGroup[]> {
  const version = (crd.spec.versions.find((v: any) => v.served && v.storage) ?? crd.spec.versions.find((v: any) => v.served)).name;
  const counts = new Map<string, { namespace: string; fixture?: string; routes: number }>();
  let next: string | undefined = '';
  while (next !== undefined) {
    const response: ApiResponse = await cluster.requestRetrying('GET', `/apis/aigateway.envoyproxy.io/${version}/aigatewayroutes?limit=500${next ? `&continue=${encodeURIComponent(next)}` : ''}`, undefined, undefined, METADATA_ONLY);
    if (response.status !== 200) throw new PreflightError(`listing the AIGatewayRoutes on the controllers failed with HTTP ${response.status}: ${messageOf(response.body)}`);
    for (const { metadata } of response.body.items ?? []) {
      const fixture: string | undefined = metadata.labels?.[FIXTURE_LABEL];
      const key = `${metadata.namespace}/${fixture ?? ''}`;
      const group = counts.get(key) ?? counts.set(key, { namespace: metadata.namespace, fixture, routes: 0 }).get(key)!;
      group.routes++;
    }
    next = response.body.metadata?.continue || undefined;
  }
  return [...counts.values()];
}
