/**
 * The resource graph of every checked-in stack file, under Pulumi's mocks: what each stack creates, in which
 * order, with which versions and limits, and that the kubeconfig stays secret.
 */

import * as pulumi from '@pulumi/pulumi';
import { parseGrpcMessageLimit } from '../../charts/helm-values';
import { FAKE_KIND_KUBECONFIG, Registration, StackRun, plainStrings, runStack, stackFileConfig } from './harness';

const STACKS = ['dev', 'scale-100', 'scale-2000', 'scale-5000'] as const;
const RELEASE = 'kubernetes:helm.sh/v3:Release';

const runs = new Map<string, StackRun>();
beforeAll(async () => {
  for (const stack of STACKS) runs.set(stack, await runStack(stack, stackFileConfig(stack)));
}, 120_000);
const runOf = (stack: string): StackRun => runs.get(stack)!;

test('the stack files ask for what the issue names', () => {
  expect(stackFileConfig('dev')['aigw-scale:routes']).toBe('10');
  expect(stackFileConfig('scale-100')['aigw-scale:routes']).toBe('100');
  expect(stackFileConfig('scale-2000')).toMatchObject({ 'aigw-scale:routes': '2000', 'aigw-scale:backends': '10' });
  expect(stackFileConfig('scale-5000')['aigw-scale:routes']).toBe('5000');
  // `ci` runs for real in `npm run test:e2e`: an existing cluster (KUBECONFIG), charts on disk, 200 routes + mock.
  expect(stackFileConfig('ci')).toEqual({
    'aigw-scale:clusterType': 'kubeconfig',
    'aigw-scale:chartSource': '../shared/charts',
    'aigw-scale:routes': '200',
    'aigw-scale:backends': '4',
    'aigw-scale:mockProvider': 'true',
    'aigw-scale:fixtureMode': 'bundle',
    'aigw-scale:helmTimeoutSeconds': '300',
  });
});

describe.each(STACKS)('stack %s', (stack) => {
  const config = () => stackFileConfig(stack);
  const run = () => runOf(stack);
  const release = (name: string): Registration => run().get(name, RELEASE);

  test('outputs: counts, fixture id = stack, hash, gateway address, both gRPC limits', () => {
    const { outputs } = run();
    const grpc = parseGrpcMessageLimit(config()['aigw-scale:grpcMaxMessageSize']);
    expect(outputs).toMatchObject({
      clusterType: 'kind',
      clusterName: `aigw-scale-${stack}`,
      fixtureId: stack,
      namespace: stack,
      routes: Number(config()['aigw-scale:routes']),
      backends: Number(config()['aigw-scale:backends']),
      fixtureMode: config()['aigw-scale:fixtureMode'],
      gatewayAddress: `http://127.0.0.1:${config()['aigw-scale:kindGatewayPort']}`,
      grpcLimits: {
        envoyGateway: { maxMessageSize: grpc.quantity, bytes: grpc.bytes },
        aiGateway: { maxRecvMsgSize: String(grpc.bytes), bytes: grpc.bytes },
      },
      versions: { envoyGateway: 'v1.8.1', aiGateway: 'v1.1.0' },
    });
    expect(outputs.fixtureHash).toMatch(/^[0-9a-f]{64}$/);
    expect(outputs.fixtureKinds.AIGatewayRoute).toBe(outputs.routes);
  });

  test('order: cluster → Envoy Gateway → AI Gateway CRDs → AI Gateway → mock provider → fixture', () => {
    const r = run();
    const cluster = r.get('cluster', 'aigw-scale:infra:Cluster');
    const eg = release('envoy-gateway');
    const crds = release('ai-gateway-crds');
    const aigw = release('ai-gateway');
    expect(r.waitsFor(eg, cluster)).toBe(true);
    expect(r.waitsFor(crds, eg)).toBe(true);
    expect(r.waitsFor(aigw, crds)).toBe(true);
    expect(r.waitsFor(eg, aigw)).toBe(false);

    const fixture = r.get('fixture', 'aigw-scale:infra:Fixture');
    const routes = r.ofType('kubernetes:aigateway.envoyproxy.io/v1beta1:AIGatewayRoute');
    if (config()['aigw-scale:fixtureMode'] === 'resources') {
      const mock = r.get('mock-provider', 'aigw-scale:infra:MockProvider');
      expect(r.descendants(mock).map((d) => d.type).sort()).toEqual(['kubernetes:apps/v1:Deployment', 'kubernetes:core/v1:ConfigMap', ...Array(Number(config()['aigw-scale:backends'])).fill('kubernetes:core/v1:Service')]);
      for (const object of r.descendants(mock)) expect(r.waitsFor(object, aigw)).toBe(true);
      expect(routes).toHaveLength(Number(config()['aigw-scale:routes']));
      for (const route of routes) {
        expect(route.parent).toBe(fixture.urn);
        expect(r.waitsFor(route, mock)).toBe(true);
      }
    } else {
      // The mock provider is part of the one ApplySet, applied before the backends and routes.
      const [bundle] = r.ofType('pulumi-nodejs:dynamic:Resource').filter((c) => c.parent === fixture.urn);
      expect(r.waitsFor(bundle, aigw)).toBe(true);
      expect(bundle.inputs.applyScript).toContain('"mockProvider":true'); // the knob travels in the resolved fixture's JSON (was the flag '--mock-provider')
      expect(routes).toHaveLength(0);
    }
  });

  test('every Kubernetes resource goes through the cluster provider', () => {
    const r = run();
    const provider = r.get('k8s', 'pulumi:providers:kubernetes');
    const kubernetes = r.resources.filter((x) => x.custom && x.type.startsWith('kubernetes:'));
    expect(kubernetes.length).toBeGreaterThan(3);
    for (const resource of kubernetes) expect(resource.provider).toBe(`${provider.urn}::${provider.name}-id`);
    expect(r.waitsFor(provider, r.get('kind', 'command:local:Command'))).toBe(true); // configured from the new cluster's kubeconfig
    expect(provider.parent).toBe(r.get('cluster', 'aigw-scale:infra:Cluster').urn);
  });

  test('releases: pinned charts, namespaces, release names, hooks kept (helm.v3.Release)', () => {
    expect(release('envoy-gateway').inputs).toMatchObject({
      name: 'eg', chart: 'oci://docker.io/envoyproxy/gateway-helm', version: 'v1.8.1', namespace: 'envoy-gateway-system', createNamespace: true, timeout: 600,
    });
    expect(release('ai-gateway-crds').inputs).toMatchObject({
      name: 'aieg-crd', chart: 'oci://docker.io/envoyproxy/ai-gateway-crds-helm', version: 'v1.1.0', namespace: 'envoy-ai-gateway-system', createNamespace: true,
    });
    expect(release('ai-gateway').inputs).toMatchObject({
      name: 'aieg', chart: 'oci://docker.io/envoyproxy/ai-gateway-helm', version: 'v1.1.0', namespace: 'envoy-ai-gateway-system', createNamespace: true,
    });
    expect(run().ofType('kubernetes:helm.sh/v4:Chart')).toHaveLength(0);
  });

  test('one knob: Envoy Gateway maxMessageSize and AI Gateway maxRecvMsgSize are the same limit', () => {
    const grpc = parseGrpcMessageLimit(config()['aigw-scale:grpcMaxMessageSize']);
    const egValues = release('envoy-gateway').inputs.values;
    const aigwValues = release('ai-gateway').inputs.values;
    expect(egValues.config.envoyGateway.extensionManager.maxMessageSize).toBe(grpc.quantity);
    expect(aigwValues.controller.maxRecvMsgSize).toBe(String(grpc.bytes));
    expect(parseGrpcMessageLimit(egValues.config.envoyGateway.extensionManager.maxMessageSize).bytes).toBe(Number(aigwValues.controller.maxRecvMsgSize));
    // What AI Gateway needs from Envoy Gateway comes along.
    expect(egValues.config.envoyGateway.extensionApis).toEqual({ enableEnvoyPatchPolicy: true, enableBackend: true });
    expect(egValues.config.envoyGateway.extensionManager.service.fqdn).toEqual({ hostname: 'ai-gateway-controller.envoy-ai-gateway-system.svc.cluster.local', port: 1063 });
  });

  test('the kubeconfig is a secret everywhere: output, kind command output, provider input, bundle environment', async () => {
    const r = run();
    expect(await pulumi.isSecret(r.rawOutputs.kubeconfig as pulumi.Output<string>)).toBe(true);
    expect(r.outputs.kubeconfig).toBe(FAKE_KIND_KUBECONFIG);
    expect(r.get('kind', 'command:local:Command').additionalSecretOutputs).toContain('stdout');
    expect(r.get('kind', 'command:local:Command').inputs.logging).toBe('stderr'); // stdout (the kubeconfig) is never logged
    for (const resource of r.resources) expect(plainStrings(resource.serialized).filter((s) => s.includes('fake kubeconfig'))).toEqual([]);
    expect(r.get('k8s', 'pulumi:providers:kubernetes').inputs.kubeconfig).toBe(FAKE_KIND_KUBECONFIG); // there, but only as a secret
  });
});

test('the stacks differ only where their files say so', () => {
  const hashes = new Set(STACKS.map((s) => runOf(s).outputs.fixtureHash));
  expect(hashes.size).toBe(STACKS.length);
  expect(runOf('scale-5000').outputs.grpcLimits.aiGateway.maxRecvMsgSize).toBe(String(32 * 2 ** 20));
});
