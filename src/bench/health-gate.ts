import { Cluster, messageOf } from '../kube/cluster';
import { GateCheck } from '../results/schema';
import { HealthGate } from '../results/scenario';
import { nowMs } from '../time/clock';
import { CONTROLLER_PODS, listPods } from '../kube/gateway-envoy';
import { sleepUntil } from '../time/sleep';

/** Pods of the controllers that are not Ready, and how many pods were found at all. */
export async function controllerPodsNotReady(cluster: Cluster): Promise<{ found: number; notReady: string[] }> {
  let found = 0;
  const notReady: string[] = [];
  for (const selector of CONTROLLER_PODS) {
    const response = await listPods(cluster, selector);
    if (response.status === 404) continue;
    if (response.status !== 200) throw new Error(`listing ${selector.component} pods failed with HTTP ${response.status}: ${messageOf(response.body)}`);
    for (const pod of response.body.items ?? []) {
      found++;
      const ready = (pod.status?.conditions ?? []).some((c: { type: string; status: string }) => c.type === 'Ready' && c.status === 'True');
      if (!ready) notReady.push(`${selector.component} pod ${pod.metadata.namespace}/${pod.metadata.name}`);
    }
  }
  return { found, notReady };
}

/**
 * The health gate after load step `step`: the error rate so far must be at most `maxErrorRate` and, when asked,
 * every controller pod found must be Ready. The routes of the step have settled when this runs, so a too-high
 * error rate fails at once (waiting cannot lower it); unready controllers are waited for up to `timeoutMs`.
 */
export async function checkHealthGate(cluster: Cluster, gate: HealthGate, step: number, errorRate: number, signal?: AbortSignal): Promise<GateCheck> {
  const rate = `error rate ${formatShare(errorRate)} (limit ${formatShare(gate.maxErrorRate)})`;
  if (errorRate > gate.maxErrorRate) return { step, atMs: nowMs(), passed: false, errorRate, message: `${rate} is over the limit` };
  if (!gate.controllersReady) return { step, atMs: nowMs(), passed: true, errorRate, message: `${rate}; controller readiness not required` };
  const started = nowMs();
  for (;;) {
    const pods = await controllerPodsNotReady(cluster);
    if (pods.found === 0) return { step, atMs: nowMs(), passed: true, errorRate, message: `${rate}; no Envoy Gateway / AI Gateway controller pods found, so their readiness was not checked` };
    if (pods.notReady.length === 0) {
      const waited = nowMs() - started;
      return { step, atMs: nowMs(), passed: true, errorRate, message: `${rate}; ${pods.found} controller pod(s) Ready${waited >= 1000 ? ` after waiting ${Math.round(waited)} ms` : ''}` };
    }
    if (nowMs() - started >= gate.timeoutMs || signal?.aborted) {
      return { step, atMs: nowMs(), passed: false, errorRate, message: `${rate}; not Ready after ${gate.timeoutMs} ms: ${pods.notReady.join(', ')}` };
    }
    await sleepUntil(nowMs() + 1000, signal);
  }
}

const formatShare = (share: number): string => `${(share * 100).toFixed(1)} %`;
