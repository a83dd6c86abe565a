import dgram, { type Socket as UdpSocket } from 'node:dgram';
import type { Socket } from 'node:net';
import { DataPathError } from '../core/errors.js';

/**
 * Hands a socket's file descriptor to the native data path. Node exposes it
 * as `_handle.fd` (an internal, present on Linux and the BSDs); the socket
 * object keeps owning the descriptor and closes it.
 */
interface HandleWithFd {
  fd?: number;
  reading?: boolean;
  readStop?(): number;
  recvStop?(): number;
}

function handleOf(socket: Socket | UdpSocket): HandleWithFd | undefined {
  const s = socket as unknown as { _handle?: HandleWithFd | null; [key: symbol]: unknown };
  if (!(socket instanceof dgram.Socket)) return s._handle ?? undefined;
  // dgram keeps its handle in a state object behind a symbol (its `_handle` getter is deprecated and warns).
  for (const key of Object.getOwnPropertySymbols(s)) {
    const state = s[key] as { handle?: HandleWithFd } | undefined;
    if (state && typeof state === 'object' && state.handle && typeof state.handle.fd === 'number') return state.handle;
  }
  return undefined;
}

export function socketFd(socket: Socket | UdpSocket): number {
  const fd = handleOf(socket)?.fd;
  if (typeof fd !== 'number' || fd < 0) throw new DataPathError('the data socket has no file descriptor for the native data path - run with BENCH_DATA_PATH=js');
  return fd;
}

/**
 * Stops Node reading a TCP socket, so that every byte from here on is read by
 * the native loop; returns how many bytes Node had already read and buffered.
 */
export function stopNodeReading(socket: Socket): number {
  const handle = handleOf(socket);
  socket.pause();
  if (handle?.reading && handle.readStop) {
    handle.reading = false;
    handle.readStop();
  }
  let buffered = 0;
  for (let chunk: Buffer | null; (chunk = socket.read() as Buffer | null) !== null; ) buffered += chunk.length;
  return buffered;
}

/** Stops Node receiving on a UDP socket, so that every datagram from here on is read by the native loop. */
export function stopNodeReceiving(socket: UdpSocket): void {
  handleOf(socket)?.recvStop?.();
}
