import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as YAML from 'yaml';
import { Cluster } from '../../src/kube/cluster';
import { synthFixture } from '../support/fixture';
import { cli, cliAsync, connect, ensureCrds, list } from './support';

const ROUTES_PATH = (ns: string) => `/apis/aigateway.envoyproxy.io/v1beta1/namespaces/${ns}/aigatewayroutes`;

describe('aigw-scale apply / delete against a real kube-apiserver', () => {
  let cluster: Cluster;
  let tmp: string;
  beforeAll(async () => {
    cluster = await connect();
    await ensureCrds(cluster);
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'aigw-scale-cluster-apply-'));
  });
  afterAll(() => {
    cluster.close();
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  test('a 2,000-route fixture applies, every object reads back as synthesized, and a second apply changes nothing', async () => {
    const first = cli('apply', '--routes', '2000', '--backends', '10', '--namespace', 'scale', '--json');
    expect(first.stderr).not.toMatch(/HTTP \d{3}/);
    expect(first.status).toBe(0);
    expect(JSON.parse(first.stdout)).toMatchObject({ total: 2023, created: 2023, failed: [] });

    const expected = synthFixture({ routes: 2000, backends: 10, namespace: 'scale' });
    const routes = await list(cluster, ROUTES_PATH('scale'), 'aigw-scale/fixture=scale');
    expect(routes).toHaveLength(2000);
    const byName = new Map(routes.map((r) => [r.metadata.name, r]));
    for (const want of expected.filter((o) => o.kind === 'AIGatewayRoute')) {
      const got = byName.get(want.metadata.name);
      expect(got.spec.rules[0].backendRefs[0].name).toBe(want.spec.rules[0].backendRefs[0].name);
      expect(got.spec.rules[0].matches).toEqual([{ headers: [{ ...want.spec.rules[0].matches[0].headers[0], type: 'Exact' }] }]);
      expect(got.metadata.annotations).toMatchObject(want.metadata.annotations!);
      expect(got.metadata.labels).toMatchObject(want.metadata.labels!);
      expect(got.metadata.labels['applyset.kubernetes.io/part-of']).toMatch(/^applyset-.+-v1$/);
    }
    const backends = await list(cluster, '/apis/aigateway.envoyproxy.io/v1beta1/namespaces/scale/aiservicebackends', 'aigw-scale/fixture=scale');
    expect(backends.map((b) => b.metadata.name).sort()).toEqual(expected.filter((o) => o.kind === 'AIServiceBackend').map((o) => o.metadata.name));

    const second = cli('apply', '--routes', '2000', '--backends', '10', '--namespace', 'scale');
    expect(second.status).toBe(0);
    expect(second.stderr).toContain('no changes: 2,023 objects unchanged');
  });

  test('the ApplySet parent records the inventory kubectl understands', async () => {
    const parent = await cluster.requestRetrying('GET', '/api/v1/namespaces/scale/configmaps/aigw-scale-applyset-scale');
    expect(parent.status).toBe(200);
    expect(parent.body.metadata.labels['applyset.kubernetes.io/id']).toMatch(/^applyset-.+-v1$/);
    expect(parent.body.metadata.annotations['applyset.kubernetes.io/contains-group-kinds'].split(',')).toEqual([
      'AIGatewayRoute.aigateway.envoyproxy.io',
      'AIServiceBackend.aigateway.envoyproxy.io',
      'Backend.gateway.envoyproxy.io',
      'Gateway.gateway.networking.k8s.io',
      'GatewayClass.gateway.networking.k8s.io',
      'Namespace',
    ]);
  });

  test('shrinking the fixture prunes exactly the routes no longer wanted', async () => {
    const result = cli('apply', '--routes', '1990', '--backends', '10', '--namespace', 'scale', '--json');
    expect(result.status).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ created: 0, configured: 0, unchanged: 2013, pruned: 10 });
    const names = (await list(cluster, ROUTES_PATH('scale'), 'aigw-scale/fixture=scale')).map((r) => r.metadata.name).sort();
    expect(names).toHaveLength(1990);
    expect(names[names.length - 1]).toBe('route-001990');
  });

  test('an interrupted apply completes on the next run', async () => {
    const child = cliAsync('apply', '--routes', '1500', '--namespace', 'interrupted', '--concurrency', '2');
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    // Interrupt once some routes exist, as a user pressing Ctrl-C would.
    while (child.exitCode === null && (await list(cluster, ROUTES_PATH('interrupted'), 'aigw-scale/fixture=interrupted').catch(() => [])).length < 50) {
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    child.kill('SIGINT');
    const code = await new Promise<number | null>((resolve) => (child.exitCode !== null ? resolve(child.exitCode) : child.on('exit', resolve)));
    expect(stderr).toContain('interrupted after');
    expect(code).toBe(130);
    const applied = (await list(cluster, ROUTES_PATH('interrupted'), 'aigw-scale/fixture=interrupted')).length;
    expect(applied).toBeGreaterThan(0);
    expect(applied).toBeLessThan(1500);

    const rerun = cli('apply', '--routes', '1500', '--namespace', 'interrupted', '--json');
    expect(rerun.status).toBe(0);
    const result = JSON.parse(rerun.stdout);
    expect(result.created).toBe(1500 - applied);
    expect(result.unchanged).toBe(1505 - (1500 - applied));
    expect(await list(cluster, ROUTES_PATH('interrupted'), 'aigw-scale/fixture=interrupted')).toHaveLength(1500);
  });

  test('objects that break CEL rules are rejected with the apiserver message, per object', () => {
    const dir = path.join(tmp, 'bad');
    fs.mkdirSync(dir);
    const objects = synthFixture({ routes: 2, namespace: 'bad-cel' });
    const route = objects.find((o) => o.metadata.name === 'route-000002')!;
    route.spec.parentRefs = [{ name: 'aigw-scale', kind: 'Service', group: '' }]; // CEL: parentRefs must be Gateways
    const aiBackend = objects.find((o) => o.kind === 'AIServiceBackend')!;
    const badBackend = { ...aiBackend, metadata: { ...aiBackend.metadata, name: 'points-at-service' }, spec: { ...aiBackend.spec, backendRef: { name: 'x', kind: 'Service', group: '', port: 80 } } };
    fs.writeFileSync(path.join(dir, '00-all.yaml'), [...objects, badBackend].map((o) => YAML.stringify(o)).join('---\n'));
    const result = cli('apply', dir);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('AIServiceBackend bad-cel/points-at-service: HTTP 422');
    expect(result.stderr).toMatch(/AIGatewayRoute bad-cel\/route-000002: HTTP 422: .*Gateway/);
    expect(result.stderr).not.toMatch(/\n\s+at .*\.ts:\d+/);
  });

  test('delete removes exactly one fixture and waits until it is gone', async () => {
    const other = cli('apply', '--routes', '5', '--namespace', 'keep-me');
    expect(other.status).toBe(0);
    const result = cli('delete', '--fixture', 'scale', '--json');
    expect(result.status).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ fixtures: ['scale'], remaining: [] });
    expect(JSON.parse(result.stdout).deleted).toBe(2013 + 1);
    expect(await list(cluster, ROUTES_PATH('scale'), '')).toHaveLength(0);
    expect((await cluster.requestRetrying('GET', '/api/v1/namespaces/scale')).status).toBe(404);
    expect((await cluster.requestRetrying('GET', '/apis/gateway.networking.k8s.io/v1/gatewayclasses/aigw-scale-scale')).status).toBe(404);
    expect(await list(cluster, ROUTES_PATH('keep-me'), 'aigw-scale/fixture=keep-me')).toHaveLength(5);
  });

  test('delete --all removes every fixture; nothing labelled ours is left', async () => {
    const result = cli('delete', '--all', '--json');
    expect(result.status).toBe(0);
    expect(JSON.parse(result.stdout).remaining).toEqual([]);
    expect(await list(cluster, '/apis/aigateway.envoyproxy.io/v1beta1/aigatewayroutes', 'app.kubernetes.io/part-of=aigw-scale')).toHaveLength(0);
    expect(await list(cluster, '/apis/gateway.networking.k8s.io/v1/gatewayclasses', 'app.kubernetes.io/part-of=aigw-scale')).toHaveLength(0);
  });

  test('a remote cluster needs --context or --yes; nothing is sent without it', () => {
    const remote = path.join(tmp, 'remote-kubeconfig');
    fs.writeFileSync(
      remote,
      YAML.stringify({
        apiVersion: 'v1', kind: 'Config', 'current-context': 'prod',
        clusters: [{ name: 'prod', cluster: { server: 'https://10.255.255.1:6443' } }],
        users: [{ name: 'prod', user: { token: 'x' } }],
        contexts: [{ name: 'prod', context: { cluster: 'prod', user: 'prod' } }],
      }),
    );
    const { spawnSync } = require('node:child_process') as typeof import('node:child_process');
    const result = spawnSync(process.execPath, [require.resolve('../../bin/aigw-scale.cjs'), 'apply', '--routes', '1', '--kubeconfig', remote], { encoding: 'utf8', timeout: 20_000 });
    expect(result.status).toBe(2);
    expect(result.stderr).toContain('applying to context "prod" at https://10.255.255.1:6443');
    expect(result.stderr).toContain('is not on this machine; name the context with --context prod or pass --yes');
  });
});
