/**
 * The scale fixture (namespace, mock provider, Gateway, backends, routes), rendered in-process from our
 * constructs, in one of two modes:
 *
 * - `bundle` (default): ONE resource (a dynamic provider, ./fixture-bundle) that runs `aigw-scale apply` (server-side apply as an
 *   ApplySet, with pruning) and `aigw-scale delete --fixture <stack>` on destroy. State and `pulumi up` time
 *   stay flat in N; a changed fixture shows as a one-line diff (the manifests' sha256 in the apply script)
 *   and re-applies in place.
 * - `resources`: one Pulumi resource per object (and the mock provider as its own component), so
 *   `pulumi preview` diffs each route; fine for tens or hundreds of routes, slow for thousands.
 *
 * Both wait for the AI Gateway release (and thereby its CRDs and Envoy Gateway).
 */

import * as k8s from '@pulumi/kubernetes';
import * as pulumi from '@pulumi/pulumi';
import { ENVOY_GATEWAY_NAMESPACE } from '../src/install/facts';
import { FixtureSpec } from '../charts/fixture-spec';
import { fixtureLabels } from '../constructs/conventions';
import { applyScript, deleteScript, KUBECONFIG_ENV, KUBECONFIG_PATH_ENV } from './bundle';
import { FIXTURE_BUNDLE_NAME, FixtureBundle } from './fixture-bundle';
import { ClusterAccess } from './cluster/types';
import { KIND_GATEWAY_NODE_PORT } from './cluster/kind';
import { FixtureMode, PROJECT_ROOT } from './config';
import { RenderedFixture } from '../src/synth/render-fixture';
import { kubernetesObject } from './k8s-object';
import { MockProvider } from './mock-provider';

export const FIXTURE_TYPE_TOKEN = 'aigw-scale:infra:Fixture';

export interface FixtureArgs {
  readonly spec: FixtureSpec;
  readonly mode: FixtureMode;
  /** The rendered fixture: manifests by part (resources mode), hash and counts. */
  readonly rendered: RenderedFixture;
  readonly provider: k8s.Provider;
  readonly access: ClusterAccess;
  /** What the fixture waits for: the AI Gateway release (which waits for its CRDs and Envoy Gateway). */
  readonly after: readonly pulumi.Resource[];
  /** kind's host port mapping: adds a NodePort Service for the Gateway's Envoy pods on that node port. */
  readonly gatewayNodePort?: { readonly after: readonly pulumi.Resource[] };
}

/** Envoy runs unprivileged: Envoy Gateway shifts listener ports below 1024 by 10000 in the pod. */
export const envoyContainerPort = (listenerPort: number): number => (listenerPort < 1024 ? listenerPort + 10_000 : listenerPort);

export class Fixture extends pulumi.ComponentResource {
  readonly mode: FixtureMode;
  readonly sha256: string;
  /** resources mode: the mock provider component, if the fixture has one. */
  readonly mockProvider?: MockProvider;
  /** resources mode: every object's resource, in apply order. */
  readonly objects: pulumi.CustomResource[] = [];
  /** bundle mode: the one resource. */
  readonly bundle?: FixtureBundle;
  readonly gatewayService?: k8s.core.v1.Service;

  constructor(name: string, args: FixtureArgs, opts?: pulumi.ComponentResourceOptions) {
    super(FIXTURE_TYPE_TOKEN, name, {}, opts);
    this.mode = args.mode;
    this.sha256 = args.rendered.sha256;
    if (args.mode === 'bundle') this.bundle = this.bundleResource(args);
    else this.createResources(args);
    if (args.gatewayNodePort) this.gatewayService = this.nodePortService(args.spec, args.provider, args.gatewayNodePort.after);
    this.registerOutputs({ sha256: this.sha256 });
  }

  private createResources(args: FixtureArgs): void {
    const parts = args.rendered.parts;
    if (!parts) throw new Error('resources mode needs the rendered manifests (renderFixture with keep: true)');
    const create = (part: string, after: readonly pulumi.Resource[]) =>
      (parts.find((p) => p.name === part)?.manifests ?? []).map((manifest) => {
        const resource = kubernetesObject(manifest, { parent: this, provider: args.provider, dependsOn: [...after] });
        this.objects.push(resource);
        return resource;
      });
    // Apply order as the applier's: namespace, (mock provider), gateway, backends, routes.
    const namespace = create('namespace', args.after);
    const base = [...args.after, ...namespace];
    const providerManifests = parts.find((p) => p.name === 'provider')?.manifests ?? [];
    let ready: pulumi.Resource[] = base;
    if (providerManifests.length > 0) {
      (this as { mockProvider?: MockProvider }).mockProvider = new MockProvider(
        'mock-provider',
        { manifests: providerManifests, provider: args.provider, after: base },
        { parent: this },
      );
      ready = [...namespace, this.mockProvider!];
    }
    const gateway = create('gateway', ready);
    const backends = create('backends', [...ready, ...gateway]);
    create('routes', [...gateway, ...backends]);
  }

  private bundleResource(args: FixtureArgs): FixtureBundle {
    const { spec, access } = args;
    const environment: Record<string, pulumi.Input<string>> = access.kubeconfigContent
      ? { [KUBECONFIG_ENV]: access.kubeconfigContent }
      : { [KUBECONFIG_PATH_ENV]: access.kubeconfigPath! };
    return new FixtureBundle(
      FIXTURE_BUNDLE_NAME,
      {
        applyScript: applyScript({ spec, sha256: args.rendered.sha256, context: access.context }),
        deleteScript: deleteScript({ spec, context: access.context }),
        dir: PROJECT_ROOT,
        environment,
      },
      { parent: this, dependsOn: [...args.after] },
    );
  }

  /** On kind: the Gateway's Envoy pods behind a fixed NodePort, which kind maps to a port on 127.0.0.1. */
  private nodePortService(spec: FixtureSpec, provider: k8s.Provider, after: readonly pulumi.Resource[]): k8s.core.v1.Service {
    return new k8s.core.v1.Service(
      'gateway-nodeport',
      {
        metadata: { name: `aigw-scale-${spec.fixtureId}-gateway`, namespace: ENVOY_GATEWAY_NAMESPACE, labels: fixtureLabels(spec.fixtureId) },
        spec: {
          type: 'NodePort',
          // The labels Envoy Gateway puts on the Envoy pods of one Gateway.
          selector: { 'gateway.envoyproxy.io/owning-gateway-name': spec.gatewayName, 'gateway.envoyproxy.io/owning-gateway-namespace': spec.namespace },
          ports: [{ name: 'http', port: spec.listenerPort, targetPort: envoyContainerPort(spec.listenerPort), nodePort: KIND_GATEWAY_NODE_PORT, protocol: 'TCP' }],
        },
      },
      { parent: this, provider, dependsOn: [...after] },
    );
  }
}
