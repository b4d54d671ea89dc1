import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { upLocalCluster } from '../../src/local/control-plane';

/**
 * Starts a real local cluster (etcd, kube-apiserver, controller-manager, scheduler, kwok) for the cluster
 * suite, in its own state directory so it never touches a cluster the user runs with `local up`.
 */
export default async function globalSetup(): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'aigw-scale-cluster-tests-'));
  const started = performance.now();
  // The audit log of ServiceAccounts' requests: job-rbac.test.ts compares what the BenchJob's account used with its grants.
  const state = await upLocalCluster({ dir, nodes: 2, auditServiceAccounts: true });
  process.env.AIGW_SCALE_TEST_LOCAL_DIR = dir;
  process.env.AIGW_SCALE_LOCAL_DIR = dir; // CLI runs in the suite see this cluster as the local one
  process.env.AIGW_SCALE_TEST_KUBECONFIG = state.kubeconfig;
  process.stderr.write(`\nlocal cluster for the cluster suite: ${state.server} (up in ${((performance.now() - started) / 1000).toFixed(1)} s)\n`);
}
