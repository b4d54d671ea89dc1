/**
 * The BenchJob's RBAC for real: its ServiceAccount, Roles and bindings are applied to the local kube-apiserver, and
 * the bundled CLI runs the Job's own `bench` command line with that ServiceAccount's token (TokenRequest API)
 * against the STAND-IN gateway (no Envoy here). The apiserver's audit log (global setup: Metadata level, service
 * accounts only) says which calls the runner made and which were refused; a SelfSubjectRulesReview with the same
 * token says what the account is granted. Every call must be allowed, and every grant used or listed below with
 * its reason. The controllers are stand-ins too: Deployments whose kwok pods carry the charts' labels, and the
 * envoy-gateway-config ConfigMap with pprof on the pod's address, so preflight, the samplers and profiles take
 * the paths they take on a cluster.
 */
import { ChildProcess, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as YAML from 'yaml';
import { BenchJobProps, benchJobManifests } from '../../charts/bench-job';
import { helmValues } from '../../charts/helm-values';
import { MILESTONE_KINDS } from '../../constructs/bench-rbac';
import { gatewayClassName, repeatFixtureIds } from '../../constructs/conventions';
import { Manifest } from '../../constructs/manifest';
import { POD_PPROF_ADDRESS } from '../../infra/controllers';
import { bundleCli } from '../../src/cli/bundle';
import { CONTROLLERS, ENVOY_GATEWAY_CONFIG_MAP, ENVOY_GATEWAY_NAMESPACE } from '../../src/install/facts';
import { Applier, ApplyObject } from '../../src/kube/applier';
import { Cluster } from '../../src/kube/cluster';
import { CONTROLLER_PODS, ENVOY_GATEWAY_PODS, listPods } from '../../src/kube/gateway-envoy';
import { ResourceMap } from '../../src/kube/resources';
import { readState } from '../../src/local/control-plane';
import { startMockProvider } from '../../src/mock-provider';
import { parseResults } from '../../src/results/schema';
import { StandInGateway } from '../../src/local/stand-in-gateway';
import { connect, ensureCrds, ensureSharedNamespace, kubeconfig } from './support';

jest.setTimeout(300_000);

/**
 * Grants no local run can use, each with its reason. Keys: `verb group/resource[name]` ("core" for the core group).
 * Server-side apply authorizes `create` inside a PATCH that creates (no separate call), so a 201 PATCH counts as both.
 */
const UNUSED_HERE: Readonly<Record<string, string>> = {
  'list metrics.k8s.io/pods': 'the metrics API sampler, used instead of the kubelet summary where metrics-server serves metrics.k8s.io; there is no metrics-server locally',
};
/** Calls RBAC allowed (audit decision "allow") that something past it answered with 403, each with its reason. */
const FORBIDDEN_PAST_RBAC: Readonly<Record<string, string>> = {
  'get core/pods/proxy in envoy-gateway-system': "the apiserver dials the kwok pod's made-up IP (10.244.x.x), which this machine's network refuses with 403 'resolve_deny: denied destination'; on a cluster it reaches Envoy Gateway's admin port",
};

/** Short runs: samples every half second. */
const QUICK = ['--sample-interval', '500'];
/** Routes the stand-in takes in the ceiling search: above them its config stops updating. */
const CAPACITY = 5;

/**
 * The run modes the chart grants differently for: every fixture option, milestone and profiles; the defaults,
 * repeated; the ceiling search (evidence read when its ramp fails). The Job passes `benchArgs` as they are.
 */
const MODES: readonly { name: string; props: Partial<BenchJobProps>; capacity?: number }[] = [
  {
    name: 'every option',
    props: {
      namespace: 'job-rbac-all',
      mockProvider: true,
      apiKeyAuth: true,
      connectionBufferLimit: '32Mi',
      envoyServiceType: 'NodePort',
      benchArgs: [...QUICK, '--profiles', ...Object.keys(MILESTONE_KINDS).flatMap((kind) => ['--milestone', `${kind}:${kind === 'Gateway' ? 'Programmed' : 'Accepted'}${kind === 'HTTPRoute' ? '@parents' : ''}`])],
    },
  },
  { name: 'defaults, twice (--repeat 2: a fresh fixture and GatewayClass each)', props: { namespace: 'job-rbac-min', benchArgs: [...QUICK, '--repeat', '2'] } },
  {
    name: 'ceiling search',
    props: { namespace: 'job-rbac-ceiling', routes: 12, benchArgs: [...QUICK, '--find-ceiling', '--ceiling-step', '4', '--ceiling-resolution', '1', '--per-route-timeout', '3s'] },
    capacity: CAPACITY,
  },
];
const SA = 'aigw-scale-bench';
const BASELINE_SA = 'job-rbac-baseline';

interface Call {
  verb: string;
  /** `group/resource[/subresource]` or a non-resource path. */
  resource: string;
  name?: string;
  namespace?: string;
  code: number;
  /** The authorizer's decision (`allow`, `forbid`) and its reason, from the audit annotations. */
  decision?: string;
  reason?: string;
}
interface Grant {
  verb: string;
  resource: string;
  name?: string;
  /** A Role's namespace; none for a ClusterRole's grant. */
  namespace?: string;
}
const grantKey = (g: Grant) => `${g.verb} ${g.resource}${g.name ? `[${g.name}]` : ''}`;

let admin: Cluster;
let code: string;
let work: string;
const cleanups: (() => Promise<unknown>)[] = [];

async function ok(cluster: Cluster, method: string, urlPath: string, body?: unknown): Promise<any> {
  const response = await cluster.requestRetrying(method, urlPath, body);
  if (response.status >= 300) throw new Error(`${method} ${urlPath}: HTTP ${response.status} ${JSON.stringify(response.body).slice(0, 300)}`);
  return response.body;
}

const labelsOf = (selector: string): Record<string, string> => Object.fromEntries(selector.split(',').map((pair) => pair.split('=')));

/** Both controllers as Deployments (their image tags are the versions preflight records) with Ready kwok pods. */
async function fakeControllers(): Promise<void> {
  const node = (await ok(admin, 'GET', '/api/v1/nodes')).items[0].metadata.name;
  for (const controller of CONTROLLERS) {
    await ensureSharedNamespace(admin, controller.namespace);
    const labels = labelsOf(CONTROLLER_PODS.find((p) => p.component === controller.name)!.labelSelector);
    const deployment = `/apis/apps/v1/namespaces/${controller.namespace}/deployments`;
    const body = { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: controller.deployment, namespace: controller.namespace }, spec: { replicas: 1, selector: { matchLabels: labels }, template: { metadata: { labels }, spec: { nodeName: node, containers: [{ name: controller.name, image: `example.invalid/${controller.name}:v0.0.0-job-rbac` }] } } } };
    await ok(admin, 'POST', deployment, body);
    cleanups.push(() => removeFakeController(`${deployment}/${controller.deployment}`, controller.namespace, body.spec.template.spec.containers[0].image));
  }
  // The chart's EnvoyGateway config with pprof on the pod's address (the Pulumi stack's `profiles: true`).
  const config = (helmValues({ pprofAt: POD_PPROF_ADDRESS }).envoyGateway as any).config.envoyGateway;
  const configMaps = `/api/v1/namespaces/${ENVOY_GATEWAY_NAMESPACE}/configmaps`;
  await admin.requestRetrying('DELETE', `${configMaps}/${ENVOY_GATEWAY_CONFIG_MAP}`);
  await ok(admin, 'POST', configMaps, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: ENVOY_GATEWAY_CONFIG_MAP, namespace: ENVOY_GATEWAY_NAMESPACE }, data: { 'envoy-gateway.yaml': YAML.stringify({ apiVersion: 'gateway.envoyproxy.io/v1alpha1', kind: 'EnvoyGateway', ...config }) } });
  cleanups.push(() => admin.requestRetrying('DELETE', `${configMaps}/${ENVOY_GATEWAY_CONFIG_MAP}`));
  const isReady = (pod: any) => (pod.status?.conditions ?? []).some((c: any) => c.type === 'Ready' && c.status === 'True');
  for (const deadline = Date.now() + 60_000; !((await listPods(admin, ENVOY_GATEWAY_PODS)).body.items ?? []).some(isReady); await new Promise((r) => setTimeout(r, 250))) {
    if (Date.now() > deadline) throw new Error('the stand-in envoy-gateway pod is not Ready after 60 s');
  }
}

/**
 * Deletes a stand-in controller and waits until it and its pods are gone: later suites find the controllers
 * missing (bench.test.ts) and count the pods their selectors find (pod-selectors.test.ts).
 */
async function removeFakeController(deploymentPath: string, namespace: string, image: string): Promise<void> {
  await admin.requestRetrying('DELETE', `${deploymentPath}?propagationPolicy=Background`);
  const ours = async () => ((await ok(admin, 'GET', `/api/v1/namespaces/${namespace}/pods`)).items as any[]).filter((pod) => pod.spec.containers[0]?.image === image);
  for (const deadline = Date.now() + 60_000; ; await new Promise((r) => setTimeout(r, 250))) {
    const pods = await ours();
    for (const pod of pods) await admin.requestRetrying('DELETE', `/api/v1/namespaces/${namespace}/pods/${pod.metadata.name}?gracePeriodSeconds=0`);
    if (pods.length === 0 && (await admin.requestRetrying('GET', deploymentPath)).status === 404) return;
    if (Date.now() > deadline) throw new Error(`the stand-in ${deploymentPath} or its pods are still there after 60 s`);
  }
}

/** A token for the ServiceAccount (TokenRequest API) in a kubeconfig of its own; the token is never printed. */
async function serviceAccountKubeconfig(namespace: string, name: string): Promise<{ file: string; token: string }> {
  const request = { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec: { expirationSeconds: 3600 } };
  const token: string = (await ok(admin, 'POST', `/api/v1/namespaces/${namespace}/serviceaccounts/${name}/token`, request)).status.token;
  const local = YAML.parse(fs.readFileSync(kubeconfig(), 'utf8'));
  const file = path.join(work, `${namespace}-${name}.kubeconfig`);
  const config = { apiVersion: 'v1', kind: 'Config', clusters: local.clusters, users: [{ name, user: { token } }], contexts: [{ name, context: { cluster: local.clusters[0].name, user: name } }], 'current-context': name };
  fs.writeFileSync(file, YAML.stringify(config), { mode: 0o600 });
  return { file, token };
}

/** A namespace no one binds anything in: the rules a review finds there are the cluster-wide ones. */
const NOWHERE = 'job-rbac-nowhere';

/**
 * What the account may do, asked with its own token (SelfSubjectRulesReview): one grant per verb, resource and
 * name, `… in NAMESPACE` for a Role's (found in that namespace's review only), bare for a ClusterRole's.
 */
async function grantsOf(cluster: Cluster, namespaces: readonly string[]): Promise<Set<string>> {
  const reviewed = new Map<string, Set<string>>();
  for (const namespace of [NOWHERE, ...namespaces]) {
    const review = await ok(cluster, 'POST', '/apis/authorization.k8s.io/v1/selfsubjectrulesreviews', { apiVersion: 'authorization.k8s.io/v1', kind: 'SelfSubjectRulesReview', spec: { namespace } });
    expect(review.status.incomplete).toBe(false);
    const keys = new Set<string>();
    for (const rule of review.status.resourceRules) {
      for (const verb of rule.verbs) for (const group of rule.apiGroups) for (const resource of rule.resources) for (const name of rule.resourceNames?.length ? rule.resourceNames : [undefined]) {
        keys.add(grantKey({ verb, resource: `${group || 'core'}/${resource}`, name }));
      }
    }
    for (const rule of review.status.nonResourceRules) for (const verb of rule.verbs) for (const url of rule.nonResourceURLs) keys.add(grantKey({ verb, resource: url }));
    reviewed.set(namespace, keys);
  }
  const clusterWide = reviewed.get(NOWHERE)!;
  return new Set([...clusterWide, ...namespaces.flatMap((namespace) => [...reviewed.get(namespace)!].filter((key) => !clusterWide.has(key)).map((key) => `${key} in ${namespace}`))]);
}

async function allowed(cluster: Cluster, attributes: Record<string, string>): Promise<boolean> {
  const review = await ok(cluster, 'POST', '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews', { apiVersion: 'authorization.k8s.io/v1', kind: 'SelfSubjectAccessReview', spec: { resourceAttributes: attributes } });
  return review.status.allowed === true;
}

/** The account's calls as the apiserver audited them: one per request (its last stage), without the test's own reviews. */
function auditedCalls(username: string): Call[] {
  const file = readState(process.env.AIGW_SCALE_TEST_LOCAL_DIR)!.auditLog!;
  const byId = new Map<string, any>();
  for (const line of fs.readFileSync(file, 'utf8').split('\n')) {
    if (!line.trim()) continue;
    const event = JSON.parse(line);
    if (event.user?.username === username) byId.set(event.auditID, event);
  }
  return [...byId.values()]
    .filter((e) => e.objectRef?.apiGroup !== 'authorization.k8s.io')
    .map((e) => {
      const ref = e.objectRef;
      const resource = ref ? `${ref.apiGroup || 'core'}/${ref.resource}${ref.subresource ? `/${ref.subresource}` : ''}` : new URL(e.requestURI, 'https://x').pathname;
      const annotations = e.annotations ?? {};
      return { verb: e.verb, resource, name: ref?.name, namespace: ref?.namespace, code: e.responseStatus?.code ?? 0, decision: annotations['authorization.k8s.io/decision'], reason: annotations['authorization.k8s.io/reason'] };
    });
}

/** Whether a call uses a grant; a PATCH that created (201) also uses `create` (server-side apply authorizes it). */
function uses(call: Call, grant: Grant): boolean {
  const verbs = call.verb === 'patch' && call.code === 201 ? ['patch', 'create'] : [call.verb];
  if (!verbs.includes(grant.verb)) return false;
  if (grant.resource.startsWith('/')) return grant.resource.endsWith('*') ? call.resource.startsWith(grant.resource.slice(0, -1)) : call.resource === grant.resource;
  return call.resource === grant.resource && (grant.name === undefined || grant.name === call.name) && (grant.namespace === undefined || grant.namespace === call.namespace);
}
const parseGrant = (key: string): Grant => {
  const [, verb, resource, name, namespace] = /^(\S+) ([^[\s]+)(?:\[(.*)\])?(?: in (\S+))?$/.exec(key)!;
  return { verb, resource, name, namespace };
};

/** Runs the Job's `bench` container command line with the bundle and the account's kubeconfig, as the pod would. */
async function runAsJob(manifests: Manifest[], kubeconfigFile: string, out: string): Promise<{ status: number | null; output: string }> {
  const pod = (manifests.find((m) => m.kind === 'Job') as any).spec.template.spec;
  const [, ...args] = pod.initContainers.find((c: any) => c.name === 'bench').args as string[];
  args[args.indexOf('--out') + 1] = out;
  const bundle = path.join(work, 'aigw-scale.js');
  if (!fs.existsSync(bundle)) fs.writeFileSync(bundle, code);
  // A pod's view: no kubeconfig but the account's, no `local up` state, a HOME of its own.
  const env: NodeJS.ProcessEnv = { ...process.env, HOME: work, AIGW_SCALE_LOCAL_DIR: path.join(work, 'no-local-cluster') };
  delete env.KUBECONFIG;
  delete env.AIGW_SCALE_TEST_KUBECONFIG;
  const child: ChildProcess = spawn(process.execPath, [bundle, ...args, '--kubeconfig', kubeconfigFile], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const status = await new Promise<number | null>((resolve) => child.on('close', resolve));
  return { status, output };
}

beforeAll(async () => {
  admin = await connect();
  await ensureCrds(admin);
  await ensureSharedNamespace(admin, ENVOY_GATEWAY_NAMESPACE);
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'aigw-scale-job-rbac-'));
  code = await bundleCli();
  await fakeControllers();
});

afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
  admin?.close();
  if (work) fs.rmSync(work, { recursive: true, force: true });
});

describe.each(MODES)('the BenchJob run as its ServiceAccount: $name', ({ props, capacity }) => {
  const namespace = props.namespace!;
  const username = `system:serviceaccount:${namespace}:${SA}`;
  let manifests: Manifest[];
  let calls: Call[];
  let account: Cluster;
  let result: { status: number | null; output: string };
  let token: string;
  const out = () => path.join(work, namespace, 'results');
  const benchArgs = props.benchArgs ?? [];
  const repeat = benchArgs.includes('--repeat') ? Number(benchArgs[benchArgs.indexOf('--repeat') + 1]) : 1;

  beforeAll(async () => {
    const mock = await startMockProvider({ host: '127.0.0.1', port: 0 });
    const gateway = await new StandInGateway(admin, namespace, { host: '127.0.0.1', port: mock.port }, 200, { capacity }).start();
    cleanups.push(() => mock.close(), () => gateway.stop());
    manifests = benchJobManifests({ code, backends: 2, fixtureId: `${namespace}-run`, gatewayUrl: gateway.url, ...props, routes: props.routes ?? 3 });
    // The Namespace and RBAC as `aigw-scale apply DIR` would apply them (the code ConfigMap and the Job are not run here).
    const rbac = manifests.filter((m) => !['ConfigMap', 'Job'].includes(m.kind)) as ApplyObject[];
    const applier = new Applier(admin, new ResourceMap(admin));
    for (const object of rbac) {
      const outcome = await applier.applyOne(object);
      expect(outcome.kind).toBe('created');
    }
    const paths = await Promise.all(rbac.map((object) => applier.resources.objectPath(object)));
    cleanups.push(async () => {
      for (const objectPath of paths.reverse()) await admin.requestRetrying('DELETE', objectPath);
    });
    await ok(admin, 'POST', `/api/v1/namespaces/${namespace}/serviceaccounts`, { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: BASELINE_SA } });

    const credentials = await serviceAccountKubeconfig(namespace, SA);
    token = credentials.token;
    result = await runAsJob(manifests, credentials.file, out());
    await new Promise((resolve) => setTimeout(resolve, 500)); // the last watches' completion events
    calls = auditedCalls(username);
    account = await Cluster.connect({ kubeconfig: credentials.file });
    cleanups.push(async () => account.close());
  });

  test('the run succeeds and cleans up after itself', async () => {
    // No controller writes status here: declared milestones are never reached, which makes the run INVALID (exit 4).
    const milestones = (props.benchArgs ?? []).includes('--milestone');
    const invalid = result.output.split('\n').filter((line) => /^\s+invalid:/.test(line));
    const status = milestones ? 4 : 0;
    const unexpected = invalid.filter((line) => !/milestone/.test(line));
    // On failure: the run's output, and what the apiserver answered the account other than 2xx (e.g. a watch's 429 or 504).
    const answered = () => calls.filter((c) => c.code >= 300).map((c) => `${c.verb} ${c.resource}${c.namespace ? ` in ${c.namespace}` : ''}: HTTP ${c.code}`);
    expect({ status: result.status, output: result.status === status && unexpected.length === 0 ? '' : `${result.output}\naudited answers other than 2xx: ${JSON.stringify(answered())}` }).toEqual({ status, output: '' });
    if (capacity !== undefined) {
      // the ramp failed past the capacity (so the evidence was read) and the bisection found it
      expect(JSON.parse(fs.readFileSync(path.join(out(), 'ceiling.json'), 'utf8'))).toMatchObject({ ceiling: capacity, stoppedBy: 'failure' });
    } else {
      for (const dir of repeat === 1 ? [out()] : Array.from({ length: repeat }, (_, i) => path.join(out(), `run-${i + 1}`))) {
        const results = parseResults(fs.readFileSync(path.join(dir, 'results.json'), 'utf8'));
        expect(results.phases.map((p) => p.phase)).toEqual(['preflight', 'warm-up', 'provision', 'validate', 'cleanup']);
        expect(results.milestones.filter((m) => m.milestone === 'ready')).toHaveLength((props.routes ?? 3) - 1);
        expect(results.failures).toEqual([]);
      }
    }
    // nothing of the run is left: its routes, its GatewayClasses
    expect((await ok(admin, 'GET', `/apis/aigateway.envoyproxy.io/v1beta1/namespaces/${namespace}/aigatewayroutes`)).items).toEqual([]);
    for (const id of repeatFixtureIds(`${namespace}-run`, repeat)) expect((await admin.requestRetrying('GET', `/apis/gateway.networking.k8s.io/v1/gatewayclasses/${gatewayClassName(id)}`)).status).toBe(404);
    expect(calls.length).toBeGreaterThan(10);
  });

  test('no call of the runner was refused by RBAC; a 403 from past it only where listed with its reason', () => {
    const callOf = (c: Call) => `${c.verb} ${c.resource}${c.namespace ? ` in ${c.namespace}` : ''}`;
    const refused = calls.filter((c) => c.decision !== 'allow').map((c) => `${callOf(c)}${c.name ? ` (${c.name})` : ''}: HTTP ${c.code}, ${c.decision ?? 'no decision'}`);
    expect([...new Set(refused)]).toEqual([]);
    const forbidden = new Set(calls.filter((c) => c.code === 401 || c.code === 403).map(callOf));
    expect([...forbidden].filter((call) => !(call in FORBIDDEN_PAST_RBAC))).toEqual([]);
  });

  test('every grant of the chart is used by the run, or listed with the reason no local run can use it', async () => {
    const baseline = await Cluster.connect({ kubeconfig: (await serviceAccountKubeconfig(namespace, BASELINE_SA)).file });
    cleanups.push(async () => baseline.close());
    const namespaces = [namespace, ...new Set(CONTROLLERS.map((c) => c.namespace))]; // the Job's, and where it may have Roles
    // What the chart adds: the account's rules less those every ServiceAccount has (discovery, self-reviews).
    const everyone = await grantsOf(baseline, namespaces);
    const granted = [...(await grantsOf(account, namespaces))].filter((key) => !everyone.has(key));
    expect(granted.length).toBeGreaterThan(10);
    const unused = granted.filter((key) => !calls.some((call) => uses(call, parseGrant(key))));
    expect(unused.filter((key) => !(key in UNUSED_HERE)).sort()).toEqual([]);
    // The allow-list stays short and true: what it excuses is granted and unused.
    for (const key of Object.keys(UNUSED_HERE)) if (granted.includes(key)) expect(unused).toContain(key);
  });

  test('the run\'s --milestone kinds can be watched and --profiles can reach the pod proxy, nothing beyond', async () => {
    const watched = benchArgs.flatMap((arg, i) => (arg === '--milestone' ? [benchArgs[i + 1].split(':')[0]] : []));
    for (const [kind, { apiGroup, resourceType }] of Object.entries(MILESTONE_KINDS)) {
      expect({ kind, watch: await allowed(account, { namespace, verb: 'watch', group: apiGroup, resource: resourceType }) }).toEqual({ kind, watch: watched.includes(kind) });
    }
    const profiles = benchArgs.includes('--profiles');
    expect(await allowed(account, { namespace: ENVOY_GATEWAY_NAMESPACE, verb: 'get', resource: 'pods', subresource: 'proxy' })).toBe(profiles);
    expect(await allowed(account, { namespace, verb: 'get', resource: 'pods', subresource: 'proxy' })).toBe(false);
    // and the run did ask for a profile through the proxy, allowed
    if (profiles) expect(calls.some((c) => c.verb === 'get' && c.resource === 'core/pods/proxy' && c.namespace === ENVOY_GATEWAY_NAMESPACE && c.decision === 'allow')).toBe(true);
  });

  test('the token appears in no output of the run', () => {
    expect(token.length).toBeGreaterThan(100);
    const filesUnder = (dir: string): string[] => fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? filesUnder(path.join(dir, e.name)) : [path.join(dir, e.name)]));
    const holding = filesUnder(out()).filter((file) => fs.readFileSync(file).includes(token));
    expect({ output: result.output.includes(token), files: holding }).toEqual({ output: false, files: [] });
  });
});
