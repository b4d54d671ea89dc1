import { APPLYSET_PART_OF_LABEL } from './applyset';
import { Cluster, messageOf } from './cluster';
import { forEachConcurrently } from './concurrency';
import { ObjectRef, ResourceMap } from './resources';

/** What tells whether an apply changed an object: its versions and its metadata. */
export interface ObjectVersion {
  readonly resourceVersion: string;
  /** Spec generation, for kinds that keep one (CRDs with a status subresource do). */
  readonly generation?: number;
  /** Labels and annotations, serialized, since they change without a new generation. */
  readonly metadataDigest: string;
}

/** An object found in the cluster, with the version it had when listed. */
export interface ListedObject extends ObjectVersion {
  readonly ref: ObjectRef;
}

interface ListedMetadata {
  name: string;
  namespace?: string;
  resourceVersion: string;
  generation?: number;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

/** The version facts of an object from its metadata. */
export function versionOf(metadata: ListedMetadata): ObjectVersion {
  return { resourceVersion: metadata.resourceVersion, generation: metadata.generation, metadataDigest: JSON.stringify([metadata.labels ?? {}, metadata.annotations ?? {}]) };
}

/**
 * Whether an apply changed an object. The apiserver sometimes rewrites an object once without a change one can
 * see (re-encoding defaulted fields), which bumps resourceVersion alone; for kinds with a generation, only a new
 * generation or new labels/annotations count.
 */
export function changed(before: ObjectVersion, after: ObjectVersion): boolean {
  if (before.resourceVersion === after.resourceVersion) return false;
  if (before.generation && after.generation) return before.generation !== after.generation || before.metadataDigest !== after.metadataDigest;
  return true;
}

/** Metadata-only lists: a 10,000-route list without specs is a fraction of the bytes. */
export const METADATA_ONLY = 'application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1,application/json';

/** A stable key for an object: `Kind.group/namespace/name`. */
export function objectKey(groupKind: string, namespace: string | undefined, name: string): string {
  return `${groupKind}/${namespace ?? ''}/${name}`;
}

/**
 * Lists the objects of the given group-kinds that match a label selector: namespaced kinds in `namespace`
 * (or all namespaces when undefined), cluster-scoped kinds cluster-wide. Kinds the cluster does not serve are
 * skipped (nothing of them can exist).
 */
export async function listObjects(
  cluster: Cluster,
  resources: ResourceMap,
  groupKinds: Iterable<string>,
  labelSelector: string,
  namespace?: string,
): Promise<Map<string, ListedObject>> {
  const found = new Map<string, ListedObject>();
  for (const gk of new Set(groupKinds)) {
    const info = await resources.lookupGroupKind(gk);
    if (!info) continue;
    const path = await resources.collectionPath(info.apiVersion, info.kind, info.namespaced ? namespace : undefined);
    const response = await cluster.requestRetrying('GET', `${path}?labelSelector=${encodeURIComponent(labelSelector)}`, undefined, undefined, METADATA_ONLY);
    if (response.status !== 200) throw new Error(`listing ${info.kind} failed with HTTP ${response.status}: ${messageOf(response.body)}`);
    for (const item of (response.body.items ?? []) as { metadata: ListedMetadata }[]) {
      const { name, namespace: ns } = item.metadata;
      found.set(objectKey(gk, ns, name), { ref: { apiVersion: info.apiVersion, kind: info.kind, metadata: { name, namespace: ns } }, ...versionOf(item.metadata) });
    }
  }
  return found;
}

/** Members of an ApplySet, by its id label. */
export function listApplySetMembers(cluster: Cluster, resources: ResourceMap, setId: string, groupKinds: Iterable<string>, namespace: string) {
  return listObjects(cluster, resources, groupKinds, `${APPLYSET_PART_OF_LABEL}=${setId}`, namespace);
}

/** Deletes objects (404 counts as deleted); returns how many delete calls were accepted. */
export async function deleteObjects(cluster: Cluster, resources: ResourceMap, refs: readonly ObjectRef[], concurrency = 32): Promise<number> {
  let deleted = 0;
  await forEachConcurrently(refs, concurrency, async (ref) => {
      const response = await cluster.requestRetrying('DELETE', `${await resources.objectPath(ref)}?propagationPolicy=Background`);
      if (response.status === 200 || response.status === 202) deleted++;
      else if (response.status !== 404) throw new Error(`deleting ${ref.kind} ${ref.metadata.name} failed with HTTP ${response.status}: ${messageOf(response.body)}`);
  });
  return deleted;
}
