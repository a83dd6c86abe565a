/**
 * The UDP_STREAM functions of the native data path (runner/native/src/udp-stream.c).
 * Datagram layout: runner/data/udp-datagram.ts.
 */
export interface NativeUdpStreamIo {
  /**
   * Sends up to `count` datagrams of `payload.length` bytes (at least 16) on a
   * connected socket with sendmmsg, numbered seqStart, seqStart + 1, ...: each
   * one's first 16 bytes are its header (sequence; sent-at = native clock +
   * clockOffsetMs, so on performance.now()'s timeline), the rest is
   * payload[16..]. Returns at `count` or after sliceMs, waiting for a full
   * socket buffer within the slice. out[0] = datagrams sent in this call.
   * A status of -ECONNREFUSED: ICMP port unreachable, the receiver is gone.
   */
  udpSend(fd: number, payload: Buffer, count: number, seqStart: number, clockOffsetMs: number, sliceMs: number, out: Float64Array): number;
  /**
   * Receives one batch (recvmmsg) into the slots of `buffer`, datagram i at
   * buffer[i * slotBytes], at most min(buffer.length / slotBytes,
   * meta.length / 4, 256) datagrams; waits up to sliceMs when none is
   * waiting, and returns after the first non-empty batch. out[0] = datagrams
   * received. For datagram i: meta[4i] = its real length (even beyond a
   * slot), meta[4i+1] = sequence number (-1 under 16 bytes), meta[4i+2] =
   * sent-at ms, meta[4i+3] = arrival ms on the native clock (the kernel's
   * receive timestamp after udpRecvTimestamps, else when the batch was read).
   */
  udpRecv(fd: number, buffer: Buffer, slotBytes: number, meta: Float64Array, sliceMs: number, out: Float64Array): number;
  /** Turns on the kernel's per-datagram receive timestamps (SO_TIMESTAMPNS) for udpRecv; returns a status. */
  udpRecvTimestamps(fd: number): number;
}
