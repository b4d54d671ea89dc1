/**
 * How the code may import itself: no import cycles in src, charts, constructs and infra, and nothing of tests/ in
 * bench/. Cycles are checked between files (what `npx madge --circular --extensions ts src charts constructs
 * infra` reports) and between folders, which the file check misses: src/report and src/scenario once imported
 * each other through different files.
 */
import * as path from 'node:path';

interface MadgeResult {
  obj(): Record<string, string[]>;
  circular(): string[][];
}
// madge ships no types; this is the part of its API used here.
const madge: (paths: string[], config: { baseDir: string; fileExtensions: string[] }) => Promise<MadgeResult> = require('madge');

const ROOT = path.resolve(__dirname, '..', '..');
const graphOf = (dirs: readonly string[]) => madge(dirs.map((dir) => path.join(ROOT, dir)), { baseDir: ROOT, fileExtensions: ['ts'] });

/** A file's folder: src/<area> inside src, else the top-level folder (charts, constructs, infra). */
const folderOf = (file: string): string => {
  const parts = file.split('/');
  return parts[0] === 'src' ? parts.slice(0, 2).join('/') : parts[0];
};

/** The folders that import each other in a ring (strongly connected components of more than one folder), sorted. */
function folderCycles(files: Record<string, string[]>): string[][] {
  const edges = new Map<string, Set<string>>();
  for (const [file, imports] of Object.entries(files)) {
    const from = folderOf(file);
    if (!edges.has(from)) edges.set(from, new Set());
    for (const imported of imports) if (folderOf(imported) !== from) edges.get(from)!.add(folderOf(imported));
  }
  const reaches = (from: string, to: string): boolean => {
    const seen = new Set<string>([from]);
    const queue = [from];
    while (queue.length > 0) {
      for (const next of edges.get(queue.shift()!) ?? []) {
        if (next === to) return true;
        if (seen.has(next)) continue;
        seen.add(next);
        queue.push(next);
      }
    }
    return false;
  };
  const rings = new Map<string, string[]>();
  for (const folder of [...edges.keys()].sort()) {
    const ring = [...edges.keys()].filter((other) => other === folder || (reaches(folder, other) && reaches(other, folder))).sort();
    if (ring.length > 1) rings.set(ring.join(' '), ring);
  }
  return [...rings.values()];
}


describe('imports', () => {
  let graph: MadgeResult;
  beforeAll(async () => {
    graph = await graphOf(['src', 'charts', 'constructs', 'infra']);
  }, 60_000);

  test('no file imports itself through others (src, charts, constructs, infra)', () => {
    expect(graph.circular()).toEqual([]);
  });

  test('no import cycle between folders', () => {
    expect(folderCycles(graph.obj())).toEqual([]);
  });

  test('bench/ imports nothing from tests/', async () => {
    const graph = await graphOf(['bench']);
    const fromTests = Object.entries(graph.obj()).flatMap(([file, imports]) => imports.filter((imported) => imported.startsWith('tests/')).map((imported) => `${file} → ${imported}`));
    expect(fromTests).toEqual([]);
  }, 60_000);
});
