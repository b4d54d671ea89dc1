/**
 * The Pulumi program: cluster → Envoy Gateway → AI Gateway CRDs → AI Gateway → mock provider → fixture.
 * infra/index.ts only calls `main`; tests import this module after `pulumi.runtime.setMocks`.
 *
 * Configuration is read and validated before the first resource is declared, so a bad value fails the
 * preview with every problem listed and nothing created.
 */

import * as pulumi from '@pulumi/pulumi';
import { parseGrpcMessageLimit } from '../charts/helm-values';
import { ENVOY_GATEWAY_NAMESPACE } from '../src/install/facts';
import { planConfigSize } from '../src/plan/config-size';
import { Cluster } from './cluster';
import { ImportModule, loadEks } from './cluster/eks';
import { InfraConfig, loadInfraConfig } from './config';
import { Controllers } from './controllers';
import { Fixture } from './fixture';
import { renderFixture } from '../src/synth/render-fixture';
import { MockProviderCodeSource, loadMockProviderCode } from './mock-provider-code';

/** Seams for tests: where optional packages and the mock provider bundle come from. */
export interface ProgramDeps {
  readonly importModule?: ImportModule;
  readonly mockProviderCode?: MockProviderCodeSource;
}

/** How to reach the Gateway: kind's port mapping, or the commands that find or forward it. */
export function gatewayAddress(config: InfraConfig, hostPort?: number): string {
  const { namespace, gatewayName } = config.fixture;
  if (hostPort !== undefined) return `http://127.0.0.1:${hostPort}`;
  const selector = `gateway.envoyproxy.io/owning-gateway-namespace=${namespace},gateway.envoyproxy.io/owning-gateway-name=${gatewayName}`;
  return (
    `no fixed address: kubectl -n ${namespace} get gateway ${gatewayName} -o jsonpath='{.status.addresses[0].value}' ` +
    `(a LoadBalancer), or kubectl -n ${ENVOY_GATEWAY_NAMESPACE} port-forward "$(kubectl -n ${ENVOY_GATEWAY_NAMESPACE} get service -l ${selector} -o name)" 8080:80, ` +
    `or let the benchmark forward it: npx aigw-scale bench --port-forward …`
  );
}

export async function main(deps: ProgramDeps = {}): Promise<Record<string, unknown>> {
  const config = loadInfraConfig();
  const eks = config.clusterType === 'eks' ? await loadEks(deps.importModule) : undefined;
  const mockProviderCode = config.fixture.mockProvider ? await (deps.mockProviderCode ?? loadMockProviderCode)() : undefined;
  const rendered = renderFixture(config.fixture, { mockProviderCode }, { keep: config.fixtureMode === 'resources' });

  const plan = planConfigSize({ ...config.fixture, grpcMaxMessageBytes: config.grpc.bytes });
  for (const limit of plan.limits.filter((l) => l.crossed && l.name !== 'legacy-secret')) {
    pulumi.log.warn(`${config.fixture.routes} routes are predicted to cross the ${limit.description} (at ${limit.crossedAtRoutes} routes): ${limit.consequence}. See \`npx aigw-scale plan\`.`);
  }

  const cluster = new Cluster('cluster', { config, eks });
  const controllers = new Controllers('controllers', {
    charts: config.charts,
    grpc: config.grpc,
    timeoutSeconds: config.helmTimeoutSeconds,
    profiles: config.profiles,
    provider: cluster.provider,
    after: [cluster],
  });
  const fixture = new Fixture('fixture', {
    spec: config.fixture,
    mode: config.fixtureMode,
    rendered,
    provider: cluster.provider,
    access: cluster.access,
    after: [controllers.aiGateway],
    gatewayNodePort: cluster.gatewayHostPort !== undefined ? { after: [controllers.envoyGateway] } : undefined,
  });

  // The effective limits, read back from what the releases were given.
  const egQuantity = controllers.envoyGateway.values.apply((v) => String(v?.config?.envoyGateway?.extensionManager?.maxMessageSize));
  const aigwBytes = controllers.aiGateway.values.apply((v) => String(v?.controller?.maxRecvMsgSize));
  return {
    kubeconfig: cluster.kubeconfig,
    clusterType: config.clusterType,
    clusterName: cluster.clusterName,
    gatewayAddress: gatewayAddress(config, cluster.gatewayHostPort),
    fixtureId: config.fixture.fixtureId,
    namespace: config.fixture.namespace,
    fixtureMode: fixture.mode,
    routes: config.fixture.routes,
    backends: config.fixture.backends,
    mockProvider: config.fixture.mockProvider,
    fixtureObjects: rendered.objects,
    fixtureKinds: rendered.kinds,
    fixtureHash: fixture.sha256,
    grpcLimits: {
      envoyGateway: { maxMessageSize: egQuantity, bytes: egQuantity.apply((q) => parseGrpcMessageLimit(q).bytes) },
      aiGateway: { maxRecvMsgSize: aigwBytes, bytes: aigwBytes.apply(Number) },
    },
    predictedExtensionMessageBytes: Math.max(plan.extensionRequestBytes, plan.extensionResponseBytes),
    versions: {
      envoyGateway: config.versions.envoyGateway,
      aiGateway: config.versions.aiGateway,
      charts: {
        envoyGateway: config.charts.envoyGateway.chart,
        aiGatewayCrds: config.charts.aiGatewayCrds.chart,
        aiGateway: config.charts.aiGateway.chart,
      },
    },
  };
}
