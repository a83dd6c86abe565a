import { lookup } from 'node:dns/promises';
import net from 'node:net';
import { constants } from 'node:os';
import { performance } from 'node:perf_hooks';
import { DataPathError, PeerTimeoutError } from '../core/errors.js';
import { errnoName, type NativeIo } from '../native/native-io.js';
import { formatHostPort } from '../core/host-port.js';
import { DATA_ACK, DATA_ACK_BYTES, dataGreeting, type HandoffInbox } from './one-port.js';
import { COOKIE_BYTES, HANDSHAKE_ACK, HANDSHAKE_HELLO, readHandshake, writeHandshake } from './udp-datagram.js';

/**
 * The native data path's sockets, opened, handshaken and closed by its own C
 * code (runner/native/src/sockets.c), so no descriptor is shared with Node's
 * event loop. The handshakes are the JavaScript path's (tcp-data-connection.ts,
 * udp-data-connection.ts), so either path's client works with either path's
 * server: the TCP client presents the test's cookie, the server takes the
 * first connection that does; the UDP client repeats its hello until the
 * server's ack, and the server connects its socket to the hello's sender.
 * Every wait is bounded by the data timeout, and made in short slices so the
 * worker's event loop keeps turning.
 */
const SETUP_SLICE_MS = 2;
const HELLO_RETRY_MS = 100;
const EAGAIN = -constants.errno.EAGAIN;
const ENOBUFS = -constants.errno.ENOBUFS;
const ECONNREFUSED = -constants.errno.ECONNREFUSED;

/** One socket of the native data path: closed once, after which its descriptor number is never used again. */
export class NativeSocket {
  readonly fd: number;
  private readonly io: NativeIo;
  private open = true;
  private readonly closeListeners: (() => void)[] = [];

  constructor(io: NativeIo, fd: number) {
    this.io = io;
    this.fd = fd;
  }

  get closed(): boolean {
    return !this.open;
  }

  /** Runs once the socket is closed, by whoever closes it: a role then stops calling into C with its number. */
  onClose(listener: () => void): void {
    this.closeListeners.push(listener);
  }

  /** Ends this side of a TCP connection: the FIN follows the bytes already sent. */
  end(): void {
    if (this.open) this.io.shutdownWrite(this.fd);
  }

  /** Sends one datagram (a UDP handshake answer); a full buffer or queue drops it, as a lost datagram. */
  sendDatagram(datagram: Buffer): void {
    if (this.open) this.io.sendSome(this.fd, datagram, 0);
  }

  close(): void {
    if (!this.open) return;
    this.open = false;
    this.io.closeSocket(this.fd);
    for (const listener of this.closeListeners.splice(0)) listener();
  }
}

const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** The C side takes numeric addresses only: a name (never the case for an address from the control connection) is looked up first. */
export async function numericAddress(host: string, what: string): Promise<string> {
  if (net.isIP(host)) return host;
  try {
    return (await lookup(host)).address;
  } catch (err) {
    throw new DataPathError(`${what}: cannot resolve ${host}: ${(err as Error).message}`, err as Error);
  }
}

/**
 * Connects to a TCP data port and presents the cookie; to the one port, the
 * greeting (magic and cookie), and returns only at the server's ack
 * (one-port.ts).
 */
export async function connectNativeTcp(
  io: NativeIo,
  host: string,
  port: number,
  cookie: Buffer,
  timeoutMs: number,
  onePort = false,
): Promise<NativeSocket> {
  const what = `cannot open the data connection to ${host} port ${port}`;
  const address = await numericAddress(host, what);
  const refused = (call: string, status: number) =>
    new DataPathError(`${what}: ${call} ${errnoName(status)} ${formatHostPort(address, port)} - is a firewall in the way?`);
  const fd = io.tcpConnect(address, port);
  if (fd < 0) throw refused('connect', fd);
  const socket = new NativeSocket(io, fd);
  const deadline = performance.now() + timeoutMs;
  try {
    for (;;) {
      const r = io.tcpConnected(fd, SETUP_SLICE_MS);
      if (r === 1) break;
      if (r < 0) throw refused('connect', r);
      if (performance.now() > deadline) {
        throw new PeerTimeoutError(
          `data connection to ${host} port ${port} not established within ${timeoutMs / 1000}s - is a firewall dropping it?`,
        );
      }
      await nextTurn();
    }
    const greeting = onePort ? dataGreeting(cookie) : cookie;
    // A fresh connection's send buffer takes these few bytes at once; the loop is for form.
    for (let sent = 0; sent < greeting.length; ) {
      const n = io.sendSome(fd, greeting, sent);
      if (n < 0 && n !== EAGAIN) throw refused('write', n);
      if (n > 0) sent += n;
      else if (performance.now() > deadline)
        throw new PeerTimeoutError(`the cookie could not be sent to ${host} port ${port} within ${timeoutMs / 1000}s`);
      else await nextTurn();
    }
    if (onePort) await awaitAck(io, fd, `${host} port ${port}`, deadline, timeoutMs);
    return socket;
  } catch (err) {
    socket.close();
    throw err;
  }
}

async function awaitAck(io: NativeIo, fd: number, where: string, deadline: number, timeoutMs: number): Promise<void> {
  const got = Buffer.alloc(1);
  for (;;) {
    const n = io.recvSome(fd, got, 0, SETUP_SLICE_MS);
    if (n === 1 && got[0] === DATA_ACK) return;
    if (n === 1)
      throw new DataPathError(
        `${where} answered the data connection's greeting with byte ${got[0]}, not the ack - is it a bench server of this version?`,
      );
    if (n === 0)
      throw new DataPathError(`${where} closed the data connection before accepting it - did the test end there, or is the cookie wrong?`);
    if (n !== EAGAIN)
      throw new DataPathError(`cannot open the data connection to ${where}: read ${errnoName(n)} - is a firewall in the way?`);
    if (performance.now() > deadline)
      throw new PeerTimeoutError(
        `${where} did not accept the data connection within ${timeoutMs / 1000}s - is it a bench server of this version?`,
      );
    await nextTurn();
  }
}

/**
 * One-port server: takes over the data connection the main thread accepted
 * on the control port. tcpAdopt finds this process's descriptor for it by
 * its ends and duplicates it; once the main thread has closed its own, the
 * socket is set up for the loops and the ack tells the client to send.
 */
export async function adoptNativeTcp(io: NativeIo, inbox: HandoffInbox, timeoutMs: number): Promise<NativeSocket> {
  const m = await inbox.next('ADOPT', timeoutMs, () => `no data connection with this test's cookie arrived within ${timeoutMs / 1000}s`);
  const from = formatHostPort(m.remote_address, m.remote_port);
  const fd = io.tcpAdopt(m.local_address, m.local_port, m.remote_address, m.remote_port);
  if (fd < 0) throw new DataPathError(`cannot take over the data connection from ${from}: ${errnoName(fd)}`);
  const socket = new NativeSocket(io, fd);
  try {
    inbox.taken();
    await inbox.next('RELEASED', timeoutMs, () => `the main thread did not let go of the data connection within ${timeoutMs / 1000}s`);
    const r = io.tcpConfigure(fd);
    if (r < 0) throw new DataPathError(`cannot set up the data connection from ${from}: ${errnoName(r)}`);
    const n = io.sendSome(fd, DATA_ACK_BYTES, 0);
    if (n !== 1) throw new DataPathError(`data connection from ${from} failed: write ${errnoName(n)} - did the peer stop?`);
    return socket;
  } catch (err) {
    socket.close();
    throw err;
  }
}

/** A listening TCP socket on a fresh port (announced through onBound), for a role that accepts on it itself (TCP_CRR). */
export function listenNativeTcpOnly(io: NativeIo, address: string, onBound: (port: number) => void): NativeSocket {
  const lfd = io.tcpListen(address);
  if (lfd < 0) throw new DataPathError(`cannot open a TCP data port on ${address}: listen ${errnoName(lfd)} ${address}`);
  const listener = new NativeSocket(io, lfd);
  const port = io.localPort(lfd);
  if (port < 0) {
    listener.close();
    throw new DataPathError(`cannot open a TCP data port on ${address}: getsockname ${errnoName(port)}`);
  }
  onBound(port);
  return listener;
}

interface PendingConnection {
  socket: NativeSocket;
  cookie: Buffer;
  got: number;
  deadline: number;
}

/**
 * Listens on a fresh TCP port (announced through onBound) and returns the
 * first connection that presents the cookie, as listenForTcpData does; a
 * wrong cookie, or none within the timeout, closes that connection and the
 * wait goes on. Exactly the cookie's bytes are read: what follows stays in
 * the kernel for the role's loop.
 */
export async function listenNativeTcp(
  io: NativeIo,
  host: string,
  cookie: Buffer,
  timeoutMs: number,
  onBound: (port: number) => void,
): Promise<NativeSocket> {
  const address = await numericAddress(host, `cannot open a TCP data port on ${host}`);
  const lfd = io.tcpListen(address);
  if (lfd < 0) throw new DataPathError(`cannot open a TCP data port on ${host}: listen ${errnoName(lfd)} ${address}`);
  const listener = new NativeSocket(io, lfd);
  const pending: PendingConnection[] = [];
  try {
    const port = io.localPort(lfd);
    if (port < 0) throw new DataPathError(`cannot open a TCP data port on ${host}: getsockname ${errnoName(port)}`);
    onBound(port);
    const deadline = performance.now() + timeoutMs;
    for (;;) {
      for (let fd = io.tcpAccept(lfd, pending.length > 0 ? 0 : SETUP_SLICE_MS); fd !== EAGAIN; fd = io.tcpAccept(lfd, 0)) {
        if (fd < 0) throw new DataPathError(`cannot take a data connection on ${host} port ${port}: accept ${errnoName(fd)}`);
        pending.push({
          socket: new NativeSocket(io, fd),
          cookie: Buffer.alloc(COOKIE_BYTES),
          got: 0,
          deadline: performance.now() + timeoutMs,
        });
      }
      for (let i = pending.length - 1; i >= 0; i--) {
        const p = pending[i];
        const n = io.recvSome(p.socket.fd, p.cookie, p.got, SETUP_SLICE_MS / pending.length);
        if (n > 0) p.got += n;
        if (p.got === COOKIE_BYTES && p.cookie.equals(cookie)) {
          pending.splice(i, 1);
          return p.socket;
        }
        // Its end, an error, a wrong cookie or silence: not this test's connection.
        if (n === 0 || (n < 0 && n !== EAGAIN) || p.got === COOKIE_BYTES || performance.now() > p.deadline) {
          p.socket.close();
          pending.splice(i, 1);
        }
      }
      if (performance.now() > deadline)
        throw new PeerTimeoutError(
          `no data connection with this test's cookie arrived on data port ${port} within ${timeoutMs / 1000}s - is a firewall dropping it? (this server opens a fresh port per stream: bench serve --ephemeral-data-ports)`,
        );
      await nextTurn();
    }
  } finally {
    listener.close();
    for (const p of pending) p.socket.close();
  }
}

/**
 * Binds a UDP data port (announced through onBound) and waits for the
 * client's hello, as bindForUdpData does: a fresh port, or `sharedPort` (the
 * one port) shared with the streams already connected there.
 */
export async function bindNativeUdp(
  io: NativeIo,
  host: string,
  cookie: Buffer,
  timeoutMs: number,
  onBound: (port: number) => void,
  sharedPort = 0,
): Promise<NativeSocket> {
  const address = await numericAddress(host, `cannot open a UDP data port on ${host}`);
  const fd = sharedPort === 0 ? io.udpBind(address) : io.udpBindShared(address, sharedPort);
  if (fd < 0) throw new DataPathError(`cannot open a UDP data port on ${host}: bind ${errnoName(fd)} ${address}`);
  const socket = new NativeSocket(io, fd);
  try {
    const port = io.localPort(fd);
    if (port < 0) throw new DataPathError(`cannot open a UDP data port on ${host}: getsockname ${errnoName(port)}`);
    onBound(port);
    const hello = writeHandshake(HANDSHAKE_HELLO, cookie);
    const ack = writeHandshake(HANDSHAKE_ACK, cookie);
    const deadline = performance.now() + timeoutMs;
    for (;;) {
      const r = io.udpAwaitHello(fd, hello, ack, SETUP_SLICE_MS);
      if (r === 1) return socket;
      if (r < 0) throw new DataPathError(`UDP data socket on ${host} port ${port} failed: recvmsg ${errnoName(r)}`);
      if (performance.now() > deadline)
        throw new PeerTimeoutError(
          `no UDP hello with this test's cookie arrived within ${timeoutMs / 1000}s - is a firewall dropping UDP?`,
        );
      await nextTurn();
    }
  } catch (err) {
    socket.close();
    throw err;
  }
}

/** Connects a UDP data socket and repeats the hello until the server's ack, as connectUdpData does. */
export async function connectNativeUdp(io: NativeIo, host: string, port: number, cookie: Buffer, timeoutMs: number): Promise<NativeSocket> {
  const what = `UDP data socket to ${host} port ${port} failed`;
  const address = await numericAddress(host, what);
  const fd = io.udpConnect(address, port);
  if (fd < 0) throw new DataPathError(`${what}: connect ${errnoName(fd)}`);
  const socket = new NativeSocket(io, fd);
  try {
    const hello = writeHandshake(HANDSHAKE_HELLO, cookie);
    const reply = Buffer.alloc(64);
    const deadline = performance.now() + timeoutMs;
    let helloDueAt = 0;
    for (;;) {
      const now = performance.now();
      if (now >= helloDueAt) {
        const n = io.sendSome(fd, hello, 0);
        if (n < 0 && n !== EAGAIN && n !== ENOBUFS && n !== ECONNREFUSED) throw new DataPathError(`${what}: send ${errnoName(n)}`);
        helloDueAt = now + HELLO_RETRY_MS;
      }
      const n = io.recvSome(fd, reply, 0, SETUP_SLICE_MS);
      if (n > 0 && readHandshake(reply.subarray(0, n), cookie) === HANDSHAKE_ACK) return socket;
      // Port unreachable: on the one port the server binds each stream's socket after the previous one's hello; the next hello finds it.
      if (n < 0 && n !== EAGAIN && n !== ECONNREFUSED) throw new DataPathError(`${what}: recvmsg ${errnoName(n)}`);
      if (performance.now() > deadline)
        throw new PeerTimeoutError(`no UDP answer from ${host} port ${port} within ${timeoutMs / 1000}s - is a firewall dropping UDP?`);
      await nextTurn();
    }
  } catch (err) {
    socket.close();
    throw err;
  }
}
