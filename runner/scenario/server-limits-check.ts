import { DEFAULT_SERVER_LIMITS } from '../core/defaults.js';
import { connectionCount, type TestParams } from '../core/test-params.js';
import { formatBytes, formatDuration } from '../core/units.js';
import type { ParamKey } from '../core/params.js';
import { LOCAL_PEER, type PlannedGroup } from './scenario-model.js';

/**
 * Runs that validate but could never run: `peer: local` is the embedded
 * server, started with bench serve's default limits, so a run beyond one is
 * refused every time. A named peer's limits are its own: only a warning.
 */

type Report = (keys: ParamKey[], message: string) => void;
/** The value as the user wrote it, for the message (`9999999h`, not 35999996400s). */
type Shown = (key: ParamKey, fallback: string) => string;

/** (Durations and timeouts past what a timer can hold are refused by their declarations, core/params.ts.) */
export function checkRunnable(params: TestParams, peerName: string, report: Report, shown: Shown): void {
  if (peerName !== LOCAL_PEER) return;
  for (const limit of exceededLimits(params)) {
    report(
      [limit.key],
      `${limit.asked(shown)} is more than the embedded server (peer: local) allows: ${limit.allowed}, the bench serve default; use ${limit.fix}, or run it against a peer started with bench serve ${limit.option}`,
    );
  }
}

interface Exceeded {
  key: ParamKey;
  /** What was asked, in the limit's unit. */
  amount: number;
  /** What was asked, as written: `streams 100`. */
  asked: (shown: Shown) => string;
  allowed: string;
  fix: string;
  option: string;
}

/** The default server limits a run goes beyond. */
function exceededLimits(p: TestParams): Exceeded[] {
  const limits = DEFAULT_SERVER_LIMITS;
  const out: Exceeded[] = [];
  if (p.duration_s > limits.max_duration_s) {
    const allowed = hours(limits.max_duration_s);
    out.push({
      key: 'duration',
      amount: p.duration_s,
      asked: (s) => `duration ${s('duration', hours(p.duration_s))}`,
      allowed: `${allowed} per test`,
      fix: `${allowed} or less`,
      option: '--max-duration',
    });
  }
  // The server counts the data connections a run opens (runner/server/request-limits.ts): bidir two per stream, RRUL one per stream each way and the probe flow.
  const connections = connectionCount(p);
  if (connections > limits.max_streams) {
    let fitting = p.streams;
    while (fitting > 1 && connectionCount({ ...p, streams: fitting }) > limits.max_streams) fitting--;
    const opens =
      connections === p.streams
        ? ''
        : ` (${connections} data connections${p.test === 'RRUL' ? `, with RRUL direction ${p.direction}` : ' with bidir'})`;
    out.push({
      key: 'streams',
      amount: connections,
      asked: () => `streams ${p.streams}${opens}`,
      allowed: `${limits.max_streams} ${opens === '' ? 'streams' : 'data connections'}`,
      fix: `${fitting} or fewer`,
      option: `--max-streams ${connections}`,
    });
  }
  const sizes: [ParamKey, number][] = [
    ['size', p.size_bytes],
    ['request_size', p.request_size_bytes],
    ['response_size', p.response_size_bytes],
  ];
  for (const [key, n] of sizes) {
    if (n <= limits.max_size_bytes) continue;
    const allowed = formatBytes(limits.max_size_bytes);
    out.push({
      key,
      amount: n,
      asked: (s) => `${key} ${s(key, formatBytes(n))}`,
      allowed: `${allowed} per message`,
      fix: `${allowed} or less`,
      option: '--max-size',
    });
  }
  return out;
}

/**
 * For runs against named peers, the default limits they go beyond, one
 * warning per peer and limit: a peer started with higher limits runs them,
 * one started with the defaults refuses each.
 */
export function peerLimitWarnings(groups: readonly PlannedGroup[]): string[] {
  const byPeerLimit = new Map<string, { peer: string; limit: Exceeded; runs: number[] }>();
  for (const g of groups) {
    if (g.peer_name === LOCAL_PEER) continue;
    for (const limit of exceededLimits(g.params)) {
      const id = `${g.peer_name}\u0000${limit.key}`;
      const seen = byPeerLimit.get(id);
      if (!seen) byPeerLimit.set(id, { peer: g.peer_name, limit, runs: [g.scenario_index + 1] });
      else {
        if (seen.runs[seen.runs.length - 1] !== g.scenario_index + 1) seen.runs.push(g.scenario_index + 1);
        if (limit.amount > seen.limit.amount) seen.limit = limit;
      }
    }
  }
  return [...byPeerLimit.values()].map(({ peer, limit, runs }) => {
    const which = runs.length === 1 ? `run ${runs[0]}` : `runs ${runs.slice(0, 5).join(', ')}${runs.length > 5 ? ', ...' : ''}`;
    const most = limit.asked((_, fallback) => fallback);
    return `peer ${peer} may refuse ${which}: the default bench serve limit is ${limit.allowed}, and ${runs.length === 1 ? 'it asks for' : 'they ask for up to'} ${most}; start it with bench serve ${limit.option}`;
  });
}

/** `1h` for whole hours, else seconds. */
function hours(seconds: number): string {
  return seconds >= 3600 && seconds % 3600 === 0 ? `${seconds / 3600}h` : formatDuration(seconds);
}
