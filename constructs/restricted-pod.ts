import { ApiObject, JsonPatch } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';

/**
 * What the shipped-code workloads (MockProvider, BenchJob) share: the restricted security contexts in cdk8s-plus
 * terms, and the few pod-template fields cdk8s-plus-28 cannot express, patched onto the synthesized object.
 */

/** The stock node image's `node` user, which the shipped-code pods run as. */
const NODE_USER_ID = 1000;

/** Non-root, read-only root filesystem, no privileges or capabilities, the runtime's seccomp profile. */
export const RESTRICTED_CONTAINER: kplus.ContainerSecurityContextProps = {
  ensureNonRoot: true,
  user: NODE_USER_ID,
  group: NODE_USER_ID,
  privileged: false,
  allowPrivilegeEscalation: false,
  readOnlyRootFilesystem: true,
  capabilities: { drop: [kplus.Capability.ALL] },
  seccompProfile: { type: kplus.SeccompProfileType.RUNTIME_DEFAULT },
};

/** The same user for the pod, and volumes writable by it. */
export const RESTRICTED_POD: kplus.PodSecurityContextProps = {
  ensureNonRoot: true,
  user: NODE_USER_ID,
  group: NODE_USER_ID,
  fsGroup: NODE_USER_ID,
};

/** cdk8s-plus defaults to Always; the images are pinned tags, and local clusters have no registry to re-pull from. */
export const IMAGE_PULL_POLICY = kplus.ImagePullPolicy.IF_NOT_PRESENT;

/** The label cdk8s-plus puts on every pod template (`/` escaped for a JSON pointer). */
const ADDRESS_LABEL_POINTER = `/spec/template/metadata/labels/${kplus.Pod.ADDRESS_LABEL.replace(/~/g, '~0').replace(/\//g, '~1')}`;

/**
 * Patches a workload's pod template where cdk8s-plus-28 has no prop:
 * - the pod-level seccomp profile (PodSecurityContextProps has none; the restricted Pod Security Standard wants it),
 * - `enableServiceLinks: false` (no prop; the mock sits behind one Service per backend, thousands of env vars otherwise),
 * - drops the `cdk8s.io/metadata.addr` label: its value is the construct path, so the same workload would differ
 *   between a chart and the construct-free manifests, and moving the construct would roll the pods.
 */
export function restrictPodTemplate(workload: kplus.Workload): void {
  ApiObject.of(workload).addJsonPatch(
    JsonPatch.add('/spec/template/spec/securityContext/seccompProfile', { type: kplus.SeccompProfileType.RUNTIME_DEFAULT }),
    JsonPatch.add('/spec/template/spec/enableServiceLinks', false),
    JsonPatch.remove(ADDRESS_LABEL_POINTER),
  );
}

/**
 * A named port where cdk8s-plus-28 only takes numbers (probes, Service targetPort): the value in its own IntOrString
 * type, so its renderer turns it into the string. `pointer` is a JSON pointer into the object.
 */
export function namedPort(apiObject: ApiObject, pointer: string, portName: string): void {
  apiObject.addJsonPatch(JsonPatch.add(pointer, kplus.k8s.IntOrString.fromString(portName)));
}
