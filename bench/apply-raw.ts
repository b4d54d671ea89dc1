/**
 * The apiserver's own write throughput for a fixture's objects, the ceiling any applier works under: one request
 * per object (POST = create, or PATCH application/apply-patch+yaml = server-side apply) from this process straight
 * to the apiserver, a fixed number in flight, no client-side work but sending.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as YAML from 'yaml';
import { ApplyObject, describeObject } from '../src/kube/applier';
import { Cluster, messageOf } from '../src/kube/cluster';
import { forEachConcurrently } from '../src/kube/concurrency';
import { ResourceMap } from '../src/kube/resources';

export type RawVerb = 'create' | 'apply';

/** The field manager of the raw server-side applies (not aigw-scale's, so nothing is mistaken for its own). */
const RAW_FIELD_MANAGER = 'aigw-scale-bench-raw';

/** Concurrencies the pre-check tries; 64 is the client's cap (its HTTPS agent opens at most 64 connections). */
export const RAW_CONCURRENCY_CANDIDATES = [16, 32, 64];

/**
 * A directory of manifests as groups in the order `aigw-scale apply DIR` applies them: the Namespaces first, then
 * one group per file in file-name order (later files hold kinds that live in, or refer to, earlier ones).
 */
export function readGroups(dir: string): ApplyObject[][] {
  const files = fs.readdirSync(dir).filter((file) => /\.ya?ml$/.test(file)).sort();
  const byFile = files.map((file) =>
    YAML.parseAllDocuments(fs.readFileSync(path.join(dir, file), 'utf8'))
      .map((doc) => doc.toJSON() as ApplyObject | null)
      .filter((o): o is ApplyObject => o !== null),
  );
  const isNamespace = (o: ApplyObject) => o.apiVersion === 'v1' && o.kind === 'Namespace';
  return [byFile.flat().filter(isNamespace), ...byFile.map((group) => group.filter((o) => !isNamespace(o)))].filter((group) => group.length > 0);
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
