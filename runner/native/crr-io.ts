/**
 * The TCP_CRR functions of the native data path (runner/native/src/tcp-crr.c),
 * which open and close a connection per transaction themselves. Each call runs
 * one slice and returns a status (STATUS_OK, STATUS_EOF or a negative errno);
 * a connection under way when the slice ends stays in `state`, owned by the
 * role and zeroed before the first call. `out` holds this call's figures,
 * deltas, not totals.
 */
export interface NativeCrrIo {
  /**
   * Client: connect, `message` (cookie and request), responseSize bytes back,
   * the server's end, close; the next. Latencies (connect() to the response's
   * last byte, ms) go into `lat`. A connection that cannot be made within
   * connectTimeoutMs, is refused, or fails before the whole response, is
   * counted and the call returns. -EADDRNOTAVAIL: no local port left.
   * state: TCP_CRR_CLIENT_STATE slots. out: TCP_CRR_CLIENT_OUT slots.
   */
  tcpCrrClient(
    address: string,
    port: number,
    message: Buffer,
    responseSize: number,
    buffer: Buffer,
    mayStart: number,
    sliceMs: number,
    connectTimeoutMs: number,
    state: Float64Array,
    lat: Float64Array,
    out: Float64Array,
  ): number;
  /**
   * Server: accepts on listenFd and answers each connection that presents
   * `cookie` and requestSize bytes with `response`, then closes it, this
   * side first. state: TCP_CRR_RESPONDER_STATE_SLOTS. out: TCP_CRR_RESPONDER_OUT slots.
   */
  tcpCrrResponder(
    listenFd: number,
    cookie: Buffer,
    requestSize: number,
    response: Buffer,
    buffer: Buffer,
    sliceMs: number,
    timeoutMs: number,
    state: Float64Array,
    out: Float64Array,
  ): number;
}

export const TCP_CRR_CLIENT_STATE = {
  /** 0 idle, 1 connecting, 2 sending, 3 awaiting the response, 4 awaiting the server's end. */
  PHASE: 0,
  /** The connection under way. */
  FD: 1,
  SLOTS: 5,
} as const;

/** LAST_ERRNO and LAST_OP: the last failed connection's errno (0: the server's end) and call. */
export const TCP_CRR_CLIENT_OUT = { DONE: 0, STARTED: 1, FAILED: 2, MOVED: 3, OP: 4, LAST_ERRNO: 5, LAST_OP: 6, SLOTS: 7 } as const;

/** Eight connections under way at once, four numbers each. */
export const TCP_CRR_RESPONDER_STATE_SLOTS = 32;
export const TCP_CRR_RESPONDER_OUT = { DONE: 0, MOVED: 1, DROPPED: 2, OP: 3, SLOTS: 4 } as const;

/** The failed call, in the op slot of `out`, as Node words it. */
export function crrCallName(op: number): string {
  return ['', 'write', 'read', 'poll', 'connect', 'socket', 'accept'][op] ?? 'call';
}
