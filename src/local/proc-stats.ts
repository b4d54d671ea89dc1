/** A process's CPU time and memory as Linux's /proc reports them; throws when the process is gone. */
import * as fs from 'node:fs';

/** USER_HZ: /proc counts CPU time in ticks of 1/100 s on every mainstream Linux. */
const TICKS_PER_SECOND = 100;

/** The state letter (R, S, Z …) and the CPU time used so far (user + system, seconds), from /proc/<pid>/stat. */
export function procStat(pid: number): { state: string; cpuSeconds: number } {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  // The fields after the command name, which is in parentheses and may hold spaces: utime and stime are 14 and 15.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return { state: fields[0], cpuSeconds: (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND };
}

/** Resident memory now (VmRSS) and its peak so far (VmHWM), in bytes, from /proc/<pid>/status. */
export function procMemory(pid: number): { rssBytes?: number; peakRssBytes?: number } {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const kib = (field: string) => {
    const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status);
    return match ? Number(match[1]) * 1024 : undefined;
  };
  return { rssBytes: kib('VmRSS'), peakRssBytes: kib('VmHWM') };
}
