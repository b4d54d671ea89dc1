import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { BundleDir, DATA_DIR, partPath } from '../../src/controlplane/bundle-dir';

/** BundleDir on the real filesystem: the kubelet's projected-volume layout and its atomic swap. */
let root: string;
beforeEach(() => {
  root = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'aigw-bundle-dir-')), 'filter-config-bundle');
});
afterEach(() => fs.rmSync(path.dirname(root), { recursive: true, force: true }));

/** Version `n`: parts filled with a marker of (version, part), and an index holding their checksum. */
function version(n: number, parts: number, partBytes = 64 * 1024): { index: Buffer; parts: Buffer[] } {
  const chunks = Array.from({ length: parts }, (_, i) => Buffer.alloc(partBytes, `v${n}p${i};`));
  const checksum = createHash('sha256').update(Buffer.concat(chunks)).digest('hex');
  const list = chunks.map((c, i) => `- name: gw-part-${i}\n  path: ${partPath(i)}\n  sizeBytes: ${c.length}\n`).join('');
  return { index: Buffer.from(`checksum: ${checksum}\nparts:\n${list}uuid: u-${n}\nversion: v1.1.0\n`), parts: chunks };
}

const mode = (file: string) => fs.statSync(file).mode & 0o777;

test('layout: index.yaml and parts/NNN through ..data, a timestamped directory behind it, 0644 files in a 0700 root', () => {
  const dir = new BundleDir(root);
  const v1 = version(1, 2);
  const result = dir.write(v1.index, v1.parts);
  expect(result.written).toBe(true);
  expect(mode(root)).toBe(0o700);
  expect(fs.readlinkSync(path.join(root, 'index.yaml'))).toBe(path.join(DATA_DIR, 'index.yaml'));
  expect(fs.readlinkSync(path.join(root, 'parts'))).toBe(path.join(DATA_DIR, 'parts'));
  expect(fs.readlinkSync(path.join(root, DATA_DIR))).toBe(result.dir);
  expect(result.dir).toMatch(/^\.\.\d{4}_\d{2}_\d{2}_\d{2}_\d{2}_\d{2}\.\w+$/);
  expect(fs.readFileSync(path.join(root, 'index.yaml')).equals(v1.index)).toBe(true);
  expect(fs.readFileSync(path.join(root, 'parts', '001')).equals(v1.parts[1]!)).toBe(true);
  expect(mode(path.join(root, result.dir, 'index.yaml'))).toBe(0o644);
  expect(mode(path.join(root, result.dir, 'parts', '000'))).toBe(0o644);
  expect(fs.readdirSync(root).sort()).toEqual([DATA_DIR, result.dir, 'index.yaml', 'parts'].sort());
});

test('a new version replaces the old directory (removed after the swap); fewer parts leave no stale part; an identical payload is not rewritten', () => {
  const dir = new BundleDir(root);
  const v1 = version(1, 3);
  const first = dir.write(v1.index, v1.parts);
  const v2 = version(2, 1);
  const second = dir.write(v2.index, v2.parts);
  expect(second.written).toBe(true);
  expect(second.dir).not.toBe(first.dir);
  expect(fs.existsSync(path.join(root, first.dir))).toBe(false);
  expect(fs.readdirSync(path.join(root, 'parts'))).toEqual(['000']);
  expect(dir.read()).toEqual({ index: v2.index, parts: v2.parts });
  const again = dir.write(Buffer.from(v2.index), v2.parts.map((p) => Buffer.from(p)));
  expect(again).toMatchObject({ written: false, dir: second.dir });
  expect(fs.readdirSync(root).filter((n) => n.startsWith('..')).sort()).toEqual([DATA_DIR, second.dir].sort());
});

// A reader in another process, in a tight loop, while versions are swapped in: resolving ..data once, it must
// never see a mix of versions; through the visible names (as the extproc reads) each file is still whole.
const READER = `
const fs = require('fs'), path = require('path'), crypto = require('crypto');
const [root, stopFile] = process.argv.slice(1);
const stats = { consistent: 0, mixed: 0, vanished: 0, visibleReads: 0, visibleMixed: 0, tornFiles: 0 };
const whole = (buf) => { const m = /^(v\\d+p\\d+;)/.exec(buf.toString('latin1', 0, 16)); return !!m && buf.equals(Buffer.alloc(buf.length, m[1])); };
const check = (readIndex, readPart) => {
  const index = readIndex().toString();
  const sum = /checksum: (\\w+)/.exec(index)[1];
  const parts = [...index.matchAll(/path: (\\S+)/g)].map((m) => readPart(m[1]));
  for (const p of parts) if (!whole(p)) stats.tornFiles++;
  return crypto.createHash('sha256').update(Buffer.concat(parts)).digest('hex') === sum;
};
process.stdout.write('ready\\n');
while (!fs.existsSync(stopFile)) {
  try {
    const dir = path.join(root, fs.readlinkSync(path.join(root, '..data')));
    if (check(() => fs.readFileSync(path.join(dir, 'index.yaml')), (p) => fs.readFileSync(path.join(dir, p)))) stats.consistent++; else stats.mixed++;
  } catch (e) { if (e.code === 'ENOENT') stats.vanished++; else throw e; }
  try {
    stats.visibleReads++;
    if (!check(() => fs.readFileSync(path.join(root, 'index.yaml')), (p) => fs.readFileSync(path.join(root, p)))) stats.visibleMixed++;
  } catch (e) { if (e.code === 'ENOENT') stats.vanished++; else throw e; }
}
process.stdout.write(JSON.stringify(stats) + '\\n');
`;

test('atomic swap: a reader in a tight loop never sees a mix of versions', async () => {
  const dir = new BundleDir(root);
  const v0 = version(0, 2);
  dir.write(v0.index, v0.parts);
  const stopFile = path.join(path.dirname(root), 'stop');
  const reader = spawn(process.execPath, ['-e', READER, root, stopFile], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  reader.stdout.on('data', (chunk) => (out += chunk));
  await new Promise<void>((resolve) => reader.stdout.once('data', () => resolve()));

  const started = performance.now();
  let versions = 0;
  while (performance.now() - started < 2500) {
    versions++;
    const v = version(versions, 1 + (versions % 3));
    dir.write(v.index, v.parts);
    await new Promise((resolve) => setImmediate(resolve));
  }
  fs.writeFileSync(stopFile, '');
  await new Promise((resolve) => reader.once('exit', resolve));
  const stats = JSON.parse(out.trim().split('\n').pop()!);
  process.stderr.write(`bundle-dir swap: ${versions} versions written; reader: ${JSON.stringify(stats)}\n`);

  expect(versions).toBeGreaterThan(50);
  expect(stats.consistent).toBeGreaterThan(100);
  expect(stats.mixed).toBe(0); // one resolved version is always whole
  expect(stats.tornFiles).toBe(0); // no file is ever seen half-written, through any path
  // Through the visible names a reader can straddle a swap (index of one version, a part of the next): that is
  // the kubelet's behaviour too, and why the extproc checks the checksum and retries on its next tick.
  expect(stats.visibleMixed).toBeLessThan(stats.visibleReads);
  expect(dir.read()!.index.toString()).toContain(`uuid: u-${versions}\n`);
}, 30_000);
