/**
 * The mock LLM provider (fixture mode `resources`): the MockProvider construct's manifests — the code
 * ConfigMap, one Deployment, one Service per backend — as Pulumi resources. The fixture's Backends point at
 * those Services, so the fixture's gateway, backends and routes wait for this component.
 */

import * as k8s from '@pulumi/kubernetes';
import * as pulumi from '@pulumi/pulumi';
import { Manifest } from '../constructs/manifest';
import { kubernetesObject } from './k8s-object';

export const MOCK_PROVIDER_TYPE_TOKEN = 'aigw-scale:infra:MockProvider';

export interface MockProviderArgs {
  /** `mockProviderManifests(…)` as `fixtureParts` renders them (part "provider"). */
  readonly manifests: readonly Manifest[];
  readonly provider: k8s.Provider;
  /** What the objects wait for: the fixture namespace and the controllers. */
  readonly after: readonly pulumi.Resource[];
}

export class MockProvider extends pulumi.ComponentResource {
  readonly objects: readonly pulumi.CustomResource[];

  constructor(name: string, args: MockProviderArgs, opts?: pulumi.ComponentResourceOptions) {
    super(MOCK_PROVIDER_TYPE_TOKEN, name, {}, opts);
    this.objects = args.manifests.map((manifest) => kubernetesObject(manifest, { parent: this, provider: args.provider, dependsOn: [...args.after] }));
    this.registerOutputs({});
  }
}
