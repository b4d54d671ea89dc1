/**
 * The three Helm releases of the Controllers component under Pulumi's mocks: with profiles requested, Envoy
 * Gateway's release turns on its admin pprof where `bench --profiles` reaches it through the apiserver's pod proxy.
 */
import * as path from 'node:path';
import * as k8s from '@pulumi/kubernetes';
import * as pulumi from '@pulumi/pulumi';
import { parseGrpcMessageLimit } from '../../charts/helm-values';
import { ENVOY_GATEWAY_ADMIN_PORT } from '../../src/bench/profiles';
import { resolveChartsDir } from '../../src/upstream/dirs';
import { resolve } from './harness';

beforeAll(() => pulumi.runtime.setMocks({ newResource: (args) => ({ id: `${args.name}-id`, state: args.inputs }), call: () => ({}) }, 'aigw-scale', 'controllers-test', false));

async function envoyGatewayConfig(profiles: boolean | undefined): Promise<any> {
  const { Controllers } = await import('../../infra/controllers');
  const local = (chart: string, version: string) => ({ source: 'local' as const, chart: path.join(resolveChartsDir(), `${chart}-${version}`), version });
  const controllers = new Controllers(`controllers-${profiles}`, {
    charts: { envoyGateway: local('gateway-helm', 'v1.8.1'), aiGatewayCrds: local('ai-gateway-crds-helm', 'v1.1.0'), aiGateway: local('ai-gateway-helm', 'v1.1.0') },
    grpc: parseGrpcMessageLimit('25Mi'),
    timeoutSeconds: 60,
    profiles,
    provider: new k8s.Provider(`k8s-${profiles}`, {}),
    after: [],
  });
  return ((await resolve(controllers.envoyGateway.values)) as any).config.envoyGateway;
}

test('profiles requested: Envoy Gateway serves pprof on every address of its pod, at the port bench proxies to', async () => {
  expect((await envoyGatewayConfig(true)).admin).toEqual({ address: { host: '0.0.0.0', port: ENVOY_GATEWAY_ADMIN_PORT }, enablePprof: true });
});

test('without profiles the admin server keeps the chart default (loopback, no pprof)', async () => {
  expect((await envoyGatewayConfig(false)).admin).toBeUndefined();
  expect((await envoyGatewayConfig(undefined)).admin).toBeUndefined();
});
