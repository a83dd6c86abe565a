import { DataPathError, PeerTimeoutError } from '../core/errors.js';
import { COOKIE_BYTES } from './udp-datagram.js';
import type { MainToWorker } from './worker-messages.js';

/**
 * One port for everything (as iperf3's): a data connection comes to the
 * server's control port and says so in its first bytes, a magic then the
 * test's cookie. The magic's first byte is not 0, and a control connection's
 * first byte always is (the high byte of a frame length under 256 KiB), so
 * the server tells them apart from the first byte on. The client then sends
 * nothing until the server's one-byte ack: by then the data worker owns the
 * connection, and no byte of the test has been read by the main thread.
 */
export const DATA_GREETING_MAGIC = Buffer.from('bench-d1', 'latin1');
export const DATA_GREETING_BYTES = DATA_GREETING_MAGIC.length + COOKIE_BYTES;
/** ASCII ACK: the data worker holds the connection, the client may send. */
export const DATA_ACK = 0x06;
export const DATA_ACK_BYTES = Buffer.from([DATA_ACK]);

/**
 * A stream's own cookie on the one port: the test's with the stream's index
 * mixed into its last two bytes. Every stream comes to the same port, so its
 * cookie says which stream it is (stream 1's client must meet stream 1's
 * worker: each side checks the other's counts stream by stream), in the TCP
 * greeting and the UDP hello alike. The rest stays random: no stream's
 * cookie can be guessed from its index.
 */
export function streamCookie(cookie: Buffer, stream: number): Buffer {
  const own = Buffer.from(cookie);
  own.writeUInt16BE(own.readUInt16BE(own.length - 2) ^ (stream & 0xffff), own.length - 2);
  return own;
}

export function dataGreeting(cookie: Buffer): Buffer {
  return Buffer.concat([DATA_GREETING_MAGIC, cookie]);
}

type Handoff = Extract<MainToWorker, { type: 'ADOPT' | 'RELEASED' | 'OPEN' }>;

/**
 * A server data worker's inbox for the main thread's hand-off messages: the
 * connection to adopt (ADOPT), the main thread's let-go (RELEASED), the turn
 * to bind the shared UDP port (OPEN). Messages may come before the worker
 * asks: they wait here.
 */
export class HandoffInbox {
  /** Tells the main thread that this worker holds its own descriptor (TAKEN). */
  readonly taken: () => void;
  private readonly queue: Handoff[] = [];
  private waiter: ((m: Handoff) => void) | null = null;

  constructor(taken: () => void) {
    this.taken = taken;
  }

  deliver(message: Handoff): void {
    if (this.waiter) {
      const w = this.waiter;
      this.waiter = null;
      w(message);
    } else {
      this.queue.push(message);
    }
  }

  /** The next message, which must be of `type`; `silence` is the error after timeoutMs without one. */
  next<T extends Handoff['type']>(type: T, timeoutMs: number, silence: () => string): Promise<Extract<Handoff, { type: T }>> {
    return new Promise((resolve, reject) => {
      const take = (m: Handoff): void => {
        clearTimeout(timer);
        if (m.type === type) resolve(m as Extract<Handoff, { type: T }>);
        else reject(new DataPathError(`data worker expected ${type} from the main thread, got ${m.type}`));
      };
      const queued = this.queue.shift();
      const timer = setTimeout(() => {
        this.waiter = null;
        reject(new PeerTimeoutError(silence()));
      }, timeoutMs);
      if (queued) take(queued);
      else this.waiter = take;
    });
  }
}
