import { readFileSync } from 'node:fs';
import os from 'node:os';
import { benchVersion } from '../core/package-paths.js';
import type { ResultsFile } from '../core/results-file.js';

/** The machine the client ran on, so results from different hosts are not compared blindly. */
export function hostInfo(): ResultsFile['host'] {
  const cpus = os.cpus();
  return {
    hostname: os.hostname(),
    os: osName(),
    kernel: os.release(),
    cpus: os.availableParallelism?.() ?? cpus.length,
    cpu_model: cpus[0]?.model.trim() ?? 'unknown',
    node: process.version,
    bench_version: benchVersion,
  };
}

function osName(): string {
  if (process.platform === 'linux') {
    try {
      const m = /^PRETTY_NAME="?([^"\n]*)"?$/m.exec(readFileSync('/etc/os-release', 'utf8'));
      if (m) return m[1];
    } catch {
      // Containers may lack /etc/os-release; the kernel name below still says Linux.
    }
  }
  return `${os.type()} ${os.arch()}`;
}
