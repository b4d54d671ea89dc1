import { aiBackendNames } from '../../constructs/ai-backend-pool';
import { benchJobManifests } from '../../charts/bench-job';
import { resolveFixtureSpec } from '../../charts/fixture-spec';
import { fixtureParts } from '../../charts/scale-fixture';
import { DEFAULTS } from '../../infra/config';
import { DEFAULT_GZIP_THRESHOLD_BYTES, mockProviderManifests } from '../../constructs/mock-provider';
import { Manifest } from '../../constructs/manifest';
import { Cluster } from '../../src/kube/cluster';
import { ResourceMap } from '../../src/kube/resources';
import { connect, ensureCrds } from './support';

/**
 * The cdk8s-plus workloads against the real kube-apiserver (1.36): every object is server-side applied with
 * `dryRun=All` and strict field validation, so the apiserver checks it against its OpenAPI schema (unknown or
 * duplicate fields are errors, not warnings) and runs admission, RBAC escalation checks included, without
 * persisting anything. Only the namespaces the objects live in are created for real.
 */

const NAMESPACE = 'workloads-dry-run';
const PROFILED_NAMESPACE = 'envoy-gateway-system';
const SMALL_CODE = 'console.log("a stand-in bundle");\n';
/** Above the gzip threshold: the ConfigMap carries binaryData and the pod an unpack init container. */
const BIG_CODE = `// ${'x'.repeat(80)}\n`.repeat(Math.ceil((DEFAULT_GZIP_THRESHOLD_BYTES + 1) / 84));

let cluster: Cluster;
let resources: ResourceMap;
const created: string[] = [];

async function ensureNamespace(name: string): Promise<void> {
  const response = await cluster.requestRetrying('POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
  if (response.status === 201) created.push(name);
  else if (response.status !== 409) throw new Error(`creating namespace ${name}: HTTP ${response.status} ${JSON.stringify(response.body)}`);
}

/** Server-side apply, dry run, strict: the object as the apiserver would store it, or the apiserver's refusal. */
async function dryRunApply(manifest: Manifest): Promise<{ status: number; body: any }> {
  const query = '?dryRun=All&fieldManager=aigw-scale-dry-run&fieldValidation=Strict&force=true';
  const path = await resources.objectPath(manifest);
  const response = await cluster.request('PATCH', path + query, manifest, 'application/apply-patch+yaml');
  return { status: response.status, body: response.body };
}

async function expectAccepted(manifests: Manifest[]): Promise<Map<string, any>> {
  const stored = new Map<string, any>();
  const refused: string[] = [];
  for (const manifest of manifests) {
    const { status, body } = await dryRunApply(manifest);
    const key = `${manifest.kind}/${manifest.metadata.name}`;
    if (status === 200 || status === 201) stored.set(key, body);
    else refused.push(`${key}: HTTP ${status} ${body?.message ?? JSON.stringify(body)}`);
  }
  expect(refused).toEqual([]);
  return stored;
}

beforeAll(async () => {
  cluster = await connect();
  await ensureCrds(cluster); // the Gateway part's kinds
  resources = new ResourceMap(cluster);
  for (const name of [NAMESPACE, PROFILED_NAMESPACE]) await ensureNamespace(name);
}, 60_000);

afterAll(async () => {
  for (const name of created) await cluster.request('DELETE', `/api/v1/namespaces/${name}`);
});

describe('workloads: server-side dry run against the apiserver', () => {
  test('MockProvider: plain and gzipped bundle, cassettes, env; the stored objects keep what the construct set', async () => {
    for (const code of [SMALL_CODE, BIG_CODE]) {
      const manifests = mockProviderManifests({
        fixtureId: 'dry-run',
        namespace: NAMESPACE,
        backends: aiBackendNames(3),
        code,
        cassettes: { 'greeting.json': '{"name":"greeting"}' },
        env: { MOCK_DELAY_MS: '5-10' },
      });
      const stored = await expectAccepted(manifests);
      const pod = stored.get('Deployment/mock-provider').spec.template.spec;
      const [container] = pod.containers;
      expect(pod.enableServiceLinks).toBe(false);
      expect(pod.securityContext.seccompProfile).toEqual({ type: 'RuntimeDefault' });
      expect(container.securityContext).toMatchObject({ runAsNonRoot: true, readOnlyRootFilesystem: true, allowPrivilegeEscalation: false });
      expect(container.resources).toEqual({ requests: { cpu: '100m', memory: '64Mi' }, limits: { cpu: '1', memory: '256Mi' } });
      expect(container.readinessProbe.httpGet.port).toBe('http');
      expect(stored.get('Service/backend-001').spec.ports[0].targetPort).toBe('http');
      expect(pod.initContainers?.map((c: any) => c.name) ?? []).toEqual(code === BIG_CODE ? ['unpack'] : []);
    }
  }, 60_000);

  test('BenchJob: the Job, its RBAC (profiling and milestone watches too) and a gzipped bundle', async () => {
    const manifests = benchJobManifests({
      code: BIG_CODE,
      routes: 10,
      backends: 2,
      namespace: NAMESPACE,
      fixtureId: 'dry-run',
      mockProvider: true,
      apiKeyAuth: true,
      connectionBufferLimit: '32Mi',
      activeDeadlineSeconds: 3600,
      benchArgs: ['--milestone', 'HTTPRoute:Accepted@parents', '--profiles'],
    });
    expect(manifests.map((m) => m.kind)).toEqual(['Namespace', 'ServiceAccount', 'Role', 'RoleBinding', 'ClusterRole', 'ClusterRoleBinding', 'Role', 'RoleBinding', 'ConfigMap', 'Job']);
    const stored = await expectAccepted(manifests);
    const pod = stored.get('Job/aigw-scale-bench').spec.template.spec;
    expect(pod.initContainers.map((c: any) => c.name)).toEqual(['unpack', 'bench']);
    expect(pod.serviceAccountName).toBe('aigw-scale-bench');
    expect(pod.securityContext.seccompProfile).toEqual({ type: 'RuntimeDefault' });
    expect(stored.get('ClusterRole/aigw-scale-bench-workloads-dry-run').rules.every((rule: any) => rule.resourceNames === undefined || rule.resourceNames.length > 0)).toBe(true);
  }, 60_000);

  test("kind's Gateway: an EnvoyProxy with a NodePort Envoy Service, which the Gateway references", async () => {
    const spec = resolveFixtureSpec({ namespace: NAMESPACE, fixtureId: 'dry-run', envoyServiceType: DEFAULTS.kindEnvoyServiceType });
    const gatewayPart = [...fixtureParts(spec).find((p) => p.name === 'gateway')!.manifests];
    expect(gatewayPart.map((m) => m.kind)).toEqual(['GatewayClass', 'EnvoyProxy', 'Gateway']);
    const stored = await expectAccepted(gatewayPart);
    expect(stored.get('EnvoyProxy/aigw-scale-proxy').spec.provider.kubernetes.envoyService.type).toBe('NodePort');
    expect(stored.get('Gateway/aigw-scale').spec.infrastructure.parametersRef).toEqual({ group: 'gateway.envoyproxy.io', kind: 'EnvoyProxy', name: 'aigw-scale-proxy' });
  }, 60_000);

  test('the schema is enforced: a field it does not know is refused, by apply and by a strict dry-run create', async () => {
    const [configMap] = mockProviderManifests({ fixtureId: 'dry-run', namespace: NAMESPACE, backends: ['backend-001'], code: SMALL_CODE });
    const unknown = { ...configMap, notAField: true };
    const applied = await dryRunApply(unknown);
    expect(applied.status).toBeGreaterThanOrEqual(400); // the apply patch cannot be typed against the schema
    expect(JSON.stringify(applied.body)).toMatch(/notAField/);
    const path = await resources.collectionPath(configMap.apiVersion, configMap.kind, NAMESPACE);
    const created = await cluster.request('POST', `${path}?dryRun=All&fieldValidation=Strict`, unknown);
    expect(created.status).toBe(400);
    expect(created.body.message).toMatch(/unknown field "notAField"/);
    expect((await cluster.request('POST', `${path}?dryRun=All&fieldValidation=Strict`, configMap)).status).toBe(201);
  }, 60_000);
});
