/**
 * Envoy Gateway, the AI Gateway CRDs and AI Gateway as three Helm releases, in that order. `helm.v3.Release`
 * (not `helm.v4.Chart`) because Envoy Gateway's chart creates its certificates in a pre-install hook, which
 * only a real Helm release runs. Both charts' values come from charts/helm-values.ts, so the one gRPC knob
 * sets Envoy Gateway's `extensionManager.maxMessageSize` and AI Gateway's `controller.maxRecvMsgSize` together.
 */

import * as k8s from '@pulumi/kubernetes';
import * as pulumi from '@pulumi/pulumi';
import { AdminAddress, GrpcMessageLimit, helmValues } from '../charts/helm-values';
import { AI_GATEWAY_NAMESPACE, ENVOY_GATEWAY_NAMESPACE } from '../src/install/facts';
import { ENVOY_GATEWAY_ADMIN_PORT } from '../src/bench/profiles';
import { ChartRef } from './config';

export const CONTROLLERS_TYPE_TOKEN = 'aigw-scale:infra:Controllers';
/**
 * With profiles, Envoy Gateway's admin server listens on every address of its pod: `bench` reaches it through the
 * apiserver's pod proxy, which connects to the pod's IP and so never reaches the default 127.0.0.1.
 */
export const POD_PPROF_ADDRESS: AdminAddress = { host: '0.0.0.0', port: ENVOY_GATEWAY_ADMIN_PORT };

/** Release names as AI Gateway's docs use them. */
export const RELEASE_NAMES = { envoyGateway: 'eg', aiGatewayCrds: 'aieg-crd', aiGateway: 'aieg' } as const;

export interface ControllersArgs {
  readonly charts: { readonly envoyGateway: ChartRef; readonly aiGatewayCrds: ChartRef; readonly aiGateway: ChartRef };
  readonly grpc: GrpcMessageLimit;
  readonly timeoutSeconds: number;
  /** Profiles requested: Envoy Gateway serves pprof where `bench --profiles` reaches it (POD_PPROF_ADDRESS). @default false */
  readonly profiles?: boolean;
  readonly provider: k8s.Provider;
  /** What Envoy Gateway waits for: the cluster. */
  readonly after: readonly pulumi.Resource[];
}

export class Controllers extends pulumi.ComponentResource {
  readonly envoyGateway: k8s.helm.v3.Release;
  readonly aiGatewayCrds: k8s.helm.v3.Release;
  readonly aiGateway: k8s.helm.v3.Release;

  constructor(name: string, args: ControllersArgs, opts?: pulumi.ComponentResourceOptions) {
    super(CONTROLLERS_TYPE_TOKEN, name, {}, opts);
    const values = helmValues({ grpcMaxMessageSize: args.grpc.quantity, pprofAt: args.profiles ? POD_PPROF_ADDRESS : undefined });
    const release = (
      resourceName: string,
      releaseName: string,
      ref: ChartRef,
      namespace: string,
      releaseValues: Record<string, unknown>,
      dependsOn: pulumi.Resource[],
    ) =>
      new k8s.helm.v3.Release(
        resourceName,
        {
          name: releaseName,
          chart: ref.chart,
          // A chart directory carries its own version; OCI charts are pinned.
          version: ref.source === 'oci' ? ref.version : undefined,
          namespace,
          createNamespace: true,
          values: releaseValues,
          timeout: args.timeoutSeconds,
          skipAwait: false,
          cleanupOnFail: true,
        },
        { parent: this, provider: args.provider, dependsOn },
      );
    this.envoyGateway = release('envoy-gateway', RELEASE_NAMES.envoyGateway, args.charts.envoyGateway, ENVOY_GATEWAY_NAMESPACE, values.envoyGateway, [...args.after]);
    this.aiGatewayCrds = release('ai-gateway-crds', RELEASE_NAMES.aiGatewayCrds, args.charts.aiGatewayCrds, AI_GATEWAY_NAMESPACE, {}, [this.envoyGateway]);
    this.aiGateway = release('ai-gateway', RELEASE_NAMES.aiGateway, args.charts.aiGateway, AI_GATEWAY_NAMESPACE, values.aiGateway, [this.aiGatewayCrds]);
    this.registerOutputs({});
  }
}
