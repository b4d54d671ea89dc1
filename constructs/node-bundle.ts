import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { Manifest } from './manifest';

/**
 * Shipping one bundled JavaScript file into a pod that runs a stock Node image: the file goes into a ConfigMap
 * (as plain `data`, or gzipped into `binaryData` above a threshold, unpacked by an init container that runs
 * `node` itself, so the image needs no shell or gunzip), mounted read-only. Used by the MockProvider and the
 * BenchJob; pure (no I/O), like every construct.
 */

export const DEFAULT_GZIP_THRESHOLD_BYTES = 768 * 1024;
/** Kubernetes refuses objects (a ConfigMap's data plus metadata) above 1 MiB; keep headroom for metadata. */
export const CONFIGMAP_DATA_LIMIT_BYTES = 1024 * 1024 - 16 * 1024;
/** Where the ConfigMap is mounted. */
export const NODE_BUNDLE_CODE_DIR = '/app';
/** Where the init container writes the unpacked file when the bundle is gzipped. */
export const NODE_BUNDLE_UNPACKED_DIR = '/unpacked';

/** A container's securityContext, as the pod spec takes it. */
export type ContainerSecurityContext = Record<string, unknown>;

export interface NodeBundleProps {
  /** Name of the code ConfigMap. */
  readonly configMapName: string;
  readonly namespace: string;
  readonly labels: Readonly<Record<string, string>>;
  /** The bundle's text. */
  readonly code: string;
  /** File (and ConfigMap key) name, e.g. "mock-provider.js". */
  readonly fileName: string;
  /** Code larger than this (bytes) is gzipped into binaryData. @default 768 KiB */
  readonly gzipThresholdBytes?: number;
  /** Image, resources and securityContext of the unpack init container (the same as the main container's). */
  readonly image: string;
  readonly resources: unknown;
  readonly securityContext: ContainerSecurityContext;
  /** Names the owner in errors, e.g. "MockProvider code". */
  readonly what: string;
}

/** What a pod needs to run the bundle: the ConfigMap, where the file is, and the pod-spec fragments. */
export interface NodeBundle {
  readonly configMap: Manifest;
  readonly gzipped: boolean;
  /** Absolute path of the runnable file inside the main container. */
  readonly path: string;
  /** sha256 of the code (hex), for a pod-template annotation so a new bundle rolls the pods. */
  readonly sha256: string;
  /** Volumes to add to the pod (`code`, plus `unpacked` when gzipped). */
  readonly volumes: readonly Record<string, unknown>[];
  /** Mounts for the container that runs the file. */
  readonly volumeMounts: readonly Record<string, unknown>[];
  /** Init containers to run first (the unpack step when gzipped, else none). */
  readonly initContainers: readonly Record<string, unknown>[];
}

/** The ConfigMap and pod fragments for one bundled file; throws when the ConfigMap would exceed the limit. */
export function nodeBundle(props: NodeBundleProps): NodeBundle {
  const codeBytes = Buffer.byteLength(props.code);
  const gzip = codeBytes > (props.gzipThresholdBytes ?? DEFAULT_GZIP_THRESHOLD_BYTES);
  const metadata = { name: props.configMapName, namespace: props.namespace, labels: { ...props.labels } };
  const configMap: Manifest = gzip
    ? { apiVersion: 'v1', kind: 'ConfigMap', metadata, binaryData: { [`${props.fileName}.gz`]: gzipBytes(props.code).toString('base64') } }
    : { apiVersion: 'v1', kind: 'ConfigMap', metadata, data: { [props.fileName]: props.code } };
  checkConfigMapSize(configMap, props.what);

  const codeMount = { name: 'code', mountPath: NODE_BUNDLE_CODE_DIR, readOnly: true };
  // Unpacks the gzipped bundle with node itself (no shell or gunzip needed in the image).
  const unpack = `require('fs').writeFileSync('${NODE_BUNDLE_UNPACKED_DIR}/${props.fileName}', require('zlib').gunzipSync(require('fs').readFileSync('${NODE_BUNDLE_CODE_DIR}/${props.fileName}.gz')))`;
  return {
    configMap,
    gzipped: gzip,
    path: `${gzip ? NODE_BUNDLE_UNPACKED_DIR : NODE_BUNDLE_CODE_DIR}/${props.fileName}`,
    sha256: createHash('sha256').update(props.code).digest('hex'),
    volumes: [
      { name: 'code', configMap: { name: props.configMapName, defaultMode: 0o444 } },
      ...(gzip ? [{ name: 'unpacked', emptyDir: { sizeLimit: '64Mi' } }] : []),
    ],
    volumeMounts: [codeMount, ...(gzip ? [{ name: 'unpacked', mountPath: NODE_BUNDLE_UNPACKED_DIR, readOnly: true }] : [])],
    initContainers: gzip
      ? [
          {
            name: 'unpack',
            image: props.image,
            command: ['node', '-e', unpack],
            resources: props.resources,
            securityContext: props.securityContext,
            volumeMounts: [codeMount, { name: 'unpacked', mountPath: NODE_BUNDLE_UNPACKED_DIR }],
          },
        ]
      : [],
  };
}

/** gzip with the header's OS byte fixed to "unknown", so the bytes do not depend on the synthesizing platform. */
export function gzipBytes(text: string): Buffer {
  const bytes = gzipSync(text, { level: 9 });
  bytes[9] = 0xff;
  return bytes;
}

/** Bytes a ConfigMap's data and binaryData take (keys plus values, binaryData as its base64 text). */
export function configMapDataBytes(configMap: Manifest): number {
  const data = { ...(configMap.data as Record<string, string> | undefined), ...(configMap.binaryData as Record<string, string> | undefined) };
  return Object.entries(data).reduce((total, [key, value]) => total + key.length + Buffer.byteLength(value), 0);
}

/** Throws when a ConfigMap would exceed what Kubernetes stores in one object. */
export function checkConfigMapSize(configMap: Manifest, what: string): void {
  const bytes = configMapDataBytes(configMap);
  if (bytes > CONFIGMAP_DATA_LIMIT_BYTES) {
    throw new Error(`${what} ConfigMap ${configMap.metadata.name} holds ${bytes} bytes, over the ${CONFIGMAP_DATA_LIMIT_BYTES}-byte limit of a ConfigMap`);
  }
}

/** Requests and limits of one container, as Kubernetes quantities (set explicitly: no defaults from the cluster). */
export interface ContainerResources {
  readonly requests: { readonly cpu: string; readonly memory: string };
  readonly limits: { readonly cpu: string; readonly memory: string };
}

/** The non-root user the shipped-code pods run as (the stock node image's `node` user). */
const NODE_USER_ID = 1000;

/** Container security context for shipped-code containers: non-root, read-only root fs, no privileges. */
export const RESTRICTED_CONTAINER_SECURITY_CONTEXT = {
  runAsNonRoot: true,
  runAsUser: NODE_USER_ID,
  runAsGroup: NODE_USER_ID,
  allowPrivilegeEscalation: false,
  readOnlyRootFilesystem: true,
  capabilities: { drop: ['ALL'] },
  seccompProfile: { type: 'RuntimeDefault' },
};

/** Pod security context to match: the same user, and volumes writable by it. */
export const RESTRICTED_POD_SECURITY_CONTEXT = {
  runAsNonRoot: true,
  runAsUser: NODE_USER_ID,
  runAsGroup: NODE_USER_ID,
  fsGroup: NODE_USER_ID,
  seccompProfile: { type: 'RuntimeDefault' },
};
