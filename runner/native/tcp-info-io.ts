/**
 * The kernel's view of a native data socket, and the run's socket options
 * (runner/native/src/tcp-info.c). Read once per interval by the data
 * thread, never per send.
 */
export interface NativeTcpInfoIo {
  /**
   * The options for every data socket this thread opens from now on, applied
   * before it connects or listens: dscp 0-63 (0: unmarked), mss and window in
   * bytes (0: the kernel's), congestion ('' the kernel's default), bindAddress
   * a numeric address for a client's sockets ('' any). A socket whose option
   * fails is closed and its open returns -errno; failedSocketOption names it.
   */
  setSocketOptions(dscp: number, mss: number, window: number, congestion: string, bindAddress: string): number;
  /** 'dscp', 'window', 'mss', 'congestion' or 'bind': what the last failed open was setting ('' none). */
  failedSocketOption(): string;
  /**
   * getsockopt(TCP_INFO) and the buffer sizes into out (TCP_INFO_SLOTS):
   * see TcpInfoSlot. -EOPNOTSUPP where the OS has no Linux TCP_INFO.
   */
  tcpInfo(fd: number, out: Float64Array): number;
  /** The congestion control in use, or -errno. */
  tcpCongestion(fd: number): string | number;
}

/** tcpInfo's out slots. */
export const TcpInfoSlot = {
  totalRetrans: 0,
  rttUs: 1,
  rttvarUs: 2,
  sndCwnd: 3,
  sndMss: 4,
  rcvMss: 5,
  pmtu: 6,
  sndbuf: 7,
  rcvbuf: 8,
} as const;
export const TCP_INFO_SLOTS = 9;
