/**
 * RRUL probe datagrams: [0..3] the probe's sequence number (uint32, from 0),
 * [4..7] zero, [8..15] the sender's send time in its own clock (the
 * JavaScript path: performance.now() ms as float64; the native path: ns
 * since its first probe, int64). The echo sends the datagram back as it
 * came; only the client reads the time it wrote. A run sends at most a
 * million probes (params.ts), so a sequence never looks like a handshake
 * (first word 0xFFFFFFFF), and handshakes have another length.
 */
export const PROBE_BYTES = 16;

/**
 * How long a probe client listens for echoes after its last probe: at least
 * this, or twice the longest round trip seen, at most the peer timeout.
 */
export const PROBE_LATE_WINDOW_MIN_MS = 250;

/** How long a probe waits for its echo before it counts lost: what a probe client listens after its last probe. */
export function probeReplyWindowMs(longestRttMs: number, timeoutMs: number): number {
  return Math.min(timeoutMs, Math.max(PROBE_LATE_WINDOW_MIN_MS, 2 * longestRttMs));
}

/**
 * Counts probes lost as their reply deadline passes, for the live interval
 * samples (StreamCounters.timeouts): a probe still in flight at an
 * interval's end is not lost, and a healthy link shows no loss in any
 * interval. Run once per sample over the probes settled since the last:
 * nothing per probe on the hot loop. The run's own figures come from every
 * probe's round trip at the end (runner/measure/rrul-figures.ts).
 */
export class ProbeLossSettler {
  private settled = 0;

  /**
   * Probes lost among those newly settled: with `running`, the ones sent a
   * reply window or more before the last (the schedule sends one every
   * intervalMs); after the last echoes were listened for, all `sent`.
   */
  settle(rttMs: Float64Array, sent: number, running: boolean, windowMs: number, intervalMs: number): number {
    const upTo = running ? sent - Math.ceil(windowMs / intervalMs) : sent;
    let lost = 0;
    for (; this.settled < upTo; this.settled++) if (Number.isNaN(rttMs[this.settled])) lost++;
    return lost;
  }
}

/**
 * STOP reaches the probe thread a little after the schedule's end when its
 * START came late (a busy core): its last probes still go out, for at most
 * this long, so that a run sends every probe of its schedule.
 */
export const PROBE_FINISH_MAX_MS = 200;

/** The summary of how late probes left against their schedule, µs. */
export interface ProbeLateness {
  p50: number;
  p99: number;
  max: number;
}

/**
 * What a probe client hands its worker at the end: every probe's round trip
 * (ms, NaN when no echo came) and how late each left against the schedule
 * (ms), the first `sent` of each.
 */
export interface ProbeLog {
  readonly sent: number;
  readonly rttMs: Float64Array;
  readonly lateMs: Float64Array;
}

/** Percentiles (nearest rank) of the first `n` values, µs with ns precision. */
export function latenessOf(lateMs: Float64Array, n: number): ProbeLateness {
  if (n === 0) return { p50: 0, p99: 0, max: 0 };
  const sorted = Float64Array.from(lateMs.subarray(0, n)).sort();
  const at = (q: number): number => sorted[Math.min(n - 1, Math.max(0, Math.ceil(q * n) - 1))];
  const us = (ms: number): number => Math.round(Math.max(0, ms) * 1e6) / 1000;
  return { p50: us(at(0.5)), p99: us(at(0.99)), max: us(sorted[n - 1]) };
}
