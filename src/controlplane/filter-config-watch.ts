/**
 * The AI Gateway filter configuration of one Gateway as the controller (v1.1.0) writes it: an index Secret
 * (`<gw>-<ns>-<hash12>`, key `index.yaml`: version, uuid, sha256 of the whole payload, the parts in order) and
 * up to eight part Secrets (`…-part-000`…, key `chunk`) in the Envoy pods' namespace. The Secrets carry no
 * labels, so one Gateway's are recognised by name, computed the way the controller computes them.
 *
 * `FilterConfigWatch` follows them with one watch on the namespace's Secrets and reports every complete,
 * checksum-valid bundle; `readFilterConfigs` is the one-shot read of every bundle in a namespace. Both share the
 * reassembly and the model-name scanner below.
 */
import { createHash } from 'node:crypto';
import * as YAML from 'yaml';
import { ENVOY_GATEWAY_NAMESPACE } from '../install/facts';
import { nowMs } from '../time/clock';
import { Cluster, messageOf } from '../kube/cluster';
import { Watch, WatchedObject } from '../kube/watch';

export const BUNDLE_INDEX_KEY = 'index.yaml';
export const BUNDLE_PART_KEY = 'chunk';
/** Part slots the controller manages (and the webhook mounts) per Gateway. */
export const BUNDLE_SLOTS = 8;
const MAX_NAME = 253;

/** The first 6 bytes of sha256("<ns>/<name>") in hex: the controller's stable per-Gateway suffix. */
const gatewayHash = (name: string, namespace: string) => createHash('sha256').update(`${namespace}/${name}`).digest('hex').slice(0, 12);

/** The index Secret's name: `<gw>-<ns>` trimmed of dashes, truncated so that `-<hash>` fits in 253 characters. */
export function bundleIndexSecretName(name: string, namespace: string): string {
  const hash = gatewayHash(name, namespace);
  const base = trimDashes(`${name}-${namespace}`);
  if (base.length + 1 + hash.length <= MAX_NAME) return `${base}-${hash}`;
  const trimmed = trimDashes(base.slice(0, MAX_NAME - 1 - hash.length));
  return trimmed ? `${trimmed}-${hash}` : hash;
}

/** Part `i`'s Secret name: `<gw>-<ns>` (cut, trailing dashes dropped, when too long) + `-<hash>-part-%03d`. */
export function bundlePartSecretName(name: string, namespace: string, i: number): string {
  const hash = gatewayHash(name, namespace);
  const suffix = `-part-${String(i).padStart(3, '0')}`;
  let base = `${name}-${namespace}`;
  const room = MAX_NAME - hash.length - suffix.length - 1;
  if (base.length > room) base = base.slice(0, room).replace(/-+$/, '');
  return `${base}-${hash}${suffix}`;
}

const trimDashes = (s: string) => s.replace(/^-+|-+$/g, '');

/** The index document (filterapi.ConfigBundleIndex). */
export interface BundleIndex {
  readonly version: string;
  readonly uuid: string;
  /** sha256 (hex) of the concatenated parts. */
  readonly checksum: string;
  readonly parts: readonly { readonly name: string; readonly path: string; readonly sizeBytes?: number }[];
}

/** Parses an index as the extproc does: a checksum and at least one part are required. */
export function parseBundleIndex(raw: Buffer | string): BundleIndex {
  const index = YAML.parse(raw.toString()) as Partial<BundleIndex> | null;
  if (!index || typeof index !== 'object') throw new Error('the bundle index is not a YAML mapping');
  if (!index.checksum) throw new Error('the bundle index has no checksum');
  if (!Array.isArray(index.parts) || index.parts.length === 0) throw new Error('the bundle index lists no parts');
  return { version: String(index.version ?? ''), uuid: String(index.uuid ?? ''), checksum: String(index.checksum).toLowerCase(), parts: index.parts };
}

export const sha256Hex = (data: Buffer) => createHash('sha256').update(data).digest('hex');

export type Reassembly =
  | { readonly complete: true; readonly parts: Buffer[]; readonly payload: Buffer }
  | { readonly complete: false; readonly reason: string };

/** Concatenates the parts the index names and checks the checksum; incomplete while the controller is mid-write. */
export function reassemble(index: BundleIndex, chunkOf: (partName: string) => Buffer | undefined): Reassembly {
  const parts: Buffer[] = [];
  for (const part of index.parts) {
    const chunk = chunkOf(part.name);
    if (chunk === undefined) return { complete: false, reason: `part ${part.name} is missing` };
    parts.push(chunk);
  }
  const payload = parts.length === 1 ? parts[0]! : Buffer.concat(parts);
  const actual = sha256Hex(payload);
  if (actual !== index.checksum) return { complete: false, reason: `checksum mismatch: index says ${index.checksum}, parts hash to ${actual}` };
  return { complete: true, parts, payload };
}

/** One entry of the top-level `models:` block as sigs.k8s.io/yaml writes it: `- Key: value` or `  Key: value`. */
const MODEL_LINE = /^(?:- |  )([A-Za-z]+): (.*)$/;

/**
 * `models[].Name` of a filterapi.Config, without parsing the whole document (the `yaml` package needs
 * 150–800 ms for 2,000 models; this takes a few ms). It reads only the top-level `models:` block in the shape
 * the Go marshaller (sigs.k8s.io/yaml) emits — sorted capitalised keys, one scalar per line, plain, single- or
 * double-quoted — and falls back to a full parse for anything else (a name wrapped over several lines, a block
 * scalar), so it never returns a wrong answer, only a slower one.
 */
export function scanModelNames(yamlText: string): string[] {
  return scanModelNamesFast(yamlText) ?? parsedModelNames(yamlText);
}

/** The scanner alone: undefined when the `models:` block has a shape it does not read (the caller parses). */
export function scanModelNamesFast(yamlText: string): string[] | undefined {
  const at = yamlText.startsWith('models:\n') ? -1 : yamlText.indexOf('\nmodels:\n');
  if (at < 0 && !yamlText.startsWith('models:\n')) return []; // omitempty: no routes, no models
  const names: string[] = [];
  let pos = at + 1 + 'models:\n'.length;
  while (pos < yamlText.length) {
    const c = yamlText[pos];
    if (c !== '-' && c !== ' ') break; // the next top-level key
    let end = yamlText.indexOf('\n', pos);
    if (end < 0) end = yamlText.length;
    const line = yamlText.slice(pos, end);
    pos = end + 1;
    const match = MODEL_LINE.exec(line);
    if (!match) return undefined;
    if (match[1] !== 'Name') continue;
    const name = scalar(match[2]!);
    if (name === undefined) return undefined;
    names.push(name);
  }
  return names;
}

/** A one-line YAML scalar in the emitter's styles, or undefined when it is not one (continued, block, alias…). */
function scalar(value: string): string | undefined {
  const first = value[0];
  if (first === "'") {
    // Closed on this line only if, escaped quotes ('') aside, the one after the opening quote is the last character.
    const inner = value.slice(1, -1);
    return value.length >= 2 && value.endsWith("'") && !inner.replace(/''/g, '').includes("'") ? inner.replace(/''/g, "'") : undefined;
  }
  if (first === '"') {
    if (!/^"(?:[^"\\]|\\.)*"$/.test(value)) return undefined;
    try {
      return JSON.parse(value) as string; // JSON's escapes mean the same in YAML
    } catch {
      const parsed: unknown = YAML.parse(value); // YAML-only escapes (\x, \e, \N, …)
      return typeof parsed === 'string' ? parsed : undefined;
    }
  }
  // The emitter quotes every plain value that YAML would read as something else, so these cannot start one.
  // ('-', '?' and ':' may start one when a non-space follows: `-leading-dash` is written plain.)
  if (value === '' || /^(?:[|>&*!%@`{}[\]#,'"]|[-?:](?: |$))/.test(value) || value.endsWith(' ')) return undefined;
  return value;
}

function parsedModelNames(yamlText: string): string[] {
  const config = YAML.parse(yamlText) as { models?: { Name?: string }[] } | null;
  return (config?.models ?? []).map((m) => String(m.Name ?? ''));
}

/** The AI Gateway filter config of one Gateway, reassembled from its index and part Secrets. */
export interface FilterConfigSnapshot {
  readonly indexSecret: string;
  readonly parts: string[];
  /** The legacy single Secret (`<gw>-<ns>`, key filter-config.yaml), when the config fits in one Secret. */
  readonly legacySecret?: string;
  readonly bytes: number;
  /** `models[].Name`, by the scanner. */
  readonly models: readonly string[];
  /** The whole YAML filterapi.Config, parsed on first access (slow at thousands of routes). */
  readonly config: { models?: { Name?: string; name?: string }[]; backends?: { name: string }[]; [key: string]: unknown };
}

/**
 * Reads every filter config the AI Gateway controller wrote in `namespace` (one list request): Secrets with key
 * `index.yaml` name their part Secrets (key `chunk`); concatenated in order they are the YAML filterapi.Config.
 * Throws when a bundle is incomplete or its checksum does not match (the controller is mid-write: read again).
 */
export async function readFilterConfigs(cluster: Cluster, namespace: string = ENVOY_GATEWAY_NAMESPACE): Promise<FilterConfigSnapshot[]> {
  const response = await cluster.requestRetrying('GET', `/api/v1/namespaces/${namespace}/secrets`);
  if (response.status !== 200) throw new Error(`listing Secrets in ${namespace} failed with HTTP ${response.status}: ${messageOf(response.body)}`);
  const secrets = new Map<string, Record<string, string>>(response.body.items.map((s: any) => [s.metadata.name, s.data ?? {}]));
  const snapshots: FilterConfigSnapshot[] = [];
  for (const [name, data] of secrets) {
    if (!data[BUNDLE_INDEX_KEY]) continue;
    const index = parseBundleIndex(Buffer.from(data[BUNDLE_INDEX_KEY], 'base64'));
    const result = reassemble(index, (part) => {
      const chunk = secrets.get(part)?.[BUNDLE_PART_KEY];
      return chunk === undefined ? undefined : Buffer.from(chunk, 'base64');
    });
    if (!result.complete) throw new Error(`filter config index ${namespace}/${name}: ${result.reason}`);
    const text = result.payload.toString('utf8');
    const legacyName = name.replace(/-[0-9a-f]+$/, '');
    let config: FilterConfigSnapshot['config'] | undefined;
    snapshots.push({
      indexSecret: name,
      parts: index.parts.map((p) => p.name),
      legacySecret: legacyName !== name && secrets.get(legacyName)?.['filter-config.yaml'] ? legacyName : undefined,
      bytes: result.payload.length,
      models: scanModelNames(text),
      get config() {
        return (config ??= (YAML.parse(text) ?? {}) as FilterConfigSnapshot['config']);
      },
    });
  }
  return snapshots;
}

/** Model names in a filter config (`models[].Name`: the Go struct has no JSON tags). */
export const modelNames = (snapshot: FilterConfigSnapshot): string[] => [...snapshot.models];

/** One complete bundle of the watched Gateway. */
export interface FilterConfigBundle {
  /** Client clock (Unix ms, src/bench/clock) when the Secret event that completed this bundle arrived. */
  readonly tMs: number;
  /** The index Secret's `index.yaml`, as written. */
  readonly index: Buffer;
  /** The parts' `chunk`s, in index order. */
  readonly parts: readonly Buffer[];
  /** Total bytes of the parts (the filterapi.Config YAML). */
  readonly bytes: number;
  /** Secrets making up the bundle: the index and its parts. */
  readonly secrets: number;
  readonly models: ReadonlySet<string>;
  readonly checksum: string;
  readonly uuid: string;
  readonly version: string;
  /** Time spent extracting the model names, ms. */
  readonly parseMs: number;
}

export interface FilterConfigWatchOptions {
  /** Where the controller writes the Secrets (the Envoy pods' namespace). @default "envoy-gateway-system" */
  readonly namespace?: string;
  readonly gateway: { readonly name: string; readonly namespace: string };
  /** Called for every new complete bundle, at most once per coalesceMs, with the latest one. */
  readonly onConfig: (bundle: FilterConfigBundle) => void;
  /** @default 100 */
  readonly coalesceMs?: number;
  readonly signal?: AbortSignal;
}

export interface FilterConfigWatchStats {
  /** Events about this Gateway's Secrets. */
  events: number;
  /** Events after which the bundle was complete and checksum-valid. */
  complete: number;
  /** onConfig calls. */
  emitted: number;
  /** Complete bundles replaced by a newer one before they were reported. */
  coalesced: number;
}

interface Candidate {
  readonly tMs: number;
  readonly index: Buffer;
  readonly parsed: BundleIndex;
  readonly parts: Buffer[];
  readonly payload: Buffer;
}

/**
 * Follows one Gateway's filter-config bundle with a single watch on the namespace's Secrets (never a GET per
 * object). Completeness is checked on every event (sha256 of ≤ 5.6 MB: cheap), so a complete state is never
 * missed because the controller had started the next write; the model names are extracted only for the latest
 * complete bundle, at most once per coalesceMs.
 */
export class FilterConfigWatch {
  readonly stats: FilterConfigWatchStats = { events: 0, complete: 0, emitted: 0, coalesced: 0 };
  private readonly problems: string[] = [];
  private readonly indexName: string;
  private readonly partNames: ReadonlySet<string>;
  private readonly chunks = new Map<string, Buffer>();
  private index?: { raw: Buffer; parsed?: BundleIndex };
  private pending?: Candidate;
  private lastKey = '';
  private lastFlushMs = -Infinity;
  private timer?: NodeJS.Timeout;
  private watch?: Watch;
  private stopped = false;
  private current?: FilterConfigBundle;

  private constructor(private readonly options: FilterConfigWatchOptions) {
    const { name, namespace } = options.gateway;
    this.indexName = bundleIndexSecretName(name, namespace);
    this.partNames = new Set(Array.from({ length: BUNDLE_SLOTS }, (_, i) => bundlePartSecretName(name, namespace, i)));
  }

  /** Lists and watches the Secrets; resolves once the watch streams (the initial state is reported right after). */
  static async start(cluster: Cluster, options: FilterConfigWatchOptions): Promise<FilterConfigWatch> {
    const self = new FilterConfigWatch(options);
    const namespace = options.namespace ?? ENVOY_GATEWAY_NAMESPACE;
    self.watch = await Watch.start(cluster, {
      collectionPath: `/api/v1/namespaces/${namespace}/secrets`,
      onEvent: (type, object) => self.onEvent(type, object),
      signal: options.signal,
    });
    options.signal?.addEventListener('abort', () => void self.stop(), { once: true });
    return self;
  }

  /** The index Secret this watch looks for. */
  get indexSecret(): string {
    return this.indexName;
  }

  /** The last bundle reported. */
  get latest(): FilterConfigBundle | undefined {
    return this.current;
  }

  /** Requests the underlying watch made (one list, then watch streams: never a GET per Secret). */
  get watchStats(): Watch['stats'] | undefined {
    return this.watch?.stats;
  }

  /** Watch problems and unreadable indexes or failing onConfig calls, oldest first. */
  get errors(): readonly string[] {
    return [...(this.watch?.errors ?? []), ...this.problems];
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.watch?.stop();
  }

  private onEvent(type: string, object: WatchedObject): void {
    const name = object.metadata.name;
    const isIndex = name === this.indexName;
    if (!isIndex && !this.partNames.has(name)) return;
    this.stats.events++;
    const value = type === 'DELETED' ? undefined : (object.data as Record<string, string> | undefined)?.[isIndex ? BUNDLE_INDEX_KEY : BUNDLE_PART_KEY];
    const raw = value === undefined ? undefined : Buffer.from(value, 'base64');
    if (isIndex) this.index = raw && { raw };
    else if (raw) this.chunks.set(name, raw);
    else this.chunks.delete(name);
    this.check(nowMs());
  }

  /** Keeps the state as the latest candidate when it is complete and new. */
  private check(tMs: number): void {
    if (!this.index) return;
    if (!this.index.parsed) {
      try {
        this.index.parsed = parseBundleIndex(this.index.raw);
      } catch (error) {
        this.problems.push(`index Secret ${this.indexName}: ${(error as Error).message}`);
        this.index = undefined;
        return;
      }
    }
    const parsed = this.index.parsed;
    const result = reassemble(parsed, (part) => this.chunks.get(part));
    if (!result.complete) return;
    this.stats.complete++;
    if (keyOf(parsed) === this.lastKey || (this.pending && keyOf(this.pending.parsed) === keyOf(parsed))) return;
    if (this.pending) this.stats.coalesced++;
    this.pending = { tMs, index: this.index.raw, parsed, parts: result.parts, payload: result.payload };
    this.schedule();
  }

  private schedule(): void {
    if (this.timer || this.stopped) return;
    const delay = Math.max(0, this.lastFlushMs + (this.options.coalesceMs ?? 100) - performance.now());
    this.timer = setTimeout(() => this.flush(), delay);
  }

  private flush(): void {
    this.timer = undefined;
    this.lastFlushMs = performance.now();
    const candidate = this.pending;
    this.pending = undefined;
    if (!candidate || this.stopped) return;
    const started = performance.now();
    const models = new Set(scanModelNames(candidate.payload.toString('utf8')));
    const bundle: FilterConfigBundle = {
      tMs: candidate.tMs,
      index: candidate.index,
      parts: candidate.parts,
      bytes: candidate.payload.length,
      secrets: 1 + candidate.parts.length,
      models,
      checksum: candidate.parsed.checksum,
      uuid: candidate.parsed.uuid,
      version: candidate.parsed.version,
      parseMs: performance.now() - started,
    };
    this.lastKey = keyOf(candidate.parsed);
    this.current = bundle;
    this.stats.emitted++;
    try {
      this.options.onConfig(bundle);
    } catch (error) {
      this.problems.push(`onConfig failed: ${(error as Error).message}`);
    }
  }
}

/** A bundle's identity: the controller writes a new uuid on every reconcile, and the payload hash. */
const keyOf = (index: BundleIndex) => `${index.uuid}/${index.checksum}`;
