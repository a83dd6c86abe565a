import { readFileSync } from 'node:fs';
import { RefusedError } from '../core/errors.js';
import type { TestParams } from '../core/test-params.js';

const ALLOWED = '/proc/sys/net/ipv4/tcp_allowed_congestion_control';
const AVAILABLE = '/proc/sys/net/ipv4/tcp_available_congestion_control';

/** The names a sysctl file lists, or null when it cannot be read. */
function listed(file: string): string[] | null {
  try {
    return readFileSync(file, 'utf8').trim().split(/\s+/).filter(Boolean);
  } catch {
    return null;
  }
}

/**
 * Why this host cannot run `congestion` on its data sockets, or null when it
 * can: checked on each end before a test starts, so that a name the kernel
 * would refuse stops the run before any data moves, with what it allows.
 * Linux lets an unprivileged socket pick only what
 * net.ipv4.tcp_allowed_congestion_control lists, and that list is what is
 * offered. `where` names the host as the reader knows it.
 */
export function congestionProblem(congestion: string, where: string): string | null {
  if (congestion === '') return null;
  if (process.platform !== 'linux')
    return `congestion '${congestion}' cannot be set on ${where}: choosing a congestion control needs Linux`;
  const allowed = listed(ALLOWED);
  if (allowed === null) return `congestion '${congestion}' cannot be checked on ${where}: ${ALLOWED} cannot be read`;
  if (allowed.includes(congestion)) return null;
  const available = listed(AVAILABLE) ?? [];
  const allows = `net.ipv4.tcp_allowed_congestion_control allows ${allowed.join(' ') || 'nothing'}`;
  const fix = available.includes(congestion)
    ? `pick one of those, or allow it there: sysctl -w net.ipv4.tcp_allowed_congestion_control="${[...allowed, congestion].join(' ')}"`
    : `the kernel has only ${available.join(' ') || 'none'} loaded: pick an allowed one, or load its module (modprobe tcp_${congestion}) and allow it`;
  return `congestion '${congestion}' is not allowed on ${where}: ${allows}; ${fix}`;
}

/** Throws RefusedError when this host cannot run the test's congestion control. */
export function checkCongestion(params: TestParams, where: string): void {
  const problem = congestionProblem(params.congestion, where);
  if (problem !== null) throw new RefusedError(problem);
}
