/**
 * The cluster a stack runs on, as one component whatever its kind: it exposes the `k8s.Provider` every
 * Kubernetes resource of the stack uses, the kubeconfig (a secret) and how our CLI reaches it.
 */

import * as k8s from '@pulumi/kubernetes';
import * as pulumi from '@pulumi/pulumi';
import { ClusterType, InfraConfig } from '../config';
import { EksModule, eksCluster } from './eks';
import { kindCluster } from './kind';
import { kubeconfigCluster } from './kubeconfig';
import { ClusterAccess, ClusterImplementation } from './types';

export const CLUSTER_TYPE_TOKEN = 'aigw-scale:infra:Cluster';

export interface ClusterArgs {
  readonly config: InfraConfig;
  /** @pulumi/eks, loaded by the caller only for clusterType eks. */
  readonly eks?: EksModule;
}

export class Cluster extends pulumi.ComponentResource {
  readonly type: ClusterType;
  readonly provider: k8s.Provider;
  /** The kubeconfig text, a secret. */
  readonly kubeconfig: pulumi.Output<string>;
  readonly clusterName: pulumi.Output<string>;
  readonly access: ClusterAccess;
  readonly gatewayHostPort?: number;

  constructor(name: string, args: ClusterArgs, opts?: pulumi.ComponentResourceOptions) {
    super(CLUSTER_TYPE_TOKEN, name, {}, opts);
    const { config } = args;
    this.type = config.clusterType;
    const impl = this.implementation(args);
    this.kubeconfig = impl.kubeconfig;
    this.clusterName = pulumi.output(impl.name);
    this.access = impl.access;
    this.gatewayHostPort = impl.gatewayHostPort;
    this.provider = new k8s.Provider('k8s', { ...impl.providerArgs, enableServerSideApply: true }, { parent: this });
    this.registerOutputs({ kubeconfig: this.kubeconfig, clusterName: this.clusterName });
  }

  private implementation({ config, eks }: ClusterArgs): ClusterImplementation {
    switch (config.clusterType) {
      case 'kind':
        return kindCluster(this, config.kind!);
      case 'kubeconfig':
        return kubeconfigCluster(config.kubeconfig!);
      case 'eks':
        if (!eks) throw new Error('clusterType eks: load @pulumi/eks with loadEks() first');
        return eksCluster(this, `aigw-scale-${config.stack}`, config.eks!, eks);
    }
  }
}
