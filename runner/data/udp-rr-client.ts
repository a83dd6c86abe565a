import type { Socket } from 'node:dgram';
import { performance } from 'node:perf_hooks';
import type { DataRole } from './data-role.js';
import { RrLatency } from './rr-latency.js';
import { StreamCounters } from './stream-counters.js';
import { HANDSHAKE_BYTES, isHandshake, readRrSequence, rrSequenceWidth, writeRrSequence } from './udp-datagram.js';
import { initialRtoMs, lateReplyWindowMs, maxRtoMs, nextRto } from './udp-rr-rules.js';

/**
 * UDP request/response that survives loss. A request with no reply within
 * the retransmission timeout is given up on and the next one goes out (where
 * netperf's UDP_RR stalls forever). The timeout adapts to the path as TCP's
 * does (RFC 6298, udp-rr-rules.ts, which the native path's C loop applies too). A reply whose
 * sequence number is not the current request's is an earlier request's, late:
 * counted, never taken for the current answer.
 */
const CHECK_EVERY_MS = 1;

export class UdpRrClient implements DataRole {
  readonly kind = 'rr-client';
  readonly dataPath = 'js';
  readonly counters = new StreamCounters();
  readonly latency = new RrLatency();
  private readonly socket: Socket;
  private readonly request: Buffer;
  private readonly width: number;
  private readonly modulus: number;
  private readonly maxRtoMs: number;
  private running = false;
  private outstanding = false;
  private seq = 0;
  private sentAt = 0;
  private srtt = 0;
  private rttvar = 0;
  private rto: number;
  private checker: NodeJS.Timeout | null = null;
  private onSettled: (() => void) | null = null;

  constructor(socket: Socket, requestSize: number, responseSize: number, timeoutMs: number) {
    this.socket = socket;
    this.request = Buffer.alloc(requestSize, 0x71);
    this.width = rrSequenceWidth(requestSize, responseSize);
    this.modulus = 2 ** (8 * this.width);
    this.maxRtoMs = maxRtoMs(timeoutMs);
    this.rto = initialRtoMs(timeoutMs);
    socket.on('message', this.onReply);
  }

  private readonly onReply = (msg: Buffer): void => {
    if (msg.length === HANDSHAKE_BYTES && isHandshake(msg)) return;
    const now = performance.now();
    if (!this.outstanding || readRrSequence(msg, this.width) !== this.seq % this.modulus) {
      this.counters.lateReplies++;
      return;
    }
    this.outstanding = false;
    const rtt = now - this.sentAt;
    this.latency.record(rtt);
    this.counters.transactions++;
    this.updateRto(rtt);
    this.next();
  };

  private updateRto(rtt: number): void {
    if (this.srtt === 0) {
      this.srtt = rtt;
      this.rttvar = rtt / 2;
    } else {
      this.rttvar = 0.75 * this.rttvar + 0.25 * Math.abs(this.srtt - rtt);
      this.srtt = 0.875 * this.srtt + 0.125 * rtt;
    }
    this.rto = nextRto(this.srtt, this.rttvar, this.maxRtoMs);
  }

  private readonly checkTimeout = (): void => {
    if (!this.outstanding || performance.now() - this.sentAt < this.rto) return;
    this.outstanding = false;
    this.counters.timeouts++;
    this.next();
  };

  private next(): void {
    if (this.running) this.send();
    else this.onSettled?.();
  }

  start(): void {
    this.running = true;
    this.checker = setInterval(this.checkTimeout, CHECK_EVERY_MS);
    this.send();
  }

  private send(): void {
    this.seq++;
    writeRrSequence(this.request, this.seq, this.width);
    this.outstanding = true;
    this.counters.requestsSent++;
    this.sentAt = performance.now();
    this.socket.send(this.request);
  }

  stop(): Promise<number> {
    this.running = false;
    const stoppedAt = performance.now();
    // The last request is settled, answered or timed out, so every request sent is accounted for.
    const settled = this.outstanding ? new Promise<void>((resolve) => (this.onSettled = resolve)) : Promise.resolve();
    // Then listen a little longer: a reply given up on may still arrive, and is late, not lost.
    const lateWindowMs = lateReplyWindowMs(this.rto);
    return settled
      .then(() => new Promise((resolve) => setTimeout(resolve, lateWindowMs)))
      .then(() => {
        if (this.checker) clearInterval(this.checker);
        return stoppedAt;
      });
  }

  close(): void {
    this.running = false;
    if (this.checker) clearInterval(this.checker);
    try {
      this.socket.close();
    } catch {
      // already closed
    }
  }
}
