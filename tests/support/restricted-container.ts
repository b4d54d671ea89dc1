/**
 * The container security context every workload of ours must render (non-root, read-only root filesystem, no
 * privilege escalation, all capabilities dropped, the runtime's default seccomp profile), written out here once so
 * the construct tests assert the same thing without importing the production constant they check.
 */
export const RESTRICTED_CONTAINER_SECURITY_CONTEXT = {
  runAsNonRoot: true,
  runAsUser: 1000,
  runAsGroup: 1000,
  privileged: false, // cdk8s-plus renders the default explicitly
  allowPrivilegeEscalation: false,
  readOnlyRootFilesystem: true,
  capabilities: { drop: ['ALL'] },
  seccompProfile: { type: 'RuntimeDefault' },
} as const;
