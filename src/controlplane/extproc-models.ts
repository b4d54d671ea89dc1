/**
 * Which models the AI Gateway external processor has loaded, asked as Envoy's router-level ext_proc filter asks
 * it: `aigw-scale-probe models` sends `GET /v1/models` request headers over the real ext_proc gRPC stream and
 * reports each change of the model ids in the immediate response.
 */
import { ProbeProcess, ProbeWatch, parseJsonLine, stringArray } from './probe-process';

export type ModelsLine =
  | { readonly t: number; readonly type: 'models'; readonly count: number; readonly added: readonly string[]; readonly removed: readonly string[] }
  | { readonly t: number; readonly type: 'error'; readonly error: string };

/** Parses one line of `aigw-scale-probe models` output; throws on anything else. */
export function parseModelsLine(line: string): ModelsLine {
  const v = parseJsonLine(line);
  const t = v.t as number;
  switch (v.type) {
    case 'models':
      if (typeof v.count !== 'number') throw new Error('models line without count');
      return { t, type: 'models', count: v.count, added: stringArray(v.added, 'models.added'), removed: stringArray(v.removed, 'models.removed') };
    case 'error':
      return { t, type: 'error', error: String(v.error ?? '') };
    default:
      throw new Error(`unknown line type ${JSON.stringify(v.type)}`);
  }
}

/** Applies a `models` line to the current set; throws when the result disagrees with its count (a lost line). */
export function applyModelsLine(models: Set<string>, line: Extract<ModelsLine, { type: 'models' }>): void {
  for (const id of line.removed) models.delete(id);
  for (const id of line.added) models.add(id);
  if (models.size !== line.count) throw new Error(`model set has ${models.size} ids after an update that says ${line.count}`);
}

export interface ExtprocModelsWatchOptions {
  /** The aigw-scale-probe binary (probeBinary() finds the cached one). */
  readonly binary: string;
  /** The extproc's gRPC address: HOST:PORT or unix:///PATH. */
  readonly addr: string;
  /** @default 500 */
  readonly intervalMs?: number;
  /** The request's :authority; the extproc may list models per host. @default "localhost" */
  readonly host?: string;
  /** On each change (and once at the first answer): every model id now listed. */
  readonly onModels: (tMs: number, models: ReadonlySet<string>) => void;
  readonly onEvent?: (line: ModelsLine) => void;
}

export class ExtprocModelsWatch extends ProbeWatch {
  private readonly current = new Set<string>();
  protected readonly process: ProbeProcess;

  private constructor(options: ExtprocModelsWatchOptions) {
    super();
    const intervalMs = options.intervalMs ?? 500;
    if (!Number.isInteger(intervalMs) || intervalMs <= 0) throw new Error(`intervalMs must be a positive integer, got ${intervalMs}`);
    const args = ['models', '--addr', options.addr, '--interval', `${intervalMs}ms`, '--host', options.host ?? 'localhost'];
    this.process = ProbeProcess.start(options.binary, args, (text) => this.onLine(text, options));
  }

  /** Spawns the probe; throws (naming the build command) when the binary is missing. */
  static start(options: ExtprocModelsWatchOptions): ExtprocModelsWatch {
    return new ExtprocModelsWatch(options);
  }

  models(): ReadonlySet<string> {
    return this.current;
  }

  private onLine(text: string, options: ExtprocModelsWatchOptions): void {
    const line = this.parsed(text, parseModelsLine);
    if (!line) return;
    if (line.type === 'error') this.process.addError(`extproc: ${line.error}`);
    else {
      try {
        applyModelsLine(this.current, line);
      } catch (error) {
        this.process.addError((error as Error).message);
      }
      options.onModels(line.t, new Set(this.current));
    }
    options.onEvent?.(line);
  }
}
