import * as os from 'node:os';
import * as path from 'node:path';
import { ControlPlaneReadiness } from '../../src/controlplane/readiness';
import { StageOutcome } from '../../src/controlplane/stage-tracker';
import { Cluster } from '../../src/kube/cluster';
import { CONTROLLER_COMPONENTS, requireBinaries } from '../../src/local/binaries';
import { LocalClusterState } from '../../src/local/control-plane';

const ROUTES = (ns: string) => `/apis/aigateway.envoyproxy.io/v1beta1/namespaces/${ns}/aigatewayroutes`;

/**
 * Follows two routes of an applied fixture in `namespace` (Gateway `aigw-scale`): its route-000001, and a route
 * created here whose backendRef names an AIServiceBackend that does not exist. Resolves with the latter's outcome
 * once route-000001 is ready and the other timed out, plus which routes reached every stage.
 */
export async function runMissingBackendCheck(cluster: Cluster, state: LocalClusterState, namespace: string): Promise<StageOutcome & { reachedOthers: string[] }> {
  const binaries = requireBinaries([...CONTROLLER_COMPONENTS]);
  const outcomes: StageOutcome[] = [];
  const readiness = await ControlPlaneReadiness.start({
    cluster,
    gateway: { name: 'aigw-scale', namespace },
    xdsServer: state.controllers!.xdsServer!,
    binaries: { probe: binaries['aigw-scale-probe']!, extproc: binaries['ai-gateway-extproc']! },
    workDir: path.join(os.tmpdir(), `aigw-scale-missing-backend-${process.pid}`),
    timeoutMs: 60_000,
    onRecord: () => undefined,
    onOutcome: (outcome) => outcomes.push(outcome),
  });
  try {
    const route = {
      apiVersion: 'aigateway.envoyproxy.io/v1beta1',
      kind: 'AIGatewayRoute',
      metadata: { name: 'route-missing', namespace },
      spec: {
        parentRefs: [{ name: 'aigw-scale', kind: 'Gateway', group: 'gateway.networking.k8s.io' }],
        rules: [{ matches: [{ headers: [{ type: 'Exact', name: 'x-ai-eg-model', value: 'model-missing' }] }], backendRefs: [{ name: 'backend-does-not-exist' }] }],
      },
    };
    const created = await cluster.requestRetrying('POST', ROUTES(namespace), route);
    if (created.status !== 201) throw new Error(`creating route-missing failed with HTTP ${created.status}`);
    readiness.add({ object: `AIGatewayRoute/${namespace}/route-missing`, key: `${namespace}/route-missing`, model: 'model-missing' });
    readiness.add({ object: `AIGatewayRoute/${namespace}/route-000001`, key: `${namespace}/route-000001`, model: 'model-000001' });
    await readiness.idle();
    const missing = outcomes.find((o) => o.route.model === 'model-missing');
    if (!missing) throw new Error(`no outcome for route-missing: ${JSON.stringify(outcomes)}; problems: ${readiness.problems.join('; ')}`);
    return { ...missing, reachedOthers: outcomes.filter((o) => o.kind === 'ready').map((o) => o.route.key.split('/')[1]) };
  } finally {
    await readiness.stop();
  }
}
