import { CustomResourceDefinition } from '../upstream/crds';
import { Applier, ApplyOptions, ObjectFailure } from './applier';
import { Cluster, messageOf } from './cluster';
import { ResourceMap } from './resources';

export interface CrdInstallResult {
  readonly installed: number;
  readonly failed: readonly ObjectFailure[];
  readonly seconds: number;
}

/** Server-side applies CRDs (large ones too: no last-applied annotation), then waits until each is Established. */
export async function installCrds(cluster: Cluster, crds: readonly CustomResourceDefinition[], options: ApplyOptions & { timeoutMs?: number } = {}): Promise<CrdInstallResult> {
  const started = performance.now();
  const resources = new ResourceMap(cluster);
  const applier = new Applier(cluster, resources, { concurrency: 4, ...options });
  const result = await applier.applyAll(crds as never, new Map(), { done: 0, total: crds.length });
  if (result.failed.length === 0) await waitEstablished(cluster, crds.map((crd) => crd.metadata.name), options.timeoutMs ?? 60_000);
  return { installed: crds.length - result.failed.length, failed: result.failed, seconds: (performance.now() - started) / 1000 };
}

async function waitEstablished(cluster: Cluster, names: string[], timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let pending = names;
  while (pending.length > 0) {
    const states = await Promise.all(
      pending.map(async (name) => {
        const response = await cluster.requestRetrying('GET', `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${name}`);
        if (response.status !== 200) throw new Error(`reading CRD ${name} failed with HTTP ${response.status}: ${messageOf(response.body)}`);
        const conditions: { type: string; status: string }[] = response.body.status?.conditions ?? [];
        return conditions.some((c) => c.type === 'Established' && c.status === 'True');
      }),
    );
    pending = pending.filter((_, i) => !states[i]);
    if (pending.length === 0) return;
    if (Date.now() > deadline) throw new Error(`CRDs not Established after ${timeoutMs / 1000} s: ${pending.join(', ')}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}
