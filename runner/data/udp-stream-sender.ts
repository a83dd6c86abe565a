import type { Socket } from 'node:dgram';
import { performance } from 'node:perf_hooks';
import type { DataRole } from './data-role.js';
import { StreamCounters } from './stream-counters.js';
import { writeStreamHeader } from './udp-datagram.js';

/**
 * Sends numbered datagrams, unpaced or paced to a bit rate. Buffers come from
 * a ring, never allocated per datagram; a ring slot is reused only after the
 * kernel has taken it (the send queue is kept shorter than the ring).
 */
const RING_SLOTS = 512;
const MAX_QUEUED_SENDS = 256;
const DATAGRAMS_PER_TURN = 128;
/**
 * A paced sender that fell behind (a stall, a busy CPU) makes up at most this
 * much of the schedule at full speed; the rest is forgiven. An unbounded
 * catch-up is a burst at many times the target rate, and the loss it causes
 * on a shaped link would be blamed on the rate under test. What was not sent
 * shows in sender_mbps.
 */
const MAX_CATCH_UP_MS = 20;

export class UdpStreamSender implements DataRole {
  readonly kind = 'sender';
  readonly counters = new StreamCounters();
  private readonly socket: Socket;
  private readonly ring: Buffer[];
  private readonly size: number;
  /** Datagrams per ms to reach the target rate; 0 for unpaced. */
  private readonly datagramsPerMs: number;
  private running = false;
  private startedAt = 0;
  private sent = 0;
  private failure: Error | null = null;

  constructor(socket: Socket, size: number, rateBps: number) {
    this.socket = socket;
    this.size = size;
    this.ring = Array.from({ length: RING_SLOTS }, () => Buffer.alloc(size, 0x75));
    this.datagramsPerMs = rateBps > 0 ? rateBps / (8 * size) / 1000 : 0;
    // A connected UDP socket reports ICMP port unreachable as an error: the receiver is gone.
    socket.on('error', (err) => {
      this.failure = err;
      this.running = false;
    });
  }

  start(): void {
    this.running = true;
    this.startedAt = performance.now();
    this.tick();
  }

  private readonly tick = (): void => {
    if (!this.running) return;
    const now = performance.now();
    let budget = DATAGRAMS_PER_TURN;
    if (this.datagramsPerMs > 0) {
      let due = Math.floor((now - this.startedAt) * this.datagramsPerMs) - this.sent;
      const maxBacklog = Math.max(1, Math.ceil(MAX_CATCH_UP_MS * this.datagramsPerMs));
      if (due > maxBacklog) {
        // Move the schedule's origin so that only maxBacklog datagrams are owed.
        this.startedAt += (due - maxBacklog) / this.datagramsPerMs;
        due = maxBacklog;
      }
      budget = Math.min(budget, due);
    }
    // The kernel's backlog, read once per turn: a turn adds at most this room, and the
    // ring (RING_SLOTS) outlasts the queue cap plus one turn, so no slot is reused while queued.
    budget = Math.min(budget, MAX_QUEUED_SENDS - this.socket.getSendQueueCount());
    while (budget > 0) {
      const datagram = this.ring[this.sent % RING_SLOTS];
      writeStreamHeader(datagram, this.sent, performance.now());
      this.socket.send(datagram);
      this.sent++;
      budget--;
    }
    this.counters.packets = this.sent;
    this.counters.bytes = this.sent * this.size;
    const behind = this.datagramsPerMs > 0 && budget === 0 && Math.floor((performance.now() - this.startedAt) * this.datagramsPerMs) > this.sent;
    if (this.datagramsPerMs === 0 && this.socket.getSendQueueCount() < MAX_QUEUED_SENDS) setImmediate(this.tick);
    else if (behind) setImmediate(this.tick);
    else setTimeout(this.tick, 1);
  };

  stop(): Promise<number> {
    this.running = false;
    if (this.failure) return Promise.reject(this.failure);
    return Promise.resolve(performance.now());
  }

  close(): void {
    this.running = false;
    try {
      this.socket.close();
    } catch {
      // already closed
    }
  }
}
