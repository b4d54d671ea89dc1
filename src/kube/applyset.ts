import { createHash } from 'node:crypto';

/**
 * Kubernetes' ApplySet convention (KEP-3659), so `kubectl` recognises what aigw-scale applied and pruning works
 * from an inventory: a parent object carries the set id and the group-kinds it contains; every member carries
 * the `part-of` label with the set id.
 */
export const APPLYSET_ID_LABEL = 'applyset.kubernetes.io/id';
export const APPLYSET_PART_OF_LABEL = 'applyset.kubernetes.io/part-of';
export const APPLYSET_TOOLING_ANNOTATION = 'applyset.kubernetes.io/tooling';
export const APPLYSET_GROUP_KINDS_ANNOTATION = 'applyset.kubernetes.io/contains-group-kinds';
export const APPLYSET_TOOLING = 'aigw-scale/v1';

/** The parent is a ConfigMap in the fixture's namespace. */
export interface ApplySetParentRef {
  readonly name: string;
  readonly namespace: string;
}

/** Name of a fixture's ApplySet parent ConfigMap. */
export const applySetParentName = (fixtureId: string): string => `aigw-scale-applyset-${fixtureId}`;

/** The id the KEP defines: `applyset-<base64url(sha256(<name>.<namespace>.<kind>.<group>))>-v1`. */
export function applySetId(parent: ApplySetParentRef): string {
  const digest = createHash('sha256').update(`${parent.name}.${parent.namespace}.ConfigMap.`).digest('base64url');
  return `applyset-${digest}-v1`;
}

/** `Kind.group` as the KEP spells group-kinds (`Namespace` for the core group). */
export function groupKind(apiVersion: string, kind: string): string {
  const group = apiVersion.includes('/') ? apiVersion.slice(0, apiVersion.indexOf('/')) : '';
  return group ? `${kind}.${group}` : kind;
}

export function parseGroupKinds(annotation: string | undefined): string[] {
  return (annotation ?? '').split(',').filter(Boolean);
}

/** The parent ConfigMap as applied: labels from the fixture plus the ApplySet id and inventory. */
export function applySetParent(parent: ApplySetParentRef, labels: Record<string, string>, groupKinds: Iterable<string>) {
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: {
      name: parent.name,
      namespace: parent.namespace,
      labels: { ...labels, [APPLYSET_ID_LABEL]: applySetId(parent) },
      annotations: { [APPLYSET_TOOLING_ANNOTATION]: APPLYSET_TOOLING, [APPLYSET_GROUP_KINDS_ANNOTATION]: [...new Set(groupKinds)].sort().join(',') },
    },
  };
}
