import * as os from 'node:os';
import { MachineSnapshot } from './schema';

/** The machine as a benchmark saw it: load before now, load after filled in by `finish`. */
export function machineBefore(): Omit<MachineSnapshot, 'loadAfter'> {
  return { cores: os.cpus().length, cpuModel: os.cpus()[0]?.model.trim() ?? 'unknown', memoryBytes: os.totalmem(), loadBefore: loadAverage() };
}

export function loadAverage(): number[] {
  return os.loadavg().map((load) => Math.round(load * 100) / 100);
}

/**
 * The command that reproduces this run, as typed: `npm run bench` passes its own down to each benchmark it
 * starts (AIGW_BENCH_COMMAND), otherwise the npm script and the arguments after it.
 */
export function reproducingCommand(): string {
  if (process.env.AIGW_BENCH_COMMAND) return process.env.AIGW_BENCH_COMMAND;
  const args = process.argv.slice(2);
  const script = process.env.npm_lifecycle_event;
  if (script?.startsWith('bench')) return `npm run ${script}${args.length > 0 ? ` -- ${args.join(' ')}` : ''}`;
  return ['tsx', ...process.argv.slice(1).map((part) => (part.startsWith('/') ? part.replace(`${process.cwd()}/`, '') : part))].join(' ');
}
