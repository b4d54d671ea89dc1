/**
 * The real Pulumi engine (CLI, Node.js language host, Kubernetes provider — built from the Go module proxy)
 * runs the program in infra/ as stack `ci` against the real local control plane: three Helm releases from the
 * chart directories beside the project, both gRPC limits from the one knob, the 200-route fixture, a no-op
 * second `up`, a 200 → 300 update that applies only the new routes, and a `destroy` that leaves nothing of ours.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as YAML from 'yaml';
import { PulumiSession } from '../../bench/pulumi-session';
import { AI_GATEWAY_NAMESPACE, ENVOY_GATEWAY_NAMESPACE } from '../../src/install/facts';
import { FIXTURE_LABEL } from '../../constructs/conventions';
import { RELEASE_NAMES } from '../../infra/controllers';
import { controllerPodsNotReady } from '../../src/bench/health-gate';
import { CONTROLLERS } from '../../src/install/facts';
import { Cluster } from '../../src/kube/cluster';
import { CONTROLLER_PODS, listPods } from '../../src/kube/gateway-envoy';
import { PROJECT_ROOT } from '../../src/upstream/dirs';
import { connect, kubeconfig, list, listIfServed } from '../cluster/support';

const STACK = 'ci';
const ROUTES_PATH = `/apis/aigateway.envoyproxy.io/v1alpha1/namespaces/${STACK}/aigatewayroutes`;
const fixtureSelector = `${FIXTURE_LABEL}=${STACK}`;

let session: PulumiSession;
let cluster: Cluster;
let configFile: string;
let projectStackFile: string;
const timings: Record<string, number> = {};

beforeAll(async () => {
  session = new PulumiSession(kubeconfig());
  cluster = await connect();
  // The stack file stays as checked in; the 200 → 300 step edits a copy.
  configFile = path.join(session.home, `Pulumi.${STACK}.yaml`);
  projectStackFile = fs.readFileSync(path.join(PROJECT_ROOT, `Pulumi.${STACK}.yaml`), 'utf8');
  fs.writeFileSync(configFile, projectStackFile);
  session.initStack(STACK, configFile);
});

afterAll(() => {
  process.stderr.write(`\npulumi -s ${STACK} timings (s) and state size: ${JSON.stringify(timings)}\n`);
  cluster?.close();
  session?.dispose();
});

const up = (label: string, ...extra: string[]) => {
  const result = session.ok('up', '-s', STACK, '--config-file', configFile, '--yes', '--skip-preview', ...extra);
  timings[label] = Number(result.seconds.toFixed(1));
  return result;
};

/** The names of the pods a Deployment runs now (pod → ReplicaSet → Deployment owner references). */
async function podsOfDeployment(namespace: string, deployment: string): Promise<string[]> {
  const replicaSets = (await list(cluster, `/apis/apps/v1/namespaces/${namespace}/replicasets`, ''))
    .filter((rs) => rs.metadata.ownerReferences?.some((o: any) => o.kind === 'Deployment' && o.name === deployment))
    .map((rs) => rs.metadata.uid);
  const pods = await list(cluster, `/api/v1/namespaces/${namespace}/pods`, '');
  return pods.filter((p) => p.metadata.ownerReferences?.some((o: any) => replicaSets.includes(o.uid))).map((p) => p.metadata.name).sort();
}

const routeVersions = async (): Promise<Map<string, string>> =>
  new Map((await list(cluster, ROUTES_PATH, fixtureSelector)).map((route) => [route.metadata.name, `${route.metadata.uid}/${route.metadata.resourceVersion}`]));

test('pulumi up -s ci: three Helm releases, both gRPC limits from the one knob, the 200-route fixture', async () => {
  up('up');

  for (const [release, namespace] of [
    [RELEASE_NAMES.envoyGateway, ENVOY_GATEWAY_NAMESPACE],
    [RELEASE_NAMES.aiGatewayCrds, AI_GATEWAY_NAMESPACE],
    [RELEASE_NAMES.aiGateway, AI_GATEWAY_NAMESPACE],
  ]) {
    const secrets = await list(cluster, `/api/v1/namespaces/${namespace}/secrets`, `owner=helm,name=${release}`);
    expect(secrets.map((s) => s.metadata.labels.status)).toEqual(['deployed']);
  }

  const egConfig = await cluster.requestRetrying('GET', `/api/v1/namespaces/${ENVOY_GATEWAY_NAMESPACE}/configmaps/envoy-gateway-config`);
  expect(egConfig.status).toBe(200);
  const rendered = YAML.parse(egConfig.body.data['envoy-gateway.yaml']);
  expect(rendered.extensionManager.maxMessageSize).toBe('25Mi');

  const controllers = await cluster.requestRetrying('GET', `/apis/apps/v1/namespaces/${AI_GATEWAY_NAMESPACE}/deployments`);
  const args: string[] = controllers.body.items.flatMap((d: any) => d.spec.template.spec.containers.flatMap((c: any) => c.args ?? []));
  expect(args).toContain('--maxRecvMsgSize=26214400'); // 25Mi in bytes: the same knob

  // Each controller's selector finds exactly the pods of its chart's Deployment (fixed names in both charts).
  for (const selector of CONTROLLER_PODS) {
    const expected = await podsOfDeployment(selector.namespace!, CONTROLLERS.find((c) => c.name === selector.component)!.deployment);
    expect(expected.length).toBeGreaterThan(0);
    expect({ selector, pods: (await listPods(cluster, selector)).body.items.map((p: any) => p.metadata.name).sort() }).toEqual({ selector, pods: expected });
  }
  expect(await controllerPodsNotReady(cluster)).toEqual({ found: 2, notReady: [] }); // the health gate sees both

  timings.stateKiB = Math.round(fs.statSync(session.stateFile('aigw-scale', STACK)).size / 1024); // flat in N in bundle mode
  timings.resources = JSON.parse(fs.readFileSync(session.stateFile('aigw-scale', STACK), 'utf8')).checkpoint.latest.resources.length;
  const routes = await routeVersions();
  expect(routes.size).toBe(200);
  expect(routes.has('route-000200')).toBe(true);
  const stack = JSON.parse(session.ok('stack', 'output', '-s', STACK, '--json').stdout);
  expect(stack).toMatchObject({ routes: 200, fixtureId: STACK, grpcLimits: { envoyGateway: { maxMessageSize: '25Mi' }, aiGateway: { maxRecvMsgSize: '26214400' } } });
  expect(JSON.stringify(stack)).not.toContain('client-key-data'); // the kubeconfig output stays secret
});

test('a second up changes nothing', async () => {
  const before = await routeVersions();
  up('second up', '--expect-no-changes'); // the CLI fails the run if anything would change
  expect(await routeVersions()).toEqual(before);
});

test('200 → 300 routes applies only the difference', async () => {
  const before = await routeVersions();
  const config = YAML.parse(fs.readFileSync(configFile, 'utf8'));
  config.config['aigw-scale:routes'] = 300;
  fs.writeFileSync(configFile, YAML.stringify(config));
  const result = up('200 → 300');
  expect(result.stdout).toMatch(/1 updated/); // the one bundle resource, in place

  const after = await routeVersions();
  expect(after.size).toBe(300);
  for (const [name, version] of before) expect(after.get(name)).toBe(version); // untouched: same uid and resourceVersion
  expect([...after.keys()].filter((name) => !before.has(name))).toHaveLength(100);
});

test('pulumi destroy leaves nothing of ours in the cluster', async () => {
  const destroyed = session.ok('destroy', '-s', STACK, '--config-file', configFile, '--yes', '--skip-preview');
  timings.destroy = Number(destroyed.seconds.toFixed(1));

  // The AI Gateway CRD release took its CRDs along, so the route collection itself may be gone.
  expect(await listIfServed(cluster, ROUTES_PATH, fixtureSelector)).toEqual([]);
  const namespace = await cluster.requestRetrying('GET', `/api/v1/namespaces/${STACK}`);
  expect(namespace.status === 404 || namespace.body.status?.phase === 'Terminating').toBe(true);
  for (const namespace of [ENVOY_GATEWAY_NAMESPACE, AI_GATEWAY_NAMESPACE]) {
    expect(await list(cluster, `/api/v1/namespaces/${namespace}/secrets`, 'owner=helm')).toEqual([]);
    expect((await cluster.requestRetrying('GET', `/apis/apps/v1/namespaces/${namespace}/deployments`)).body.items ?? []).toEqual([]);
  }
  expect(await list(cluster, '/apis/gateway.networking.k8s.io/v1/gatewayclasses', fixtureSelector)).toEqual([]);
  const state = JSON.parse(fs.readFileSync(session.stateFile('aigw-scale', STACK), 'utf8'));
  expect(state.checkpoint.latest.resources ?? []).toEqual([]);
});

test('the checked-in stack file is left as it was', () => {
  expect(fs.readFileSync(path.join(PROJECT_ROOT, `Pulumi.${STACK}.yaml`), 'utf8')).toBe(projectStackFile);
});
