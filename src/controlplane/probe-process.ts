/**
 * Runs `aigw-scale-probe` (src/local/probe, built by `npx aigw-scale local build --with-controllers`) as a
 * child process: one JSON object per stdout line, diagnostics on stderr.
 */
import { ChildProcess, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as readline from 'node:readline';
import { requireBinaries } from '../local/binaries';

export const PROBE_COMPONENT = 'aigw-scale-probe';
export const PROBE_BUILD_COMMAND = 'npx aigw-scale local build --with-controllers';
/** Long runs must not grow `errors` without bound; the newest are kept. */
const MAX_ERRORS = 1000;
const STOP_GRACE_MS = 5000;

/** The cached probe binary, or an error naming the command that builds it. */
export function probeBinary(): string {
  return requireBinaries([PROBE_COMPONENT])[PROBE_COMPONENT]!;
}

/** Throws, naming the build command, unless `binary` is an executable file. */
export function checkProbeBinary(binary: string): void {
  try {
    fs.accessSync(binary, fs.constants.X_OK);
    if (!fs.statSync(binary).isFile()) throw new Error('not a file');
  } catch {
    throw new Error(`${PROBE_COMPONENT} not found at ${binary} (or not executable); build it with \`${PROBE_BUILD_COMMAND}\``);
  }
}

/** A line that is not one JSON object: kept as an error instead of thrown, so one bad line cannot stop a watch. */
export function parseJsonLine(line: string): Record<string, unknown> {
  const value: unknown = JSON.parse(line);
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Error(`not a JSON object: ${line.slice(0, 200)}`);
  const t = (value as { t?: unknown }).t;
  const type = (value as { type?: unknown }).type;
  if (typeof t !== 'number' || typeof type !== 'string') throw new Error(`no numeric "t" and string "type": ${line.slice(0, 200)}`);
  return value as Record<string, unknown>;
}

export function stringArray(value: unknown, what: string): string[] {
  if (!Array.isArray(value) || !value.every((v) => typeof v === 'string')) throw new Error(`${what}: expected an array of strings`);
  return value;
}

/** The child process and what it said on stderr; lines on stdout go to `onLine`. */
export class ProbeProcess {
  readonly errors: string[] = [];
  /** Resolves with the exit code (null when killed by a signal) once the probe has exited and its output is read. */
  readonly exited: Promise<number | null>;
  private stopping = false;

  private constructor(private readonly child: ChildProcess) {
    this.exited = new Promise((resolve) => {
      // 'close' (not 'exit'): after the last stdout/stderr line has been delivered.
      child.on('close', (code, signal) => {
        if (!this.stopping) this.addError(`${PROBE_COMPONENT} exited unexpectedly (${signal ?? `code ${code}`})`);
        resolve(code);
      });
      child.on('error', (error) => {
        this.addError(`${PROBE_COMPONENT}: ${error.message}`);
        if (child.exitCode === null && child.pid === undefined) resolve(null);
      });
    });
  }

  static start(binary: string, args: readonly string[], onLine: (line: string) => void): ProbeProcess {
    checkProbeBinary(binary);
    const child = spawn(binary, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    const probe = new ProbeProcess(child);
    readline.createInterface({ input: child.stdout! }).on('line', (line) => {
      if (line.trim() !== '') onLine(line);
    });
    readline.createInterface({ input: child.stderr! }).on('line', (line) => probe.addError(line));
    return probe;
  }

  addError(message: string): void {
    this.errors.push(message);
    if (this.errors.length > MAX_ERRORS) this.errors.splice(0, this.errors.length - MAX_ERRORS);
  }

  /** SIGTERM (the probe exits 0 on it), SIGKILL if it has not exited after a grace period. */
  async stop(): Promise<void> {
    this.stopping = true;
    if (this.child.exitCode !== null || this.child.signalCode !== null || this.child.pid === undefined) return;
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), STOP_GRACE_MS);
    try {
      await this.exited;
    } finally {
      clearTimeout(timer);
    }
  }
}

/** A watch fed by one probe process: its errors, its exit, and stopping it. */
export abstract class ProbeWatch {
  protected abstract readonly process: ProbeProcess;

  /** stderr lines, the probe's own error lines and unparsable lines, newest last. */
  get errors(): string[] {
    return this.process.errors;
  }

  get exited(): Promise<number | null> {
    return this.process.exited;
  }

  async stop(): Promise<void> {
    await this.process.stop();
  }

  /** A probe line parsed, or undefined (kept as an error, so one bad line cannot stop the watch). */
  protected parsed<T>(text: string, parse: (text: string) => T): T | undefined {
    try {
      return parse(text);
    } catch (error) {
      this.process.addError(`unparsable probe line: ${(error as Error).message}`);
      return undefined;
    }
  }
}
