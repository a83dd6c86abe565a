import type { Socket } from 'node:dgram';
import { performance } from 'node:perf_hooks';
import type { DataRole } from './data-role.js';
import { StreamCounters } from './stream-counters.js';
import { UdpPacer } from './udp-pacer.js';
import { writeStreamHeader } from './udp-datagram.js';

/**
 * Sends numbered datagrams, unpaced or paced to a bit rate. Buffers come from
 * a ring, never allocated per datagram; a ring slot is reused only after the
 * kernel has taken it (the send queue is kept shorter than the ring).
 */
const RING_SLOTS = 512;
const MAX_QUEUED_SENDS = 256;
const DATAGRAMS_PER_TURN = 128;

export class UdpStreamSender implements DataRole {
  readonly kind = 'sender';
  readonly dataPath = 'js';
  readonly counters = new StreamCounters();
  private readonly socket: Socket;
  private readonly ring: Buffer[];
  private readonly size: number;
  private readonly pacer: UdpPacer;
  private running = false;
  private sent = 0;
  private failure: Error | null = null;

  constructor(socket: Socket, size: number, rateBps: number) {
    this.socket = socket;
    this.size = size;
    this.ring = Array.from({ length: RING_SLOTS }, () => Buffer.alloc(size, 0x75));
    this.pacer = new UdpPacer(rateBps, size);
    // A connected UDP socket reports ICMP port unreachable as an error: the receiver is gone.
    socket.on('error', (err) => {
      this.failure = err;
      this.running = false;
    });
  }

  start(): void {
    this.running = true;
    this.pacer.start(performance.now());
    this.tick();
  }

  private readonly tick = (): void => {
    if (!this.running) return;
    let budget = Math.min(DATAGRAMS_PER_TURN, this.pacer.due(performance.now(), this.sent));
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
    const behind = budget === 0 && this.pacer.behind(performance.now(), this.sent);
    if (!this.pacer.paced && this.socket.getSendQueueCount() < MAX_QUEUED_SENDS) setImmediate(this.tick);
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
