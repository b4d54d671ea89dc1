import { spawn, spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { Cluster } from '../../src/kube/cluster';

export const BIN = path.join(__dirname, '..', '..', 'bin', 'aigw-scale.cjs');

export function kubeconfig(): string {
  const file = process.env.AIGW_SCALE_TEST_KUBECONFIG;
  if (!file) throw new Error('no local cluster: run the cluster suite with `npm run test:cluster` (its global setup starts one)');
  return file;
}

/** Runs the CLI against the suite's cluster. */
export function cli(...args: string[]) {
  return spawnSync(process.execPath, [BIN, ...args, '--kubeconfig', kubeconfig()], { encoding: 'utf8', maxBuffer: 64 << 20 });
}

/** Starts the CLI without waiting, for interruption tests. */
export function cliAsync(...args: string[]) {
  return spawn(process.execPath, [BIN, ...args, '--kubeconfig', kubeconfig()], { stdio: ['ignore', 'pipe', 'pipe'] });
}

export function connect(): Promise<Cluster> {
  return Cluster.connect({ kubeconfig: kubeconfig() });
}

/** Lists objects by label through the real API (full objects). */
export function list(cluster: Cluster, collectionPath: string, labelSelector: string): Promise<any[]> {
  return listObjects(cluster, collectionPath, labelSelector, false);
}

/** Like `list`, but a collection whose kind is no longer served (its CRD was removed) holds nothing: []. */
export function listIfServed(cluster: Cluster, collectionPath: string, labelSelector: string): Promise<any[]> {
  return listObjects(cluster, collectionPath, labelSelector, true);
}

async function listObjects(cluster: Cluster, collectionPath: string, labelSelector: string, goneIsEmpty: boolean): Promise<any[]> {
  const response = await cluster.requestRetrying('GET', `${collectionPath}?labelSelector=${encodeURIComponent(labelSelector)}`);
  if (goneIsEmpty && response.status === 404) return [];
  if (response.status !== 200) throw new Error(`GET ${collectionPath}: HTTP ${response.status}`);
  return response.body.items ?? [];
}

/** Installs the real CRDs (idempotent: a second call finds them unchanged). */
export async function ensureCrds(cluster: Cluster): Promise<void> {
  const { installCrds } = await import('../../src/kube/crds');
  const { readCrdDir } = await import('../../src/upstream/crds');
  const { resolveCrdDir } = await import('../../src/upstream/dirs');
  const result = await installCrds(cluster, readCrdDir(resolveCrdDir()));
  if (result.failed.length > 0) throw new Error(`CRD install failed: ${JSON.stringify(result.failed)}`);
}

/** Runs the CLI without blocking this process (needed when the test itself serves, like the stand-in gateway). */
export async function cliAwait(...args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  const child = cliAsync(...args);
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const status = await new Promise<number | null>((resolve) => child.on('close', resolve));
  return { status, stdout, stderr };
}

/**
 * Creates a namespace several suites share (e.g. envoy-gateway-system) unless it exists, waiting out one that
 * another suite is deleting. Suites leave shared namespaces in place: deleting one would leave it Terminating,
 * refusing new objects, for the next suite.
 */
export async function ensureSharedNamespace(cluster: Cluster, name: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const created = await cluster.requestRetrying('POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
    if (created.status === 201) return;
    const existing = await cluster.requestRetrying('GET', `/api/v1/namespaces/${name}`);
    if (existing.status === 200 && existing.body.status?.phase === 'Active') return;
    if (Date.now() > deadline) throw new Error(`namespace ${name} is not usable after ${timeoutMs / 1000} s (HTTP ${created.status}, phase ${existing.body?.status?.phase})`);
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}
