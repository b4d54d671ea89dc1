import * as fs from 'node:fs';
import * as path from 'node:path';
import { Cluster, messageOf } from './cluster';

/** Keys of a Secret as files (0600) in `dir`, as its volume would give them to a pod. */
export async function writeSecretFiles(cluster: Cluster, namespace: string, name: string, dir: string, keys: string[]): Promise<void> {
  const response = await cluster.requestRetrying('GET', `/api/v1/namespaces/${namespace}/secrets/${name}`);
  if (response.status !== 200) throw new Error(`reading Secret ${namespace}/${name} failed with HTTP ${response.status}: ${messageOf(response.body)}`);
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  for (const key of keys) {
    const value = response.body.data?.[key];
    if (typeof value !== 'string') throw new Error(`Secret ${namespace}/${name} has no ${key}`);
    fs.writeFileSync(path.join(dir, key), Buffer.from(value, 'base64'), { mode: 0o600 });
  }
}
