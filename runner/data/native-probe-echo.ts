import { performance } from 'node:perf_hooks';
import { DataPathError } from '../core/errors.js';
import { NATIVE_SLICE_MS, STATUS_OK, errnoName, type NativeIo } from '../native/native-io.js';
import { PROBE_ECHO_OUT as O } from '../native/probe-io.js';
import { rrCallName } from '../native/rr-io.js';
import type { DataRole } from './data-role.js';
import type { NativeSocket } from './native-socket.js';
import { PROBE_BYTES } from './probe-datagram.js';
import { StreamCounters } from './stream-counters.js';
import { HANDSHAKE_ACK, HANDSHAKE_HELLO, writeHandshake } from './udp-datagram.js';

/**
 * RRUL's probe echo on the native data path, as ProbeEcho: every probe goes
 * back as it came, from the moment the socket is open until it is closed
 * (so also during stop's drain).
 */
export class NativeProbeEcho implements DataRole {
  readonly kind = 'rr-responder';
  readonly dataPath = 'native';
  readonly counters = new StreamCounters();
  lastActivityAt = 0;
  private readonly io: NativeIo;
  private readonly socket: NativeSocket;
  private readonly fd: number;
  private readonly hello: Buffer;
  private readonly ack: Buffer;
  private readonly drainMs: number;
  private readonly onFailure: (err: Error) => void;
  private readonly out = new Float64Array(O.SLOTS);
  private closed = false;

  constructor(io: NativeIo, socket: NativeSocket, cookie: Buffer, drainMs: number, onFailure: (err: Error) => void) {
    this.io = io;
    this.socket = socket;
    this.fd = socket.fd;
    this.hello = writeHandshake(HANDSHAKE_HELLO, cookie);
    this.ack = writeHandshake(HANDSHAKE_ACK, cookie);
    this.drainMs = drainMs;
    this.onFailure = onFailure;
    // Closed by anyone, the descriptor number may belong to another socket by the next slice.
    socket.onClose(() => (this.closed = true));
    setImmediate(this.pump);
  }

  private readonly pump = (): void => {
    if (this.closed) return;
    const status = this.io.probeEcho(this.fd, this.hello, this.ack, NATIVE_SLICE_MS, this.out);
    const echoed = this.out[O.ECHOED];
    if (echoed > 0) {
      this.lastActivityAt = performance.now();
      this.counters.transactions += echoed;
      this.counters.packets += echoed;
      this.counters.bytes += echoed * PROBE_BYTES;
    }
    if (status !== STATUS_OK) {
      this.onFailure(
        new DataPathError(`UDP probe socket failed: ${rrCallName(this.out[O.OP], 'udp')} ${errnoName(status)} - did the peer stop?`),
      );
      return;
    }
    setImmediate(this.pump);
  };

  start(): void {}

  /** Keeps echoing for the drain time: the client's last probes may still be on their way. */
  stop(): Promise<number> {
    const stoppedAt = performance.now();
    return new Promise((resolve) => setTimeout(() => resolve(stoppedAt), this.drainMs));
  }

  close(): void {
    this.closed = true;
    this.socket.close();
  }
}
