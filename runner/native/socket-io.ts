/**
 * The native data path's own sockets (runner/native/src/sockets.c): opened,
 * handshaken and closed in C, never a descriptor Node's event loop owns. Each
 * returns a descriptor or a byte count, or a negative errno; a call that
 * waits waits at most `sliceMs`, so the caller keeps the timeout and its
 * thread's event loop keeps turning. The loops take only descriptors opened
 * here and not yet closed.
 */
export interface NativeSocketIo {
  /** A listening TCP socket on a numeric address, any free port. */
  tcpListen(address: string): number;
  /** One connection from a listening socket, within sliceMs (-EAGAIN: none came). */
  tcpAccept(listenFd: number, sliceMs: number): number;
  /** Starts a TCP connection; tcpConnected says when it is made. */
  tcpConnect(address: string, port: number): number;
  /** 1 once the connection is made, 0 not yet (after waiting up to sliceMs), or -errno. */
  tcpConnected(fd: number, sliceMs: number): number;
  /** A UDP socket bound to a numeric address, any free port (4 MiB buffers). */
  udpBind(address: string): number;
  /** A UDP socket on address:port shared with other such sockets (SO_REUSEADDR, SO_REUSEPORT): the one data port (4 MiB buffers). */
  udpBindShared(address: string, port: number): number;
  /**
   * A duplicate of this process's descriptor for the TCP connection with this
   * local and remote end (-ENOENT: none): a data connection the control
   * listener accepted, taken over by a data worker.
   */
  tcpAdopt(localAddress: string, localPort: number, remoteAddress: string, remotePort: number): number;
  /** Makes an adopted connection blocking with TCP_NODELAY, as the loops want it. */
  tcpConfigure(fd: number): number;
  /** Hands a socket to another owner (a net.Socket): no longer closed by, nor usable through, this library. */
  disownSocket(fd: number): number;
  /** A UDP socket connected to address:port (4 MiB buffers). */
  udpConnect(address: string, port: number): number;
  /** 1 when a datagram equal to `hello` came within sliceMs: the socket is then connected to its sender and `ack` sent. */
  udpAwaitHello(fd: number, hello: Buffer, ack: Buffer, sliceMs: number): number;
  localPort(fd: number): number;
  /** One read into buffer[offset..] within sliceMs: bytes, 0 at the peer's end (TCP), -EAGAIN when none came. */
  recvSome(fd: number, buffer: Buffer, offset: number, sliceMs: number): number;
  /** One write of buffer[offset..]: bytes the kernel took, or -errno. */
  sendSome(fd: number, buffer: Buffer, offset: number): number;
  /** Queues the FIN after the bytes already sent. */
  shutdownWrite(fd: number): number;
  closeSocket(fd: number): number;
}
