import * as YAML from 'yaml';
import { App } from 'cdk8s';
import { resolveFixtureSpec } from '../../charts/fixture-spec';
import { ScaleFixture, fixtureParts } from '../../charts/scale-fixture';
import { K8sObject, ofKind, synthFixture } from '../support/fixture';

describe('ScaleFixture at 2,000 routes and 10 backends', () => {
  const objects = synthFixture({ routes: 2000, backends: 10, namespace: 'bench', fixtureId: 'run-1' });
  const routes = ofKind(objects, 'AIGatewayRoute');

  test('object counts by kind, in apply order: namespace, gateway infrastructure, backends, routes', () => {
    expect(objects.map((o) => o.kind).filter((kind, i, all) => kind !== all[i - 1])).toEqual([
      'Namespace',
      'GatewayClass',
      'Gateway',
      ...Array.from({ length: 10 }, () => ['Backend', 'AIServiceBackend']).flat(),
      'AIGatewayRoute',
    ]);
    expect(routes).toHaveLength(2000);
    expect(ofKind(objects, 'AIServiceBackend')).toHaveLength(10);
    expect(ofKind(objects, 'Backend')).toHaveLength(10);
    expect(objects).toHaveLength(1 + 2 + 20 + 2000);
  });

  test('route names and model headers are unique and zero-padded', () => {
    const names = routes.map((r) => r.metadata.name);
    const models = routes.map((r) => r.spec.rules[0].matches[0].headers[0].value);
    expect(new Set(names).size).toBe(2000);
    expect(new Set(models).size).toBe(2000);
    expect(names[0]).toBe('route-000001');
    expect(names[1999]).toBe('route-002000');
    expect(models[1999]).toBe('model-002000');
  });

  test('every backendRef resolves to an AIServiceBackend whose backendRef resolves to a Backend', () => {
    const aiBackends = new Map(ofKind(objects, 'AIServiceBackend').map((b) => [b.metadata.name, b]));
    const backends = new Set(ofKind(objects, 'Backend').map((b) => b.metadata.name));
    for (const route of routes) {
      for (const rule of route.spec.rules) {
        for (const ref of rule.backendRefs) {
          const aiBackend = aiBackends.get(ref.name);
          expect(aiBackend).toBeDefined();
          expect(aiBackend!.metadata.namespace).toBe(route.metadata.namespace);
          expect(aiBackend!.spec.backendRef).toMatchObject({ kind: 'Backend', group: 'gateway.envoyproxy.io' });
          expect(backends.has(aiBackend!.spec.backendRef.name)).toBe(true);
        }
      }
    }
  });

  test('routes spread evenly over backends, route i on backend (i-1) mod M', () => {
    const perBackend = new Map<string, number>();
    routes.forEach((route, index) => {
      const backend = route.spec.rules[0].backendRefs[0].name;
      expect(backend).toBe(`backend-${String((index % 10) + 1).padStart(3, '0')}`);
      perBackend.set(backend, (perBackend.get(backend) ?? 0) + 1);
    });
    expect([...perBackend.values()]).toEqual(Array(10).fill(200));
  });

  test('every object carries the fixture labels; every route its model and backend annotations', () => {
    for (const object of objects) {
      expect(object.metadata.labels).toEqual({ 'app.kubernetes.io/part-of': 'aigw-scale', 'aigw-scale/fixture': 'run-1' });
    }
    for (const route of routes) {
      expect(route.metadata.annotations).toEqual({
        'aigw-scale/model': route.spec.rules[0].matches[0].headers[0].value,
        'aigw-scale/backend': route.spec.rules[0].backendRefs[0].name,
      });
    }
  });

  test('routes attach to the fixture Gateway; namespaced objects live in the namespace', () => {
    const gateway = ofKind(objects, 'Gateway')[0];
    for (const route of routes) expect(route.spec.parentRefs).toEqual([{ name: gateway.metadata.name, kind: 'Gateway', group: 'gateway.networking.k8s.io' }]);
    const clusterScoped = new Set(['Namespace', 'GatewayClass']);
    for (const object of objects) expect(object.metadata.namespace).toBe(clusterScoped.has(object.kind) ? undefined : 'bench');
  });

  test('the streaming parts yield exactly the objects cdk8s synthesizes, in the same order', () => {
    const streamed = fixtureParts(resolveFixtureSpec({ routes: 2000, backends: 10, namespace: 'bench', fixtureId: 'run-1' })).flatMap((part) => [...part.manifests]);
    expect(JSON.parse(JSON.stringify(streamed))).toEqual(objects);
  });
});

describe('ScaleFixture options', () => {
  test('the namespace object is left out for "default" or when disabled', () => {
    expect(ofKind(synthFixture({ routes: 1, namespace: 'default' }), 'Namespace')).toHaveLength(0);
    expect(ofKind(synthFixture({ routes: 1, createNamespace: false }), 'Namespace')).toHaveLength(0);
  });

  test('the fixture id defaults to the namespace', () => {
    const [namespace] = synthFixture({ routes: 1, namespace: 'team-a' });
    expect(namespace.metadata.labels!['aigw-scale/fixture']).toBe('team-a');
  });

  test('every option reaches the objects', () => {
    const objects = synthFixture({ routes: 4, backends: 2, headerMutations: 2, connectionBufferLimit: '64Mi', apiKeyAuth: true, routeApiVersion: 'v1alpha1', gatewayName: 'edge' });
    expect(ofKind(objects, 'ClientTrafficPolicy')).toHaveLength(1);
    expect(ofKind(objects, 'BackendSecurityPolicy')).toHaveLength(2);
    expect(ofKind(objects, 'AIServiceBackend')[0].spec.headerMutation.set).toHaveLength(2);
    expect(new Set(ofKind(objects, 'AIGatewayRoute').map((r) => r.apiVersion))).toEqual(new Set(['aigateway.envoyproxy.io/v1alpha1']));
    expect(ofKind(objects, 'AIGatewayRoute')[0].spec.parentRefs[0].name).toBe('edge');
  });

  test('invalid props throw before anything is added to the app', () => {
    const app = new App({ outdir: '/nonexistent' });
    expect(() => new ScaleFixture(app, 'fixture', { routes: 0 })).toThrow(/routes: got 0/);
    expect(app.node.children).toHaveLength(0);
  });

  test('`cdk8s synth` (charts/main.ts) reads the same knobs from AIGW_SCALE_* and writes the same fixture', () => {
    const { execFileSync } = require('node:child_process') as typeof import('node:child_process');
    const fs = require('node:fs') as typeof import('node:fs');
    const os = require('node:os') as typeof import('node:os');
    const path = require('node:path') as typeof import('node:path');
    const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'aigw-scale-cdk8s-'));
    try {
      execFileSync(process.execPath, ['-r', 'tsx/cjs', 'charts/main.ts'], {
        env: { ...process.env, CDK8S_OUTDIR: outdir, AIGW_SCALE_ROUTES: '25', AIGW_SCALE_BACKENDS: '4', AIGW_SCALE_NAMESPACE: 'via-env', AIGW_SCALE_HEADER_MUTATIONS: '1' },
      });
      const written = YAML.parseAllDocuments(fs.readFileSync(path.join(outdir, 'aigw-scale.k8s.yaml'), 'utf8')).map((d) => d.toJSON() as K8sObject);
      expect(written).toEqual(synthFixture({ routes: 25, backends: 4, namespace: 'via-env', headerMutations: 1 }));
    } finally {
      fs.rmSync(outdir, { recursive: true, force: true });
    }
  });
});

describe('ScaleFixture with the mock provider', () => {
  const objects = synthFixture({ routes: 6, backends: 3, namespace: 'mocked', mockProviderCode: 'console.log("mock")' });

  test('one Deployment and one Service per backend, between the gateway and the backends', () => {
    const kinds = objects.map((o) => o.kind);
    expect(kinds.indexOf('Deployment')).toBeGreaterThan(kinds.indexOf('Gateway'));
    expect(kinds.indexOf('Deployment')).toBeLessThan(kinds.indexOf('Backend'));
    expect(ofKind(objects, 'Deployment')).toHaveLength(1);
    expect(ofKind(objects, 'Service').map((s) => s.metadata.name)).toEqual(['backend-001', 'backend-002', 'backend-003']);
  });

  test('each Backend resolves to the Service of its own name on the provider port', () => {
    const services = new Map(ofKind(objects, 'Service').map((s) => [s.metadata.name, s]));
    for (const backend of ofKind(objects, 'Backend')) {
      const { hostname, port } = backend.spec.endpoints[0].fqdn;
      const [serviceName, namespace] = hostname.split('.');
      expect(namespace).toBe('mocked');
      expect(services.get(serviceName)!.spec.ports.map((p: { port: number }) => p.port)).toContain(port);
    }
  });

  test('the streaming parts carry the same objects', () => {
    const spec = resolveFixtureSpec({ routes: 6, backends: 3, namespace: 'mocked' });
    const streamed = fixtureParts(spec, { mockProviderCode: 'console.log("mock")' }).flatMap((p) => [...p.manifests]);
    expect(JSON.parse(JSON.stringify(streamed))).toEqual(objects);
  });

  test('a providerHost leaves the mock out', () => {
    expect(ofKind(synthFixture({ routes: 1, providerHost: 'llm.example.com', mockProviderCode: 'x' }), 'Deployment')).toHaveLength(0);
  });
});
