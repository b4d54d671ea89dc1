import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { FixturePart } from '../../charts/scale-fixture';
import { manifestToYaml } from './manifest-yaml';

/** What a synthesis wrote: files in order, object counts by kind, and a hash of every byte. */
export interface SynthSummary {
  readonly files: readonly string[];
  readonly objects: number;
  readonly kinds: Readonly<Record<string, number>>;
  readonly bytes: number;
  /** sha256 of the manifests in write order; equal fixtures have equal hashes. */
  readonly sha256: string;
}

/** File name of a part: its position keeps `kubectl apply -f DIR` in apply order. */
export const partFileName = (index: number, name: string): string => `${String(index).padStart(2, '0')}-${name}.yaml`;
const PART_FILE = /^\d{2}-[a-z]+\.yaml$/;

/** Chunk size for writes: large enough to keep syscalls rare, small enough to keep memory flat. */
const FLUSH_BYTES = 1 << 20;

/**
 * Writes each non-empty part to its own multi-document YAML file in `outDir`, streaming. Each file is
 * written under a temporary name and renamed, and part files left over from an earlier synthesis are
 * removed, so the directory always holds exactly one complete fixture.
 */
export function writeFixture(parts: readonly FixturePart[], outDir: string): SynthSummary {
  fs.mkdirSync(outDir, { recursive: true });
  const hash = createHash('sha256');
  const kinds: Record<string, number> = {};
  const files: string[] = [];
  let objects = 0;
  let bytes = 0;

  parts.forEach((part, index) => {
    const file = partFileName(index, part.name);
    const target = path.join(outDir, file);
    const temp = `${target}.tmp-${process.pid}`;
    const fd = fs.openSync(temp, 'w');
    let pending: string[] = [];
    let pendingBytes = 0;
    let written = 0;
    const flush = (): void => {
      const chunk = pending.join('');
      hash.update(chunk);
      fs.writeSync(fd, chunk);
      bytes += Buffer.byteLength(chunk);
      pending = [];
      pendingBytes = 0;
    };
    try {
      for (const manifest of part.manifests) {
        const doc = (written > 0 ? '---\n' : '') + manifestToYaml(manifest as Record<string, unknown>);
        pending.push(doc);
        pendingBytes += doc.length;
        kinds[manifest.kind] = (kinds[manifest.kind] ?? 0) + 1;
        written++;
        if (pendingBytes >= FLUSH_BYTES) flush();
      }
      flush();
    } finally {
      fs.closeSync(fd);
    }
    if (written === 0) {
      fs.rmSync(temp);
      fs.rmSync(target, { force: true });
      return;
    }
    fs.renameSync(temp, target);
    files.push(file);
    objects += written;
  });

  for (const stale of fs.readdirSync(outDir).filter((name) => PART_FILE.test(name) && !files.includes(name))) {
    fs.rmSync(path.join(outDir, stale));
  }
  return { files, objects, kinds, bytes, sha256: hash.digest('hex') };
}
