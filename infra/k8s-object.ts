/**
 * One Pulumi resource per manifest (fixture mode `resources`): built-in kinds get their typed resource, so
 * Pulumi awaits them properly (a Deployment until it is available); everything else (Gateway API, Envoy
 * Gateway and AI Gateway kinds) becomes a `k8s.apiextensions.CustomResource`.
 */

import * as k8s from '@pulumi/kubernetes';
import * as pulumi from '@pulumi/pulumi';
import { Manifest } from '../constructs/manifest';

/** The logical name of a manifest's resource: unique within a fixture (kinds may share object names). */
export const resourceNameOf = (manifest: Manifest): string => `${manifest.kind.toLowerCase()}-${manifest.metadata.name}`;

export function kubernetesObject(manifest: Manifest, opts: pulumi.CustomResourceOptions): pulumi.CustomResource {
  const name = resourceNameOf(manifest);
  const args = manifest as any; // the manifests are typed by our generated bindings; Pulumi's arg types mirror them
  switch (`${manifest.apiVersion}/${manifest.kind}`) {
    case 'v1/Namespace':
      return new k8s.core.v1.Namespace(name, args, opts);
    case 'v1/ConfigMap':
      return new k8s.core.v1.ConfigMap(name, args, opts);
    case 'v1/Service':
      return new k8s.core.v1.Service(name, args, opts);
    case 'v1/Secret':
      // The fixture's API-key Secret holds a mock key, but a Secret's data is a secret wherever it comes from.
      return new k8s.core.v1.Secret(name, args, { ...opts, additionalSecretOutputs: ['data', 'stringData'] });
    case 'apps/v1/Deployment':
      return new k8s.apps.v1.Deployment(name, args, opts);
    default:
      return new k8s.apiextensions.CustomResource(name, args, opts);
  }
}
