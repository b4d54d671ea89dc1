import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import * as YAML from 'yaml';
import { BundleDir, partPath } from '../../src/controlplane/bundle-dir';
import { EXTPROC_LOAD_FAILED_LINE, EXTPROC_LOADING_LINE, ExtprocProcess, startExtproc } from '../../src/controlplane/extproc-process';
import { scanModelNames, sha256Hex } from '../../src/controlplane/filter-config-watch';
import { nowMs } from '../../src/time/clock';
import { requireBinaries } from '../../src/local/binaries';
import { queryModels } from './ext-proc-client';

/**
 * The real AI Gateway v1.1.0 extproc on a BundleDir: it loads what we write, as a sidecar loads its projected
 * volume. Needs the binary (`npx aigw-scale local build --with-controllers`); fails, naming that command, without.
 * Payloads: tests/controlplane/fixtures (the real controller's Secrets, and sigs.k8s.io/yaml output at 2,000 models).
 */
const FIXTURES = path.join(__dirname, '..', 'controlplane', 'fixtures');
const fixture = (name: string) => (name.endsWith('.gz') ? zlib.gunzipSync(fs.readFileSync(path.join(FIXTURES, name))) : fs.readFileSync(path.join(FIXTURES, name)));

/** A bundle as the controller shapes it (700 KiB parts by default); `version` and `uuid` replaced in the Go output. */
function bundleOf(payload: Buffer, version: string, uuid: string, partSize = 700 * 1024): { index: Buffer; parts: Buffer[] } {
  const text = Buffer.from(payload.toString('utf8').replace(/^uuid: .*$/m, `uuid: ${uuid}`).replace(/^version: .*$/m, `version: ${version}`));
  const parts: Buffer[] = [];
  for (let at = 0; at < text.length; at += partSize) parts.push(text.subarray(at, at + partSize));
  const index = { checksum: sha256Hex(text), parts: parts.map((p, i) => ({ name: `gw-default-3d45476e8d68-part-00${i}`, path: partPath(i), sizeBytes: p.length })), uuid, version };
  return { index: Buffer.from(YAML.stringify(index)), parts };
}

const alive = (pid: number) => {
  try {
    return !/^\d+ \(.*\) Z/.test(fs.readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
};
/** Processes whose command line mentions `text` (ours, by the work directory they were given). */
const processesMentioning = (text: string) =>
  fs.readdirSync('/proc').filter((p) => /^\d+$/.test(p) && Number(p) !== process.pid && (() => {
    try {
      return fs.readFileSync(`/proc/${p}/cmdline`, 'utf8').includes(text) && alive(Number(p));
    } catch {
      return false;
    }
  })());

describe('the real extproc on a BundleDir', () => {
  let binary: string;
  let dir: string;
  let bundle: BundleDir;
  let extproc: ExtprocProcess | undefined;
  let version: string;
  const big = fixture('go-marshal-2000.yaml.gz');
  const smaller = fixture('go-marshal-1999.yaml.gz');

  beforeAll(() => {
    binary = requireBinaries(['ai-gateway-extproc'])['ai-gateway-extproc']!; // throws with the build command when missing
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'aigw-extproc-test-'));
    bundle = new BundleDir(path.join(dir, 'filter-config-bundle'));
  });

  afterAll(async () => {
    await extproc?.stop({ graceMs: 1000 });
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  test('with no bundle at start it exits (only a checksum mismatch or a missing part is retried), so startExtproc refuses an empty directory', async () => {
    const empty = path.join(dir, 'empty');
    fs.mkdirSync(empty);
    const run = spawnSync('unshare', ['--net', '--', binary, '-configBundlePath', empty, '-extProcAddr', `unix://${path.join(dir, 'x.sock')}`], { encoding: 'utf8', timeout: 30_000 });
    expect(run.status).not.toBe(0);
    expect(run.stderr).toContain('failed to load initial bundled config');
    // Its first line names the version it demands of a config (a mismatch at start is fatal too).
    version = /starting external processor.* version=(\S+)/.exec(run.stderr)![1]!;
    expect(version).toBe('v1.1.0'); // built with -X …version=v1.1.0-0-gc217da8a5, which version.Parse() renders as the tag
    await expect(startExtproc({ binary, bundleDir: empty, logFile: path.join(dir, 'empty.log') })).rejects.toThrow('write the first complete bundle');
  });

  test('starts on a bundle, in its own network namespace, and loads it: log line, /health, and the models it serves', async () => {
    const v1 = bundleOf(big, version, 'uuid-1', 150 * 1024); // three parts
    expect(v1.parts.length).toBe(3);
    bundle.write(v1.index, v1.parts);
    const logFile = path.join(dir, 'extproc.log');
    const t0 = nowMs();
    extproc = await startExtproc({ binary, bundleDir: bundle.path, logFile });
    await extproc.ready;
    process.stderr.write(`extproc: ready (bundle loaded, /health 200) ${(nowMs() - t0).toFixed(0)} ms after spawn\n`);
    await extproc.waitForLog(EXTPROC_LOADING_LINE, { timeoutMs: 1000 }); // the initial load, before the ready line
    expect(fs.readFileSync(logFile, 'utf8')).not.toContain(EXTPROC_LOAD_FAILED_LINE);
    const models = await queryModels(extproc.grpcAddress); // through the bridge
    expect(models.sort()).toEqual(scanModelNames(big.toString('utf8')).sort());

    expect(fs.realpathSync(`/proc/${extproc.pid}/exe`)).toBe(fs.realpathSync(binary));
    expect(fs.readlinkSync(`/proc/${extproc.pid}/ns/net`)).not.toBe(fs.readlinkSync('/proc/self/ns/net'));
    expect((await fetch(`${extproc.adminUrl}/health`)).status).toBe(200);
    expect(await (await fetch(`${extproc.adminUrl}/metrics`)).text()).toMatch(/^# (HELP|TYPE) /m);
    expect((await queryModels(extproc.grpcSocket)).length).toBe(2000); // the Unix socket itself, as Envoy uses it
  }, 90_000);

  test('a removed route: the next bundle is picked up on the next poll and the model is no longer served', async () => {
    const proc = extproc!;
    const from = proc.logOffset();
    const v2 = bundleOf(smaller, version, 'uuid-2');
    const written = bundle.write(v2.index, v2.parts);
    const loading = await proc.waitForLog(EXTPROC_LOADING_LINE, { fromOffset: from, timeoutMs: 10_000 });
    let models: string[] = [];
    const deadline = Date.now() + 5000;
    while (models.length !== 1999 && Date.now() < deadline) models = await queryModels(proc.grpcAddress);
    const servedMs = nowMs();
    expect(models).toHaveLength(1999);
    expect(models).not.toContain('model-002000');
    const delay = loading.timeMs - written.swappedAtMs;
    expect(delay).toBeLessThan(5_500); // one poll interval at most
    process.stderr.write(`extproc: smaller bundle (${(written.ms).toFixed(1)} ms to write) logged as loading ${delay.toFixed(0)} ms after the swap, served ${(servedMs - written.swappedAtMs).toFixed(0)} ms after\n`);
  }, 30_000);

  test('a bundle of another version is refused and the loaded config stays', async () => {
    const proc = extproc!;
    const from = proc.logOffset();
    const v3 = bundleOf(big, 'v0.0.0-other', 'uuid-3');
    bundle.write(v3.index, v3.parts);
    await proc.waitForLog(EXTPROC_LOAD_FAILED_LINE, { fromOffset: from, timeoutMs: 10_000 });
    expect((await queryModels(proc.grpcAddress)).length).toBe(1999);
  }, 30_000);

  test('started on a bundle of another version it exits at once: ready rejects with the reason, nothing is left behind', async () => {
    const refused = await startExtproc({ binary, bundleDir: bundle.path, logFile: path.join(dir, 'refused.log') }); // the directory holds v0.0.0-other
    await expect(refused.ready).rejects.toThrow('config version mismatch');
    expect((await refused.exited).code).toBe(1);
    const socketDir = path.dirname(refused.grpcSocket);
    const deadline = Date.now() + 5000;
    while ((fs.existsSync(socketDir) || processesMentioning(socketDir).length > 0) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
    expect(processesMentioning(socketDir)).toEqual([]);
    expect(fs.existsSync(socketDir)).toBe(false);
    await refused.stop(); // still fine to call
  }, 30_000);

  test('stop: SIGTERM, its 15 s drain, and nothing left behind (extproc, bridge, forwarder in the namespace)', async () => {
    const proc = extproc!;
    const socketDir = path.dirname(proc.grpcSocket);
    const ours = processesMentioning(socketDir);
    expect(ours.length).toBe(3); // the extproc (its -extProcAddr), the bridge and the forwarder inside
    const t0 = performance.now();
    await proc.stop();
    extproc = undefined;
    const exited = await proc.exited;
    process.stderr.write(`extproc: stopped in ${((performance.now() - t0) / 1000).toFixed(1)} s (${JSON.stringify(exited)})\n`);
    expect(exited.signal).toBeNull(); // it shut down by itself, not killed
    expect(alive(proc.pid)).toBe(false);
    expect(processesMentioning(socketDir)).toEqual([]);
    await expect(fetch(`${proc.adminUrl}/health`)).rejects.toThrow();
  }, 40_000);

  test('when the Node process that started it dies unannounced, the extproc and both forwarders go too', async () => {
    const v4 = bundleOf(smaller, version, 'uuid-4'); // the directory still holds the refused version
    bundle.write(v4.index, v4.parts);
    const script = `
      const { startExtproc } = require(${JSON.stringify(path.join(__dirname, '..', '..', 'src', 'controlplane', 'extproc-process.ts'))});
      startExtproc({ binary: ${JSON.stringify(binary)}, bundleDir: ${JSON.stringify(bundle.path)}, logFile: ${JSON.stringify(path.join(dir, 'orphan.log'))} })
        .then(async (p) => { await p.ready; process.stdout.write(JSON.stringify({ pid: p.pid, socket: p.grpcSocket }) + '\\n'); });`;
    const parent = spawn(process.execPath, ['--import', 'tsx', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
    const started = JSON.parse(
      await new Promise<string>((resolve, reject) => {
        parent.stdout.once('data', (d) => resolve(String(d)));
        parent.once('exit', (code) => reject(new Error(`the starter exited (${code}) before the extproc was ready`)));
      }),
    );
    const socketDir = path.dirname(started.socket);
    expect(processesMentioning(socketDir)).toHaveLength(3);
    parent.kill('SIGKILL');
    const deadline = Date.now() + 25_000; // SIGTERM, then the extproc's 15 s drain
    while (processesMentioning(socketDir).length > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 250));
    expect(alive(started.pid)).toBe(false);
    expect(processesMentioning(socketDir)).toEqual([]);
    fs.rmSync(socketDir, { recursive: true, force: true }); // what stop() would have removed
  }, 40_000);
});
