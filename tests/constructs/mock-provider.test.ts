import { RESTRICTED_CONTAINER_SECURITY_CONTEXT } from '../support/restricted-container';
import { Chart, Size, Testing } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import { ofKind, onlyOfKind } from '../support/fixture';
import { randomBytes } from 'node:crypto';
import { gunzipSync } from 'node:zlib';
import { aiBackendNames, aiBackendPoolManifests } from '../../constructs/ai-backend-pool';
import { fixtureLabels } from '../../constructs/conventions';
import {
  CODE_CHECKSUM_ANNOTATION,
  DEFAULT_GZIP_THRESHOLD_BYTES,
  MockProvider,
  MockProviderProps,
  mockProviderManifests,
} from '../../constructs/mock-provider';
import { bundleMockProvider } from '../../src/mock-provider/bundle';

const CODE = '#!/usr/bin/env node\nconsole.log("a stand-in bundle");\n';
const BASE: MockProviderProps = { fixtureId: 'fx', namespace: 'bench', backends: aiBackendNames(3), code: CODE };

const synth = (props: Partial<MockProviderProps> = {}): any[] => {
  const chart = new Chart(Testing.app(), 'test');
  new MockProvider(chart, 'Mock', { ...BASE, ...props });
  return Testing.synth(chart);
};
const deploymentOf = (objects: any[]): any => onlyOfKind(objects, 'Deployment');

describe('MockProvider', () => {
  test('objects in apply order: code ConfigMap, one Deployment, one Service per backend', () => {
    const objects = synth();
    expect(objects.map((o) => `${o.kind}/${o.metadata.name}`)).toEqual([
      'ConfigMap/mock-provider-code',
      'Deployment/mock-provider',
      'Service/backend-001',
      'Service/backend-002',
      'Service/backend-003',
    ]);
    for (const o of objects) {
      expect(o.metadata.namespace).toBe('bench');
      expect(o.metadata.labels).toMatchObject(fixtureLabels('fx'));
    }
  });

  test('the ConfigMap holds the code verbatim under mock-provider.js', () => {
    const [configMap] = synth();
    expect(configMap.apiVersion).toBe('v1');
    expect(configMap.data).toEqual({ 'mock-provider.js': CODE });
    expect(configMap.binaryData).toBeUndefined();
  });

  test('the Deployment runs the bundle with node:20-alpine, non-root, read-only, no capabilities', () => {
    const deployment = deploymentOf(synth());
    expect(deployment.apiVersion).toBe('apps/v1');
    expect(deployment.spec.replicas).toBe(1);
    const pod = deployment.spec.template.spec;
    expect(pod.automountServiceAccountToken).toBe(false);
    expect(pod.enableServiceLinks).toBe(false);
    expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 1000 });
    expect(pod.containers).toHaveLength(1);
    const [container] = pod.containers;
    expect(container.image).toBe('node:20-alpine');
    expect([...container.command, ...container.args].join(' ')).toBe('node /app/mock-provider.js --host 0.0.0.0 --port 8080');
    expect(container.securityContext).toEqual(RESTRICTED_CONTAINER_SECURITY_CONTEXT);
    expect(container.volumeMounts).toEqual(expect.arrayContaining([{ name: 'code', mountPath: '/app', readOnly: true }]));
    expect(pod.volumes).toEqual(expect.arrayContaining([{ name: 'code', configMap: { name: 'mock-provider-code', defaultMode: 0o444 } }]));
  });

  test('a preStop sleep keeps the pod serving while its endpoints are removed; it fits the grace period', () => {
    const pod = deploymentOf(synth()).spec.template.spec;
    expect(pod.terminationGracePeriodSeconds).toBe(30);
    expect(pod.containers[0].lifecycle).toEqual({ preStop: { exec: { command: ['sleep', '3'] } } });
    expect(deploymentOf(synth({ preStopSleepSeconds: 0 })).spec.template.spec.containers[0].lifecycle).toBeUndefined();
    expect(() => synth({ preStopSleepSeconds: 30 })).toThrow(/preStopSleepSeconds/);
  });

  test('resources are explicit, defaults and overrides', () => {
    expect(deploymentOf(synth()).spec.template.spec.containers[0].resources).toEqual({
      requests: { cpu: '100m', memory: '64Mi' },
      limits: { cpu: '1', memory: '256Mi' },
    });
    const resources = { cpu: { request: kplus.Cpu.units(1), limit: kplus.Cpu.units(2) }, memory: { request: Size.mebibytes(128), limit: Size.mebibytes(512) } };
    expect(deploymentOf(synth({ resources })).spec.template.spec.containers[0].resources).toEqual({ requests: { cpu: '1', memory: '128Mi' }, limits: { cpu: '2', memory: '512Mi' } });
  });

  test('readiness (and liveness) probe GET /healthz on the named http port', () => {
    const [container] = deploymentOf(synth({ port: 9090 })).spec.template.spec.containers;
    expect(container.ports).toEqual([{ name: 'http', containerPort: 9090, protocol: 'TCP' }]);
    expect(container.readinessProbe).toMatchObject({ httpGet: { path: '/healthz', port: 'http' } });
    expect(container.livenessProbe).toMatchObject({ httpGet: { path: '/healthz', port: 'http' } });
    expect(container.args).toEqual(expect.arrayContaining(['--port', '9090']));
  });

  test('every Service selects the one Deployment\'s pods on the same port', () => {
    const objects = synth({ backends: aiBackendNames(5), replicas: 2 });
    const deployment = deploymentOf(objects);
    expect(deployment.spec.replicas).toBe(2);
    const podLabels = deployment.spec.template.metadata.labels;
    const selector = deployment.spec.selector.matchLabels;
    for (const [key, value] of Object.entries(selector)) expect(podLabels[key]).toBe(value);
    const services = ofKind(objects, 'Service');
    expect(services.map((s) => s.metadata.name)).toEqual(aiBackendNames(5));
    for (const service of services) {
      expect(service.spec.selector).toEqual(selector);
      expect(service.spec.ports).toEqual([{ name: 'http', port: 8080, targetPort: 'http', protocol: 'TCP' }]);
    }
  });

  test('the Backends of the backend pool resolve to these Services (name, namespace, port)', () => {
    const services = ofKind(synth({ backends: aiBackendNames(4) }), 'Service');
    const backends = aiBackendPoolManifests({ fixtureId: 'fx', namespace: 'bench', backends: 4 }).filter((m) => m.kind === 'Backend') as any[];
    expect(backends).toHaveLength(4);
    backends.forEach((backend, i) => {
      const [{ fqdn }] = backend.spec.endpoints;
      expect(fqdn.hostname).toBe(`${services[i].metadata.name}.${services[i].metadata.namespace}.svc.cluster.local`);
      expect(fqdn.port).toBe(services[i].spec.ports[0].port);
      // the mock names itself after the first DNS label of that host
      expect(fqdn.hostname.split('.')[0]).toBe(backend.metadata.name);
    });
  });

  test('cassettes go into a second ConfigMap mounted at /cassettes and passed with --cassettes', () => {
    const cassettes = { 'greeting.json': '{"name":"greeting"}', 'other.json': '{}' };
    const objects = synth({ cassettes, args: ['--seed', '7'], env: { MOCK_DELAY_MS: '5-10' } });
    const configMap = objects.find((o) => o.metadata.name === 'mock-provider-cassettes');
    expect(configMap.data).toEqual(cassettes);
    const [container] = deploymentOf(objects).spec.template.spec.containers;
    expect(container.args.slice(-4)).toEqual(['--cassettes', '/cassettes', '--seed', '7']);
    expect(container.env).toEqual([{ name: 'MOCK_DELAY_MS', value: '5-10' }]);
    expect(container.volumeMounts).toEqual(expect.arrayContaining([{ name: 'cassettes', mountPath: '/cassettes', readOnly: true }]));
  });

  test('a new bundle changes the pod template (checksum annotation), so pods roll', () => {
    const a = deploymentOf(synth()).spec.template.metadata.annotations[CODE_CHECKSUM_ANNOTATION];
    const b = deploymentOf(synth({ code: `${CODE}// changed\n` })).spec.template.metadata.annotations[CODE_CHECKSUM_ANNOTATION];
    expect(a).toMatch(/^[0-9a-f]{64}$/);
    expect(b).not.toBe(a);
  });

  test('code near the ConfigMap limit is gzipped into binaryData and unpacked by an init container', () => {
    const big = `// ${'x'.repeat(80)}\n`.repeat(Math.ceil((DEFAULT_GZIP_THRESHOLD_BYTES + 1) / 84));
    const objects = synth({ code: big });
    const [configMap] = objects;
    expect(configMap.data).toBeUndefined();
    expect(gunzipSync(Buffer.from(configMap.binaryData['mock-provider.js.gz'], 'base64')).toString('utf8')).toBe(big);
    const pod = deploymentOf(objects).spec.template.spec;
    const [init] = pod.initContainers;
    expect(init.image).toBe('node:20-alpine');
    expect(init.command.slice(0, 2)).toEqual(['node', '-e']);
    expect(init.securityContext).toEqual(pod.containers[0].securityContext);
    expect(init.resources).toEqual(pod.containers[0].resources);
    expect(pod.containers[0].args[0]).toBe('/unpacked/mock-provider.js');
    expect(pod.volumes).toEqual(expect.arrayContaining([{ name: 'unpacked', emptyDir: { sizeLimit: '64Mi' } }]));
  });

  test('the init container\'s script really unpacks the bundle', () => {
    const big = 'console.log(1);\n'.repeat(60_000);
    const [configMap, deployment] = mockProviderManifests({ ...BASE, code: big }) as any[];
    const script: string = deployment.spec.template.spec.initContainers[0].command[2];
    const files = new Map<string, Buffer>([['/app/mock-provider.js.gz', Buffer.from(configMap.binaryData['mock-provider.js.gz'], 'base64')]]);
    const fakeFs = { readFileSync: (file: string) => files.get(file)!, writeFileSync: (file: string, data: Buffer) => files.set(file, data) };
    // eslint-disable-next-line no-new-func
    new Function('require', script)((name: string) => (name === 'fs' ? fakeFs : require(name)));
    expect(files.get('/unpacked/mock-provider.js')?.toString('utf8')).toBe(big);
  });

  test('code too large even gzipped, or bad props, throw before anything is added', () => {
    const random = randomBytes(900_000).toString('base64'); // 1.2 MB of text gzip cannot shrink below the limit
    expect(() => synth({ code: random })).toThrow(/over the \d+-byte limit/);
    expect(() => synth({ backends: [] })).toThrow(/at least one backend/);
    expect(() => synth({ backends: ['backend-001', 'backend-001'] })).toThrow(/listed twice/);
    expect(() => synth({ backends: ['Backend_1'] })).toThrow(/DNS-1035/);
    expect(() => synth({ code: '' })).toThrow(/code/);
    expect(() => synth({ cassettes: { '../x.json': '{}' } })).toThrow(/cassette file/);
  });

  test('synthesis is stable: the same objects under any chart or construct id, no construct-path labels', () => {
    const chart = new Chart(Testing.app(), 'elsewhere');
    new MockProvider(chart, 'Other', BASE);
    const objects = Testing.synth(chart);
    expect(objects).toEqual(synth());
    expect(JSON.stringify(objects)).not.toContain('cdk8s.io/metadata.addr');
  });

  test('mockProviderManifests yields exactly what the construct synthesizes', () => {
    expect(synth()).toEqual(JSON.parse(JSON.stringify(mockProviderManifests(BASE))));
  });

  test('the real bundle fits as plain data', async () => {
    const code = await bundleMockProvider();
    const [configMap] = mockProviderManifests({ ...BASE, code }) as any[];
    expect(Buffer.byteLength(code)).toBeLessThan(DEFAULT_GZIP_THRESHOLD_BYTES);
    expect(configMap.data['mock-provider.js']).toBe(code);
  });
});
