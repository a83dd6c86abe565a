import { spawnSync } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';

/**
 * Whether this machine can run the namespace tests, as a reason to skip or
 * undefined. Synchronous so it can feed `test(name, { skip: reason }, fn)`.
 */

/** Programs every testbed needs: namespaces and veth (ip), shaping (tc), drops (nft), the reference (iperf3), readiness (ss). */
export const TESTBED_TOOLS = ['ip', 'tc', 'nft', 'iperf3', 'ss'] as const;

export function onPath(program: string): boolean {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (dir === '') continue;
    try {
      accessSync(join(dir, program), constants.X_OK);
      return true;
    } catch {
      // not in this directory
    }
  }
  return false;
}

/** A reason naming the missing programs and how to get them, or undefined when all are there. */
export function missingTools(programs: readonly string[]): string | undefined {
  const missing = programs.filter((p) => !onPath(p));
  if (missing.length === 0) return undefined;
  const packages = [...new Set(missing.map(packageOf))].join(' ');
  return `needs ${missing.join(', ')} on PATH; install with: apt-get install ${packages}`;
}

function packageOf(program: string): string {
  if (program === 'ip' || program === 'tc' || program === 'ss') return 'iproute2';
  if (program === 'nft') return 'nftables';
  return program;
}

let cached: { reason: string | undefined } | undefined;

export function testbedAvailable(): string | undefined {
  cached ??= { reason: findReason() };
  return cached.reason;
}

function findReason(): string | undefined {
  if (process.platform !== 'linux') return `network namespaces need Linux (this is ${process.platform})`;
  if (process.getuid?.() !== 0) return 'needs root to create network namespaces; run the tests as root (CI does)';
  const missing = missingTools(TESTBED_TOOLS);
  if (missing) return missing;
  // Root in a container without CAP_SYS_ADMIN cannot create namespaces; find out now, not mid-test.
  const probe = `bench-probe-${process.pid}`;
  const add = spawnSync('ip', ['netns', 'add', probe], { encoding: 'utf8', timeout: 5000 });
  if (add.status !== 0) {
    return `cannot create a network namespace ('ip netns add ${probe}' said: ${(add.stderr || add.error?.message || '').trim()}); run as root with CAP_SYS_ADMIN`;
  }
  spawnSync('ip', ['netns', 'del', probe], { timeout: 5000 });
  return undefined;
}
