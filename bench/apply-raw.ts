/**
 * The apiserver's own write throughput for a fixture's objects, the ceiling any applier works under: one request
 * per object (POST = create, or PATCH application/apply-patch+yaml = server-side apply) from this process straight
 * to the apiserver, a fixed number in flight, no client-side work but sending.
 */
import { ApplyObject, describeObject, namespacesFirst, readManifestDir } from '../src/kube/applier';
import { Cluster, messageOf } from '../src/kube/cluster';
import { forEachConcurrently } from '../src/kube/concurrency';
import { ResourceMap } from '../src/kube/resources';

export type RawVerb = 'create' | 'apply';

/** The field manager of the raw server-side applies (not aigw-scale's, so nothing is mistaken for its own). */
const RAW_FIELD_MANAGER = 'aigw-scale-bench-raw';

/** Concurrencies the pre-check tries; 64 is the client's cap (its HTTPS agent opens at most 64 connections). */
export const RAW_CONCURRENCY_CANDIDATES = [16, 32, 64];

/** A directory of manifests as groups in the order `aigw-scale apply DIR` applies them. */
export function readGroups(dir: string): ApplyObject[][] {
  return namespacesFirst(readManifestDir(dir));
}

/**
 * Sends every object once, a group at a time, `concurrency` requests in flight; returns the seconds the requests
 * took. REST paths are resolved (discovery) before the clock starts. Fails when the apiserver refuses any object.
 */
export async function sendAll(kubeconfig: string, groups: readonly (readonly ApplyObject[])[], verb: RawVerb, concurrency: number): Promise<number> {
  const cluster = await Cluster.connect({ kubeconfig });
  try {
    const resources = new ResourceMap(cluster);
    const target = async (object: ApplyObject) =>
      verb === 'create'
        ? resources.collectionPath(object.apiVersion, object.kind, object.metadata.namespace ?? 'default')
        : `${await resources.objectPath(object)}?fieldManager=${RAW_FIELD_MANAGER}&force=true`;
    const requests = await Promise.all(groups.map((group) => Promise.all(group.map(async (object) => ({ object, path: await target(object) })))));
    const refused: string[] = [];
    const started = performance.now();
    for (const group of requests) {
      await forEachConcurrently(group, concurrency, async ({ object, path: urlPath }) => {
        // Retried only on 429 and 5xx (API priority and fairness may push back), as every client must.
        const response = verb === 'create' ? await cluster.requestRetrying('POST', urlPath, object) : await cluster.requestRetrying('PATCH', urlPath, object, 'application/apply-patch+yaml');
        if (response.status !== 200 && response.status !== 201) refused.push(`${describeObject(object)}: HTTP ${response.status}: ${messageOf(response.body)}`);
      });
      if (refused.length > 0) throw new Error(`raw ${verb} refused ${refused.length} objects, e.g. ${refused[0]}`);
    }
    return (performance.now() - started) / 1000;
  } finally {
    cluster.close();
  }
}
