import { ApiObjectMetadata, Size } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { NODE_BUNDLE_CODE_DIR, NODE_BUNDLE_UNPACKED_DIR, nodeBundle } from './node-bundle';
import { IMAGE_PULL_POLICY, RESTRICTED_CONTAINER } from './restricted-pod';

export interface BundledCodeProps {
  /** Metadata of the ConfigMap; its name is required (pods mount it by name). */
  readonly metadata: ApiObjectMetadata & { readonly name: string };
  /** The bundle's text. */
  readonly code: string;
  /** File (and ConfigMap key) name, e.g. "mock-provider.js". */
  readonly fileName: string;
  /** Code larger than this (bytes) is gzipped into the ConfigMap's binaryData. @default 768 KiB */
  readonly gzipThresholdBytes?: number;
  /** Names the owner in errors, e.g. "MockProvider code". */
  readonly what: string;
}

/** The unpack step's container, when the bundle is gzipped: the image and resources of the container that runs it. */
export interface UnpackStepOptions {
  /** Needs `node`. */
  readonly image: string;
  /** Set explicitly, like the main container's (cdk8s-plus would add its own defaults). */
  readonly resources: kplus.ContainerResources;
}

/**
 * One bundled JavaScript file shipped into pods that run a stock Node image: a ConfigMap holding it as `data`, or
 * gzipped in `binaryData` above the threshold (unpacked by an init container running `node` itself, so the image
 * needs no shell or gunzip), mounted read-only. What goes into the ConfigMap is `nodeBundle()`'s; this puts it on
 * cdk8s-plus workloads.
 */
export class BundledCode extends Construct {
  readonly configMap: kplus.ConfigMap;
  /** Absolute path of the runnable file inside a container that `mount`ed it. */
  readonly path: string;
  /** sha256 of the code (hex), for a pod-template annotation so a new bundle rolls the pods. */
  readonly sha256: string;
  private readonly codeVolume: kplus.Volume;
  private readonly unpack?: { readonly volume: kplus.Volume; readonly command: string[] };

  constructor(scope: Construct, id: string, props: BundledCodeProps) {
    super(scope, id);
    // nodeBundle also renders raw pod fragments; only its ConfigMap content and unpack command are used here.
    const bundle = nodeBundle({
      configMapName: props.metadata.name,
      namespace: props.metadata.namespace ?? '',
      labels: props.metadata.labels ?? {},
      code: props.code,
      fileName: props.fileName,
      gzipThresholdBytes: props.gzipThresholdBytes,
      image: '',
      resources: undefined,
      securityContext: {},
      what: props.what,
    });
    this.configMap = new kplus.ConfigMap(this, 'ConfigMap', {
      metadata: props.metadata,
      data: bundle.configMap.data as Record<string, string> | undefined,
      binaryData: bundle.configMap.binaryData as Record<string, string> | undefined,
    });
    this.path = bundle.path;
    this.sha256 = bundle.sha256;
    this.codeVolume = kplus.Volume.fromConfigMap(this, 'Volume', this.configMap, { name: 'code', defaultMode: 0o444 });
    if (bundle.gzipped) {
      this.unpack = {
        volume: kplus.Volume.fromEmptyDir(this, 'Unpacked', 'unpacked', { sizeLimit: Size.mebibytes(64) }),
        command: bundle.initContainers[0].command as string[],
      };
    }
  }

  /** Adds the unpack init container when the bundle is gzipped; call it before adding init containers that run the file. */
  addUnpackStep(workload: kplus.AbstractPod, options: UnpackStepOptions): void {
    if (!this.unpack) return;
    const step = workload.addInitContainer({
      name: 'unpack',
      image: options.image,
      imagePullPolicy: IMAGE_PULL_POLICY,
      command: this.unpack.command,
      resources: options.resources,
      securityContext: RESTRICTED_CONTAINER,
    });
    step.mount(NODE_BUNDLE_CODE_DIR, this.codeVolume, { readOnly: true });
    step.mount(NODE_BUNDLE_UNPACKED_DIR, this.unpack.volume);
  }

  /** Mounts the code read-only into a container that runs `path`. */
  mount(container: kplus.Container): void {
    container.mount(NODE_BUNDLE_CODE_DIR, this.codeVolume, { readOnly: true });
    if (this.unpack) container.mount(NODE_BUNDLE_UNPACKED_DIR, this.unpack.volume, { readOnly: true });
  }
}
