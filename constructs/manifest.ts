import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';

/** Metadata the fixture sets on its objects. */
export interface ManifestMetadata {
  readonly name: string;
  readonly namespace?: string;
  readonly labels?: Record<string, string>;
  readonly annotations?: Record<string, string>;
}

/** A Kubernetes object as plain JSON, as the typed bindings' static `manifest()` returns it. */
export interface Manifest {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: ManifestMetadata;
  readonly [field: string]: unknown;
}

/**
 * Adds one ApiObject per manifest under `scope`. The constructs build their objects as manifests first
 * (pure functions over the typed bindings) so the streaming synthesizer can emit them without a
 * construct tree; this puts the very same objects into the tree for cdk8s.
 */
export function addApiObjects(scope: Construct, manifests: Iterable<Manifest>): void {
  for (const manifest of manifests) {
    new ApiObject(scope, `${manifest.kind}-${manifest.metadata.name}`, manifest);
  }
}
