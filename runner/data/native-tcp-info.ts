import { constants } from 'node:os';
import type { SocketFacts, TcpSample } from '../control/messages.js';
import type { NativeIo } from '../native/native-io.js';
import { TCP_INFO_SLOTS, TcpInfoSlot as S } from '../native/tcp-info-io.js';
import type { NativeSocket } from './native-socket.js';

const EOPNOTSUPP = -constants.errno.EOPNOTSUPP;

/**
 * Reads a native TCP data socket's TCP_INFO for the worker harness, once per
 * interval boundary and once at the end: never from the send or receive loop.
 */
export class NativeTcpInfo {
  private readonly io: NativeIo;
  private readonly socket: NativeSocket;
  private readonly out = new Float64Array(TCP_INFO_SLOTS);
  /** Set when this OS has no TCP_INFO of Linux's layout: the figures are then absent, and the run says why. */
  unsupported = false;

  constructor(io: NativeIo, socket: NativeSocket) {
    this.io = io;
    this.socket = socket;
  }

  /** The connection as the kernel sees it now; null when the socket is gone or the OS cannot tell. */
  read(): TcpSample | null {
    if (this.socket.closed || this.unsupported) return null;
    const status = this.io.tcpInfo(this.socket.fd, this.out);
    if (status === EOPNOTSUPP) this.unsupported = true;
    if (status !== 0) return null;
    const o = this.out;
    return {
      total_retrans: o[S.totalRetrans],
      rtt_us: o[S.rttUs],
      rttvar_us: o[S.rttvarUs],
      snd_cwnd: o[S.sndCwnd],
      snd_mss: o[S.sndMss],
      rcv_mss: o[S.rcvMss],
      pmtu: o[S.pmtu],
    };
  }

  /** The congestion control in use and the buffer sizes the kernel granted; null when the socket is gone. */
  socketFacts(): SocketFacts | null {
    if (this.socket.closed || this.unsupported) return null;
    const congestion = this.io.tcpCongestion(this.socket.fd);
    if (this.io.tcpInfo(this.socket.fd, this.out) !== 0) return null;
    return {
      congestion: typeof congestion === 'string' ? congestion : null,
      sndbuf_bytes: this.out[S.sndbuf],
      rcvbuf_bytes: this.out[S.rcvbuf],
    };
  }
}
