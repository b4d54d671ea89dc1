import { Chart, Testing } from 'cdk8s';
import { AIBackendPool, AIBackendPoolProps } from '../../constructs/ai-backend-pool';

const synth = (props: Partial<AIBackendPoolProps> = {}) => {
  const chart = new Chart(Testing.app(), 'test');
  const pool = new AIBackendPool(chart, 'Backends', { fixtureId: 'fx', namespace: 'bench', backends: 2, ...props });
  return { pool, objects: Testing.synth(chart) };
};

describe('AIBackendPool', () => {
  test('M × (Backend + AIServiceBackend) (snapshot, M=2)', () => {
    expect(synth().objects).toMatchSnapshot();
  });

  test('each Backend points at its own mock Service; each AIServiceBackend at its Backend', () => {
    const { pool, objects } = synth({ backends: 3, providerPort: 9000 });
    expect(pool.backendNames).toEqual(['backend-001', 'backend-002', 'backend-003']);
    const backends = objects.filter((o) => o.kind === 'Backend');
    expect(backends.map((b) => b.spec.endpoints)).toEqual(
      pool.backendNames.map((name) => [{ fqdn: { hostname: `${name}.bench.svc.cluster.local`, port: 9000 } }]),
    );
    const services = objects.filter((o) => o.kind === 'AIServiceBackend');
    expect(services.map((s) => [s.metadata.name, s.spec.schema.name, s.spec.backendRef])).toEqual(
      pool.backendNames.map((name) => [name, 'OpenAI', { name, kind: 'Backend', group: 'gateway.envoyproxy.io' }]),
    );
  });

  test('providerHost points every Backend at one host', () => {
    const { objects } = synth({ providerHost: 'mock.example.com' });
    expect(new Set(objects.filter((o) => o.kind === 'Backend').map((b) => b.spec.endpoints[0].fqdn.hostname))).toEqual(new Set(['mock.example.com']));
  });

  test('headerMutation sets K headers on every AIServiceBackend', () => {
    const { objects } = synth({ headerMutations: 4 });
    for (const service of objects.filter((o) => o.kind === 'AIServiceBackend')) {
      expect(service.spec.headerMutation.set.map((h: { name: string }) => h.name)).toEqual([1, 2, 3, 4].map((k) => `x-aigw-scale-header-${k}`));
    }
    expect(synth().objects.find((o) => o.kind === 'AIServiceBackend').spec.headerMutation).toBeUndefined();
  });

  test('apiKeyAuth adds one Secret and an APIKey BackendSecurityPolicy per backend', () => {
    const { objects } = synth({ apiKeyAuth: true });
    const secret = objects.filter((o) => o.kind === 'Secret');
    expect(secret).toHaveLength(1);
    const policies = objects.filter((o) => o.kind === 'BackendSecurityPolicy');
    expect(policies.map((p) => p.spec)).toEqual(
      ['backend-001', 'backend-002'].map((name) => ({
        type: 'APIKey',
        apiKey: { secretRef: { name: secret[0].metadata.name } },
        targetRefs: [{ group: 'aigateway.envoyproxy.io', kind: 'AIServiceBackend', name }],
      })),
    );
  });
});
