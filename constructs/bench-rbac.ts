import { ApiObject, ApiObjectMetadata, JsonPatch } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { gatewayClassName, repeatFixtureIds } from './conventions';
import { CONTROLLERS, CONTROLLER_DEPLOYMENTS, ENVOY_GATEWAY_CONFIG_MAP, REQUIRED_CRDS } from '../src/install/facts';

/**
 * Verbs the runner uses on the objects it applies: server-side apply is a PATCH, which needs `create` too when it
 * creates; prune and cleanup list and delete. No `get`: it never reads one back (tests/cluster/job-rbac.test.ts).
 */
export const FIXTURE_VERBS: readonly string[] = ['create', 'list', 'patch', 'delete'];
/** Namespaced kinds a run's `--milestone KIND:…` may watch in the fixture namespace, and their API resource. */
export const MILESTONE_KINDS: Readonly<Record<string, { readonly apiGroup: string; readonly resourceType: string }>> = {
  AIGatewayRoute: { apiGroup: 'aigateway.envoyproxy.io', resourceType: 'aigatewayroutes' },
  AIServiceBackend: { apiGroup: 'aigateway.envoyproxy.io', resourceType: 'aiservicebackends' },
  Backend: { apiGroup: 'gateway.envoyproxy.io', resourceType: 'backends' },
  Gateway: { apiGroup: 'gateway.networking.k8s.io', resourceType: 'gateways' },
  HTTPRoute: { apiGroup: 'gateway.networking.k8s.io', resourceType: 'httproutes' },
};

export interface BenchRbacProps {
  /** Metadata of every object; the name and namespace are required (the ClusterRole's name adds the namespace). */
  readonly metadata: ApiObjectMetadata & { readonly name: string; readonly namespace: string };
  /** Fixture id of the run: its GatewayClass is the only cluster-scoped object the runner may change. */
  readonly fixtureId: string;
  /** Runs of `bench --repeat k`, each on a fresh fixture with its own GatewayClass (repeatFixtureIds). @default 1 */
  readonly repeat?: number;
  /** Grants Deployments and Services (the mock provider). @default false */
  readonly mockProvider?: boolean;
  /** Grants Secrets and BackendSecurityPolicies. @default false */
  readonly apiKeyAuth?: boolean;
  /** Grants ClientTrafficPolicies. @default false */
  readonly clientTrafficPolicy?: boolean;
  /** Grants EnvoyProxies (the Gateway's Envoy Service type). @default false */
  readonly envoyProxy?: boolean;
  /** Grants `nodes/proxy` get (the kubelet summary API). @default true */
  readonly kubeletSummary?: boolean;
  /** Kinds (keys of MILESTONE_KINDS) the run watches for milestones: grants list and watch on them. @default none */
  readonly milestoneKinds?: readonly string[];
  /** Namespace where the run profiles Envoy Gateway through the pod proxy (grants `pods/proxy` get there only, and reading its config). @default no profiling */
  readonly profileNamespace?: string;
  /**
   * The run searches its ceiling (`--find-ceiling`): grants listing HTTPRoutes (it waits for deleted routes' to go)
   * and what it reads as evidence when a ramp step fails: the failing route, its HTTPRoute and the Gateway, the
   * namespace's events, the controllers' logs. @default false
   */
  readonly ceilingEvidence?: boolean;
  /** Controller Deployments preflight reads. @default CONTROLLER_DEPLOYMENTS */
  readonly controllerDeployments?: readonly string[];
  /** CRDs preflight checks. @default REQUIRED_CRDS */
  readonly requiredCrds?: readonly string[];
}

const resources = (apiGroup: string, ...resourceTypes: string[]) => resourceTypes.map((resourceType) => kplus.ApiResource.custom({ apiGroup, resourceType }));
/**
 * A grant on named objects: cdk8s-plus has no factory for one outside its own constructs. A Role takes the resource
 * itself, a ClusterRole an endpoint: each is both.
 */
const named = (apiGroup: string, resourceType: string, names: readonly string[]): (kplus.IApiResource & kplus.IApiEndpoint)[] =>
  names.map((resourceName) => ({ apiGroup, resourceType, resourceName, asApiResource: () => ({ apiGroup, resourceType, resourceName }), asNonApiResource: () => undefined }));

/**
 * The runner's ServiceAccount and what it may do, least privilege: a Role in the fixture namespace (apply, prune
 * and delete the fixture's kinds) and a ClusterRole (its own GatewayClass, preflight's and the samplers' reads,
 * discovery), each bound to the ServiceAccount; plus a Role in the profiled namespace when profiling, and one in
 * each controller's namespace when searching the ceiling. Objects in apply order: ServiceAccount, Role,
 * RoleBinding, ClusterRole, ClusterRoleBinding, then the Roles and RoleBindings in other namespaces.
 */
export class BenchRbac extends Construct {
  readonly serviceAccount: kplus.ServiceAccount;
  readonly role: kplus.Role;
  readonly clusterRole: kplus.ClusterRole;
  /** `pods/proxy` get in the profiled namespace, when profiling. */
  readonly profileRole?: kplus.Role;
  /** `pods/log` get in each controller's namespace, when searching the ceiling. */
  readonly ceilingRoles: kplus.Role[] = [];

  constructor(scope: Construct, id: string, props: BenchRbacProps) {
    super(scope, id);
    const { name, namespace } = props.metadata;
    const clusterMetadata = { ...props.metadata, name: `${name}-${namespace}`, namespace: undefined }; // cluster-scoped names must not collide between namespaces
    this.serviceAccount = new kplus.ServiceAccount(this, 'ServiceAccount', { metadata: props.metadata });

    this.role = new kplus.Role(this, 'Role', { metadata: props.metadata });
    this.role.allow([...FIXTURE_VERBS], ...resources('aigateway.envoyproxy.io', 'aigatewayroutes', 'aiservicebackends', ...(props.apiKeyAuth ? ['backendsecuritypolicies'] : [])));
    this.role.allow([...FIXTURE_VERBS], ...resources('gateway.envoyproxy.io', 'backends', ...(props.clientTrafficPolicy ? ['clienttrafficpolicies'] : []), ...(props.envoyProxy ? ['envoyproxies'] : [])));
    this.role.allow([...FIXTURE_VERBS], ...resources('gateway.networking.k8s.io', 'gateways'));
    // configmaps: the ApplySet parent (and the mock's code); services: one per backend in front of the mock
    this.role.allow([...FIXTURE_VERBS], ...resources('', 'configmaps', ...(props.mockProvider ? ['services'] : []), ...(props.apiKeyAuth ? ['secrets'] : [])));
    // the ApplySet parent is read by name: preflight checks that it is absent, the apply reads its previous inventory
    this.role.allowGet(...resources('', 'configmaps'));
    if (props.mockProvider) this.role.allow([...FIXTURE_VERBS], ...resources('apps', 'deployments'));
    // milestones: one list-then-watch per kind on the fixture namespace's collection
    const watched = (props.milestoneKinds ?? []).map((kind) => MILESTONE_KINDS[kind]);
    if (watched.length > 0) this.role.allow(['list', 'watch'], ...watched.map((resource) => kplus.ApiResource.custom(resource)));
    // the ceiling search: between bisection steps it waits until the deleted routes' HTTPRoutes are gone (list); when
    // a ramp step fails it reads the failing route, its HTTPRoute, the Gateway (get) and the Warning events (list)
    if (props.ceilingEvidence) {
      this.role.allowList(...resources('gateway.networking.k8s.io', 'httproutes'), ...resources('', 'events'));
      this.role.allowGet(...resources('aigateway.envoyproxy.io', 'aigatewayroutes'), ...resources('gateway.networking.k8s.io', 'httproutes', 'gateways'));
    }
    this.bind(new kplus.RoleBinding(this, 'RoleBinding', { metadata: props.metadata, role: this.role }));

    this.clusterRole = new kplus.ClusterRole(this, 'ClusterRole', { metadata: clusterMetadata });
    // the run's GatewayClass (one per repeat): create/list cannot be limited by name; patch (apply) and delete only its own
    this.clusterRole.allow(['create', 'list'], ...resources('gateway.networking.k8s.io', 'gatewayclasses'));
    this.clusterRole.allow(['patch', 'delete'], ...named('gateway.networking.k8s.io', 'gatewayclasses', repeatFixtureIds(props.fixtureId, props.repeat ?? 1).map(gatewayClassName)));
    // preflight: the CRDs are installed, the controllers' Deployments (their image tags), the node count
    this.clusterRole.allowGet(...named('apiextensions.k8s.io', 'customresourcedefinitions', props.requiredCrds ?? REQUIRED_CRDS));
    this.clusterRole.allowGet(...named('apps', 'deployments', props.controllerDeployments ?? CONTROLLER_DEPLOYMENTS));
    this.clusterRole.allowList(...resources('', 'nodes'));
    // cleanup finds the run's ApplySet parent by label across namespaces
    this.clusterRole.allowList(...resources('', 'configmaps'));
    // preflight counts every route on the controllers (other fixtures' too), across namespaces
    this.clusterRole.allowList(...resources('aigateway.envoyproxy.io', 'aigatewayroutes'));
    // samplers: the components' pods by label, their usage from metrics-server or the kubelets (lists only)
    this.clusterRole.allowList(...resources('', 'pods'));
    this.clusterRole.allowList(...resources('metrics.k8s.io', 'pods'));
    if (props.kubeletSummary ?? true) this.clusterRole.allowGet(...resources('', 'nodes/proxy'));
    // discovery (kind → resource path) and /version
    this.clusterRole.allowGet(...['/api', '/api/*', '/apis', '/apis/*', '/version'].map((url) => kplus.NonApiResource.of(url)));
    dropEmptyResourceNames(this.clusterRole);
    this.bind(new kplus.ClusterRoleBinding(this, 'ClusterRoleBinding', { metadata: clusterMetadata, role: this.clusterRole }));

    if (props.profileNamespace !== undefined) {
      const metadata = { ...props.metadata, name: `${name}-${namespace}-profiles`, namespace: props.profileNamespace };
      this.profileRole = new kplus.Role(this, 'ProfileRole', { metadata });
      this.profileRole.allowGet(...resources('', 'pods/proxy'));
      // Envoy Gateway's config says whether pprof is on and on which address: without it the runner guesses the
      // default port and cannot tell "pprof off" from "unreachable"
      this.profileRole.allowGet(...named('', 'configmaps', [ENVOY_GATEWAY_CONFIG_MAP]));
      this.bind(new kplus.RoleBinding(this, 'ProfileRoleBinding', { metadata, role: this.profileRole }));
    }
    // the ceiling's evidence: the controllers' logs since the ramp started, in their namespaces only
    const controllerNamespaces = props.ceilingEvidence ? [...new Set(CONTROLLERS.map((c) => c.namespace))] : [];
    for (const [i, controllerNamespace] of controllerNamespaces.entries()) {
      const metadata = { ...props.metadata, name: `${name}-${namespace}-ceiling`, namespace: controllerNamespace };
      const role = new kplus.Role(this, `CeilingRole${i}`, { metadata });
      role.allowGet(...resources('', 'pods/log'));
      this.bind(new kplus.RoleBinding(this, `CeilingRoleBinding${i}`, { metadata, role }));
      this.ceilingRoles.push(role);
    }
  }

  private bind(binding: kplus.RoleBinding | kplus.ClusterRoleBinding): void {
    binding.addSubjects(this.serviceAccount);
  }
}

/**
 * cdk8s-plus-28 renders `resourceNames: []` on a ClusterRole's unnamed grants. Kubernetes reads that as every name,
 * but a reader (and a review of the rules) reads "no names": drop it. Rules render one per endpoint, in grant order.
 */
function dropEmptyResourceNames(clusterRole: kplus.ClusterRole): void {
  const endpoints = clusterRole.rules.flatMap((rule) => rule.endpoints);
  endpoints.forEach((endpoint, index) => {
    const resource = endpoint.asApiResource();
    if (resource && !resource.resourceName) ApiObject.of(clusterRole).addJsonPatch(JsonPatch.remove(`/rules/${index}/resourceNames`));
  });
}
