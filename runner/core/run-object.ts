import { randomUUID } from 'node:crypto';
import type { PeerAddress } from './run-events.js';
import type { TestName, TestParams } from './test-params.js';

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
 * - jitter_ms: RFC 3550 interarrival jitter, computed by the receiver.
 * - RR figures are counted by the client: one transaction is one request sent
 *   and its response received in full; latency is that round trip.
 */
export interface StreamFigures {
  throughput_mbps: number;
  sender_mbps: number;
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

export interface RrFigures {
  transactions: number;
  transactions_per_sec: number;
  latency_us: LatencySummary;
  requests_sent?: number;
  lost?: number;
  loss_percent?: number;
  /** Replies that arrived after their request had been given up on. */
  late_replies?: number;
}

/** RRUL: latency under load, over three phases (idle, load, drain); see RRUL-SHAPE. */
export interface RrulFigures {
  /** Load phase, all up streams summed, counted by the receiver (server); absent for direction 'down'. */
  upload_mbps?: number;
  /** Load phase, all down streams summed, counted by the client; absent for direction 'up'. */
  download_mbps?: number;
  /** Probes sent in phase 1 (idle before load) that were echoed. */
  idle_latency_us: LatencySummary | null;
  /** Probes sent in phase 2 (load). */
  loaded_latency_us: LatencySummary | null;
  /** Probes sent in phase 3 (idle after load). */
  drain_latency_us: LatencySummary | null;
  idle_loss_percent: number;
  loaded_loss_percent: number;
  drain_loss_percent: number;
  /** Loaded p50 - idle p50, in ms. */
  latency_increase_ms: number | null;
  /** 60000 / loaded p50 in ms. */
  responsiveness_rpm: number | null;
  probes_sent: number;
  probes_lost: number;
  /** The probes' own load, both directions summed (payload bits: IP and UDP headers excluded). */
  probe_mbps: number;
}

export interface RrulIntervalFigures {
  upload_mbps?: number;
  download_mbps?: number;
  /** Probes sent in this interval that were echoed. */
  latency_us: LatencySummary | null;
  loss_percent: number;
  probes_sent: number;
  probes_lost: number;
}

export type RrulPhaseName = 'idle' | 'load' | 'drain';

export type Figures = StreamFigures | RrFigures;

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
  /** Scenario runs carry their place in the scenario. */
  label?: string;
  scenario_index?: number;
  repeat_index?: number;
  interrupted?: boolean;
  /** RRUL runs: the phases, and every probe's round trip. */
  rrul?: {
    /** Seconds from the first probe. */
    phases: Array<{ name: RrulPhaseName; start_s: number; end_s: number }>;
    probe_interval_s: number;
    /** Round trip of probe k (sent at k * probe_interval_s), null = lost; every probe, in order. */
    rtt_us: (number | null)[];
  };
}

export function isRrFigures(f: Figures): f is RrFigures {
  return 'transactions' in f;
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
