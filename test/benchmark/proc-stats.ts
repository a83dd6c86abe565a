import { readFileSync } from 'node:fs';

/**
 * CPU time and memory of a process, read from /proc. /proc/<pid>/stat counts
 * every thread of the process, so worker threads are included.
 */

/** USER_HZ: the unit of utime/stime in /proc/<pid>/stat; fixed at 100 by the Linux ABI. */
const CLOCK_TICKS_PER_SECOND = 100;

/** utime + stime of the whole process, seconds. */
export function readCpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // The command name (field 2) may hold spaces and parentheses; fields after the last ')' are plain.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // fields[0] is field 3 (state), so utime (14) and stime (15) are fields[11] and fields[12].
  return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS_PER_SECOND;
}

export interface MemoryKb {
  /** VmHWM: peak resident set size so far. */
  peak_rss_kb: number;
  /** VmRSS: resident set size now. */
  rss_kb: number;
}

export function readMemoryKb(pid: number): MemoryKb {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const field = (name: string): number => {
    const m = new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status);
    if (!m) throw new Error(`/proc/${pid}/status has no ${name} line; is pid ${pid} a zombie or a kernel thread?`);
    return Number(m[1]);
  };
  return { peak_rss_kb: field('VmHWM'), rss_kb: field('VmRSS') };
}

/**
 * Follows a short-lived process: its /proc entries vanish when it exits, so
 * keep the latest reading. What the process does in its last `everyMs`
 * (printing its result and exiting) is missed; VmHWM only grows, so the
 * latest peak is the peak.
 */
export class ProcessSampler {
  cpu_s = 0;
  peak_rss_kb = 0;
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly pid: number,
    everyMs = 20,
  ) {
    this.sample();
    this.timer = setInterval(() => this.sample(), everyMs);
  }

  sample(): void {
    try {
      this.cpu_s = readCpuSeconds(this.pid);
      this.peak_rss_kb = readMemoryKb(this.pid).peak_rss_kb;
    } catch {
      // Exited between two readings: the previous reading stands.
    }
  }

  stop(): void {
    clearInterval(this.timer);
  }
}
