import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { PROJECT_ROOT } from '../upstream/dirs';

/** The build script: the single place where component versions are pinned. */
export const BUILD_SCRIPT = path.join(PROJECT_ROOT, 'src', 'local', 'build-binaries.sh');

/** The local cluster's binaries, and kubectl at the apiserver's version (the apply benchmark's baseline). */
export const COMPONENTS = ['etcd', 'kube-apiserver', 'kube-controller-manager', 'kube-scheduler', 'kwok', 'kubectl'] as const;
export type Component = (typeof COMPONENTS)[number];
/** What `local up --control-plane-only` runs. */
export const CONTROL_PLANE_COMPONENTS: readonly Component[] = ['etcd', 'kube-apiserver'];
/** What `local up` runs: the control plane, the controller manager, the scheduler and kwok's fake nodes. */
export const LOCAL_CLUSTER_COMPONENTS: readonly Component[] = [...CONTROL_PLANE_COMPONENTS, 'kube-controller-manager', 'kube-scheduler', 'kwok'];
/** The real controllers (`local up --controllers`) and the AI Gateway external processor; built only on request (`local build --with-controllers`). */
export const CONTROLLER_COMPONENTS = ['ai-gateway-controller', 'ai-gateway-extproc', 'envoy-gateway', 'aigw-scale-probe'] as const;
export type ControllerComponent = (typeof CONTROLLER_COMPONENTS)[number];
export type AnyComponent = Component | ControllerComponent;

/** Paths the build script reports: each binary, plus `kwok-stages` (kwok's Stage configs) and `kwok-crds` (its PortForward CRD) with kwok. */
export type BinaryPaths = Record<Component, string> & Partial<Record<ControllerComponent, string>> & { 'kwok-stages'?: string; 'kwok-crds'?: string };

/** Paths of the cached binaries, as the build script reports them. */
export function binaryPaths(components: readonly AnyComponent[] = COMPONENTS): BinaryPaths {
  const result = spawnSync('bash', [BUILD_SCRIPT, '--only', components.join(','), '--print-paths'], { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`${BUILD_SCRIPT} --print-paths failed: ${result.stderr}`);
  return Object.fromEntries(result.stdout.trim().split('\n').map((line) => line.split('=', 2))) as BinaryPaths;
}

/** The binaries, or an error naming the command that builds the missing ones. */
export function requireBinaries(components: readonly AnyComponent[]): BinaryPaths {
  const paths = binaryPaths(components);
  const wanted: (keyof BinaryPaths)[] = [...components, ...(components.includes('kwok') ? (['kwok-stages', 'kwok-crds'] as const) : [])];
  const missing = wanted.filter((c) => !fs.existsSync(paths[c]!));
  if (missing.length > 0) {
    const controllers = missing.filter((c): c is ControllerComponent => (CONTROLLER_COMPONENTS as readonly string[]).includes(c));
    const how =
      controllers.length === missing.length
        ? `\`npx aigw-scale local build --with-controllers\` (needs Go, and the AI Gateway source archive when the module proxy refuses github.com/envoyproxy/ai-gateway: AIGW_SCALE_AI_GATEWAY_SRC, default ../shared/upstream-src/; about 20 min cold)`
        : `\`npx aigw-scale local build${controllers.length > 0 ? ' --with-controllers' : ''}\` (needs Go; about 15 min cold)`;
    throw new Error(`missing ${missing.join(', ')} (looked in ${path.dirname(path.dirname(paths[missing[0]]!))}); build them with ${how}`);
  }
  return paths;
}
