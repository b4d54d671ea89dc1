import { Command } from 'commander';
import { Cluster } from '../kube/cluster';
import { UsageError } from './errors';

/** Flags every command that talks to a cluster shares. */
export interface ClusterOptionValues {
  kubeconfig?: string;
  context?: string;
  yes: boolean;
}

export function addClusterOptions(command: Command): Command {
  return command
    .option('--kubeconfig <file>', 'kubeconfig file (default: KUBECONFIG, then ~/.kube/config)')
    .option('--context <name>', 'kubeconfig context (default: the current context)')
    .option('--yes', 'allow changing a non-loopback cluster without naming --context', false);
}

/**
 * Connects, prints the target, and refuses a remote cluster unless the user named the context or said --yes:
 * a benchmark that creates thousands of objects must never land on the wrong cluster by accident.
 */
export async function connectGuarded(options: ClusterOptionValues, action: string): Promise<Cluster> {
  const cluster = await Cluster.connect(options);
  process.stderr.write(`${action} ${cluster.describe()}\n`);
  if (!cluster.isLoopback && !options.context && !options.yes) {
    cluster.close();
    throw new UsageError(`${cluster.server} is not on this machine; name the context with --context ${cluster.contextName} or pass --yes`);
  }
  return cluster;
}
