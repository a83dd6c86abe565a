import { performance } from 'node:perf_hooks';
import { DataPathError } from '../core/errors.js';
import { NATIVE_SLICE_MS, STATUS_OK, dataConnectionError, type NativeIo } from '../native/native-io.js';
import type { DataRole } from './data-role.js';
import type { NativeSocket } from './native-socket.js';
import { StreamCounters } from './stream-counters.js';

/**
 * TCP_STREAM sender on the native data path: the C loop writes one reused
 * message buffer for a slice at a time; bytes count when the kernel accepts
 * them. A receiver that takes nothing for the socket timeout fails the stream.
 */
export class NativeTcpStreamSender implements DataRole {
  readonly kind = 'sender';
  readonly dataPath = 'native';
  readonly counters = new StreamCounters();
  private readonly io: NativeIo;
  private readonly socket: NativeSocket;
  private readonly fd: number;
  private readonly message: Buffer;
  private readonly timeoutMs: number;
  private readonly onFailure: (err: Error) => void;
  private readonly out = new Float64Array(2);
  private offset = 0;
  private running = false;
  private lastProgressAt = 0;

  constructor(io: NativeIo, socket: NativeSocket, size: number, timeoutMs: number, onFailure: (err: Error) => void) {
    this.io = io;
    this.socket = socket;
    this.fd = socket.fd;
    // Content is irrelevant to the measurement; one buffer serves every write.
    this.message = Buffer.alloc(size, 0x62);
    this.timeoutMs = timeoutMs;
    this.onFailure = onFailure;
  }

  start(): void {
    this.running = true;
    this.lastProgressAt = performance.now();
    this.pump();
  }

  private readonly pump = (): void => {
    if (!this.running || this.socket.closed) return;
    const status = this.io.tcpSend(this.fd, this.message, this.offset, NATIVE_SLICE_MS, this.out);
    this.counters.bytes += this.out[0];
    this.offset = this.out[1];
    const now = performance.now();
    if (this.out[0] > 0) this.lastProgressAt = now;
    if (status !== STATUS_OK) {
      this.running = false;
      this.onFailure(dataConnectionError('write', status));
      return;
    }
    if (now - this.lastProgressAt > this.timeoutMs) {
      this.running = false;
      this.onFailure(
        new DataPathError(`the receiver took no data for ${this.timeoutMs / 1000}s - the peer stopped reading or the path is down`),
      );
      return;
    }
    setImmediate(this.pump);
  };

  stop(): Promise<number> {
    this.running = false;
    this.socket.end();
    return Promise.resolve(performance.now());
  }

  close(): void {
    this.running = false;
    this.socket.close();
  }
}
