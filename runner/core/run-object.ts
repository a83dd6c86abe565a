import { randomUUID } from 'node:crypto';
import type { PeerAddress } from './run-events.js';
import type { TestName, TestParams } from './test-params.js';
import { formatBytes } from './units.js';

/**
 * The run object: the contract between the engine, scenarios, reports and
 * `bench test --json`. Written down as schemas/results.schema.json; each
 * figure's label, unit, direction and tests are in runner/core/figure-catalog.ts
 * (test/figure-catalog.test.ts keeps the three in step).
 *
 * Figures, and who counts them:
 * - throughput_mbps: bits the receiver got, divided by the receiver's measured
 *   time (its start to its last byte), in 10^6 bit/s.
 * - sender_mbps: bits the sender handed to the kernel over the sender's time.
 * - target_mbps: a paced UDP_STREAM's target rate, all streams together, beside
 *   sender_mbps, which says whether the sender reached it.
 * - After --omit, both sides count from the receiver's position in the stream at
 *   its omit boundary (bytes for TCP, sequence numbers for UDP), so sent and
 *   received describe the same bytes: received <= sent, lost = sent - received.
 * - UDP loss: packets_sent (sender) minus distinct packets_received (receiver).
 * - bidir: throughput_mbps and the counts are both directions together;
 *   upload_mbps (client to server) and download_mbps (server to client), and
 *   for UDP each direction's loss, are each counted by that direction's receiver.
 * - jitter_ms: RFC 3550 interarrival jitter, computed by the receiver.
 * - RR figures are counted by the client: one transaction is one request sent
 *   and its response received in full; latency is that round trip. In TCP_CRR
 *   each transaction is a new connection: its latency runs from connect() to
 *   the response's last byte, and connect_failures counts the connections
 *   that failed: not made, or ended before the whole response.
 * - TCP figures (TcpFigures) are the kernel's, from getsockopt(TCP_INFO) on
 *   the sender's socket (the client's in TCP_RR) once per interval: absent
 *   where a data path cannot read it (RunObject.notes says why).
 */
export interface TcpFigures {
  /** Segments retransmitted in the interval, or over the summary (tcpi_total_retrans deltas); several streams add up. */
  retransmits?: number;
  /** Smoothed round-trip time and its variation at the interval's end; the summary's is the median of the readings at its interval boundaries; several streams: their mean. */
  rtt_ms?: number;
  rttvar_ms?: number;
  /** Congestion window (snd_cwnd x snd_mss) at the interval's end, the summary's the median of its boundary readings; several streams add up. */
  cwnd_bytes?: number;
  /** Path MTU and the sender's segment size; several streams: the smallest. */
  pmtu?: number;
  snd_mss_bytes?: number;
  /** The largest segment the receiver saw (up to what it advertised): its TCP_INFO rcv_mss. */
  rcv_mss_bytes?: number;
}

export interface StreamFigures extends TcpFigures {
  throughput_mbps: number;
  sender_mbps: number;
  /** bidir: each direction's throughput, counted by its own receiver (throughput_mbps is both together). */
  upload_mbps?: number;
  download_mbps?: number;
  /** bidir UDP_STREAM: each direction's loss, counted by its own receiver. */
  upload_loss_percent?: number;
  download_loss_percent?: number;
  /** UDP_STREAM with a rate: the rate asked for, in Mbit/s (absent when unpaced and in older files). */
  target_mbps?: number;
  bytes_sent: number;
  bytes_received: number;
  packets_sent?: number;
  packets_received?: number;
  packets_lost?: number;
  loss_percent?: number;
  out_of_order?: number;
  duplicates?: number;
  jitter_ms?: number;
}

export interface LatencySummary {
  min: number;
  mean: number;
  stddev: number;
  p50: number;
  p90: number;
  p99: number;
  p999: number;
  max: number;
}

export interface RrFigures extends TcpFigures {
  transactions: number;
  transactions_per_sec: number;
  latency_us: LatencySummary;
  requests_sent?: number;
  lost?: number;
  loss_percent?: number;
  /** Replies that arrived after their request had been given up on. */
  late_replies?: number;
  /** TCP_CRR: connections that failed: not made (refused, unreachable, timed out) or ended before the whole response. */
  connect_failures?: number;
}

/**
 * RRUL (latency under load), counted by the client but for upload_mbps
 * (the server receives it). Phases: idle (probes alone), load (probes and
 * the TCP streams), drain (probes alone again). A probe belongs to the phase
 * it was sent in; a probe never echoed is lost.
 */
/** RRUL's TCP figures are its streams' (each sender's TCP_INFO), over the run: what the load did to them. */
export interface RrulFigures extends TcpFigures {
  /**
   * Load phase: all up streams' bytes the server received within the load phase (by its clock, between its
   * samples around the phase's ends), over the load's duration; absent for direction down.
   */
  upload_mbps?: number;
  /** Likewise for the down streams, received by the client; absent for direction up. */
  download_mbps?: number;
  idle_latency_us: LatencySummary | null;
  loaded_latency_us: LatencySummary | null;
  drain_latency_us: LatencySummary | null;
  idle_loss_percent: number;
  loaded_loss_percent: number;
  drain_loss_percent: number;
  /** Loaded p50 minus idle p50, ms; null when either phase had no echo. */
  latency_increase_ms: number | null;
  /** 60000 / loaded p50 in ms: round trips per minute under load (the IETF responsiveness draft's unit). */
  responsiveness_rpm: number | null;
  probes_sent: number;
  probes_lost: number;
  /** The probes' own load, both directions summed, UDP payload bits over the run's time. */
  probe_mbps: number;
}

/** One interval of an RRUL run: the streams' rates and the probes sent in it. */
export interface RrulIntervalFigures extends TcpFigures {
  upload_mbps?: number;
  download_mbps?: number;
  /** Round trips of the probes sent in this interval that were echoed. */
  latency_us: LatencySummary | null;
  loss_percent: number;
  probes_sent: number;
  probes_lost: number;
}

export type Figures = StreamFigures | RrFigures | RrulFigures | RrulIntervalFigures;

export type RrulPhaseName = 'idle' | 'load' | 'drain';

/** What an RRUL run keeps beside its figures: its phases and every probe's round trip. */
export interface RrulRecord {
  /** Seconds from the first probe. */
  phases: Array<{ name: RrulPhaseName; start_s: number; end_s: number }>;
  probe_interval_s: number;
  /** Round trip of probe k (sent at k * probe_interval_s), µs; null: never echoed. Every probe, in order. */
  rtt_us: Array<number | null>;
  /**
   * How late probes left against their schedule, µs: the probe flow's own
   * thread delayed (by the streams' threads, a busy core), which the round
   * trips do not include, since each is timed from the probe's real send.
   */
  send_late_us?: { p50: number; p99: number; max: number };
}

export interface IntervalRecord {
  start_s: number;
  end_s: number;
  /** True when the interval falls inside --omit and is left out of the summary. */
  omitted: boolean;
  figures: Figures;
  /** Per stream, when the run has more than one. */
  streams?: Figures[];
  /** RRUL: the phase the interval's start falls in. */
  phase?: RrulPhaseName;
}

/** What one side's data threads cost and ran on. */
export interface SideFacts {
  cpu_percent: number | null;
  /** TCP tests: the congestion control its data sockets used (TCP_CONGESTION); absent where it cannot be read. */
  congestion?: string;
  /** TCP tests: SO_SNDBUF and SO_RCVBUF of its data sockets as the kernel granted them (stream 0's, at the end). */
  sndbuf_bytes?: number;
  rcvbuf_bytes?: number;
  /** 'native': the C socket loops; 'js': Node's sockets; 'mixed': streams differed; null: unknown (failed run, older peer). */
  data_path?: 'native' | 'js' | 'mixed' | null;
}

/** One end of a run: where its bench server listens, and the name that server reported in its handshake. */
export interface RunEndpoint {
  host: string;
  port: number;
  /** `bench serve --name` (default its host name), as the server reported it; absent when never heard. */
  name?: string;
}

export interface RunObject {
  id: string;
  test: TestName;
  /** The receiving end's server (`to`), kept under its old name for older readers. */
  peer: { host: string; port: number; embedded: boolean };
  /** The end that ran the client side: absent or null for the machine running bench (`from: local`). */
  from?: RunEndpoint | null;
  /** The end that ran the server side; `peer` says the same, without the name. */
  to?: RunEndpoint;
  params: TestParams;
  status: 'ok' | 'failed';
  error?: { code: string; message: string };
  started_at: string;
  duration_s: number;
  summary: Figures | null;
  intervals: IntervalRecord[];
  client: SideFacts;
  server: SideFacts;
  /**
   * RR tests: the round trips after --omit counted in fixed buckets (1-2-5 steps from 1 µs to 10 s),
   * cumulative, from the client's HDR histograms; what the OpenMetrics export's histogram is made of.
   */
  latency_buckets?: { le_us: number[]; counts: number[] } | null;
  /** RRUL runs: the phases and every probe's round trip. */
  rrul?: RrulRecord;
  /** Scenario runs carry their place in the scenario. */
  label?: string;
  scenario_index?: number;
  repeat_index?: number;
  interrupted?: boolean;
  /** What a reader must know to read the figures, such as why the TCP_INFO figures are absent. */
  notes?: string[];
}

export function isRrFigures(f: Figures): f is RrFigures {
  return 'transactions' in f;
}

/** An RRUL run's summary or interval figures. */
export function isRrulFigures(f: Figures): f is RrulFigures | RrulIntervalFigures {
  return 'probes_sent' in f;
}

/** A run object before anything is measured: failed until figures fill it. */
export function unmeasuredRun(params: TestParams, peer: PeerAddress | undefined, startedAt: string): RunObject {
  return {
    id: randomUUID(),
    test: params.test,
    peer: peer ? { host: peer.host, port: peer.port, embedded: peer.embedded === true } : { host: '127.0.0.1', port: 0, embedded: true },
    from: null,
    to: peer ? { host: peer.host, port: peer.port } : { host: '127.0.0.1', port: 0 },
    params,
    status: 'failed',
    started_at: startedAt,
    duration_s: 0,
    summary: null,
    intervals: [],
    client: { cpu_percent: null, data_path: null },
    server: { cpu_percent: null, data_path: null },
  };
}

/** Marks a run failed with what went wrong, and interrupted when that was a Ctrl-C. */
export function markFailed(run: RunObject, error: { code: string; message: string }, signal?: AbortSignal): void {
  run.status = 'failed';
  run.error = { code: error.code, message: error.message };
  if (signal?.aborted) run.interrupted = true;
}

/** 'congestion client cubic, server cubic · buffers granted client 2.5MiB send 128KiB receive, ...': '' when the run says nothing of its sockets. */
export function socketText(run: Pick<RunObject, 'client' | 'server'>): string {
  const sides = [
    ['client', run.client],
    ['server', run.server],
  ] as const;
  const congestion = sides.filter(([, s]) => s.congestion !== undefined).map(([name, s]) => `${name} ${s.congestion}`);
  const buffers = sides
    .filter(([, s]) => s.sndbuf_bytes !== undefined && s.rcvbuf_bytes !== undefined)
    .map(([name, s]) => `${name} ${formatBytes(s.sndbuf_bytes!)} send, ${formatBytes(s.rcvbuf_bytes!)} receive`);
  const parts: string[] = [];
  if (congestion.length > 0) parts.push(`congestion ${congestion.join(', ')}`);
  if (buffers.length > 0) parts.push(`buffers granted ${buffers.join('; ')}`);
  return parts.join(' · ');
}
