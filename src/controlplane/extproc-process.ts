/**
 * The real AI Gateway external processor (v1.1.0 `extproc`, the Envoy sidecar) as a process on this machine,
 * reading its filter config from a BundleDir the way the sidecar reads its projected Secret volume
 * (`-configBundlePath`, polled every 5 s: hard-coded upstream, no flag).
 *
 * - gRPC: on a Unix socket (`-extProcAddr unix://…`, as the controller configures the sidecar), reachable from
 *   this host as 127.0.0.1:<free port> through a bridge process.
 * - Admin (/metrics, /health): the extproc binds `:<adminPort>` on every address, with no flag for the
 *   address, so it runs in its own network namespace (`unshare --net`, loopback up) where its fixed port never
 *   clashes with anything; a forwarder inside leads a Unix socket to it, and the bridge exposes that socket as
 *   127.0.0.1:<free port>. Both forwarders are src/local/netns-bridge.ts's FORWARDER_JS.
 * - `pid` is the extproc itself: unshare (no --fork) execs setpriv, which execs sh, which execs the extproc.
 *   setpriv sets the parent-death signal, so the extproc also goes when this Node process dies unannounced.
 * - Start it only after a complete bundle is in the directory: its first load tolerates only a checksum
 *   mismatch or a missing part; a missing index.yaml makes it exit ("failed to load initial bundled config").
 */
import { ChildProcess, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { nowMs } from '../time/clock';
import { FORWARDER_JS, httpOk } from '../local/netns-bridge';
import { freePort } from '../local/ports';
import { BUNDLE_INDEX_KEY } from './filter-config-watch';

/** The extproc's own readiness line on stderr (printed, not logged, once every listener is up). */
export const EXTPROC_READY_LINE = 'AI Gateway External Processor is ready';
/** Logged (info) on each poll that finds a newer bundle, before it is reassembled and loaded. */
export const EXTPROC_LOADING_LINE = 'loading a new bundled config';
/** Logged (error) when that load fails (checksum, version mismatch, invalid config); success logs nothing. */
export const EXTPROC_LOAD_FAILED_LINE = 'failed to update bundled config';
/** The admin port inside the extproc's network namespace (its default). */
const ADMIN_PORT = 1064;

export interface ExtprocOptions {
  readonly binary: string;
  /** A directory holding a complete bundle (BundleDir). */
  readonly bundleDir: string;
  /** The extproc's stdout and stderr (appended). */
  readonly logFile: string;
  /** @default "info" (the loading line above is info) */
  readonly logLevel?: 'debug' | 'info' | 'warn' | 'error';
  /** How long `ready` may take. @default 30000 */
  readonly readyTimeoutMs?: number;
}

/** A log line and when it was written (its slog `time=`, else when it was read). */
export interface LogLine {
  readonly line: string;
  readonly timeMs: number;
  /** Byte offset just after the line: pass as `fromOffset` to wait for a later one. */
  readonly endOffset: number;
}

export interface ExtprocProcess {
  /** The extproc's pid (for CPU/RSS sampling). */
  readonly pid: number;
  /** 127.0.0.1:P, the ext_proc gRPC service. */
  readonly grpcAddress: string;
  /** The Unix socket the extproc listens on. */
  readonly grpcSocket: string;
  /** http://127.0.0.1:Q, its admin server (/metrics, /health). */
  readonly adminUrl: string;
  readonly logFile: string;
  /** Resolves once it printed the ready line and /health answers 200; rejects if it exits or times out first. */
  readonly ready: Promise<void>;
  /** Resolves when the extproc exits. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Current size of the log file: an offset to wait from. */
  logOffset(): number;
  /** Waits for a log line matching `pattern` after `fromOffset` (default: the start). */
  waitForLog(pattern: RegExp | string, options?: { fromOffset?: number; timeoutMs?: number }): Promise<LogLine>;
  /**
   * SIGTERM and wait, then stop both forwarders; no process is left behind. The extproc drains for a fixed
   * 15 s after SIGTERM (upstream's cmd/extproc, for Envoy's readiness to propagate), so it is killed (SIGKILL)
   * after `graceMs`. @default graceMs 20000
   */
  stop(options?: { graceMs?: number }): Promise<void>;
}

/** Spawns the extproc on `bundleDir` in its own network namespace. */
export async function startExtproc(options: ExtprocOptions): Promise<ExtprocProcess> {
  if (!fs.existsSync(path.join(options.bundleDir, BUNDLE_INDEX_KEY))) {
    throw new Error(`no ${BUNDLE_INDEX_KEY} in ${options.bundleDir}: write the first complete bundle before starting the extproc (it exits when the index is missing at start)`);
  }
  if (!fs.existsSync(options.binary)) throw new Error(`no extproc binary at ${options.binary}; build it with \`npx aigw-scale local build --with-controllers\``);
  // Unix socket paths are limited to 108 bytes: keep them short, in a directory of our own.
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'aigw-extproc-'));
  const grpcSocket = path.join(work, 'grpc.sock');
  const adminSocket = path.join(work, 'admin.sock');
  const [grpcPort, adminPort] = await Promise.all([freePort(), freePort()]);
  const children: ChildProcess[] = [];
  const cleanup = () => fs.rmSync(work, { recursive: true, force: true });

  try {
    // The bridge on this host's loopback (exits with us if we die).
    const hostReady = path.join(work, 'host.ready');
    const bridge = spawn(process.execPath, ['-e', FORWARDER_JS, `tcp:127.0.0.1:${grpcPort}=>unix:${grpcSocket}`, `tcp:127.0.0.1:${adminPort}=>unix:${adminSocket}`, '--ready', hostReady, '--exit-with-parent'], { stdio: 'ignore' });
    children.push(bridge);
    await until(() => fs.existsSync(hostReady), 10_000, 'the extproc bridge');

    const nsReady = path.join(work, 'netns.ready');
    const log = fs.openSync(options.logFile, 'a');
    const startOffset = fs.fstatSync(log).size; // an earlier run's lines are not this one's
    const script = [
      'set -e',
      'ip link set lo up',
      // Inside: the admin port behind a Unix socket; this forwarder exits once its parent (the extproc) is gone.
      '"$0" -e "$1" "unix:$2=>tcp:127.0.0.1:$3" --ready "$4" --exit-with-parent &',
      'i=0; while [ ! -e "$4" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i+1)); done',
      'exec "$5" -configBundlePath "$6" -extProcAddr "unix://$7" -adminPort "$3" -logLevel "$8"',
    ].join('\n');
    const args = [process.execPath, FORWARDER_JS, adminSocket, String(ADMIN_PORT), nsReady, options.binary, options.bundleDir, grpcSocket, options.logLevel ?? 'info'];
    // setpriv: SIGTERM when this Node process dies, so a crashed run leaves no extproc behind (kept across exec).
    const child = spawn('unshare', ['--net', '--', 'setpriv', '--pdeathsig', 'TERM', '--', '/bin/sh', '-c', script, ...args], { stdio: ['ignore', log, log], env: withoutOtel(process.env) });
    fs.closeSync(log);
    children.push(child);
    const pid = child.pid;
    if (pid === undefined) throw new Error('spawning unshare failed (is util-linux installed?)');

    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
    let exit: { code: number | null; signal: NodeJS.Signals | null } | undefined;
    let stopping: Promise<void> | undefined;
    // Exited by itself (e.g. a refused first bundle): the bridge has nothing left to serve.
    void exited.then((e) => {
      exit = e;
      if (!stopping) void terminate(bridge).then(cleanup);
    });
    const logOffset = () => sizeOf(options.logFile);
    const tail = () => readFrom(options.logFile, 0).split('\n').slice(-30).join('\n');
    const adminUrl = `http://127.0.0.1:${adminPort}`;

    const waitForLog = async (pattern: RegExp | string, opts: { fromOffset?: number; timeoutMs?: number } = {}): Promise<LogLine> => {
      const deadline = Date.now() + (opts.timeoutMs ?? 30_000);
      let offset = opts.fromOffset ?? startOffset;
      for (;;) {
        const text = readFrom(options.logFile, offset);
        const end = text.lastIndexOf('\n') + 1; // whole lines only
        let lineStart = 0;
        for (const line of text.slice(0, end).split('\n').slice(0, -1)) {
          const lineEnd = lineStart + Buffer.byteLength(line) + 1;
          if (typeof pattern === 'string' ? line.includes(pattern) : pattern.test(line)) return { line, timeMs: slogTime(line) ?? nowMs(), endOffset: offset + lineEnd };
          lineStart = lineEnd;
        }
        offset += Buffer.byteLength(text.slice(0, end));
        if (exit) throw new Error(`the extproc exited (${exit.code ?? exit.signal}) before logging ${pattern}; log tail:\n${tail()}`);
        if (Date.now() > deadline) throw new Error(`timed out waiting for the extproc to log ${pattern}; log tail:\n${tail()}`);
        await sleep(50);
      }
    };

    const ready = (async () => {
      const timeoutMs = options.readyTimeoutMs ?? 30_000;
      await waitForLog(EXTPROC_READY_LINE, { timeoutMs });
      const exe = fs.realpathSync(`/proc/${pid}/exe`);
      if (exe !== fs.realpathSync(options.binary)) throw new Error(`pid ${pid} is ${exe}, not the extproc ${options.binary}`);
      await until(() => httpOk(`${adminUrl}/health`), timeoutMs, `${adminUrl}/health`);
    })();
    ready.catch(() => undefined); // observed by the caller; no unhandled rejection when it is not

    const stop = (opts: { graceMs?: number } = {}) =>
      (stopping ??= (async () => {
        const nsForwarder = Number(readFrom(nsReady, 0)) || undefined;
        if (!exit) {
          child.kill('SIGTERM');
          const killer = setTimeout(() => child.kill('SIGKILL'), opts.graceMs ?? 20_000);
          await exited;
          clearTimeout(killer);
        }
        await Promise.all([terminate(bridge), nsForwarder ? reap(nsForwarder) : Promise.resolve()]);
        cleanup();
      })());

    return { pid, grpcAddress: `127.0.0.1:${grpcPort}`, grpcSocket, adminUrl, logFile: options.logFile, ready, exited, logOffset, waitForLog, stop };
  } catch (error) {
    for (const c of children) c.kill('SIGKILL');
    cleanup();
    throw error;
  }
}

/** slog's `time=2026-08-21T10:00:00.123Z` (or with an offset) as Unix ms. */
function slogTime(line: string): number | undefined {
  const match = /(?:^|\s)time=(\S+)/.exec(line);
  const ms = match ? Date.parse(match[1]!) : NaN;
  return Number.isFinite(ms) ? ms : undefined;
}

/** The environment without OTEL_* variables: the extproc would export traces and metrics to them. */
function withoutOtel(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(env).filter(([key]) => !key.startsWith('OTEL_')));
}

function sizeOf(file: string): number {
  try {
    return fs.statSync(file).size;
  } catch {
    return 0;
  }
}

function readFrom(file: string, offset: number): string {
  try {
    const fd = fs.openSync(file, 'r');
    try {
      const size = fs.fstatSync(fd).size;
      if (size <= offset) return '';
      const buffer = Buffer.alloc(size - offset);
      fs.readSync(fd, buffer, 0, buffer.length, offset);
      return buffer.toString('utf8');
    } finally {
      fs.closeSync(fd);
    }
  } catch {
    return '';
  }
}

async function until(check: () => boolean | Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(50);
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** SIGTERM a child we spawned and wait for it (SIGKILL after 5 s). */
async function terminate(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const gone = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  const killer = setTimeout(() => child.kill('SIGKILL'), 5000);
  await gone;
  clearTimeout(killer);
}

/** Waits for a process that is not our child (the forwarder in the namespace, reparented) to exit. */
async function reap(pid: number): Promise<void> {
  // A zombie (not yet reaped by init) counts as gone.
  const alive = () => {
    try {
      return !/^\d+ \(.*\) Z/.test(fs.readFileSync(`/proc/${pid}/stat`, 'utf8'));
    } catch {
      return false;
    }
  };
  const deadline = Date.now() + 3000; // it checks for its parent every second
  while (alive() && Date.now() < deadline) await sleep(100);
  if (alive()) process.kill(pid, 'SIGKILL');
}
