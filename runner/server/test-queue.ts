import { ServerBusyError } from '../core/errors.js';

/**
 * One test at a time; later clients wait their turn in arrival order (the
 * seed: serial, not parallel, or the measurement is distorted). Where iperf3
 * refuses a second client, we queue it, up to a cap.
 */
export interface QueueTicket {
  /** Resolves when it is this ticket's turn. */
  readonly turn: Promise<void>;
  /** Leaves the queue, or ends the turn and lets the next one in. */
  release(): void;
}

interface Waiter {
  admit: () => void;
  onPosition: (position: number) => void;
}

export class TestQueue {
  private readonly maxWaiting: number;
  private running = false;
  private readonly waiting: Waiter[] = [];

  constructor(maxWaiting: number) {
    this.maxWaiting = maxWaiting;
  }

  get waitingCount(): number {
    return this.waiting.length;
  }

  get busy(): boolean {
    return this.running;
  }

  /**
   * Joins the queue. `onPosition` hears the number of tests ahead (1: next)
   * whenever it changes, and not at all when the server is free.
   */
  enter(onPosition: (position: number) => void): QueueTicket {
    if (!this.running) {
      this.running = true;
      return this.ticket(Promise.resolve(), null);
    }
    if (this.waiting.length >= this.maxWaiting) {
      throw new ServerBusyError(`server busy: ${this.waiting.length} clients waiting (limit ${this.maxWaiting}) - try again later`);
    }
    let admit!: () => void;
    const turn = new Promise<void>((resolve) => (admit = resolve));
    const waiter: Waiter = { admit, onPosition };
    this.waiting.push(waiter);
    onPosition(this.waiting.length);
    return this.ticket(turn, waiter);
  }

  private ticket(turn: Promise<void>, waiter: Waiter | null): QueueTicket {
    let released = false;
    let admitted = waiter === null;
    if (waiter) {
      const admit = waiter.admit;
      waiter.admit = () => {
        admitted = true;
        admit();
      };
    }
    return {
      turn,
      release: () => {
        if (released) return;
        released = true;
        if (admitted) this.next();
        else this.leave(waiter!);
      },
    };
  }

  private leave(waiter: Waiter): void {
    const i = this.waiting.indexOf(waiter);
    if (i < 0) return;
    this.waiting.splice(i, 1);
    this.announcePositions(i);
  }

  private next(): void {
    const waiter = this.waiting.shift();
    if (!waiter) {
      this.running = false;
      return;
    }
    waiter.admit();
    this.announcePositions(0);
  }

  private announcePositions(from: number): void {
    for (let i = from; i < this.waiting.length; i++) this.waiting[i].onPosition(i + 1);
  }
}
