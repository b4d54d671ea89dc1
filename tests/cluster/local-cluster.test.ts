import { Cluster } from '../../src/kube/cluster';
import { connect } from './support';

describe('the local control plane', () => {
  let cluster: Cluster;
  beforeAll(async () => (cluster = await connect()));
  afterAll(() => cluster.close());

  test('serves Kubernetes 1.36 with RBAC on', async () => {
    expect((await cluster.version()).gitVersion).toMatch(/^v1\.36\./);
    const rbac = await cluster.requestRetrying('GET', '/apis/rbac.authorization.k8s.io/v1');
    expect(rbac.status).toBe(200);
  });

  test('an unauthenticated client is refused', async () => {
    const https = await import('node:https');
    const status = await new Promise<number>((resolve, reject) =>
      https.get(`${cluster.server}/api/v1/namespaces`, { rejectUnauthorized: false }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      }).on('error', reject),
    );
    expect([401, 403]).toContain(status);
  });

  test('a Deployment becomes Available on kwok nodes', async () => {
    const ns = 'kwok-check';
    await cluster.requestRetrying('POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
    const deployment = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'web', namespace: ns },
      spec: {
        replicas: 2,
        selector: { matchLabels: { app: 'web' } },
        template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'web', image: 'registry.invalid/web:1' }] } },
      },
    };
    expect((await cluster.requestRetrying('POST', `/apis/apps/v1/namespaces/${ns}/deployments`, deployment)).status).toBe(201);
    const deadline = Date.now() + 60_000;
    let available = false;
    while (!available && Date.now() < deadline) {
      const current = await cluster.requestRetrying('GET', `/apis/apps/v1/namespaces/${ns}/deployments/web`);
      available = (current.body.status?.conditions ?? []).some((c: { type: string; status: string }) => c.type === 'Available' && c.status === 'True') && current.body.status.readyReplicas === 2;
      if (!available) await new Promise((resolve) => setTimeout(resolve, 500));
    }
    expect(available).toBe(true);
  });
});
