/**
 * The TCP_RR and UDP_RR functions of the native data path (runner/native/src/tcp-rr.c, udp-rr.c).
 *
 * Each call runs one slice and returns a status (STATUS_OK, STATUS_EOF or a
 * negative errno). Round trips are timed in C, with the native monotonic
 * clock just before a request is sent and just after its response is
 * complete, and written into `lat` in milliseconds (RrLatency.record takes
 * them as they are). What must outlive a call lives in `state`, owned by the
 * role and zeroed before the first call unless said otherwise, so that a
 * transaction may span two calls. `out` holds this call's figures, deltas,
 * not totals. When the status is an errno, the out slot named OP says which
 * call failed: RR_OP_WRITE, RR_OP_READ or RR_OP_POLL.
 *
 * A client call starts new requests until `sliceMs` has passed, and only
 * while `mayStart` is 1; it waits for an outstanding request's response up
 * to one more slice, so that few round trips include the time JavaScript
 * spends between two calls. It returns early when `lat` is full.
 */
export interface NativeRrIo {
  /**
   * TCP_RR client: writes `request` (finishing partial writes), reads until
   * `responseSize` bytes came back into `buffer` (overwritten), records the
   * round trip, and starts the next. With mayStart 0 it returns as soon as
   * nothing is outstanding. BENCH_EOF: the peer closed.
   * state: TCP_RR_CLIENT_STATE slots. out: [transactions, requests started, bytes moved, op].
   */
  tcpRrClient(
    fd: number,
    request: Buffer,
    responseSize: number,
    buffer: Buffer,
    mayStart: number,
    sliceMs: number,
    state: Float64Array,
    lat: Float64Array,
    out: Float64Array,
  ): number;
  /**
   * TCP_RR responder: reads requests into `buffer`, however they arrive
   * (split, or several per read), and writes `response` once per whole
   * request, until sliceMs has passed. BENCH_EOF: the client ended.
   * state: TCP_RR_RESPONDER_STATE slots (PENDING and OWED may start from
   * bytes read before). out: [whole requests read, bytes moved, op].
   */
  tcpRrResponder(
    fd: number,
    response: Buffer,
    requestSize: number,
    buffer: Buffer,
    sliceMs: number,
    state: Float64Array,
    out: Float64Array,
  ): number;
  /**
   * UDP_RR client: the sequence number goes into the request's first `width`
   * bytes; a request unanswered within the retransmission timeout (RFC 6298,
   * adapted in C) is given up on and the next one sent; a reply with another
   * sequence number is late; handshake datagrams are skipped. With mayStart
   * 0 and nothing outstanding, the call listens for late replies until the
   * slice ends.
   * state: UDP_RR_CLIENT_STATE slots; RTO, MAX_RTO and MIN_RTO set before the first call.
   * out: [transactions, requests sent, timeouts, late replies, op].
   */
  udpRrClient(
    fd: number,
    request: Buffer,
    width: number,
    mayStart: number,
    sliceMs: number,
    state: Float64Array,
    lat: Float64Array,
    out: Float64Array,
  ): number;
  /**
   * UDP_RR responder: answers each request datagram with `response`, its
   * first `width` bytes the request's (recvmmsg/sendmmsg batches); a datagram
   * equal to `hello` is answered with `ack`. Runs until sliceMs has passed.
   * state: UDP_RR_RESPONDER_STATE_SLOTS. out: [requests answered, hellos answered, op].
   */
  udpRrResponder(
    fd: number,
    response: Buffer,
    width: number,
    hello: Buffer,
    ack: Buffer,
    sliceMs: number,
    state: Float64Array,
    out: Float64Array,
  ): number;
}

/** Which call failed, in the op slot of `out`. */
export const RR_OP_WRITE = 1;
export const RR_OP_READ = 2;
export const RR_OP_POLL = 3;

/** Round trips one client call may record before it returns (a 2 ms slice holds a few hundred on loopback). */
export const RR_LATENCY_SLOTS = 4096;

export const TCP_RR_CLIENT_STATE = {
  /** 0 idle, 1 sending the request, 2 awaiting the response. */
  PHASE: 0,
  REQUEST_BYTES_SENT: 1,
  RESPONSE_BYTES_READ: 2,
  /** Native monotonic ns when the outstanding request was sent. */
  SENT_AT_NS: 3,
  /** 4 and 5: the socket's mode (blocking or not) and receive timeout, kept by the C loop. */
  SLOTS: 6,
  OUT_SLOTS: 4,
  OUT_OP: 3,
} as const;

export const TCP_RR_RESPONDER_STATE = {
  /** Bytes of the incomplete request. */
  PENDING: 0,
  /** Whole requests not yet fully answered. */
  OWED: 1,
  /** Bytes of the current response already written. */
  OFFSET: 2,
  /** 3 and 4: the socket's mode (blocking or not) and receive timeout, kept by the C loop. */
  SLOTS: 5,
  OUT_SLOTS: 3,
  OUT_OP: 2,
} as const;

export const UDP_RR_CLIENT_STATE = {
  /** 1 while a request is outstanding. */
  OUTSTANDING: 0,
  /** The last request's sequence number (before the modulus of the width). */
  SEQ: 1,
  SENT_AT_NS: 2,
  /** Smoothed round trip and its variation, ms (SRTT 0: no sample yet). */
  SRTT_MS: 3,
  RTTVAR_MS: 4,
  /** Retransmission timeout, ms: the initial value before the first call. */
  RTO_MS: 5,
  /** Largest timeout, ms. */
  MAX_RTO_MS: 6,
  /** Requests left that wait for their reply with precise polls (set after a timeout; see udp-rr.c). */
  PRECISE_LEFT: 7,
  /** 8 and 9: the socket's mode (blocking or not) and receive timeout, kept by the C loop. */
  /** Smallest timeout, ms: set before the first call (udp-rr-rules.ts). */
  MIN_RTO_MS: 10,
  SLOTS: 11,
  OUT_SLOTS: 5,
  OUT_OP: 4,
} as const;

/** The UDP_RR responder's state is only the socket's mode (blocking or not) and receive timeout, kept by the C loop. */
export const UDP_RR_RESPONDER_STATE_SLOTS = 2;
export const UDP_RR_RESPONDER_OUT = { ANSWERED: 0, HELLOS: 1, OP: 2, SLOTS: 3 } as const;

/** The failed call as Node words it in a socket error ('read ECONNRESET', 'recvmsg ECONNREFUSED'). */
export function rrCallName(op: number, transport: 'tcp' | 'udp'): string {
  if (op === RR_OP_WRITE) return transport === 'tcp' ? 'write' : 'send';
  if (op === RR_OP_READ) return transport === 'tcp' ? 'read' : 'recvmsg';
  return 'poll';
}
