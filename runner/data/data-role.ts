import type { DataPathKind } from '../native/native-io.js';
import type { ProbeLog } from './probe-datagram.js';
import type { SocketFacts, TcpSample } from '../control/messages.js';
import type { RrLatency } from './rr-latency.js';
import type { StreamCounters } from './stream-counters.js';

/**
 * One side of one data stream (iperf3's `struct protocol`), the contract both
 * data paths implement: the JavaScript roles on Node's sockets (one file per
 * test type and role) and the native ones, each a declaration of its C slice
 * loop driven by native-slice-role.ts. The worker harness owns the clock, the
 * interval samples and the --omit boundary; a role moves bytes and keeps
 * running totals in `counters` (snapshotted once per interval) and round
 * trips in `latency`, so one test's figures mean the same on either path.
 */
export interface DataRole {
  readonly kind: 'sender' | 'receiver' | 'rr-client' | 'rr-responder';
  readonly counters: StreamCounters;
  /** 'native' when the socket loop runs in C (runner/native), 'js' on Node's sockets: recorded per run. */
  readonly dataPath: DataPathKind;
  /** RR client: latencies of the current interval and, after --omit, of the summary. */
  readonly latency?: RrLatency;
  /** RRUL probe client: every probe's round trip and send lateness, read once at the end. */
  readonly probes?: ProbeLog;
  /** Begins sending or counting. */
  start(): void;
  /**
   * Ends the stream: a sender stops and flushes, a receiver waits for the
   * peer's end or the drain time. Resolves with the monotonic time (ms) of the
   * stream's last activity, which closes the last interval.
   */
  stop(): Promise<number>;
  /** Brings `counters` up to date, for roles that keep their figures elsewhere between samples. */
  syncCounters?(): void;
  /** UDP receivers: monotonic time of the last datagram, for the silence check (0: none yet). */
  readonly lastActivityAt?: number;
  /** Frees sockets at once (abort or after the result). */
  close(): void;
  /** TCP on the native data path: reads the socket's TCP_INFO, once per interval (set by open-native-role.ts). */
  tcpInfo?: TcpInfoReader;
}

export interface TcpInfoReader {
  /** True once the OS has shown it has no TCP_INFO of Linux's layout. */
  readonly unsupported: boolean;
  read(): TcpSample | null;
  socketFacts(): SocketFacts | null;
}

/** Lets a receiver start the clock at its first byte when that beats START. */
export interface DataClock {
  readonly started: boolean;
  start(): void;
}
