/**
 * A managed cluster on AWS through @pulumi/eks, which is not a dependency of this project: it is imported
 * only when a stack selects `clusterType: eks`, and its absence is reported with the command that fixes it.
 * Configure AWS as for any Pulumi AWS program (`pulumi config set aws:region …`, AWS credentials).
 */

import * as pulumi from '@pulumi/pulumi';
import { EksSettings } from '../config';
import { ClusterImplementation } from './types';

/** The part of @pulumi/eks this program uses. */
export interface EksModule {
  readonly Cluster: new (
    name: string,
    args: { name?: string; instanceType?: string; desiredCapacity?: number; minSize?: number; maxSize?: number; version?: string },
    opts?: pulumi.ComponentResourceOptions,
  ) => pulumi.Resource & { readonly kubeconfigJson: pulumi.Output<string> };
}

export const EKS_PACKAGE = '@pulumi/eks';
export const EKS_MISSING = `npm install @pulumi/eks @pulumi/aws to use clusterType eks (they are not dependencies of aigw-scale)`;

export type ImportModule = (name: string) => Promise<unknown>;
// A variable specifier keeps TypeScript from resolving the optional package at compile time.
const importModule: ImportModule = (name) => import(name);

/** Loads @pulumi/eks, or fails with a message saying how to install it. */
export async function loadEks(load: ImportModule = importModule): Promise<EksModule> {
  let loaded: unknown;
  try {
    loaded = await load(EKS_PACKAGE);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'MODULE_NOT_FOUND' || code === 'ERR_MODULE_NOT_FOUND') throw new pulumi.RunError(EKS_MISSING);
    throw error;
  }
  const eks = loaded as Partial<EksModule>;
  if (typeof eks.Cluster !== 'function') throw new pulumi.RunError(`${EKS_PACKAGE} has no Cluster class; ${EKS_MISSING}`);
  return eks as EksModule;
}

export function eksCluster(parent: pulumi.Resource, name: string, settings: EksSettings, eks: EksModule): ClusterImplementation {
  const cluster = new eks.Cluster(
    'eks',
    { name, instanceType: settings.instanceType, desiredCapacity: settings.nodes, minSize: settings.nodes, maxSize: settings.nodes, version: settings.kubernetesVersion },
    { parent },
  );
  const kubeconfig = pulumi.secret(cluster.kubeconfigJson);
  return { kubeconfig, name, providerArgs: { kubeconfig }, access: { kubeconfigContent: kubeconfig } };
}
