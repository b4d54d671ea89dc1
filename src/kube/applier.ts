import * as fs from 'node:fs';
import * as path from 'node:path';
import * as YAML from 'yaml';
import { APPLYSET_GROUP_KINDS_ANNOTATION, APPLYSET_PART_OF_LABEL, ApplySetParentRef, applySetId, applySetParent, groupKind, parseGroupKinds } from './applyset';
import { Cluster, RETRY_ATTEMPTS, messageOf, retryRequest } from './cluster';
import { forEachConcurrently } from './concurrency';
import { ObjectVersion, changed, deleteObjects, listApplySetMembers, objectKey, versionOf } from './inventory';
import { RateLimiter } from './rate-limiter';
import { ObjectRef, ResourceMap, UnknownKindError } from './resources';

export const FIELD_MANAGER = 'aigw-scale';

/** A Kubernetes object to apply. */
export interface ApplyObject extends ObjectRef {
  readonly metadata: { readonly name: string; readonly namespace?: string; readonly labels?: Record<string, string>; readonly [field: string]: unknown };
  readonly [field: string]: unknown;
}

export interface ApplyOptions {
  /** Server-side apply field manager. @default "aigw-scale" */
  readonly fieldManager?: string;
  /** Requests in flight at once. @default 32 */
  readonly concurrency?: number;
  /** Client-side rate limit in requests per second; 0 = none. @default 0 */
  readonly qps?: number;
  /** Burst allowed above qps. @default qps */
  readonly burst?: number;
  /** Attempts per object on 429, 5xx, conflicts and connection errors, with exponential backoff. @default 8 */
  readonly maxAttempts?: number;
  /** Stops scheduling new requests; what was applied stays applied and a rerun completes the rest. */
  readonly signal?: AbortSignal;
  /** Called after each object with counts so far. */
  readonly onProgress?: (done: number, total: number) => void;
}

/** One object the apiserver refused, with its own message (CEL, schema, forbidden …). */
export interface ObjectFailure {
  readonly object: string;
  readonly status: number;
  readonly message: string;
}

export interface ApplyResult {
  readonly total: number;
  readonly created: number;
  readonly configured: number;
  readonly unchanged: number;
  readonly pruned: number;
  readonly failed: readonly ObjectFailure[];
  readonly retries: number;
  readonly seconds: number;
  /** True when the signal stopped the run before every object was applied. */
  readonly interrupted: boolean;
}

/** `Kind namespace/name`, how objects are named in messages. */
export const describeObject = (o: ObjectRef): string => `${o.kind} ${o.metadata.namespace ? `${o.metadata.namespace}/` : ''}${o.metadata.name}`;
const keyOf = (o: ObjectRef): string => objectKey(groupKind(o.apiVersion, o.kind), o.metadata.namespace, o.metadata.name);

const RETRYABLE = new Set([409, 429, 500, 502, 503, 504]);

/** Outcome of one server-side apply. */
export type Outcome = { kind: 'created' | 'applied'; version: ObjectVersion; creationTimestamp?: string } | { kind: 'failed'; failure: ObjectFailure } | { kind: 'skipped' };

/** Server-side applies objects with bounded concurrency, a rate limit and retries. */
export class Applier {
  private readonly limiter: RateLimiter;
  private readonly options: Required<Omit<ApplyOptions, 'signal' | 'onProgress' | 'burst'>> & ApplyOptions;
  retries = 0;

  constructor(private readonly cluster: Cluster, readonly resources: ResourceMap, options: ApplyOptions = {}) {
    this.options = { fieldManager: FIELD_MANAGER, concurrency: 32, qps: 0, maxAttempts: RETRY_ATTEMPTS, ...options };
    this.limiter = new RateLimiter(this.options.qps, options.burst);
  }

  /** Applies one object, retrying what is worth retrying. */
  async applyOne(object: ApplyObject): Promise<Outcome> {
    let path: string;
    try {
      path = await this.resources.objectPath(object);
    } catch (error) {
      if (error instanceof UnknownKindError) return { kind: 'failed', failure: { object: describeObject(object), status: 404, message: error.message } };
      throw error;
    }
    const query = `?fieldManager=${encodeURIComponent(this.options.fieldManager)}&force=true`;
    const response = await retryRequest(
      async () => {
        await this.limiter.take();
        return this.cluster.request('PATCH', path + query, object, 'application/apply-patch+yaml');
      },
      { attempts: this.options.maxAttempts, retryable: (status) => RETRYABLE.has(status), onRetry: () => this.retries++, signal: this.options.signal },
    );
    if (!response) return { kind: 'skipped' };
    const { status, body } = response;
    if (status === 200 || status === 201) {
      return { kind: status === 201 ? 'created' : 'applied', version: versionOf(body.metadata), creationTimestamp: body.metadata.creationTimestamp };
    }
    return { kind: 'failed', failure: { object: describeObject(object), status, message: messageOf(body) } };
  }

  /**
   * Applies all objects, `concurrency` at a time. `existing` maps object keys to their versions before the run,
   * so an apply that changed nothing counts as unchanged.
   */
  async applyAll(objects: readonly ApplyObject[], existing: ReadonlyMap<string, ObjectVersion>, progress: { done: number; total: number }) {
    const counts = { created: 0, configured: 0, unchanged: 0 };
    const failed: ObjectFailure[] = [];
    const aborted = () => this.options.signal?.aborted ?? false;
    await forEachConcurrently(
      objects,
      this.options.concurrency,
      async (object) => {
        const outcome = await this.applyOne(object);
        if (outcome.kind === 'skipped') return;
        if (outcome.kind === 'failed') failed.push(outcome.failure);
        else if (outcome.kind === 'created') counts.created++;
        else {
          const before = existing.get(keyOf(object));
          if (before && !changed(before, outcome.version)) counts.unchanged++;
          else counts.configured++;
        }
        progress.done++;
        this.options.onProgress?.(progress.done, progress.total);
      },
      aborted,
    );
    return { ...counts, failed };
  }
}

/** Labels objects as members of an ApplySet (for callers that apply members one by one, like the benchmark). */
export function applySetMember(parent: ApplySetParentRef): (o: ApplyObject) => ApplyObject {
  const setId = applySetId(parent);
  return (o) => ({ ...o, metadata: { ...o.metadata, labels: { ...o.metadata.labels, [APPLYSET_PART_OF_LABEL]: setId } } });
}

/**
 * The order objects are applied in: the Namespaces first wherever they were listed (everything else, an ApplySet
 * parent included, may live in them), then each group in turn without them; empty groups dropped.
 */
export function namespacesFirst(groups: readonly (readonly ApplyObject[])[]): ApplyObject[][] {
  const isNamespace = (o: ApplyObject) => o.apiVersion === 'v1' && o.kind === 'Namespace';
  return [groups.flat().filter(isNamespace), ...groups.map((group) => group.filter((o) => !isNamespace(o)))].filter((group) => group.length > 0);
}

/** A directory of manifests (`aigw-scale synth`'s, or any YAML) as one group per .yaml file, in file-name order. */
export function readManifestDir(dir: string): ApplyObject[][] {
  const files = fs.readdirSync(dir).filter((f) => /\.ya?ml$/.test(f)).sort();
  return files.map((file) =>
    YAML.parseAllDocuments(fs.readFileSync(path.join(dir, file), 'utf8'))
      .map((doc) => doc.toJSON() as ApplyObject | null)
      .filter((o): o is ApplyObject => o !== null),
  );
}

/** What `applySet` applies: objects in groups applied in order (e.g. namespace, gateway, backends, routes). */
export interface ApplySetRequest {
  readonly parent: ApplySetParentRef;
  /** Labels for the parent (the fixture's labels). */
  readonly labels: Record<string, string>;
  readonly groups: readonly (readonly ApplyObject[])[];
}

/**
 * Applies a fixture as an ApplySet: records the inventory on the parent, server-side applies every member
 * (labelled as part of the set), then prunes members of an earlier apply that are no longer wanted. A rerun
 * with the same objects changes nothing; an interrupted run is completed by the next one.
 */
export async function applySet(cluster: Cluster, request: ApplySetRequest, options: ApplyOptions = {}): Promise<ApplyResult> {
  const started = performance.now();
  const resources = new ResourceMap(cluster);
  const applier = new Applier(cluster, resources, options);
  const label = applySetMember(request.parent);
  const setId = applySetId(request.parent);
  const groups = namespacesFirst(request.groups).map((group) => group.map(label));
  const members = groups.flat();
  const wantedKinds = new Set(members.map((o) => groupKind(o.apiVersion, o.kind)));

  const previousParent = await cluster.requestRetrying('GET', await resources.objectPath({ apiVersion: 'v1', kind: 'ConfigMap', metadata: request.parent }));
  const previousKinds = previousParent.status === 200 ? parseGroupKinds(previousParent.body.metadata.annotations?.[APPLYSET_GROUP_KINDS_ANNOTATION]) : [];
  const existing = await listApplySetMembers(cluster, resources, setId, [...previousKinds, ...wantedKinds], request.parent.namespace);

  const progress = { done: 0, total: members.length };
  const totals = { created: 0, configured: 0, unchanged: 0 };
  const failed: ObjectFailure[] = [];
  let parentApplied = false;
  for (const group of groups) {
    // The parent lives in the fixture namespace, so it is applied once that namespace exists. Until pruning is
    // done it lists old and new kinds, so an interruption never hides members from the next prune.
    if (!parentApplied && (await containsNamespaced(resources, group))) {
      const outcome = await applier.applyOne(applySetParent(request.parent, request.labels, [...previousKinds, ...wantedKinds]));
      if (outcome.kind === 'failed') failed.push(outcome.failure);
      parentApplied = true;
    }
    if (failed.length > 0) break;
    const result = await applier.applyAll(group, existing, progress);
    totals.created += result.created;
    totals.configured += result.configured;
    totals.unchanged += result.unchanged;
    failed.push(...result.failed);
    if (failed.length > 0 || options.signal?.aborted) break; // later groups depend on earlier ones
  }

  const interrupted = progress.done < members.length && failed.length === 0;
  let pruned = 0;
  if (!interrupted && failed.length === 0) {
    const wanted = new Set(members.map((o) => objectKey(groupKind(o.apiVersion, o.kind), o.metadata.namespace, o.metadata.name)));
    pruned = await deleteObjects(cluster, resources, [...existing].filter(([key]) => !wanted.has(key)).map(([, listed]) => listed.ref));
    const outcome = await applier.applyOne(applySetParent(request.parent, request.labels, wantedKinds));
    if (outcome.kind === 'failed') failed.push(outcome.failure);
  }
  return { total: members.length, ...totals, pruned, failed, retries: applier.retries, seconds: (performance.now() - started) / 1000, interrupted };
}

async function containsNamespaced(resources: ResourceMap, group: readonly ApplyObject[]): Promise<boolean> {
  for (const o of group) if ((await resources.lookup(o.apiVersion, o.kind).catch(() => undefined))?.namespaced) return true;
  return false;
}
