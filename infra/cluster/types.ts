import * as k8s from '@pulumi/kubernetes';
import * as pulumi from '@pulumi/pulumi';

/**
 * How our own CLI (bundle mode) reaches the cluster: the kubeconfig text (kind, managed clusters; a secret,
 * handed to the command through an environment variable and a 0600 temp file) or a file on this machine.
 */
export interface ClusterAccess {
  readonly kubeconfigContent?: pulumi.Output<string>;
  readonly kubeconfigPath?: string;
  readonly context?: string;
}

/** What each cluster implementation gives the Cluster component. */
export interface ClusterImplementation {
  /** The kubeconfig text; always a secret. */
  readonly kubeconfig: pulumi.Output<string>;
  /** A human-readable name: kind cluster name, kubeconfig context, EKS cluster name. */
  readonly name: pulumi.Input<string>;
  /** Provider settings beyond the defaults (the kubeconfig, the context …). */
  readonly providerArgs: k8s.ProviderArgs;
  readonly access: ClusterAccess;
  /** Host port that reaches the Gateway (kind's port mapping), if any. */
  readonly gatewayHostPort?: number;
}
