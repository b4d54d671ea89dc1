/**
 * The BenchJob's RBAC, for real: its ServiceAccount and roles applied to the local apiserver, the bundled CLI run
 * with the Job's own command line and that ServiceAccount's token (TokenRequest), through a recording proxy on
 * 127.0.0.1. Every call the runner makes is allowed, and every permission the ServiceAccount holds (what
 * `kubectl auth can-i --list` reads: SelfSubjectRulesReview) is used by some call.
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as https from 'node:https';
import * as os from 'node:os';
import * as path from 'node:path';
import { AddressInfo } from 'node:net';
import * as YAML from 'yaml';
import { benchJobManifests } from '../../charts/bench-job';
import { helmValues } from '../../charts/helm-values';
import { POD_PPROF_ADDRESS } from '../../infra/controllers';
import { bundleCli } from '../../src/cli/bundle';
import { ENVOY_GATEWAY_NAMESPACE } from '../../src/install/facts';
import { Cluster } from '../../src/kube/cluster';
import { ResourceMap } from '../../src/kube/resources';
import { startMockProvider } from '../../src/mock-provider';
import { StandInGateway } from '../support/stand-in-gateway';
import { connect, ensureCrds, ensureSharedNamespace, kubeconfig } from './support';

jest.setTimeout(180_000);

const NAMESPACE = 'bench-job-rbac';
const POD = 'envoy-gateway-rbac-5d2a';
/** A ServiceAccount bound to nothing: what every ServiceAccount may do anyway (discovery, self reviews, …). */
const BASELINE = 'baseline';
const CONFIG = `/api/v1/namespaces/${ENVOY_GATEWAY_NAMESPACE}/configmaps/envoy-gateway-config`;
const MANIFESTS = benchJobManifests({
  code: '// not run: the test runs the bundle itself\n',
  routes: 6,
  backends: 2,
  namespace: NAMESPACE,
  fixtureId: 'rbac',
  benchArgs: ['--milestone', 'AIGatewayRoute:Accepted', '--profiles', '--stand-in', '--allow-missing-controllers', '--per-route-timeout', '20000', '--sample-interval', '500'],
});

interface Call {
  readonly method: string;
  readonly url: string;
  readonly status: number;
  /** The apiserver's reason, for a refused call. */
  message?: string;
}

/** A plain-HTTP proxy to the apiserver that records each call with the apiserver's answer. */
async function recordingProxy(server: URL, ca: Buffer | undefined, calls: Call[]): Promise<http.Server> {
  const proxy = http.createServer((req, res) => {
    const upstream = https.request({ host: server.hostname, port: server.port, path: req.url, method: req.method, headers: { ...req.headers, host: server.host }, ca, rejectUnauthorized: ca !== undefined }, (answer) => {
      const call: Call = { method: req.method!, url: req.url!, status: answer.statusCode! };
      calls.push(call);
      if (call.status === 403) answer.on('data', (chunk: Buffer) => (call.message = (call.message ?? '') + chunk.toString()));
      res.writeHead(answer.statusCode!, answer.headers);
      answer.pipe(res);
    });
    upstream.on('error', () => res.destroy());
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  return proxy;
}

/** `verb group/resource[/subresource]` of a recorded call, as the apiserver authorizes it; non-resource URLs as `get <path>`. */
function permissionOf(call: Call): string {
  const url = new URL(call.url, 'http://x');
  const parts = url.pathname.split('/').filter(Boolean);
  const [group, rest] = parts[0] === 'api' ? ['', parts.slice(2)] : parts[0] === 'apis' && parts.length > 3 ? [parts[1], parts.slice(3)] : [undefined, []];
  if (group === undefined || rest.length === 0) return `get ${url.pathname}`;
  const scoped = rest[0] === 'namespaces' && rest.length > 2 ? rest.slice(2) : rest;
  const [resource, name, subresource] = scoped;
  const verb =
    call.method === 'GET' ? (['true', '1'].includes(url.searchParams.get('watch') ?? '') ? 'watch' : name === undefined ? 'list' : 'get')
    : call.method === 'PATCH' ? (call.status === 201 ? 'create' : 'patch')
    : call.method === 'POST' ? 'create'
    : call.method === 'DELETE' ? 'delete'
    : call.method.toLowerCase();
  return `${verb} ${group}/${resource}${subresource ? `/${subresource}` : ''}`;
}

/** A token of a ServiceAccount of the run's namespace (TokenRequest). */
async function tokenOf(admin: Cluster, account: string): Promise<string> {
  const token = await admin.requestRetrying('POST', `/api/v1/namespaces/${NAMESPACE}/serviceaccounts/${account}/token`, { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec: { expirationSeconds: 3600 } });
  expect(token.status).toBe(201);
  return token.body.status.token;
}

/** What the ServiceAccount may do in a namespace (SelfSubjectRulesReview, as `kubectl auth can-i --list` asks). */
async function rulesIn(runner: Cluster, namespace: string): Promise<string[]> {
  const review = await runner.requestRetrying('POST', '/apis/authorization.k8s.io/v1/selfsubjectrulesreviews', { apiVersion: 'authorization.k8s.io/v1', kind: 'SelfSubjectRulesReview', spec: { namespace } });
  expect(review.status).toBe(201);
  const permissions: string[] = [];
  for (const rule of review.body.status.resourceRules) {
    for (const verb of rule.verbs) for (const group of rule.apiGroups) for (const resource of rule.resources) permissions.push(`${verb} ${group}/${resource}`);
  }
  for (const rule of review.body.status.nonResourceRules) for (const url of rule.nonResourceURLs) permissions.push(`get ${url}`);
  return permissions;
}

describe('the BenchJob ServiceAccount runs the bundled runner on the local apiserver', () => {
  let admin: Cluster;
  const calls: Call[] = [];
  let proxy: http.Server;
  let dir: string;
  let mock: Awaited<ReturnType<typeof startMockProvider>>;
  let gateway: StandInGateway;
  let runnerKubeconfig: string;
  let baselineKubeconfig: string;

  beforeAll(async () => {
    admin = await connect();
    await ensureCrds(admin);
    const resources = new ResourceMap(admin);
    for (const manifest of MANIFESTS.filter((m) => !['ConfigMap', 'Job'].includes(m.kind))) {
      if (manifest.metadata.namespace === ENVOY_GATEWAY_NAMESPACE) await ensureSharedNamespace(admin, ENVOY_GATEWAY_NAMESPACE);
      const applied = await admin.request('PATCH', `${await resources.objectPath(manifest)}?fieldManager=bench-job-rbac-test&force=true`, manifest, 'application/apply-patch+yaml');
      expect([200, 201]).toContain(applied.status);
    }
    // Envoy Gateway as the profiles find it: a kwok pod with gateway-helm's labels and the config its chart renders
    const node = (await admin.requestRetrying('GET', '/api/v1/nodes')).body.items[0].metadata.name;
    const labels = { 'control-plane': 'envoy-gateway', 'app.kubernetes.io/name': 'gateway-helm', 'app.kubernetes.io/instance': 'eg' };
    await admin.requestRetrying('POST', `/api/v1/namespaces/${ENVOY_GATEWAY_NAMESPACE}/pods`, { apiVersion: 'v1', kind: 'Pod', metadata: { name: POD, namespace: ENVOY_GATEWAY_NAMESPACE, labels }, spec: { nodeName: node, containers: [{ name: 'envoy-gateway', image: 'envoyproxy/gateway:v1.8.1' }] } });
    const config = (helmValues({ pprofAt: POD_PPROF_ADDRESS }).envoyGateway as any).config.envoyGateway;
    await admin.requestRetrying('DELETE', CONFIG);
    await admin.requestRetrying('POST', `/api/v1/namespaces/${ENVOY_GATEWAY_NAMESPACE}/configmaps`, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'envoy-gateway-config', namespace: ENVOY_GATEWAY_NAMESPACE }, data: { 'envoy-gateway.yaml': YAML.stringify({ apiVersion: 'gateway.envoyproxy.io/v1alpha1', kind: 'EnvoyGateway', ...config }) } });

    const account = MANIFESTS.find((m) => m.kind === 'ServiceAccount')!.metadata.name;
    expect((await admin.requestRetrying('POST', `/api/v1/namespaces/${NAMESPACE}/serviceaccounts`, { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: BASELINE } })).status).toBe(201);
    const adminConfig = YAML.parse(fs.readFileSync(kubeconfig(), 'utf8'));
    const server = new URL(adminConfig.clusters[0].cluster.server);
    const caData = adminConfig.clusters[0].cluster['certificate-authority-data'];
    const caFile = adminConfig.clusters[0].cluster['certificate-authority'];
    const ca = caData ? Buffer.from(caData, 'base64') : caFile ? fs.readFileSync(path.resolve(path.dirname(kubeconfig()), caFile)) : undefined;
    proxy = await recordingProxy(server, ca, calls);
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'aigw-bench-job-rbac-'));
    runnerKubeconfig = path.join(dir, 'kubeconfig');
    const cluster = { name: 'local', cluster: { server: `http://127.0.0.1:${(proxy.address() as AddressInfo).port}` } };
    baselineKubeconfig = path.join(dir, 'baseline-kubeconfig');
    fs.writeFileSync(baselineKubeconfig, YAML.stringify({ apiVersion: 'v1', kind: 'Config', 'current-context': 'baseline', clusters: [cluster], users: [{ name: BASELINE, user: { token: await tokenOf(admin, BASELINE) } }], contexts: [{ name: 'baseline', context: { cluster: 'local', user: BASELINE } }] }));
    fs.writeFileSync(runnerKubeconfig, YAML.stringify({ apiVersion: 'v1', kind: 'Config', 'current-context': 'runner', clusters: [cluster], users: [{ name: account, user: { token: await tokenOf(admin, account) } }], contexts: [{ name: 'runner', context: { cluster: 'local', user: account } }] }));
    fs.writeFileSync(path.join(dir, 'aigw-scale.js'), await bundleCli());
    mock = await startMockProvider({ host: '127.0.0.1', port: 0 });
    gateway = await new StandInGateway(admin, NAMESPACE, { host: '127.0.0.1', port: mock.port }, 200).start();
  });

  afterAll(async () => {
    await gateway?.stop();
    await mock?.close();
    proxy?.close();
    for (const manifest of [...MANIFESTS].reverse()) {
      if (manifest.kind === 'Namespace' || !['ServiceAccount', 'Role', 'RoleBinding', 'ClusterRole', 'ClusterRoleBinding'].includes(manifest.kind)) continue;
      await admin.request('DELETE', await new ResourceMap(admin).objectPath(manifest));
    }
    await admin.requestRetrying('DELETE', `/api/v1/namespaces/${ENVOY_GATEWAY_NAMESPACE}/pods/${POD}?gracePeriodSeconds=0`);
    await admin.requestRetrying('DELETE', CONFIG);
    await admin.request('DELETE', `/api/v1/namespaces/${NAMESPACE}`);
    admin?.close();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  test("the Job's command line: every call allowed, every permission used", async () => {
    const container = (MANIFESTS.find((m) => m.kind === 'Job') as any).spec.template.spec.initContainers.find((c: any) => c.name === 'bench');
    const [, ...benchArgs] = container.args as string[]; // after the bundle's path in the pod
    const local = (flag: string, value: string) => benchArgs.splice(benchArgs.indexOf(flag), 2, flag, value);
    local('--gateway-url', gateway.url);
    local('--out', path.join(dir, 'out'));
    const child = spawn(process.execPath, [path.join(dir, 'aigw-scale.js'), ...benchArgs, '--kubeconfig', runnerKubeconfig], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    await new Promise((resolve) => child.on('close', resolve));
    expect(output).toMatch(/route/); // it ran

    // The apiserver refuses with a Status; a pod proxy's 403 without one comes from beyond it (here the network in front
    // of kwok's pod addresses), after authorization let it through.
    const refusedByApiserver = (c: Call) => c.status === 403 && /"kind":"Status"/.test(c.message ?? '');
    const forbidden = calls.filter(refusedByApiserver).map((c) => `${c.method} ${c.url}: ${c.message}`);
    expect(forbidden).toEqual([]);
    const used = new Set(calls.map(permissionOf));
    process.stderr.write(`USED ${JSON.stringify([...used].sort())}\n`);
    const canI = async (file: string) => {
      const client = await Cluster.connect({ kubeconfig: file });
      try {
        return new Set([...(await rulesIn(client, NAMESPACE)), ...(await rulesIn(client, ENVOY_GATEWAY_NAMESPACE))]);
      } finally {
        client.close();
      }
    };
    const baseline = await canI(baselineKubeconfig);
    const granted = [...(await canI(runnerKubeconfig))].filter((permission) => !baseline.has(permission));
    expect(granted.filter((permission) => !used.has(permission)).sort()).toEqual([]);
  });
});
