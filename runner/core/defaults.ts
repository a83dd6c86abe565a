import type { TestName } from './test-params.js';

/**
 * The defaults that are not a run parameter's own (those are declared with
 * the parameter in params.ts), and the constants both sides share.
 */
export const DEFAULT_PORT = 7575;
/** `bench serve` listens on every address, IPv6 and IPv4. */
export const DEFAULT_LISTEN_HOST = '::';
export const DEFAULT_TIMEOUT_S = 30;
/**
 * Longest duration, timeout or pause anywhere: Node's timers hold at most
 * 2^31-1 ms (about 596 h) and fire at once beyond it. A week leaves room for
 * a test's duration and its timeout added together.
 */
export const MAX_TIMER_S = 7 * 24 * 3600;

export const DEFAULT_STREAM_SIZE: Record<'TCP_STREAM' | 'UDP_STREAM', number> = {
  TCP_STREAM: 64 * 1024,
  UDP_STREAM: 1472,
};

/** Largest UDP payload over IPv4 (65535 - 20 IP - 8 UDP). */
export const MAX_UDP_PAYLOAD = 65507;
/** Smallest datagram that holds our UDP header (sequence number and send time). */
export const MIN_UDP_STREAM_SIZE = 16;

/** Server-side limits; a request beyond one is refused with the limit named. */
export interface ServerLimits {
  max_duration_s: number;
  max_streams: number;
  max_size_bytes: number;
  max_rate_bps: number;
  allowed_tests: TestName[];
  max_queue: number;
}

export const DEFAULT_SERVER_LIMITS: ServerLimits = {
  max_duration_s: 3600,
  max_streams: 64,
  max_size_bytes: 16 * 1024 * 1024,
  max_rate_bps: 0,
  allowed_tests: ['TCP_STREAM', 'UDP_STREAM', 'TCP_RR', 'UDP_RR', 'TCP_CRR', 'RRUL'],
  max_queue: 16,
};

/** How long a UDP receiver keeps listening after the sender stopped, for datagrams in flight. */
export const UDP_DRAIN_S = 0.25;

/** bench compare's smallest change that can count as a regression. */
export const DEFAULT_THRESHOLD = '5%';

/**
 * bench compare's floors. Loss and jitter sit near zero, where a relative
 * change means nothing (0 -> 0.01% loss is "+infinity %"). A change no larger
 * than these is not flagged: 0.1 percentage points of loss is 1 datagram in
 * 1000, within what a busy host drops now and then; 0.1 ms of jitter is
 * scheduler noise.
 */
export const DEFAULT_FLOORS: Readonly<Record<string, number>> = {
  loss_percent: 0.1,
  jitter_ms: 0.1,
  // RRUL's probe loss per phase likewise: one probe of 800 is 0.125%, and an idle link loses none.
  idle_loss_percent: 0.1,
  loaded_loss_percent: 0.1,
  drain_loss_percent: 0.1,
  // The difference of two medians that each move by tenths of a ms with the scheduler: on a shallow buffer
  // (an increase of a few ms) 2 -> 2.8 ms is +40% and means nothing.
  latency_increase_ms: 1,
};
