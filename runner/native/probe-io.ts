/**
 * RRUL's probe functions of the native data path (runner/native/src/probe.c).
 * Datagram layout: runner/data/probe-datagram.ts.
 */
export interface NativeProbeIo {
  /**
   * Probe client: sends every probe whose time has come (t0 + k * intervalMs,
   * t0 the first call's time; only with mayStart 1 and only `total`), never
   * waiting for an echo, and reads echoes until sliceMs has passed. rtt[k]:
   * probe k's round trip in ms, to the kernel's receive timestamp (NaN
   * until echoed: the caller fills it so); late[k]: how late it left, ms.
   * echoed: the sequence numbers echoed in this call.
   * state: PROBE_CLIENT_STATE slots, zeroed before the first call.
   * out: [probes sent, echoes, strays, op].
   */
  probeClient(
    fd: number,
    intervalMs: number,
    total: number,
    mayStart: number,
    sliceMs: number,
    state: Float64Array,
    rtt: Float64Array,
    late: Float64Array,
    echoed: Float64Array,
    out: Float64Array,
  ): number;
  /**
   * Probe echo: sends each probe datagram back as it came, answers `hello`
   * with `ack`, until sliceMs has passed. out: [probes echoed, hellos answered, op].
   */
  probeEcho(fd: number, hello: Buffer, ack: Buffer, sliceMs: number, out: Float64Array): number;
}

export const PROBE_CLIENT_STATE = { SLOTS: 3 } as const;
export const PROBE_CLIENT_OUT = { SENT: 0, ECHOED: 1, STRAY: 2, OP: 3, SLOTS: 4 } as const;
export const PROBE_ECHO_OUT = { ECHOED: 0, HELLOS: 1, OP: 2, SLOTS: 3 } as const;
/** Echoes one client call may report (a slice of 2 ms holds a handful at any sane probe interval). */
export const PROBE_ECHOED_SLOTS = 1024;
