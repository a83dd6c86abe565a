import type net from 'node:net';
import type { ServerLog } from './server-log.js';

/**
 * Limits on connections that have not finished the handshake (HELLO, the
 * token when one is required, TEST_REQUEST). Anyone who can reach the port
 * can open such connections, before proving anything: without a cap, idle
 * ones hold the server's file descriptors and memory until a client with
 * the right token can no longer connect.
 */
export interface HandshakeLimits {
  /** Most connections in the handshake at once, from all addresses. */
  max_pending: number;
  /** Most connections in the handshake at once from one source address. */
  max_pending_per_address: number;
  /** Time from accept to the end of the handshake, all phases together. */
  timeout_s: number;
}

/**
 * A real client finishes its handshake in two round trips: a few seconds
 * leave room for a slow path, and a connection that has not spoken by then
 * is not a client. 256 pending handshakes are far more than a lab's clients
 * ever open at once, and a small share of the default open-file limit.
 */
export const DEFAULT_HANDSHAKE_LIMITS: HandshakeLimits = {
  max_pending: 256,
  max_pending_per_address: 32,
  timeout_s: 5,
};

/** How often at most the server logs a summary of the connections it closed. */
const SUMMARY_EVERY_MS = 1000;

interface Pending {
  address: string;
  /** Sent a valid HELLO: a client in progress, closed only after the idle ones. */
  spoke: boolean;
}

/**
 * Tracks connections in the handshake, oldest first. A new connection always
 * gets in: when a cap is reached, the oldest idle one goes instead (the oldest
 * from the same address when that address is at its cap), so a flood holds
 * the server's slots only until a real client arrives, and a flood from one
 * address cannot push out the others.
 */
export class HandshakeGuard {
  private readonly limits: HandshakeLimits;
  private readonly log: ServerLog;
  /** Insertion order is arrival order: the first entry is the oldest. */
  private readonly pending = new Map<net.Socket, Pending>();
  private readonly byAddress = new Map<string, Set<net.Socket>>();
  private readonly closedByGuard = new WeakSet<net.Socket>();
  private closedCount = 0;
  private closedAddresses = new Set<string>();
  private perAddressHits = 0;
  private summaryTimer: NodeJS.Timeout | null = null;

  constructor(limits: HandshakeLimits, log: ServerLog) {
    this.limits = limits;
    this.log = log;
  }

  /** A new connection: it enters the handshake, possibly closing an older one to make room. */
  admit(socket: net.Socket): void {
    const address = socket.remoteAddress ?? 'unknown';
    const fromAddress = this.byAddress.get(address);
    if (fromAddress && fromAddress.size >= this.limits.max_pending_per_address) {
      this.perAddressHits++;
      this.closeForRoom(this.oldestIdle(fromAddress.keys()));
    } else if (this.pending.size >= this.limits.max_pending) {
      this.closeForRoom(this.oldestIdle(this.pending.keys()));
    }
    this.pending.set(socket, { address, spoke: false });
    if (fromAddress) fromAddress.add(socket);
    else this.byAddress.set(address, new Set([socket]));
  }

  /** The connection sent a valid HELLO: it is a client in progress. */
  spoke(socket: net.Socket): void {
    const entry = this.pending.get(socket);
    if (entry) entry.spoke = true;
  }

  /** The handshake is over (finished, failed or closed): the connection no longer counts. */
  leave(socket: net.Socket): void {
    const entry = this.pending.get(socket);
    if (!entry) return;
    this.pending.delete(socket);
    const fromAddress = this.byAddress.get(entry.address);
    fromAddress?.delete(socket);
    if (fromAddress?.size === 0) this.byAddress.delete(entry.address);
  }

  /** Whether this guard closed the connection: its failure is counted in a summary, not logged alone. */
  closedForRoom(socket: net.Socket): boolean {
    return this.closedByGuard.has(socket);
  }

  get pendingCount(): number {
    return this.pending.size;
  }

  stop(): void {
    if (this.summaryTimer) clearTimeout(this.summaryTimer);
    this.flush();
  }

  private oldestIdle(candidates: Iterable<net.Socket>): net.Socket {
    let oldest: net.Socket | null = null;
    for (const socket of candidates) {
      oldest ??= socket;
      if (!this.pending.get(socket)?.spoke) return socket;
    }
    // Callers pass a non-empty set: a cap of zero is refused where the limits are read.
    return oldest!;
  }

  private closeForRoom(socket: net.Socket): void {
    const entry = this.pending.get(socket);
    this.closedByGuard.add(socket);
    this.leave(socket);
    socket.destroy();
    this.closedCount++;
    if (entry) this.closedAddresses.add(entry.address);
    // One summary line a second at most, however fast connections arrive.
    this.summaryTimer ??= setTimeout(() => {
      this.summaryTimer = null;
      this.flush();
    }, SUMMARY_EVERY_MS).unref();
  }

  private flush(): void {
    if (this.closedCount === 0) return;
    const reason =
      this.perAddressHits === this.closedCount
        ? `per-address cap ${this.limits.max_pending_per_address} reached`
        : this.perAddressHits === 0
          ? `pending cap ${this.limits.max_pending} reached`
          : `pending cap ${this.limits.max_pending} and per-address cap ${this.limits.max_pending_per_address} reached`;
    this.log.info('refused', {
      connections: this.closedCount,
      addresses: this.closedAddresses.size,
      reason: `${reason}: closed the oldest idle connections that had not finished the handshake`,
    });
    this.closedCount = 0;
    this.perAddressHits = 0;
    this.closedAddresses = new Set();
  }
}

/**
 * Logs at most `perSecond` lines of one kind a second, and counts the rest
 * into one summary line: a flood of failing connections must not flood the log.
 */
export class RateLimitedLog {
  private readonly log: ServerLog;
  private readonly perSecond: number;
  private windowStart = 0;
  private inWindow = 0;
  private suppressed = new Map<string, number>();
  private timer: NodeJS.Timeout | null = null;

  constructor(log: ServerLog, perSecond: number) {
    this.log = log;
    this.perSecond = perSecond;
  }

  info(event: string, fields: Record<string, unknown>): void {
    const now = Date.now();
    if (now - this.windowStart >= 1000) {
      this.windowStart = now;
      this.inWindow = 0;
    }
    if (this.inWindow < this.perSecond) {
      this.inWindow++;
      this.log.info(event, fields);
      return;
    }
    this.suppressed.set(event, (this.suppressed.get(event) ?? 0) + 1);
    this.timer ??= setTimeout(() => {
      this.timer = null;
      this.flush();
    }, 1000).unref();
  }

  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.flush();
  }

  private flush(): void {
    for (const [event, count] of this.suppressed)
      this.log.info('suppressed', { event, lines: count, reason: `more than ${this.perSecond} a second` });
    this.suppressed.clear();
  }
}
