import { missingTools, onPath } from '../netns/testbed-available.js';
import { runCommand } from '../netns/processes.js';

/** The peer tools the benchmark compares against. */
const PEER_TOOLS = ['iperf3', 'sockperf'] as const;

/**
 * Installs iperf3 and sockperf with apt-get when they are missing and we may
 * (root, apt-get present); otherwise fails saying how to get them.
 */
export async function ensurePeerTools(log: (line: string) => void): Promise<void> {
  const missing = PEER_TOOLS.filter((t) => !onPath(t));
  if (missing.length === 0) return;
  if (process.getuid?.() !== 0 || !onPath('apt-get')) {
    throw new Error(
      `the benchmark compares against ${missing.join(' and ')}, which ${missing.length > 1 ? 'are' : 'is'} not installed; install with 'sudo apt-get install ${missing.join(' ')}' (or your package manager), or run the benchmark as root on Debian/Ubuntu to have it installed`,
    );
  }
  log(`installing ${missing.join(' ')} with apt-get ...`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const install = ['apt-get', 'install', '-y', '--no-install-recommends', ...missing];
  const first = await runCommand(install, { timeoutMs: 300_000, check: false, env });
  if (first.code !== 0) {
    // A fresh image has no package lists yet.
    await runCommand(['apt-get', 'update'], { timeoutMs: 300_000, env });
    await runCommand(install, { timeoutMs: 300_000, env });
  }
  const still = missingTools(missing);
  if (still) throw new Error(`apt-get finished but the benchmark still ${still}`);
}
