import { Cluster, messageOf } from '../kube/cluster';
import { ResourceInfo, ResourceMap, UnknownKindError } from '../kube/resources';
import { Watch, WatchedObject } from '../kube/watch';
import type { MilestoneSpec } from '../results/scenario';
import { nowMs } from '../time/clock';

/** The first time one object satisfied one milestone, as the watch saw it. */
export interface ObservedMilestone {
  /** `Kind/namespace/name` (`Kind/name` for cluster-scoped kinds). */
  readonly object: string;
  /** The MilestoneSpec's name. */
  readonly milestone: string;
  /** Client clock (Unix ms) when the event that met the milestone arrived. */
  readonly clientTimeMs: number;
  /** The condition's lastTransitionTime (per parent: the latest one); absent for paths or when the server gave none. */
  readonly serverTime?: string;
  readonly uid: string;
  readonly name: string;
  readonly kind: string;
}

export interface MilestoneWatcherOptions {
  /** The run's namespace: every watch is on this namespace's collection of a kind. */
  readonly namespace: string;
  readonly specs: readonly MilestoneSpec[];
  /** Called once per object (by UID) and milestone, in the order events arrive. */
  readonly onMilestone: (milestone: ObservedMilestone) => void;
  /** Stops every watch, like stop(). */
  readonly signal?: AbortSignal;
  /** Ask the server to end each watch request after this long (it is resumed); absent: the server's timeout. */
  readonly watchTimeoutSeconds?: number;
}

/** Thrown by MilestoneWatcher.start for a spec it cannot watch; the message names the milestone and the fix. */
export class MilestoneSpecError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MilestoneSpecError';
  }
}

/**
 * Times status milestones with one watch per kind (never per object): the first time an object, by UID,
 * satisfies a MilestoneSpec it is reported with the client clock and the server's transition time. Objects that
 * already satisfy it when the watch starts are reported then; a recreated object (new UID) is timed again.
 */
export class MilestoneWatcher {
  private constructor(private readonly watches: readonly { readonly kind: string; readonly watch: Watch }[]) {}

  /** Resolves once every watch has listed and is streaming; rejects for an unknown kind or apiVersion. */
  static async start(cluster: Cluster, options: MilestoneWatcherOptions): Promise<MilestoneWatcher> {
    for (const spec of options.specs) checkSpec(spec);
    const resources = new ResourceMap(cluster);
    const resolved = await Promise.all(options.specs.map(async (spec) => ({ spec, info: await resolveKind(cluster, resources, spec) })));

    // One watch per kind, serving every milestone declared on it.
    const byKind = new Map<string, { info: ResourceInfo; specs: MilestoneSpec[] }>();
    for (const { spec, info } of resolved) {
      const key = `${info.apiVersion}/${info.kind}`;
      const entry = byKind.get(key) ?? { info, specs: [] };
      entry.specs.push(spec);
      byKind.set(key, entry);
    }

    const started: { kind: string; watch: Watch }[] = [];
    try {
      for (const { info, specs } of byKind.values()) {
        const reported = new Set<string>();
        const onEvent = (type: string, object: WatchedObject) => {
          if (type === 'DELETED') return;
          const clientTimeMs = nowMs();
          const { name, namespace, uid } = object.metadata;
          for (const spec of specs) {
            const key = `${spec.name}\0${uid}`;
            if (reported.has(key)) continue;
            const { met, serverTime } = milestoneSatisfied(spec, object);
            if (!met) continue;
            reported.add(key);
            const objectName = namespace ? `${info.kind}/${namespace}/${name}` : `${info.kind}/${name}`;
            options.onMilestone({ object: objectName, milestone: spec.name, clientTimeMs, ...(serverTime ? { serverTime } : {}), uid, name, kind: info.kind });
          }
        };
        const collectionPath = await resources.collectionPath(info.apiVersion, info.kind, options.namespace);
        const watch = await Watch.start(cluster, { collectionPath, onEvent, signal: options.signal, timeoutSeconds: options.watchTimeoutSeconds });
        started.push({ kind: `${info.kind} (${info.apiVersion})`, watch });
      }
    } catch (error) {
      await Promise.all(started.map(({ watch }) => watch.stop()));
      throw error;
    }
    return new MilestoneWatcher(started);
  }

  /** Watch problems seen so far, each prefixed with its kind; resumes after a normal end are not problems. */
  get errors(): readonly string[] {
    return this.watches.flatMap(({ kind, watch }) => watch.errors.map((message) => `${kind}: ${message}`));
  }

  /** Requests made, summed over the watches (lists, watch requests, relists, events, bookmarks). */
  get stats(): Watch['stats'] {
    const total = { lists: 0, watches: 0, relists: 0, events: 0, bookmarks: 0 };
    for (const { watch } of this.watches) for (const key of Object.keys(total) as (keyof typeof total)[]) total[key] += watch.stats[key];
    return total;
  }

  /** Stops every watch; nothing is reported after it resolves. */
  async stop(): Promise<void> {
    await Promise.all(this.watches.map(({ watch }) => watch.stop()));
  }
}

/** A spec names a condition or a path (or both: then both must hold). */
function checkSpec(spec: MilestoneSpec): void {
  if (!spec.condition && !spec.path) throw new MilestoneSpecError(`milestone "${spec.name}" on ${spec.kind} has neither a condition nor a path; add \`condition: {type: Accepted}\` or \`path: status.addresses\``);
}

/**
 * The kind's REST resource: through the given apiVersion, or when none is given the preferred version of the
 * one API group that serves a kind of that name.
 */
async function resolveKind(cluster: Cluster, resources: ResourceMap, spec: MilestoneSpec): Promise<ResourceInfo> {
  if (spec.apiVersion) {
    try {
      return await resources.lookup(spec.apiVersion, spec.kind);
    } catch (error) {
      if (error instanceof UnknownKindError) throw new MilestoneSpecError(`milestone "${spec.name}": ${error.message}`);
      throw error;
    }
  }
  const groups = await cluster.requestRetrying<{ groups: { name: string; preferredVersion: { groupVersion: string } }[] }>('GET', '/apis');
  if (groups.status !== 200) throw new Error(`API discovery (/apis) failed with HTTP ${groups.status}: ${messageOf(groups.body)}`);
  const candidates = ['v1', ...groups.body.groups.map((group) => group.preferredVersion.groupVersion)];
  const found = (await Promise.all(candidates.map((apiVersion) => resources.lookup(apiVersion, spec.kind).catch((error) => (error instanceof UnknownKindError ? undefined : Promise.reject(error)))))).filter(
    (info): info is ResourceInfo => info !== undefined,
  );
  if (found.length === 0) throw new MilestoneSpecError(`milestone "${spec.name}": the cluster serves no kind ${spec.kind}; install its CRDs, or check the spelling (kinds are case-sensitive, e.g. AIGatewayRoute)`);
  if (found.length > 1) throw new MilestoneSpecError(`milestone "${spec.name}": kind ${spec.kind} is served by ${found.map((info) => info.apiVersion).join(', ')}; set apiVersion to one of them`);
  return found[0];
}

/**
 * Whether `object` satisfies the milestone now. A condition is looked up in status.conditions, or with
 * `perParent` in status.parents[*].conditions, where every parent (at least one) must have it; its
 * lastTransitionTime (the latest across parents) is the server time. A path is met when its value exists
 * (neither null nor an empty list) — or equals `equals` when given. Throws for a spec with neither.
 */
export function milestoneSatisfied(spec: MilestoneSpec, object: unknown): { met: boolean; serverTime?: string } {
  checkSpec(spec);
  let serverTime: string | undefined;
  if (spec.condition) {
    const { type, status, perParent } = spec.condition;
    const conditionLists: unknown[] = perParent ? asArray(valueAt(object, ['status', 'parents'])).map((parent) => valueAt(parent, ['conditions'])) : [valueAt(object, ['status', 'conditions'])];
    if (conditionLists.length === 0) return { met: false };
    for (const conditions of conditionLists) {
      const match = asArray(conditions).find((condition) => valueAt(condition, ['type']) === type);
      if (!match || valueAt(match, ['status']) !== status) return { met: false };
      const transition = valueAt(match, ['lastTransitionTime']);
      if (typeof transition === 'string' && (serverTime === undefined || Date.parse(transition) > Date.parse(serverTime))) serverTime = transition;
    }
  }
  if (spec.path) {
    const value = valueAt(object, spec.path.split('.'));
    const met = spec.equals === undefined ? value !== undefined && value !== null && !(Array.isArray(value) && value.length === 0) : value === spec.equals;
    if (!met) return { met: false };
  }
  return serverTime === undefined ? { met: true } : { met: true, serverTime };
}

function valueAt(value: unknown, segments: readonly string[]): unknown {
  let current = value;
  for (const segment of segments) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<string, unknown>)[segment];
  }
  return current;
}

const asArray = (value: unknown): unknown[] => (Array.isArray(value) ? value : []);
