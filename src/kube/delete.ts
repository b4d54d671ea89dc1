import { APPLYSET_GROUP_KINDS_ANNOTATION, APPLYSET_ID_LABEL, parseGroupKinds } from './applyset';
import { Cluster, messageOf } from './cluster';
import { METADATA_ONLY, deleteObjects, listApplySetMembers } from './inventory';
import { ObjectRef, ResourceMap } from './resources';

/** Which fixtures to delete: one by id, or every one aigw-scale applied. */
export type DeleteSelector = { readonly fixtureId: string } | { readonly all: true };

export interface DeleteOptions {
  /** Label naming a fixture id on ApplySet parents. */
  readonly fixtureLabel: string;
  /** Label every object of ours carries (`app.kubernetes.io/part-of=aigw-scale`), used by `all`. */
  readonly partOfSelector: string;
  /** How long to wait for objects to disappear. @default 120 s */
  readonly timeoutMs?: number;
  readonly onProgress?: (message: string) => void;
}

export interface DeleteResult {
  readonly fixtures: readonly string[];
  readonly deleted: number;
  /** Objects still present when the wait ended (e.g. a Namespace without a namespace controller). */
  readonly remaining: readonly string[];
  readonly seconds: number;
}

/**
 * Deletes exactly the members of the selected fixtures' ApplySets (found through their parent ConfigMaps),
 * namespaced objects first, then cluster-scoped ones, the parent, and Namespaces last; then waits until they
 * are gone.
 */
export async function deleteFixtures(cluster: Cluster, selector: DeleteSelector, options: DeleteOptions): Promise<DeleteResult> {
  const started = performance.now();
  const resources = new ResourceMap(cluster);
  const labelSelector = 'fixtureId' in selector ? `${options.fixtureLabel}=${selector.fixtureId},${APPLYSET_ID_LABEL}` : `${options.partOfSelector},${APPLYSET_ID_LABEL}`;
  const parents = await cluster.requestRetrying('GET', `/api/v1/configmaps?labelSelector=${encodeURIComponent(labelSelector)}`);
  if (parents.status !== 200) throw new Error(`listing ApplySet parents failed with HTTP ${parents.status}: ${messageOf(parents.body)}`);

  const fixtures: string[] = [];
  const targets: ObjectRef[] = [];
  for (const parent of (parents.body.items ?? []) as { metadata: { name: string; namespace: string; labels: Record<string, string>; annotations?: Record<string, string> } }[]) {
    const { name, namespace, labels, annotations } = parent.metadata;
    fixtures.push(labels[options.fixtureLabel] ?? name);
    const kinds = parseGroupKinds(annotations?.[APPLYSET_GROUP_KINDS_ANNOTATION]);
    const members = await listApplySetMembers(cluster, resources, labels[APPLYSET_ID_LABEL], kinds, namespace);
    targets.push(...[...members.values()].map((m) => m.ref), { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace } });
  }

  const parentNames = new Set((parents.body.items ?? []).map((p: { metadata: { name: string } }) => p.metadata.name));
  const order = async (ref: ObjectRef) => {
    if (ref.kind === 'Namespace') return 3;
    if (ref.kind === 'ConfigMap' && parentNames.has(ref.metadata.name)) return 2;
    return (await resources.lookup(ref.apiVersion, ref.kind)).namespaced ? 0 : 1;
  };
  const ranks = await Promise.all(targets.map(order));
  let deleted = 0;
  for (const rank of [0, 1, 2, 3]) {
    const refs = targets.filter((_, i) => ranks[i] === rank);
    if (refs.length === 0) continue;
    options.onProgress?.(`deleting ${refs.length} ${['namespaced objects', 'cluster-scoped objects', 'ApplySet parents', 'namespaces'][rank]}`);
    deleted += await deleteObjects(cluster, resources, refs);
  }
  const remaining = await waitGone(cluster, resources, targets, options.timeoutMs ?? 120_000, options.onProgress);
  return { fixtures, deleted, remaining, seconds: (performance.now() - started) / 1000 };
}

const refKey = (ref: ObjectRef): string => `${ref.apiVersion}|${ref.kind}|${ref.metadata.namespace ?? ''}|${ref.metadata.name}`;

/** Which of the refs still exist: one metadata-only list per collection, not one GET per object. */
async function presentObjects(cluster: Cluster, resources: ResourceMap, refs: readonly ObjectRef[]): Promise<Set<string>> {
  const collections = new Map<string, ObjectRef>();
  for (const ref of refs) collections.set(`${ref.apiVersion}|${ref.kind}|${ref.metadata.namespace ?? ''}`, ref);
  const present = new Set<string>();
  for (const sample of collections.values()) {
    const info = await resources.lookup(sample.apiVersion, sample.kind).catch(() => undefined);
    if (!info) continue; // the kind is gone, and everything of it
    const path = await resources.collectionPath(sample.apiVersion, sample.kind, info.namespaced ? sample.metadata.namespace : undefined);
    const response = await cluster.requestRetrying('GET', path, undefined, undefined, METADATA_ONLY);
    if (response.status === 404) continue;
    if (response.status !== 200) throw new Error(`listing ${sample.kind} failed with HTTP ${response.status}: ${messageOf(response.body)}`);
    for (const item of (response.body.items ?? []) as { metadata: { name: string; namespace?: string } }[]) {
      present.add(refKey({ apiVersion: sample.apiVersion, kind: sample.kind, metadata: { name: item.metadata.name, namespace: info.namespaced ? item.metadata.namespace : undefined } }));
    }
  }
  return present;
}

async function waitGone(cluster: Cluster, resources: ResourceMap, refs: ObjectRef[], timeoutMs: number, onProgress?: (message: string) => void): Promise<string[]> {
  const deadline = Date.now() + timeoutMs;
  let pending = refs;
  let lastReport = 0;
  while (pending.length > 0 && Date.now() < deadline) {
    const present = await presentObjects(cluster, resources, pending);
    pending = pending.filter((ref) => present.has(refKey(ref)));
    if (pending.length === 0) break;
    if (Date.now() - lastReport > 5000) {
      onProgress?.(`waiting for ${pending.length} objects to go`);
      lastReport = Date.now();
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  return pending.map((ref) => `${ref.kind} ${ref.metadata.namespace ? `${ref.metadata.namespace}/` : ''}${ref.metadata.name}`);
}
