import type net from 'node:net';
import { DATA_GREETING_BYTES, DATA_GREETING_MAGIC } from '../data/one-port.js';

/**
 * The one port's switch (runner/data/one-port.ts): each connection to the
 * control listener is a control connection or a data connection, told apart
 * by its first bytes. A data connection's greeting carries its test's
 * cookie: the test that claimed that cookie takes it; any other (a stale
 * test's, a guess) is closed, and the running test never sees it.
 */
export class DataPortRouter {
  private readonly claims = new Map<string, (socket: net.Socket) => void>();

  /** While a test runs: its data connections go to `take`. Returns the release. */
  claim(cookieHex: string, take: (socket: net.Socket) => void): () => void {
    this.claims.set(cookieHex, take);
    return () => {
      if (this.claims.get(cookieHex) === take) this.claims.delete(cookieHex);
    };
  }

  /**
   * Reads a new connection's first bytes. A control connection's first byte
   * is 0 and the magic's is not, so a control connection is known at its
   * first byte and handed on (`toControl`) with those bytes put back; a data
   * connection is read to the end of its greeting and no further (its client
   * waits for the ack), then paused and handed to its test. Silence past
   * `timeoutMs` goes to the control side, whose handshake deadline, counted
   * from the same accept, then says what it waited for.
   */
  route(socket: net.Socket, timeoutMs: number, toControl: () => void, onRefused: (why: string) => void): void {
    let got: Buffer = Buffer.alloc(0);
    const timer = setTimeout(() => handOver(), timeoutMs);
    const onData = (chunk: Buffer): void => {
      got = got.length === 0 ? chunk : Buffer.concat([got, chunk]);
      const compared = Math.min(got.length, DATA_GREETING_MAGIC.length);
      if (!got.subarray(0, compared).equals(DATA_GREETING_MAGIC.subarray(0, compared))) return handOver();
      if (got.length < DATA_GREETING_BYTES) return;
      stopReading();
      // Bytes past the greeting came before the ack: a client that does not wait would lose them to this thread.
      if (got.length > DATA_GREETING_BYTES) return refuse(`${got.length - DATA_GREETING_BYTES} bytes after the greeting, before the ack`);
      const take = this.claims.get(got.subarray(DATA_GREETING_MAGIC.length).toString('hex'));
      if (!take) return refuse('a cookie of no running test');
      take(socket);
    };
    // A connection that ends or fails before its first byte is a control connection's business: it reports it, as it always has.
    const onEnd = (): void => handOver();
    const onError = (err: Error): void => {
      handOver();
      socket.emit('error', err);
    };
    const stopReading = (): void => {
      clearTimeout(timer);
      socket.off('data', onData);
      socket.off('end', onEnd);
      socket.off('error', onError);
      socket.pause();
    };
    const refuse = (why: string): void => {
      socket.on('error', () => {});
      socket.destroy();
      onRefused(why);
    };
    const handOver = (): void => {
      stopReading();
      if (got.length > 0) socket.unshift(got);
      toControl();
      socket.resume();
    };
    socket.on('data', onData);
    socket.on('end', onEnd);
    socket.on('error', onError);
  }
}
