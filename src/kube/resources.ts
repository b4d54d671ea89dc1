import { Cluster, messageOf } from './cluster';

/** Where a kind lives in the REST API. */
export interface ResourceInfo {
  readonly apiVersion: string;
  readonly kind: string;
  /** Plural resource name, e.g. `aigatewayroutes`. */
  readonly plural: string;
  readonly namespaced: boolean;
}

/** An object reference, enough to address it. */
export interface ObjectRef {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: { readonly name: string; readonly namespace?: string };
}

/** Thrown when the cluster does not serve a kind (usually: CRDs not installed). */
export class UnknownKindError extends Error {
  constructor(readonly apiVersion: string, readonly kind: string) {
    super(`the cluster does not serve ${kind} (${apiVersion}); install the CRDs first, e.g. \`aigw-scale apply --crds ../shared/crds …\``);
    this.name = 'UnknownKindError';
  }
}

/** Discovery, cached per group-version: maps apiVersion + kind to its REST path. */
export class ResourceMap {
  private readonly groupVersions = new Map<string, Promise<Map<string, ResourceInfo>>>();

  constructor(private readonly cluster: Cluster) {}

  async lookup(apiVersion: string, kind: string): Promise<ResourceInfo> {
    let resources = await this.load(apiVersion);
    if (!resources.has(kind)) {
      // A CRD installed since the first look: ask again once.
      this.groupVersions.delete(apiVersion);
      resources = await this.load(apiVersion);
    }
    const info = resources.get(kind);
    if (!info) throw new UnknownKindError(apiVersion, kind);
    return info;
  }

  /** Resolves a group-kind (`Kind.group`, or `Kind` for core) through the group's preferred version. */
  async lookupGroupKind(groupKind: string): Promise<ResourceInfo | undefined> {
    const dot = groupKind.indexOf('.');
    const kind = dot < 0 ? groupKind : groupKind.slice(0, dot);
    const group = dot < 0 ? '' : groupKind.slice(dot + 1);
    let apiVersion = 'v1';
    if (group) {
      const response = await this.cluster.requestRetrying<{ preferredVersion?: { groupVersion: string } }>('GET', `/apis/${group}`);
      if (response.status === 404) return undefined;
      if (response.status !== 200 || !response.body.preferredVersion) throw new Error(`discovery of ${group} failed with HTTP ${response.status}: ${messageOf(response.body)}`);
      apiVersion = response.body.preferredVersion.groupVersion;
    }
    return this.lookup(apiVersion, kind).catch((error) => {
      if (error instanceof UnknownKindError) return undefined;
      throw error;
    });
  }

  /** `/apis/<group>/<version>[/namespaces/<ns>]/<plural>` (or `/api/v1/...` for the core group). */
  async collectionPath(apiVersion: string, kind: string, namespace?: string): Promise<string> {
    const info = await this.lookup(apiVersion, kind);
    const prefix = apiVersion.includes('/') ? `/apis/${apiVersion}` : `/api/${apiVersion}`;
    return info.namespaced && namespace ? `${prefix}/namespaces/${namespace}/${info.plural}` : `${prefix}/${info.plural}`;
  }

  async objectPath(ref: ObjectRef): Promise<string> {
    const info = await this.lookup(ref.apiVersion, ref.kind);
    const namespace = info.namespaced ? (ref.metadata.namespace ?? 'default') : undefined;
    return `${await this.collectionPath(ref.apiVersion, ref.kind, namespace)}/${encodeURIComponent(ref.metadata.name)}`;
  }

  private load(apiVersion: string): Promise<Map<string, ResourceInfo>> {
    let pending = this.groupVersions.get(apiVersion);
    if (!pending) {
      pending = this.fetch(apiVersion);
      this.groupVersions.set(apiVersion, pending);
      pending.catch(() => this.groupVersions.delete(apiVersion));
    }
    return pending;
  }

  private async fetch(apiVersion: string): Promise<Map<string, ResourceInfo>> {
    const path = apiVersion.includes('/') ? `/apis/${apiVersion}` : `/api/${apiVersion}`;
    const response = await this.cluster.requestRetrying<{ resources: { name: string; kind: string; namespaced: boolean }[] }>('GET', path);
    const resources = new Map<string, ResourceInfo>();
    if (response.status === 404) return resources;
    if (response.status !== 200) throw new Error(`discovery of ${apiVersion} failed with HTTP ${response.status}: ${messageOf(response.body)}`);
    for (const resource of response.body.resources) {
      if (resource.name.includes('/')) continue; // subresources such as aigatewayroutes/status
      resources.set(resource.kind, { apiVersion, kind: resource.kind, plural: resource.name, namespaced: resource.namespaced });
    }
    return resources;
  }
}
