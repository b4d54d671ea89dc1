/** A command run to completion under GNU time: its whole-process wall time and the peak RSS of its largest process. */
import { spawnSync, SpawnSyncOptions } from 'node:child_process';
import * as fs from 'node:fs';

const GNU_TIME = '/usr/bin/time';

export interface TimedProcess {
  readonly wallSeconds: number;
  readonly peakRssBytes: number;
  readonly stdout: string;
}

/** Runs `command`, failing with its output when it exits non-zero. */
export function timedProcess(command: readonly string[], options: SpawnSyncOptions = {}): TimedProcess {
  if (!fs.existsSync(GNU_TIME)) throw new Error(`${GNU_TIME} is missing: install it with \`apt-get install time\``);
  const started = performance.now();
  const result = spawnSync(GNU_TIME, ['-f', 'aigw-scale-time %M', ...command], { encoding: 'utf8', maxBuffer: 256 << 20, ...options });
  const wallSeconds = (performance.now() - started) / 1000;
  const stderr = String(result.stderr ?? '');
  if (result.status !== 0) throw new Error(`${command.join(' ')} exited ${result.status}:\n${stderr.slice(-3000)}`);
  const match = /aigw-scale-time (\d+)/.exec(stderr);
  return { wallSeconds, peakRssBytes: match ? Number(match[1]) * 1024 : NaN, stdout: String(result.stdout ?? '') };
}
