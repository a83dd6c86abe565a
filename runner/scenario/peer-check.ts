import { asBenchError, type BenchError } from '../core/errors.js';
import type { PeerAddress } from '../core/run-events.js';
import type { PlannedRun } from './scenario-model.js';

/** What a peer that passed the check said of itself (client/probe-peer.ts). */
export interface PeerCheckResult {
  name: string;
  bench_version: string;
  authenticated: boolean;
}

/** client/probe-peer.ts's checkPeer, injected by the command as runTest is. */
export type CheckPeerFn = (
  peer: PeerAddress,
  options: { timeoutMs: number; runsForOthers?: boolean; notice?: (line: string) => void },
) => Promise<PeerCheckResult>;

/** One peer the plan names, once, however many runs go to or from it. */
export interface PeerToCheck {
  /** Its name under peers: (or, for a DNS group member, the name its server reported). */
  name: string;
  address: PeerAddress;
  /** It plays the client side of some run (from:), so must take tests for others. */
  runsForOthers: boolean;
  /** How long each step of the check may take: as long as its runs would wait, and no more than PEER_CHECK_TIMEOUT_MS. */
  timeoutMs: number;
}

export type PeerCheckOutcome =
  | { peer: PeerToCheck; ok: true; check: PeerCheckResult }
  | { peer: PeerToCheck; ok: false; error: BenchError };

/** A server that is up answers HELLO at once; a longer silence is a host down, or a firewall dropping packets. */
const PEER_CHECK_TIMEOUT_MS = 5000;

/**
 * The peers this machine talks to, in the order they first appear: every
 * from: end, and the to: end of runs from here. The embedded server (no
 * peer) needs no check.
 */
export function peersToCheck(runs: readonly PlannedRun[]): PeerToCheck[] {
  const byName = new Map<string, PeerToCheck>();
  const add = (name: string, address: PeerAddress, runsForOthers: boolean, timeoutS: number): void => {
    const timeoutMs = Math.min(PEER_CHECK_TIMEOUT_MS, timeoutS * 1000);
    const known = byName.get(name);
    if (!known) {
      byName.set(name, { name, address, runsForOthers, timeoutMs });
      return;
    }
    known.runsForOthers ||= runsForOthers;
    known.timeoutMs = Math.max(known.timeoutMs, timeoutMs);
  };
  for (const { group } of runs) {
    if (group.from) add(group.from_name, group.from, true, group.params.timeout_s);
    // A to: peer behind a remote from: is the from host's to reach (a lab network this machine may not see):
    // its own server checks it when the run starts. In a mesh every member is some run's from, so none goes unchecked.
    if (group.peer && !group.from) add(group.peer_name, group.peer, false, group.params.timeout_s);
  }
  return [...byName.values()];
}

/**
 * Checks every peer at once, each within its own time limit, and returns
 * one outcome per peer, in the order given. Never throws: a check that
 * fails in an unexpected way is that peer's failure.
 */
export function checkPeers(
  peers: readonly PeerToCheck[],
  check: CheckPeerFn,
  notice?: (line: string) => void,
): Promise<PeerCheckOutcome[]> {
  return Promise.all(
    peers.map(async (peer): Promise<PeerCheckOutcome> => {
      try {
        const result = await check(peer.address, { timeoutMs: peer.timeoutMs, runsForOthers: peer.runsForOthers, notice });
        return { peer, ok: true, check: result };
      } catch (err) {
        return { peer, ok: false, error: asBenchError(err) };
      }
    }),
  );
}
