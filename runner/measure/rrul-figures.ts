import type { StreamReport, StreamSample } from '../control/messages.js';
import type { IntervalRecord, LatencySummary, RrulFigures, RrulIntervalFigures, RrulPhaseName, RrulRecord } from '../core/run-object.js';
import { sumTcpFigures, summaryTcpFigures, tcpFigures } from './tcp-info-figures.js';
import { dataLanes, runSpan, type TestParams } from '../core/test-params.js';

/**
 * RRUL's figures, from the probe client's round trips and the TCP streams'
 * receivers (see RrulFigures in runner/core/run-object.ts). A probe belongs
 * to the phase and the interval it was sent in, by its place in the
 * schedule (probe k at k * probe_interval_s): a probe sent under load and
 * echoed after it counts as loaded. Percentiles here are exact (nearest
 * rank over every round trip), not a histogram's.
 */
export interface RrulComputed {
  summary: RrulFigures;
  intervals: IntervalRecord[];
  duration_s: number;
  rrul: RrulRecord;
}

/** Bytes of one probe datagram's payload (runner/data/probe-datagram.ts), for the probes' own load. */
const PROBE_PAYLOAD_BYTES = 16;

const round = (n: number, digits = 3): number => Number(n.toFixed(digits));

/** Exact summary of round trips in µs; null when there are none. */
export function latencySummaryOf(values: number[]): LatencySummary | null {
  const n = values.length;
  if (n === 0) return null;
  const sorted = Float64Array.from(values).sort();
  const at = (q: number): number => sorted[Math.min(n - 1, Math.max(0, Math.ceil(q * n) - 1))];
  let sum = 0;
  for (const v of sorted) sum += v;
  const mean = sum / n;
  let squares = 0;
  for (const v of sorted) squares += (v - mean) ** 2;
  return {
    min: round(sorted[0]),
    mean: round(mean),
    stddev: round(Math.sqrt(squares / n)),
    p50: round(at(0.5)),
    p90: round(at(0.9)),
    p99: round(at(0.99)),
    p999: round(at(0.999)),
    max: round(sorted[n - 1]),
  };
}

function rrulPhases(params: TestParams): RrulRecord['phases'] {
  const loadEnd = params.idle_s + params.duration_s;
  return [
    { name: 'idle', start_s: 0, end_s: round(params.idle_s) },
    { name: 'load', start_s: round(params.idle_s), end_s: round(loadEnd) },
    { name: 'drain', start_s: round(loadEnd), end_s: round(runSpan(params)) },
  ];
}

function phaseAt(params: TestParams, t: number): RrulPhaseName {
  // A hair of tolerance: probe k * 0.01 lands on a phase boundary with rounding error either way.
  if (t < params.idle_s - 1e-9) return 'idle';
  if (t < params.idle_s + params.duration_s - 1e-9) return 'load';
  return 'drain';
}

interface ProbeTally {
  sent: number;
  lost: number;
  rtts: number[];
}

function tally(rtt: Array<number | null>, from: number, to: number): ProbeTally {
  const t: ProbeTally = { sent: 0, lost: 0, rtts: [] };
  for (let k = Math.max(0, from); k < Math.min(rtt.length, to); k++) {
    t.sent++;
    const r = rtt[k];
    if (r === null) t.lost++;
    else t.rtts.push(r);
  }
  return t;
}

const lossPercent = (t: ProbeTally): number => (t.sent > 0 ? round((100 * t.lost) / t.sent, 4) : 0);

/** The first probe index sent at or after `t` seconds. */
function probeIndexAt(params: TestParams, t: number): number {
  return Math.max(0, Math.ceil(t / params.probe_interval_s - 1e-6));
}

interface Lanes {
  probe: StreamReport;
  /** Each stream's receiver: the server's report up, the client's down. */
  up: StreamReport[];
  down: StreamReport[];
  /** Each stream's sender and receiver, for TCP_INFO, which the sender's socket holds. */
  streams: Array<{ sender: StreamReport; receiver: StreamReport }>;
}

function lanesOf(params: TestParams, client: StreamReport[], server: StreamReport[]): Lanes {
  const byStream = (reports: StreamReport[], stream: number): StreamReport => {
    const r = reports.find((x) => x.stream === stream);
    if (!r) throw new Error(`no report for stream ${stream}`);
    return r;
  };
  const lanes = dataLanes(params);
  const up: StreamReport[] = [];
  const down: StreamReport[] = [];
  const streams: Lanes['streams'] = [];
  lanes.forEach((lane, stream) => {
    // Each stream's bytes as its receiver counted them: the server up, the client down.
    if (lane === 'up') {
      up.push(byStream(server, stream));
      streams.push({ sender: byStream(client, stream), receiver: byStream(server, stream) });
    }
    if (lane === 'down') {
      down.push(byStream(client, stream));
      streams.push({ sender: byStream(server, stream), receiver: byStream(client, stream) });
    }
  });
  return { probe: byStream(client, 0), up, down, streams };
}

const ZERO_T = { t: 0, bytes: 0 };

/** A receiver's count at `t` seconds by its clock, interpolated between the samples around it. */
function bytesAt(samples: readonly StreamSample[], t: number): number {
  let previous: Pick<StreamSample, 't' | 'bytes'> = ZERO_T;
  for (const s of samples) {
    if (s.t >= t) return s.t > previous.t ? previous.bytes + ((t - previous.t) / (s.t - previous.t)) * (s.bytes - previous.bytes) : s.bytes;
    previous = s;
  }
  return previous.bytes;
}

/** Bits per second of receivers between their samples k-1 and k (their own clocks), summed, Mbit/s. */
function rateBetween(receivers: StreamReport[], k: number, last: boolean): number {
  let sum = 0;
  for (const r of receivers) {
    const s1 = last ? r.final : r.samples[k];
    const s0 = (r.samples[k - 1] as Pick<StreamSample, 't' | 'bytes'> | undefined) ?? ZERO_T;
    if (!s1) continue;
    const dt = s1.t - s0.t;
    if (dt > 0) sum += ((s1.bytes - s0.bytes) * 8) / dt / 1e6;
  }
  return round(sum);
}

/**
 * `live`: intervals of a run still going, from the samples alone: the probe
 * flow's round trips by the interval they came back in, and the probes whose
 * reply window ended in it unechoed counted lost (a probe still in flight
 * at the interval's end is not). The final figures replace them.
 */
export function computeRrulFigures(params: TestParams, client: StreamReport[], server: StreamReport[], live = false): RrulComputed {
  const { probe, up, down, streams } = lanesOf(params, client, server);
  const hasUp = params.direction !== 'down';
  const hasDown = params.direction !== 'up';
  const rtt = probe.probe?.rtt_us ?? [];

  const receivers = [...up, ...down];
  const boundaries = Math.min(probe.samples.length - 1, ...receivers.map((r) => r.samples.length - 1));
  const intervals: IntervalRecord[] = [];
  for (let k = 0; k <= boundaries; k++) {
    const last = k === boundaries;
    const p0 = probe.samples[k - 1];
    const p1 = last ? probe.final : probe.samples[k];
    const start = p0?.t ?? 0;
    const end = p1.t;
    let figures: RrulIntervalFigures;
    if (live) {
      const sent = p1.requests_sent - (p0?.requests_sent ?? 0);
      // Probes whose reply window passed in this interval without an echo (runner/data/probe-datagram.ts): those in flight are not lost.
      const lost = Math.max(0, p1.timeouts - (p0?.timeouts ?? 0));
      figures = {
        latency_us: p1.interval_latency_us,
        loss_percent: sent > 0 ? round((100 * lost) / sent, 4) : 0,
        probes_sent: sent,
        probes_lost: lost,
      };
    } else {
      // Probes by the schedule's own boundaries (interval k from k * interval_s): a timer's few µs early or late move no probe.
      const t = tally(
        rtt,
        probeIndexAt(params, k * params.interval_s),
        last ? rtt.length : probeIndexAt(params, (k + 1) * params.interval_s),
      );
      figures = { latency_us: latencySummaryOf(t.rtts), loss_percent: lossPercent(t), probes_sent: t.sent, probes_lost: t.lost };
    }
    const rates: Pick<RrulIntervalFigures, 'upload_mbps' | 'download_mbps'> = {};
    if (hasUp) rates.upload_mbps = rateBetween(up, k, last);
    if (hasDown) rates.download_mbps = rateBetween(down, k, last);
    // The streams' TCP_INFO between the senders' samples k-1 and k (absent where the path cannot read it).
    const tcp = sumTcpFigures(
      streams.map(({ sender, receiver }) => {
        const s1 = last ? sender.final : sender.samples[k];
        // A sender that reported fewer samples than the probe flow has no reading for this interval.
        return s1 ? tcpFigures(sender.samples[k - 1], s1, (last ? receiver.final : receiver.samples[k]) ?? receiver.final) : {};
      }),
    );
    intervals.push({
      start_s: round(start),
      end_s: round(end),
      omitted: false,
      figures: { ...rates, ...figures, ...tcp },
      phase: phaseAt(params, k * params.interval_s),
    });
  }

  const loadFrom = probeIndexAt(params, params.idle_s);
  const drainFrom = probeIndexAt(params, params.idle_s + params.duration_s);
  const idle = tally(rtt, 0, loadFrom);
  const loaded = tally(rtt, loadFrom, drainFrom);
  const drain = tally(rtt, drainFrom, rtt.length);
  const idleLatency = latencySummaryOf(idle.rtts);
  const loadedLatency = latencySummaryOf(loaded.rtts);
  const sent = rtt.length;
  const lost = idle.lost + loaded.lost + drain.lost;
  // The probe flow's span as the run reports it (duration_s), so probe_mbps is computed over that very figure.
  const span = round(probe.final.t > 0 ? probe.final.t : runSpan(params));
  // Bytes the receivers counted within the load phase, by their own clocks: what the senders' socket buffers
  // still deliver in the drain phase (seconds of it at a slow bottleneck) is not the load's rate.
  const loadStart = params.idle_s;
  const loadEnd = params.idle_s + params.duration_s;
  const received = (reports: StreamReport[]): number =>
    reports.reduce((a, r) => a + bytesAt(r.samples, loadEnd) - bytesAt(r.samples, loadStart), 0);
  const summary: RrulFigures = {
    ...(hasUp ? { upload_mbps: round((received(up) * 8) / params.duration_s / 1e6) } : {}),
    ...(hasDown ? { download_mbps: round((received(down) * 8) / params.duration_s / 1e6) } : {}),
    idle_latency_us: idleLatency,
    loaded_latency_us: loadedLatency,
    drain_latency_us: latencySummaryOf(drain.rtts),
    idle_loss_percent: lossPercent(idle),
    loaded_loss_percent: lossPercent(loaded),
    drain_loss_percent: lossPercent(drain),
    latency_increase_ms: idleLatency && loadedLatency ? round((loadedLatency.p50 - idleLatency.p50) / 1000, 4) : null,
    responsiveness_rpm: loadedLatency && loadedLatency.p50 > 0 ? round(60_000 / (loadedLatency.p50 / 1000), 1) : null,
    probes_sent: sent,
    probes_lost: lost,
    probe_mbps: round(((sent + (sent - lost)) * PROBE_PAYLOAD_BYTES * 8) / span / 1e6, 4),
    // From each sender's last reading before the load: its retransmits over the load and drain, its median srtt
    // and window over the readings after that (through the idle drain srtt holds its last value).
    ...sumTcpFigures(
      streams.map(({ sender, receiver }) =>
        summaryTcpFigures(sender, sender.samples.filter((x) => x.t <= loadStart + 1e-9).at(-1) ?? null, receiver),
      ),
    ),
  };
  const rrul: RrulRecord = { phases: rrulPhases(params), probe_interval_s: params.probe_interval_s, rtt_us: rtt };
  if (probe.probe) rrul.send_late_us = probe.probe.late_us;
  return { summary, intervals, duration_s: span, rrul };
}
