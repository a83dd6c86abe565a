import type { LatencyStats, StreamSample } from '../control/messages.js';

/** The counters one data role keeps; read by the worker harness once per interval. */
export class StreamCounters {
  bytes = 0;
  packets = 0;
  lost = 0;
  outOfOrder = 0;
  duplicates = 0;
  jitterMs = 0;
  transactions = 0;
  requestsSent = 0;
  timeouts = 0;
  lateReplies = 0;
  /** TCP_CRR client: connections that could not be made; in samples only when there were some. */
  connectFailures = 0;

  snapshot(t: number, intervalLatency: LatencyStats | null): StreamSample {
    return {
      t,
      bytes: this.bytes,
      packets: this.packets,
      lost: this.lost,
      out_of_order: this.outOfOrder,
      duplicates: this.duplicates,
      jitter_ms: this.jitterMs,
      transactions: this.transactions,
      requests_sent: this.requestsSent,
      timeouts: this.timeouts,
      late_replies: this.lateReplies,
      interval_latency_us: intervalLatency,
      ...(this.connectFailures > 0 ? { connect_failures: this.connectFailures } : {}),
    };
  }
}
