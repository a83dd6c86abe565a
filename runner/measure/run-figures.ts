import type { LatencyStats, StreamReport, StreamSample } from '../control/messages.js';
import type { Figures, IntervalRecord, LatencySummary, RrFigures, RrulRecord, StreamFigures } from '../core/run-object.js';
import { type TestParams, connectionCount, isRrTest, omittedIntervalCount } from '../core/test-params.js';
import { latencyBuckets, type LatencyBuckets } from './latency-buckets.js';
import { latencyStatsUs, mergeHistograms } from './latency-histogram.js';
import { computeRrulFigures } from './rrul-figures.js';
import { sumTcpFigures, summaryTcpFigures, tcpFigures } from './tcp-info-figures.js';

/**
 * Turns both sides' per-stream counters into the figures of a run: the one
 * place where figures are defined (see runner/core/run-object.ts).
 *
 * STREAM tests pair each stream's sender and receiver; RR tests use the
 * client's counters alone. Several streams add up: throughput is the sum of
 * each stream's own rate over its own measured time, as iperf3's SUM.
 */
export interface SidePair {
  sender: StreamReport;
  receiver: StreamReport;
}

const round = (n: number, digits = 3): number => Number(n.toFixed(digits));

function pairStreams(params: TestParams, client: StreamReport[], server: StreamReport[]): SidePair[] {
  const byStream = (reports: StreamReport[], stream: number): StreamReport => {
    const r = reports.find((x) => x.stream === stream);
    if (!r) throw new Error(`no report for stream ${stream}`);
    return r;
  };
  const pairs: SidePair[] = [];
  for (let s = 0; s < connectionCount(params); s++) {
    const c = byStream(client, s);
    const v = byStream(server, s);
    pairs.push(c.role === 'sender' ? { sender: c, receiver: v } : { sender: v, receiver: c });
  }
  return pairs;
}

const ZERO: StreamSample = {
  t: 0,
  bytes: 0,
  packets: 0,
  lost: 0,
  out_of_order: 0,
  duplicates: 0,
  jitter_ms: 0,
  transactions: 0,
  requests_sent: 0,
  timeouts: 0,
  late_replies: 0,
  interval_latency_us: null,
};

/** STREAM figures of one stream between two samples of each side. */
function streamFigures(
  udp: boolean,
  s0: StreamSample,
  s1: StreamSample,
  r0: StreamSample,
  r1: StreamSample,
  tailLost: number,
): StreamFigures {
  const receiverTime = r1.t - r0.t;
  const senderTime = s1.t - s0.t;
  const bytesReceived = r1.bytes - r0.bytes;
  const bytesSent = s1.bytes - s0.bytes;
  const f: StreamFigures = {
    throughput_mbps: receiverTime > 0 ? round((bytesReceived * 8) / receiverTime / 1e6) : 0,
    sender_mbps: senderTime > 0 ? round((bytesSent * 8) / senderTime / 1e6) : 0,
    bytes_sent: bytesSent,
    bytes_received: bytesReceived,
  };
  if (udp) {
    const received = r1.packets - r0.packets;
    const lost = Math.max(0, r1.lost - r0.lost + tailLost);
    f.packets_sent = s1.packets - s0.packets;
    f.packets_received = received;
    f.packets_lost = lost;
    f.loss_percent = received + lost > 0 ? round((100 * lost) / (received + lost), 4) : 0;
    f.out_of_order = r1.out_of_order - r0.out_of_order;
    f.duplicates = r1.duplicates - r0.duplicates;
    f.jitter_ms = round(r1.jitter_ms, 4);
  }
  return f;
}

/**
 * Datagrams the sender sent beyond the highest one the receiver ever saw:
 * lost at the end, where no later datagram reveals the gap.
 */
function tailLoss(pair: SidePair): number {
  const f = pair.receiver.final;
  return Math.max(0, pair.sender.final.packets - (f.lost + f.packets));
}

/**
 * Where a stream's summary starts, after --omit: the receiver's position in
 * the stream at its omit boundary, in bytes for TCP and in sequence numbers
 * for UDP (highest seen + 1 = distinct received + missing). Each side takes
 * its omit sample by its own clock, and the two clocks start apart (START
 * reaches the server later), so cutting each side at its own sample counted
 * different bytes: more received than sent after omit. One cut, applied to
 * both sides, makes sent and received describe the same bytes and datagrams.
 */
function summaryCut(udp: boolean, receiverOmit: StreamSample | null): number {
  if (!receiverOmit) return 0;
  return udp ? receiverOmit.packets + receiverOmit.lost : receiverOmit.bytes;
}

/**
 * A side's clock when its cumulative count reached `count`, interpolated
 * between the samples around it: the sender's time at the cut.
 */
function timeAtCount(samples: readonly StreamSample[], key: 'bytes' | 'packets', count: number): number {
  let previous = ZERO;
  for (const s of samples) {
    if (s[key] >= count) {
      const span = s[key] - previous[key];
      return span > 0 ? previous.t + ((count - previous[key]) / span) * (s.t - previous.t) : previous.t;
    }
    previous = s;
  }
  return previous.t;
}

/**
 * One stream's summary: everything from the cut to the end, on both sides.
 * Relations that hold by construction: received <= sent, lost = sent - received.
 */
function summaryStreamFigures(udp: boolean, pair: SidePair, omitting: boolean): StreamFigures {
  const { sender, receiver } = pair;
  const r0 = omitting ? (receiver.omit_sample ?? ZERO) : ZERO;
  const r1 = receiver.final;
  const s1 = sender.final;
  const cut = omitting ? summaryCut(udp, receiver.omit_sample) : 0;
  const senderStart = cut > 0 ? timeAtCount(sender.samples, udp ? 'packets' : 'bytes', cut) : 0;
  // A UDP sender's bytes are its datagrams times their one size.
  const bytesPerDatagram = udp && s1.packets > 0 ? s1.bytes / s1.packets : 0;
  const bytesSent = Math.max(0, s1.bytes - (udp ? Math.round(cut * bytesPerDatagram) : cut));
  // Past the cut the receiver can only count what the sender sent past it; a surplus
  // is datagrams from before the cut arriving late, which belong to the omitted part.
  const bytesReceived = Math.min(Math.max(0, r1.bytes - r0.bytes), bytesSent);
  const receiverTime = r1.t - r0.t;
  const senderTime = s1.t - senderStart;
  const f: StreamFigures = {
    throughput_mbps: receiverTime > 0 ? round((bytesReceived * 8) / receiverTime / 1e6) : 0,
    sender_mbps: senderTime > 0 ? round((bytesSent * 8) / senderTime / 1e6) : 0,
    bytes_sent: bytesSent,
    bytes_received: bytesReceived,
  };
  if (udp) {
    const sent = Math.max(0, s1.packets - cut);
    const received = Math.min(Math.max(0, r1.packets - r0.packets), sent);
    const lost = sent - received;
    f.packets_sent = sent;
    f.packets_received = received;
    f.packets_lost = lost;
    f.loss_percent = sent > 0 ? round((100 * lost) / sent, 4) : 0;
    f.out_of_order = r1.out_of_order - r0.out_of_order;
    f.duplicates = r1.duplicates - r0.duplicates;
    f.jitter_ms = round(r1.jitter_ms, 4);
  }
  return f;
}

function sumStreamFigures(udp: boolean, parts: StreamFigures[]): StreamFigures {
  const total: StreamFigures = { throughput_mbps: 0, sender_mbps: 0, bytes_sent: 0, bytes_received: 0 };
  for (const p of parts) {
    total.throughput_mbps += p.throughput_mbps;
    total.sender_mbps += p.sender_mbps;
    total.bytes_sent += p.bytes_sent;
    total.bytes_received += p.bytes_received;
  }
  total.throughput_mbps = round(total.throughput_mbps);
  total.sender_mbps = round(total.sender_mbps);
  if (udp) {
    const sum = (k: keyof StreamFigures): number => parts.reduce((a, p) => a + ((p[k] as number) ?? 0), 0);
    total.packets_sent = sum('packets_sent');
    total.packets_received = sum('packets_received');
    total.packets_lost = sum('packets_lost');
    const seen = total.packets_received + total.packets_lost;
    total.loss_percent = seen > 0 ? round((100 * total.packets_lost) / seen, 4) : 0;
    total.out_of_order = sum('out_of_order');
    total.duplicates = sum('duplicates');
    total.jitter_ms = round(sum('jitter_ms') / parts.length, 4);
  }
  return total;
}

/**
 * bidir: each direction's figures beside the totals, each counted by that
 * direction's own receiver. `parts` are in connection order: the client's
 * sending connections (upload) first, then the server's (download).
 */
function directionFigures(udp: boolean, streams: number, parts: StreamFigures[]): StreamFigures {
  const upload = sumStreamFigures(udp, parts.slice(0, streams));
  const download = sumStreamFigures(udp, parts.slice(streams));
  const total = sumStreamFigures(udp, parts);
  const { throughput_mbps, ...rest } = total;
  const f: StreamFigures = { throughput_mbps, upload_mbps: upload.throughput_mbps, download_mbps: download.throughput_mbps, ...rest };
  if (udp) {
    f.upload_loss_percent = upload.loss_percent;
    f.download_loss_percent = download.loss_percent;
  }
  return f;
}

function rrFigures(udp: boolean, c0: StreamSample, c1: StreamSample, latency: LatencySummary | null, crr = false): RrFigures {
  const transactions = c1.transactions - c0.transactions;
  const time = c1.t - c0.t;
  const f: RrFigures = {
    transactions,
    transactions_per_sec: time > 0 ? round(transactions / time, 1) : 0,
    latency_us: latency ?? { min: 0, mean: 0, stddev: 0, p50: 0, p90: 0, p99: 0, p999: 0, max: 0 },
  };
  if (udp) {
    const timeouts = c1.timeouts - c0.timeouts;
    const late = c1.late_replies - c0.late_replies;
    const requests = transactions + timeouts;
    // A request given up on whose reply came later was slow, not lost.
    const lost = Math.max(0, timeouts - late);
    f.requests_sent = requests;
    f.lost = lost;
    f.loss_percent = requests > 0 ? round((100 * lost) / requests, 4) : 0;
    f.late_replies = late;
  }
  if (crr) f.connect_failures = (c1.connect_failures ?? 0) - (c0.connect_failures ?? 0);
  return f;
}

function sumRrFigures(udp: boolean, parts: RrFigures[], latency: LatencySummary): RrFigures {
  const total: RrFigures = { transactions: 0, transactions_per_sec: 0, latency_us: latency };
  for (const p of parts) {
    total.transactions += p.transactions;
    total.transactions_per_sec += p.transactions_per_sec;
  }
  total.transactions_per_sec = round(total.transactions_per_sec, 1);
  if (udp) {
    total.requests_sent = parts.reduce((a, p) => a + (p.requests_sent ?? 0), 0);
    total.lost = parts.reduce((a, p) => a + (p.lost ?? 0), 0);
    total.late_replies = parts.reduce((a, p) => a + (p.late_replies ?? 0), 0);
    total.loss_percent = total.requests_sent > 0 ? round((100 * total.lost) / total.requests_sent, 4) : 0;
  }
  if (parts.some((p) => p.connect_failures !== undefined))
    total.connect_failures = parts.reduce((a, p) => a + (p.connect_failures ?? 0), 0);
  return total;
}

/**
 * Several streams' interval latencies cannot be merged from percentiles; an
 * interval of a multi-stream run shows the worst stream's value at each point.
 */
function worstLatency(stats: Array<LatencyStats | null>): LatencySummary | null {
  const present = stats.filter((s): s is LatencyStats => s !== null);
  if (present.length === 0) return null;
  if (present.length === 1) return present[0];
  const pick = (k: keyof LatencyStats): number => Math.max(...present.map((s) => s[k]));
  return {
    min: Math.min(...present.map((s) => s.min)),
    mean: pick('mean'),
    stddev: pick('stddev'),
    p50: pick('p50'),
    p90: pick('p90'),
    p99: pick('p99'),
    p999: pick('p999'),
    max: pick('max'),
  };
}

/** Boundary samples common to every array, then each array's final sample. */
function alignedSamples(reports: StreamReport[]): StreamSample[][] {
  const boundaries = Math.min(...reports.map((r) => r.samples.length - 1));
  return reports.map((r) => [...r.samples.slice(0, boundaries), r.final]);
}

export interface ComputedFigures {
  summary: Figures;
  intervals: IntervalRecord[];
  /** The measured time the summary covers, seconds. */
  duration_s: number;
  /** RR tests: every round trip after --omit in fixed buckets (for exports that want a histogram); null when none. */
  latency_buckets?: LatencyBuckets | null;
  /** RRUL: the phases and every probe's round trip. */
  rrul?: RrulRecord;
}

/**
 * `live`: figures of a test still running, where a datagram beyond the highest
 * seen is in flight, not lost.
 */
export function computeFigures(params: TestParams, client: StreamReport[], server: StreamReport[], live = false): ComputedFigures {
  const udp = params.test === 'UDP_STREAM' || params.test === 'UDP_RR';
  if (params.test === 'RRUL') return computeRrulFigures(params, client, server, live);
  const omitted = omittedIntervalCount(params);
  if (isRrTest(params.test)) return computeRr(params, udp, omitted, client);

  const pairs = pairStreams(params, client, server);
  const senders = alignedSamples(pairs.map((p) => p.sender));
  const receivers = alignedSamples(pairs.map((p) => p.receiver));
  const count = Math.min(senders[0].length, receivers[0].length);
  const intervals: IntervalRecord[] = [];
  for (let k = 0; k < count; k++) {
    const last = k === count - 1;
    const parts = pairs.map((pair, s) => {
      const sIdx = last ? senders[s].length - 1 : k;
      const rIdx = last ? receivers[s].length - 1 : k;
      return streamFigures(
        udp,
        senders[s][sIdx - 1] ?? ZERO,
        senders[s][sIdx],
        receivers[s][rIdx - 1] ?? ZERO,
        receivers[s][rIdx],
        last && !live ? tailLoss(pair) : 0,
      );
    });
    if (!udp) {
      pairs.forEach((_, s) => {
        const sIdx = last ? senders[s].length - 1 : k;
        const rIdx = last ? receivers[s].length - 1 : k;
        Object.assign(parts[s], tcpFigures(senders[s][sIdx - 1], senders[s][sIdx], receivers[s][rIdx]));
      });
    }
    const r0 = receivers[0][k - 1] ?? ZERO;
    const r1 = receivers[0][last ? receivers[0].length - 1 : k];
    intervals.push({
      start_s: round(r0.t),
      end_s: round(r1.t),
      omitted: k < omitted,
      figures: {
        ...(params.bidir === true ? directionFigures(udp, params.streams, parts) : sumStreamFigures(udp, parts)),
        ...sumTcpFigures(parts),
      },
      ...(pairs.length > 1 ? { streams: parts } : {}),
    });
  }
  const summaryParts = pairs.map((pair) => summaryStreamFigures(udp, pair, omitted > 0));
  const summed: StreamFigures = {
    ...(params.bidir === true ? directionFigures(udp, params.streams, summaryParts) : sumStreamFigures(udp, summaryParts)),
    ...sumTcpFigures(pairs.map((pair) => summaryTcpFigures(pair.sender, omitted > 0 ? pair.sender.omit_sample : null, pair.receiver))),
  };
  // The rate asked for, beside sender_mbps, so that a sender that fell short is seen as such (issue 16).
  let summary: StreamFigures = summed;
  if (params.test === 'UDP_STREAM' && params.rate_bps > 0) {
    const { throughput_mbps, sender_mbps, ...rest } = summed;
    summary = { throughput_mbps, sender_mbps, target_mbps: round((params.rate_bps * connectionCount(params)) / 1e6), ...rest };
  }
  const start = omitted > 0 ? (pairs[0].receiver.omit_sample?.t ?? 0) : 0;
  const duration = Math.max(...pairs.map((p) => p.receiver.final.t)) - start;
  return { summary, intervals, duration_s: round(duration) };
}

function computeRr(params: TestParams, udp: boolean, omitted: number, client: StreamReport[]): ComputedFigures {
  const crr = params.test === 'TCP_CRR';
  const reports = [...client].sort((a, b) => a.stream - b.stream);
  const samples = alignedSamples(reports);
  const intervals: IntervalRecord[] = [];
  const count = samples[0].length;
  for (let k = 0; k < count; k++) {
    const parts = samples.map((arr) => ({
      ...rrFigures(udp, arr[k - 1] ?? ZERO, arr[k], arr[k].interval_latency_us, crr),
      ...tcpFigures(arr[k - 1], arr[k], arr[k]),
    }));
    const latency = worstLatency(samples.map((arr) => arr[k].interval_latency_us));
    intervals.push({
      start_s: round((samples[0][k - 1] ?? ZERO).t),
      end_s: round(samples[0][k].t),
      omitted: k < omitted,
      figures: { ...sumRrFigures(udp, parts, latency ?? parts[0].latency_us), ...sumTcpFigures(parts) },
      ...(reports.length > 1 ? { streams: parts } : {}),
    });
  }
  const histograms = reports.map((r) => r.latency_histogram).filter((h): h is string => typeof h === 'string');
  const merged = latencyStatsUs(mergeHistograms(histograms));
  const parts = reports.map((r) => rrFigures(udp, omitted > 0 ? (r.omit_sample ?? ZERO) : ZERO, r.final, null, crr));
  const summary: RrFigures = {
    ...sumRrFigures(udp, parts, merged ?? parts[0].latency_us),
    ...sumTcpFigures(reports.map((r) => summaryTcpFigures(r, omitted > 0 ? r.omit_sample : null, r))),
  };
  const start = omitted > 0 ? (reports[0].omit_sample?.t ?? 0) : 0;
  return {
    summary,
    intervals,
    duration_s: round(Math.max(...reports.map((r) => r.final.t)) - start),
    latency_buckets: latencyBuckets(histograms),
  };
}
