/**
 * The moment a TCP peer ends its side of a data connection, for a role that
 * must wait for it at STOP: a receiver until the sender's last byte, a
 * responder until the client's last request.
 */
export class PeerEnd {
  private ended = false;
  private onEnd: (() => void) | null = null;

  /** The peer ended (a read returned end of stream). */
  mark(): void {
    this.ended = true;
    this.onEnd?.();
  }

  /**
   * Resolves once the peer has ended, at once if it has. After timeoutMs it
   * rejects with `late()`'s error, or resolves when `late()` gives none.
   */
  wait(timeoutMs: number, late: () => Error | null): Promise<void> {
    if (this.ended) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        const err = late();
        if (err) reject(err);
        else resolve();
      }, timeoutMs);
      this.onEnd = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }
}
