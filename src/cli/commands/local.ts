import { Command, Option } from 'commander';
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { numberOrText } from '../../../charts/fixture-spec';
import { DEFAULT_GRPC_MAX_MESSAGE_SIZE, HelmValuesError, LOCAL_MIN_GRPC_MESSAGE_BYTES, parseGrpcMessageLimit } from '../../../charts/helm-values';
import { BUILD_SCRIPT } from '../../local/binaries';
import { LocalClusterRunning, downLocalCluster, isOurProcess, localDir, readState, upLocalCluster } from '../../local/control-plane';
import { UsageError } from '../errors';
import { integerFlag } from '../flags';
import { printResult } from '../output';

const MAX_NODES = 1000;

export function localCommand(): Command {
  const local = new Command('local').description('a real Kubernetes control plane on this machine (etcd, kube-apiserver, controllers, kwok), no Docker');

  local
    .command('build')
    .description('build the pinned binaries from the Go module proxy into ~/.cache/aigw-scale/bin (only what is missing)')
    .option('--only <components>', 'comma-separated subset: etcd,kube-apiserver,kube-controller-manager,kube-scheduler,kwok,kubectl,ai-gateway-controller,envoy-gateway')
    .option('--with-controllers', 'also build Envoy Gateway (Go module proxy), the AI Gateway controller and extproc (from the proxy, else the source archive AIGW_SCALE_AI_GATEWAY_SRC, default ../shared/upstream-src) and the xDS/ext_proc probe; not built by default', false)
    .option('--with-pulumi', 'also build the Pulumi CLI, its Node.js language host and Kubernetes provider (for `npm run test:e2e`; not built by default)', false)
    .action((options: { only?: string; withControllers: boolean; withPulumi: boolean }) => {
      const args = [...(options.only ? ['--only', options.only] : []), ...(options.withControllers ? ['--with-controllers'] : []), ...(options.withPulumi ? ['--with-pulumi'] : [])];
      const result = spawnSync('bash', [BUILD_SCRIPT, ...args], { stdio: 'inherit' });
      process.exitCode = result.status ?? 1;
    });

  local
    .command('up')
    .description('start the local cluster on 127.0.0.1 and write .aigw-scale/local/kubeconfig')
    .option('--control-plane-only', 'only etcd and kube-apiserver (no controllers, scheduler or kwok)', false)
    .addOption(new Option('--nodes <n>', 'fake kwok nodes').argParser(numberOrText).default(1))
    .option('--controllers', 'also run the real Envoy Gateway and AI Gateway controller as processes (needs `local build --with-controllers`)', false)
    .option('--grpc-max-message-size <quantity>', 'with --controllers: the extension gRPC message limit, both sides (4Mi … 2Gi)', DEFAULT_GRPC_MAX_MESSAGE_SIZE)
    .option('--json', 'print the cluster state as JSON', false)
    .action(async (options: { controlPlaneOnly: boolean; nodes: number; controllers: boolean; grpcMaxMessageSize: string; json: boolean }) => {
      integerFlag('--nodes', options.nodes, 1, MAX_NODES);
      if (options.controllers && options.controlPlaneOnly) throw new UsageError('--controllers: needs the full cluster; allowed: without --control-plane-only');
      try {
        parseGrpcMessageLimit(options.grpcMaxMessageSize, LOCAL_MIN_GRPC_MESSAGE_BYTES);
      } catch (error) {
        if (error instanceof HelmValuesError) throw new UsageError(`--grpc-max-message-size: ${error.message.replace(/^grpcMaxMessageSize: /, '')}`);
        throw error;
      }
      try {
        const state = await upLocalCluster({ ...options, onProgress: (line) => process.stderr.write(`${line}\n`) });
        printResult(options.json, state, `local cluster up at ${state.server}\nkubeconfig: ${path.relative(process.cwd(), state.kubeconfig) || state.kubeconfig}`);
      } catch (error) {
        if (!(error instanceof LocalClusterRunning)) throw error;
        printResult(options.json, error.state, `already running at ${error.state.server}\nkubeconfig: ${error.state.kubeconfig}`);
      }
    });

  local
    .command('status')
    .description('what the local cluster runs')
    .option('--json', 'print as JSON', false)
    .action((options: { json: boolean }) => {
      const state = readState();
      const processes = (state?.processes ?? []).map((p) => ({ name: p.name, pid: p.pid, running: isOurProcess(p), log: p.log }));
      const running = processes.length > 0 && processes.every((p) => p.running);
      const lines = state
        ? [`local cluster ${running ? 'running' : 'DEGRADED'} at ${state.server} (kubeconfig ${state.kubeconfig})`, ...processes.map((p) => `  ${p.name.padEnd(24)} pid ${String(p.pid).padEnd(8)} ${p.running ? 'running' : 'stopped'}`)]
        : [`no local cluster (state dir ${localDir()})`];
      if (state?.controllers) lines.push(`  controllers: extension server ${state.controllers.extensionServer}, gRPC limit ${state.controllers.grpcMaxMessageSize.quantity}, filter-config Secrets in ${state.controllers.filterConfigNamespace}`);
      printResult(options.json, { running, server: state?.server, kubeconfig: state?.kubeconfig, processes, controllers: state?.controllers }, lines.join('\n'));
      if (state && !running) process.exitCode = 1;
    });

  local
    .command('down')
    .description('stop exactly the processes `local up` started and remove the data')
    .action(() => {
      const stopped = downLocalCluster();
      process.stdout.write(stopped === undefined ? 'no local cluster to stop\n' : `stopped ${stopped.length} process(es) (${stopped.join(', ') || 'none were running'}) and removed the data\n`);
    });
  return local;
}
