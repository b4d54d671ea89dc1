/**
 * A filter-config bundle on disk, laid out and updated the way the kubelet updates the extproc sidecar's
 * projected Secret volume (`/etc/filter-config-bundle`: the index Secret's `index.yaml` at the root, part i's
 * `chunk` at `parts/%03d`), so the real extproc reads it exactly as in a pod.
 *
 * The kubelet's AtomicWriter (pkg/volume/util/atomic_writer.go) writes each version into a fresh hidden
 * directory `..<UTC timestamp>.<random>`, points a new symlink `..data_tmp` at it and renames that over
 * `..data` (rename is atomic), keeps the user-visible names as symlinks through `..data` (`index.yaml ->
 * ..data/index.yaml`, `parts -> ..data/parts`), then deletes the previous directory. A reader that resolves
 * `..data` once sees one version whole; one that opens `index.yaml` and then `parts/000` can straddle a swap,
 * which is why the extproc checks the index's checksum and retries on its next tick.
 *
 * Delay: here a bundle is written as soon as FilterConfigWatch reports it. In a cluster the kubelet adds its
 * own: "the total delay from the moment when the Secret is updated to the moment when new keys are projected to
 * the Pod can be as long as the kubelet sync period + cache propagation delay" (Kubernetes docs, Secrets,
 * "Mounted Secrets are updated automatically"); the cache is watch-based by default
 * (`configMapAndSecretChangeDetectionStrategy: Watch`, so propagation is a watch event's latency), and the
 * sync period is `syncFrequency`, default 1m (kubelet-config.v1beta1), which the pod workers requeue with a
 * jitter factor of 0.5 (pkg/kubelet/pod_workers.go `workerResyncIntervalJitterFactor`): up to about 60–90 s.
 * On top comes the extproc's own 5 s poll. Times measured through a BundleDir are therefore a lower bound of
 * what a pod sees: they include the controller, the apiserver and the extproc's poll, not the kubelet.
 */
import * as fs from 'node:fs';
import * as nodePath from 'node:path';
import { nowMs } from '../time/clock';
import { BUNDLE_INDEX_KEY } from './filter-config-watch';

export const DATA_DIR = '..data';
const NEW_DATA_DIR = '..data_tmp';
export const PARTS_DIR = 'parts';
const FILE_MODE = 0o644;

/** The files of one bundle: the index document and the parts in slot order. */
export interface BundleFiles {
  readonly index: Buffer;
  readonly parts: readonly Buffer[];
}

export interface BundleWrite {
  /** False when the payload equals what is on disk (the kubelet skips such writes too). */
  readonly written: boolean;
  /** The timestamped directory `..data` points at afterwards. */
  readonly dir: string;
  /** Client clock (Unix ms) right after the `..data` swap: when a reader can first see this version. */
  readonly swappedAtMs: number;
  /** Time spent writing, ms. */
  readonly ms: number;
}

/** Part i's path relative to the volume root, as the webhook projects it (filterapi.ConfigBundlePartPath). */
export const partPath = (i: number) => `${PARTS_DIR}/${String(i).padStart(3, '0')}`;

/** A projected-volume-style directory holding one bundle at a time; not safe for concurrent writers. */
export class BundleDir {
  /** The volume root: the extproc's `-configBundlePath`. Created 0700 when missing. */
  constructor(readonly path: string) {
    fs.mkdirSync(path, { recursive: true, mode: 0o700 });
    fs.chmodSync(path, 0o700);
  }

  /** The timestamped directory currently behind `..data`, if any. */
  current(): string | undefined {
    try {
      return fs.readlinkSync(nodePath.join(this.path, DATA_DIR));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
  }

  /** Writes a version and swaps it in atomically; every file of it is on disk before the swap. */
  write(index: Buffer, parts: readonly Buffer[]): BundleWrite {
    const started = performance.now();
    const bundle: BundleFiles = { index, parts };
    if (parts.length === 0) throw new Error('a bundle has at least one part');
    const old = this.current();
    if (old !== undefined && this.sameAs(old, bundle)) return { written: false, dir: old, swappedAtMs: nowMs(), ms: performance.now() - started };

    const dir = fs.mkdtempSync(nodePath.join(this.path, `..${timestamp()}.`));
    try {
      fs.chmodSync(dir, 0o755);
      fs.mkdirSync(nodePath.join(dir, PARTS_DIR), { mode: 0o755 });
      // Parts first, the index last (as the controller writes the Secrets), all before anything points here.
      bundle.parts.forEach((part, i) => writeFile(nodePath.join(dir, partPath(i)), part));
      writeFile(nodePath.join(dir, BUNDLE_INDEX_KEY), bundle.index);
      for (const name of [BUNDLE_INDEX_KEY, PARTS_DIR]) this.ensureVisibleLink(name);
      const tmp = nodePath.join(this.path, NEW_DATA_DIR);
      fs.rmSync(tmp, { force: true }); // left by a writer killed between symlink and rename
      fs.symlinkSync(nodePath.basename(dir), tmp);
      fs.renameSync(tmp, nodePath.join(this.path, DATA_DIR));
    } catch (error) {
      fs.rmSync(dir, { recursive: true, force: true });
      throw error;
    }
    const swappedAtMs = nowMs();
    if (old !== undefined) fs.rmSync(nodePath.join(this.path, old), { recursive: true, force: true });
    return { written: true, dir: nodePath.basename(dir), swappedAtMs, ms: performance.now() - started };
  }

  /** Reads the current version whole (`..data` resolved once), or undefined when nothing was written yet. */
  read(): BundleFiles | undefined {
    const dir = this.current();
    if (dir === undefined) return undefined;
    return readVersion(nodePath.join(this.path, dir));
  }

  private sameAs(oldDir: string, bundle: BundleFiles): boolean {
    try {
      const current = readVersion(nodePath.join(this.path, oldDir));
      return current.index.equals(bundle.index) && current.parts.length === bundle.parts.length && current.parts.every((p, i) => p.equals(bundle.parts[i]!));
    } catch {
      return false; // unreadable: write a fresh version
    }
  }

  /** `name -> ..data/name`, created once (the kubelet leaves existing links alone). */
  private ensureVisibleLink(name: string): void {
    const link = nodePath.join(this.path, name);
    try {
      fs.readlinkSync(link);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      fs.symlinkSync(nodePath.join(DATA_DIR, name), link);
    }
  }
}

/** One version's files from a timestamped directory. */
export function readVersion(dir: string): BundleFiles {
  const parts = fs
    .readdirSync(nodePath.join(dir, PARTS_DIR))
    .sort()
    .map((name) => fs.readFileSync(nodePath.join(dir, PARTS_DIR, name)));
  return { index: fs.readFileSync(nodePath.join(dir, BUNDLE_INDEX_KEY)), parts };
}

function writeFile(file: string, data: Buffer): void {
  fs.writeFileSync(file, data, { mode: FILE_MODE });
  fs.chmodSync(file, FILE_MODE); // the mode regardless of the umask, as the kubelet does
}

/** `2006_01_02_15_04_05` in UTC, the kubelet's prefix for its timestamped directories. */
function timestamp(date = new Date()): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${date.getUTCFullYear()}_${pad(date.getUTCMonth() + 1)}_${pad(date.getUTCDate())}_${pad(date.getUTCHours())}_${pad(date.getUTCMinutes())}_${pad(date.getUTCSeconds())}`;
}
