import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { DEFAULTS, InfraConfigError, parseInfraConfig } from '../../infra/config';

const parse = (raw: Record<string, string>, stack = 'dev', env: NodeJS.ProcessEnv = {}) => parseInfraConfig(raw, { stack, env });
const problemsOf = (raw: Record<string, string>, stack = 'dev', env: NodeJS.ProcessEnv = {}): string => {
  try {
    parse(raw, stack, env);
  } catch (error) {
    expect(error).toBeInstanceOf(InfraConfigError);
    return (error as Error).message;
  }
  throw new Error('expected InfraConfigError');
};

const tempDirs: string[] = [];
function tempDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'aigw-scale-infra-'));
  tempDirs.push(dir);
  return dir;
}
afterAll(() => {
  for (const dir of tempDirs) fs.rmSync(dir, { recursive: true, force: true });
});

/** A directory shaped like ../shared/charts: <chart>-<version>/Chart.yaml. */
function chartDir(versions: Record<string, string> = { 'gateway-helm': 'v1.8.1', 'ai-gateway-crds-helm': 'v1.1.0', 'ai-gateway-helm': 'v1.1.0' }): string {
  const dir = tempDir();
  for (const [chart, version] of Object.entries(versions)) {
    fs.mkdirSync(path.join(dir, `${chart}-${version}`));
    fs.writeFileSync(path.join(dir, `${chart}-${version}`, 'Chart.yaml'), `apiVersion: v2\nname: ${chart}\nversion: ${version}\n`);
  }
  return dir;
}

function kubeconfigFile(contexts: string[], current = contexts[0]): string {
  const file = path.join(tempDir(), 'kubeconfig');
  const doc = {
    apiVersion: 'v1',
    kind: 'Config',
    'current-context': current,
    clusters: [{ name: 'c', cluster: { server: 'https://127.0.0.1:6443', 'insecure-skip-tls-verify': true } }],
    users: [{ name: 'u', user: { token: 'abc' } }],
    contexts: contexts.map((name) => ({ name, context: { cluster: 'c', user: 'u' } })),
  };
  fs.writeFileSync(file, JSON.stringify(doc));
  return file;
}

describe('parseInfraConfig', () => {
  test('defaults: kind, bundle, mock provider, 25Mi, the pinned versions and OCI charts; fixture id and namespace = stack', () => {
    const config = parse({}, 'scale-2000');
    expect(config.fixture).toMatchObject({ routes: DEFAULTS.routes, backends: 1, headerMutations: 0, namespace: 'scale-2000', fixtureId: 'scale-2000' });
    expect(config.grpc).toEqual({ quantity: '25Mi', bytes: 26214400 });
    expect(config.versions).toEqual({ envoyGateway: 'v1.8.1', aiGateway: 'v1.1.0' });
    expect(config.charts).toEqual({
      envoyGateway: { source: 'oci', chart: 'oci://docker.io/envoyproxy/gateway-helm', version: 'v1.8.1' },
      aiGatewayCrds: { source: 'oci', chart: 'oci://docker.io/envoyproxy/ai-gateway-crds-helm', version: 'v1.1.0' },
      aiGateway: { source: 'oci', chart: 'oci://docker.io/envoyproxy/ai-gateway-helm', version: 'v1.1.0' },
    });
    expect(config).toMatchObject({ clusterType: 'kind', fixtureMode: 'bundle', fixture: { mockProvider: true }, helmTimeoutSeconds: 600 });
    expect(config.kind).toEqual({ name: 'aigw-scale-scale-2000', nodeImage: expect.stringMatching(/^kindest\/node:v1\.36\.\d+@sha256:[0-9a-f]{64}$/), gatewayPort: DEFAULTS.kindGatewayPort });
  });

  test('values arrive as text and are typed', () => {
    const config = parse({ routes: '2000', backends: '10', headerMutations: '4', grpcMaxMessageSize: '64Mi', fixtureMode: 'resources', mockProvider: 'false', namespace: 'bench', kindGatewayPort: '0' });
    expect(config.fixture).toMatchObject({ routes: 2000, backends: 10, headerMutations: 4, namespace: 'bench', fixtureId: 'dev' });
    expect(config.grpc).toEqual({ quantity: '64Mi', bytes: 64 * 2 ** 20 });
    expect(config).toMatchObject({ fixtureMode: 'resources', fixture: { mockProvider: false } });
    expect(config.kind?.gatewayPort).toBe(0);
  });

  test.each([
    [{ routes: '0' }, 'aigw-scale:routes: got "0"; allowed: an integer from 1 to 100,000'],
    [{ routes: 'many' }, 'aigw-scale:routes: got "many"; allowed: an integer from 1 to 100,000'],
    [{ routes: '10', backends: '11' }, 'aigw-scale:backends: got "11"; allowed: an integer from 1 to 10'],
    [{ headerMutations: '17' }, 'aigw-scale:headerMutations: got "17"; allowed: an integer from 0 to 16'],
    [{ namespace: 'Bad_NS' }, 'aigw-scale:namespace: got "Bad_NS"; allowed: a DNS-1123 label'],
    [{ grpcMaxMessageSize: '1Mi' }, 'aigw-scale:grpcMaxMessageSize: got "1Mi"; allowed: an integer number of bytes as a Kubernetes quantity'],
    [{ grpcMaxMessageSize: 'lots' }, 'aigw-scale:grpcMaxMessageSize: got "lots"; allowed:'],
    [{ clusterType: 'minikube' }, 'aigw-scale:clusterType: got "minikube"; allowed: kind | kubeconfig | eks'],
    [{ fixtureMode: 'yaml' }, 'aigw-scale:fixtureMode: got "yaml"; allowed: bundle | resources'],
    [{ mockProvider: 'yes' }, 'aigw-scale:mockProvider: got "yes"; allowed: true or false'],
    [{ envoyGatewayVersion: '1.8.1' }, 'aigw-scale:envoyGatewayVersion: got "1.8.1"; allowed: a chart version such as v1.8.1'],
    [{ envoyGatewayChart: 'docker.io/envoyproxy/gateway-helm' }, 'aigw-scale:envoyGatewayChart: got "docker.io/envoyproxy/gateway-helm"; allowed: an OCI chart reference'],
    [{ helmTimeoutSeconds: '5' }, 'aigw-scale:helmTimeoutSeconds: got "5"; allowed: an integer from 30 to 3,600'],
    [{ routs: '2000' }, 'aigw-scale:routs: got "2000"; allowed: a known key: routes, backends'],
    [{ kubeconfig: '/tmp/x' }, 'aigw-scale:kubeconfig: got "/tmp/x"; allowed: only with clusterType kubeconfig (clusterType is kind)'],
    [{ clusterType: 'eks', kindGatewayPort: '80' }, 'aigw-scale:kindGatewayPort: got "80"; allowed: only with clusterType kind (clusterType is eks)'],
    [{ clusterType: 'eks', eksNodes: '0' }, 'aigw-scale:eksNodes: got "0"; allowed: an integer from 1 to 100'],
    [{ kindNodeImage: 'kindest/node:v1.36.4 ' + 'x' }, 'aigw-scale:kindNodeImage: got'],
    [{ providerHost: 'mock.example.svc.cluster.local', mockProvider: 'true' }, 'aigw-scale:mockProvider: got "true"; allowed: false (or unset) when providerHost is set'],
    [{ providerHost: 'localhost' }, 'aigw-scale:providerHost: got "localhost"; allowed: a DNS name'],
  ])('rejects %j naming the key, the value and what is allowed', (raw, message) => {
    expect(problemsOf(raw as Record<string, string>)).toContain(message);
  });

  test('every problem is listed at once, and the message says nothing was created', () => {
    const message = problemsOf({ routes: '0', clusterType: 'minikube', grpcMaxMessageSize: '1Gb' });
    expect(message).toMatch(/^invalid stack configuration, nothing was created:/);
    expect(message).toContain('aigw-scale:routes');
    expect(message).toContain('aigw-scale:clusterType');
    expect(message).toContain('aigw-scale:grpcMaxMessageSize');
  });

  test('the stack name is the fixture id: it must be a DNS label, and short enough for kind', () => {
    expect(problemsOf({}, 'Scale_2000')).toContain('stack name (the fixture id): got "Scale_2000"; allowed: a DNS-1123 label');
    expect(problemsOf({}, `s${'x'.repeat(40)}`)).toContain('stack name: got');
    expect(() => parse({ clusterType: 'eks' }, `s${'x'.repeat(40)}`)).not.toThrow();
  });

  test('profiles: off by default; "true" asks the Controllers for pprof where bench reaches it; anything else is a problem', () => {
    expect(parse({}).profiles).toBe(false);
    expect(parse({ profiles: 'true' }).profiles).toBe(true);
    expect(() => parse({ profiles: 'yes' })).toThrow(/profiles/);
  });

  test('providerHost replaces the mock provider', () => {
    const config = parse({ providerHost: 'mock.example.svc.cluster.local' });
    expect(config.fixture.mockProvider).toBe(false);
    expect(config.fixture.providerHost).toBe('mock.example.svc.cluster.local');
  });

  describe('chartSource', () => {
    test('a local directory of charts named <chart>-<version>', () => {
      const dir = chartDir();
      const config = parse({ chartSource: dir });
      expect(config.charts.envoyGateway).toEqual({ source: 'local', chart: path.join(dir, 'gateway-helm-v1.8.1'), version: 'v1.8.1' });
      expect(config.charts.aiGatewayCrds.chart).toBe(path.join(dir, 'ai-gateway-crds-helm-v1.1.0'));
      expect(config.charts.aiGateway.chart).toBe(path.join(dir, 'ai-gateway-helm-v1.1.0'));
    });

    test('relative paths are resolved against the project root', () => {
      const dir = chartDir();
      const config = parseInfraConfig({ chartSource: path.basename(dir) }, { stack: 'dev', projectRoot: path.dirname(dir), env: {} });
      expect(config.charts.envoyGateway.chart).toBe(path.join(dir, 'gateway-helm-v1.8.1'));
    });

    test('a missing chart or one of another version is named', () => {
      const dir = chartDir({ 'gateway-helm': 'v1.9.0', 'ai-gateway-crds-helm': 'v1.1.0', 'ai-gateway-helm': 'v1.1.0' });
      expect(problemsOf({ chartSource: dir })).toContain(`aigw-scale:chartSource: got "${dir}"; allowed: "oci", or a directory holding gateway-helm-v1.8.1/Chart.yaml`);
      expect(() => parse({ chartSource: dir, envoyGatewayVersion: 'v1.9.0' })).not.toThrow();
      fs.writeFileSync(path.join(dir, 'ai-gateway-helm-v1.1.0', 'Chart.yaml'), 'name: ai-gateway-helm\nversion: v1.0.9\n');
      expect(problemsOf({ chartSource: dir, envoyGatewayVersion: 'v1.9.0' })).toContain('says v1.0.9');
    });
  });

  describe('clusterType kubeconfig', () => {
    test('a file and context (e.g. the local control plane from `npx aigw-scale local up`)', () => {
      const file = kubeconfigFile(['local', 'other']);
      const config = parse({ clusterType: 'kubeconfig', kubeconfig: file, kubeContext: 'other' });
      expect(config.kubeconfig).toEqual({ path: file, context: 'other', effectiveContext: 'other', server: 'https://127.0.0.1:6443' });
      expect(config.kind).toBeUndefined();
    });

    test('KUBECONFIG is the default file, and its current context the default context', () => {
      const file = kubeconfigFile(['a']);
      expect(parse({ clusterType: 'kubeconfig' }, 'dev', { KUBECONFIG: file }).kubeconfig).toMatchObject({ path: file, context: undefined, effectiveContext: 'a' });
    });

    test('a missing file or an unknown context is a problem', () => {
      expect(problemsOf({ clusterType: 'kubeconfig', kubeconfig: '/nonexistent/kubeconfig' })).toContain('aigw-scale:kubeconfig: got "/nonexistent/kubeconfig"; allowed: an existing kubeconfig file');
      const file = kubeconfigFile(['a', 'b']);
      expect(problemsOf({ clusterType: 'kubeconfig', kubeconfig: file, kubeContext: 'c' })).toContain('aigw-scale:kubeContext: got "c"; allowed: a context defined in the kubeconfig');
    });
  });
});
