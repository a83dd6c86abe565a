import { RunningProcess, showArgv, type CommandResult } from '../netns/processes.js';
import { ProcessSampler } from './proc-stats.js';

/** A client run to completion, with the CPU and peak memory its process used. */
export interface MeasuredRun {
  result: CommandResult;
  cpu_s: number;
  peak_rss_kb: number;
}

export async function runMeasured(argv: string[], timeoutMs: number): Promise<MeasuredRun> {
  const child = new RunningProcess(argv);
  const sampler = new ProcessSampler(child.pid);
  const killer = setTimeout(() => child.child.kill('SIGKILL'), timeoutMs);
  const { code, signal } = await child.exited;
  clearTimeout(killer);
  sampler.stop();
  if (signal === 'SIGKILL') throw new Error(`'${showArgv(argv)}' did not finish within ${timeoutMs} ms and was killed`);
  return {
    result: { argv, code, signal, stdout: child.stdout, stderr: child.stderr },
    cpu_s: sampler.cpu_s,
    peak_rss_kb: sampler.peak_rss_kb,
  };
}
