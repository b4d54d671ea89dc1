/**
 * Follows the extension recorder's log (one JSON line per Envoy Gateway → AI Gateway extension call) during a run
 * and tags each call with the routes live when it was read.
 */
import * as fs from 'node:fs';
import { MeasuredResults, MeasuredRun, Measurement } from './measurement';
import { ExtensionCall, ExtensionCallSample } from '../../results/schema';

export interface ExtensionCallFollowerOptions {
  /** The recorder's log file (ControllersInfo.extensionCalls). */
  readonly file: string;
  /** @default 250 */
  readonly intervalMs?: number;
}

/** Reads calls appended after start(); the live count is taken when a call is read (at most intervalMs after it ended). */
export class ExtensionCallFollower implements Measurement {
  readonly name = 'extension calls';
  readonly measuresCleanup = true;
  private readonly calls: ExtensionCallSample[] = [];
  private offset = 0;
  private partial = '';
  private timer?: NodeJS.Timeout;
  private problem?: string;
  private run?: MeasuredRun;

  constructor(private readonly options: ExtensionCallFollowerOptions) {}

  async start(run: MeasuredRun): Promise<void> {
    this.run = run;
    this.offset = fs.existsSync(this.options.file) ? fs.statSync(this.options.file).size : 0;
    this.timer = setInterval(() => this.read(), this.options.intervalMs ?? 250).unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.read();
  }

  /** The calls, and a line that could not be read as a failure. */
  collect(results: MeasuredResults): void {
    results.extensionCalls = this.calls;
    if (this.problem) results.failures.push({ phase: 'cleanup', object: 'extension-recorder', message: this.problem });
  }

  private read(): void {
    let fd: number;
    try {
      fd = fs.openSync(this.options.file, 'r');
    } catch (error) {
      this.problem ??= `extension calls: cannot read ${this.options.file}: ${(error as Error).message}`;
      return;
    }
    try {
      const size = fs.fstatSync(fd).size;
      if (size <= this.offset) return;
      const buffer = Buffer.alloc(size - this.offset);
      fs.readSync(fd, buffer, 0, buffer.length, this.offset);
      this.offset = size;
      const lines = (this.partial + buffer.toString('utf8')).split('\n');
      this.partial = lines.pop() ?? '';
      const live = this.run?.where().liveObjects ?? 0;
      for (const line of lines) {
        if (!line.trim()) continue;
        try {
          this.calls.push({ ...(JSON.parse(line) as ExtensionCall), liveObjects: live });
        } catch {
          this.problem ??= `extension calls: a line of ${this.options.file} is not JSON: ${line.slice(0, 120)}`;
        }
      }
    } finally {
      fs.closeSync(fd);
    }
  }
}
