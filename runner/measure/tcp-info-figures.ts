import type { StreamReport, StreamSample } from '../control/messages.js';
import type { TcpFigures } from '../core/run-object.js';

/**
 * The kernel's view of TCP data sockets (getsockopt TCP_INFO, read by the
 * data thread once per interval) as figures: one stream between two
 * samples, one stream's summary, several streams together. Used by the
 * STREAM and RR tests' figures and by RRUL's streams.
 */

const round = (n: number, digits = 3): number => Number(n.toFixed(digits));

/**
 * TCP_INFO figures between two samples of the socket that sends (s0 absent:
 * from the connection's start), with the receiving socket's segment size.
 * Empty where the samples carry no TCP_INFO.
 */
export function tcpFigures(s0: StreamSample | undefined, s1: StreamSample, receiver: StreamSample): TcpFigures {
  const t = s1.tcp;
  if (!t) return {};
  const f: TcpFigures = {
    retransmits: Math.max(0, t.total_retrans - (s0?.tcp?.total_retrans ?? 0)),
    rtt_ms: round(t.rtt_us / 1000),
    rttvar_ms: round(t.rttvar_us / 1000),
    cwnd_bytes: t.snd_cwnd * t.snd_mss,
    pmtu: t.pmtu,
    snd_mss_bytes: t.snd_mss,
  };
  if (receiver.tcp) f.rcv_mss_bytes = receiver.tcp.rcv_mss;
  return f;
}

/**
 * A summary's TCP_INFO figures: retransmits from the cut to the end; the
 * medians of rtt, rttvar and cwnd as read at the interval boundaries after
 * the cut; the last path MTU and segment sizes. `cut`: the sender's sample
 * at the omit boundary (null: none). The final sample is read after the
 * stream stopped, when its last round trips wait on the stopping (an RR
 * test's final srtt read 7 times its median on a namespace link): it counts
 * only when the run had no boundary after the cut. A median, since srtt is a
 * moving average that one slow round trip just before a reading moves.
 */
export function summaryTcpFigures(sender: StreamReport, cut: StreamSample | null, receiver: StreamReport): TcpFigures {
  const last = tcpFigures(cut ?? undefined, sender.final, receiver.final);
  if (last.retransmits === undefined) return {};
  const boundaries = sender.samples.filter((s) => s.tcp !== undefined && (cut === null || s.t > cut.t));
  const readings = boundaries.length > 0 ? boundaries : [sender.final];
  const median = (value: (s: StreamSample) => number): number => {
    const sorted = readings.map(value).sort((a, b) => a - b);
    const mid = sorted.length >> 1;
    return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
  };
  return {
    ...last,
    rtt_ms: round(median((s) => s.tcp!.rtt_us) / 1000),
    rttvar_ms: round(median((s) => s.tcp!.rttvar_us) / 1000),
    cwnd_bytes: Math.round(median((s) => s.tcp!.snd_cwnd * s.tcp!.snd_mss)),
  };
}

/** Several streams' TCP figures: retransmits and windows add up, times are their mean, sizes the smallest. */
export function sumTcpFigures(parts: TcpFigures[]): TcpFigures {
  const present = parts.filter((p) => p.retransmits !== undefined);
  if (present.length === 0) return {};
  const values = (k: keyof TcpFigures): number[] => present.map((p) => p[k]).filter((v): v is number => v !== undefined);
  const sum = (k: keyof TcpFigures): number => values(k).reduce((a, v) => a + v, 0);
  const f: TcpFigures = {
    retransmits: sum('retransmits'),
    rtt_ms: round(sum('rtt_ms') / present.length),
    rttvar_ms: round(sum('rttvar_ms') / present.length),
    cwnd_bytes: sum('cwnd_bytes'),
    pmtu: Math.min(...values('pmtu')),
    snd_mss_bytes: Math.min(...values('snd_mss_bytes')),
  };
  if (values('rcv_mss_bytes').length > 0) f.rcv_mss_bytes = Math.min(...values('rcv_mss_bytes'));
  return f;
}
