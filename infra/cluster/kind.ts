/**
 * A kind cluster as one `command.local.Command`: create writes the generated kind config and runs
 * `kind create cluster` (skipped when the cluster already exists, so a re-run only re-reads the kubeconfig),
 * delete runs `kind delete cluster`. The trigger is the config's hash: a new node image or port mapping
 * replaces the cluster (deleted first: the name stays the same). The kubeconfig the command prints is a
 * secret output and never logged (logging is stderr only).
 */

import { createHash } from 'node:crypto';
import * as command from '@pulumi/command';
import * as pulumi from '@pulumi/pulumi';
import * as YAML from 'yaml';
import { KIND_VERSION, KindSettings, PROJECT_ROOT } from '../config';
import { ClusterImplementation } from './types';

/** The NodePort the Gateway is exposed on inside kind; the host port maps to it. */
export const KIND_GATEWAY_NODE_PORT = 30080;
/** Where the generated kind config and the kubeconfig file are written, relative to the project root (gitignored). */
export const KIND_STATE_DIR = '.aigw-scale/kind';

/** The kind config: one control-plane node on the pinned image, and the Gateway's port mapped to 127.0.0.1. */
export function kindConfig(settings: KindSettings): string {
  const node: Record<string, unknown> = { role: 'control-plane', image: settings.nodeImage };
  if (settings.gatewayPort > 0) {
    node.extraPortMappings = [{ containerPort: KIND_GATEWAY_NODE_PORT, hostPort: settings.gatewayPort, listenAddress: '127.0.0.1', protocol: 'TCP' }];
  }
  return YAML.stringify({ kind: 'Cluster', apiVersion: 'kind.x-k8s.io/v1alpha4', name: settings.name, nodes: [node] });
}

export const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');

const REQUIRE_KIND = `command -v kind >/dev/null 2>&1 || { echo "kind is not on PATH: install kind ${KIND_VERSION} (https://kind.sigs.k8s.io/docs/user/quick-start/#installation) and Docker" >&2; exit 127; }`;

/** Creates the cluster unless it exists, then prints its kubeconfig (stdout, a secret output). */
export const KIND_CREATE_SCRIPT = [
  'set -eu',
  REQUIRE_KIND,
  `dir="${KIND_STATE_DIR}/$KIND_CLUSTER_NAME"`,
  'mkdir -p "$dir"',
  `printf '%s\\n' "$KIND_CONFIG" > "$dir/kind-config.yaml"`,
  'if ! kind get clusters 2>/dev/null | grep -qx "$KIND_CLUSTER_NAME"; then',
  '  kind create cluster --config "$dir/kind-config.yaml" --kubeconfig "$dir/kubeconfig" --wait 180s >&2',
  'fi',
  'umask 077',
  'kind get kubeconfig --name "$KIND_CLUSTER_NAME" > "$dir/kubeconfig"',
  'cat "$dir/kubeconfig"',
].join('\n');

export const KIND_DELETE_SCRIPT = [
  'set -eu',
  REQUIRE_KIND,
  'kind delete cluster --name "$KIND_CLUSTER_NAME" >&2',
  `rm -rf "${KIND_STATE_DIR}/$KIND_CLUSTER_NAME"`,
].join('\n');

export function kindCluster(parent: pulumi.Resource, settings: KindSettings): ClusterImplementation {
  const config = kindConfig(settings);
  const create = new command.local.Command(
    'kind',
    {
      create: KIND_CREATE_SCRIPT,
      delete: KIND_DELETE_SCRIPT,
      dir: PROJECT_ROOT,
      environment: { KIND_CLUSTER_NAME: settings.name, KIND_CONFIG: config },
      triggers: [sha256(config)],
      logging: 'stderr',
    },
    { parent, additionalSecretOutputs: ['stdout'], deleteBeforeReplace: true },
  );
  const kubeconfig = pulumi.secret(create.stdout);
  return {
    kubeconfig,
    name: settings.name,
    // A kind cluster that is gone takes its objects with it: let destroy drop them from the state.
    providerArgs: { kubeconfig, deleteUnreachable: true },
    access: { kubeconfigContent: kubeconfig },
    gatewayHostPort: settings.gatewayPort > 0 ? settings.gatewayPort : undefined,
  };
}
