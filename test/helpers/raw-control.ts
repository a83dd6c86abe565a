import dgram from 'node:dgram';
import net from 'node:net';
import { encodeFrame, FrameDecoder } from '../../runner/control/frame-decoder.js';
import { PROTOCOL_VERSION, encodeMessage, parseServerMessage, type ServerMessage } from '../../runner/control/messages.js';
import { defaultParams } from '../../runner/core/params.js';
import type { TestName, TestParams } from '../../runner/core/test-params.js';
import { DATA_ACK, dataGreeting, streamCookie } from '../../runner/data/one-port.js';
import { HANDSHAKE_ACK, HANDSHAKE_HELLO, readHandshake, writeHandshake } from '../../runner/data/udp-datagram.js';

/** Servers' control ports this helper connected to: a READY naming one as its data port means the one port. */
const controlPorts = new Set<number>();

/**
 * A control client that says exactly what a test tells it to, frame by frame
 * or byte by byte, and records what the server answers: for hostile and
 * out-of-order input that the real client never sends.
 */
export class RawControl {
  readonly socket: net.Socket;
  readonly received: ServerMessage[] = [];
  /** This end's port, as the server names the client in its messages and log. */
  readonly localPort: number;
  /** Resolves when the server has closed (or reset) the connection. */
  readonly closed: Promise<void>;
  private readonly decoder = new FrameDecoder(1 << 20);
  private readIndex = 0;
  private wake: (() => void) | null = null;
  private isClosed = false;

  private constructor(socket: net.Socket) {
    this.socket = socket;
    this.localPort = socket.localPort!;
    socket.on('data', (chunk: Buffer) => {
      for (const frame of this.decoder.push(chunk)) this.received.push(parseServerMessage(frame));
      this.wake?.();
    });
    // A reset from the server is one way it closes on us; the test reads it from `closed`.
    socket.on('error', () => {});
    this.closed = new Promise((resolve) =>
      socket.once('close', () => {
        this.isClosed = true;
        this.wake?.();
        resolve();
      }),
    );
  }

  static connect(port: number, host = '127.0.0.1'): Promise<RawControl> {
    controlPorts.add(port);
    return new Promise((resolve, reject) => {
      const socket = net.connect({ port, host });
      socket.once('error', reject);
      socket.once('connect', () => {
        socket.off('error', reject);
        resolve(new RawControl(socket));
      });
    });
  }

  send(message: object): void {
    this.socket.write(encodeFrame(encodeMessage(message as never)));
  }

  write(bytes: Buffer | string): void {
    this.socket.write(bytes);
  }

  /** The next message the server sent; fails when it closes first or says nothing in time. */
  async next(timeoutMs = 5000): Promise<ServerMessage> {
    const until = Date.now() + timeoutMs;
    while (this.readIndex >= this.received.length) {
      if (this.isClosed) throw new Error(`the server closed the connection; it had sent ${JSON.stringify(this.received)}`);
      const left = until - Date.now();
      if (left <= 0) throw new Error(`no message from the server within ${timeoutMs} ms; it had sent ${JSON.stringify(this.received)}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.wake = null;
    }
    return this.received[this.readIndex++];
  }

  /** The next message that is not a QUEUED position update. */
  async nextAfterQueue(timeoutMs = 5000): Promise<ServerMessage> {
    for (;;) {
      const m = await this.next(timeoutMs);
      if (m.type !== 'QUEUED') return m;
    }
  }

  /** Waits until the server closes the connection, or fails after `timeoutMs`. */
  async waitClosed(timeoutMs = 5000): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`the server kept the connection open for ${timeoutMs} ms; it sent ${JSON.stringify(this.received)}`)),
        timeoutMs,
      );
    });
    try {
      await Promise.race([this.closed, late]);
    } finally {
      clearTimeout(timer);
    }
  }

  destroy(): void {
    this.socket.destroy();
  }
}

export function hello(protocol = PROTOCOL_VERSION): object {
  return { type: 'HELLO', protocol, bench_version: '0.1.0' };
}

export function testRequest(test: TestName, overrides: Partial<TestParams> = {}): { type: 'TEST_REQUEST'; params: TestParams } {
  return { type: 'TEST_REQUEST', params: { ...defaultParams(test), duration_s: 1, interval_s: 1, timeout_s: 5, ...overrides } };
}

/** HELLO and TEST_REQUEST, then waits past QUEUED for READY. */
export async function requestTest(raw: RawControl, request: object, timeoutMs = 5000): Promise<Extract<ServerMessage, { type: 'READY' }>> {
  raw.send(hello());
  const welcome = await raw.next(timeoutMs);
  if (welcome.type !== 'WELCOME') throw new Error(`expected WELCOME, got ${JSON.stringify(welcome)}`);
  raw.send(request);
  const ready = await raw.nextAfterQueue(timeoutMs);
  if (ready.type !== 'READY') throw new Error(`expected READY, got ${JSON.stringify(ready)}`);
  return ready;
}

/**
 * Opens a TCP data connection as the real client does: connect, present the
 * cookie; to the server's one port (a control port this helper connected
 * to), greet with the magic and stream `stream`'s cookie and wait for the ack.
 */
export function connectTcpData(port: number, cookie: string, host = '127.0.0.1', stream = 0): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ port, host });
    socket.once('error', reject);
    socket.once('connect', () => {
      socket.off('error', reject);
      socket.on('error', () => {});
      const key = Buffer.from(cookie, 'hex');
      if (!controlPorts.has(port)) {
        socket.write(key);
        return resolve(socket);
      }
      socket.write(dataGreeting(streamCookie(key, stream)));
      socket.once('data', (ack: Buffer) =>
        ack[0] === DATA_ACK ? resolve(socket) : reject(new Error(`the one port answered the greeting with ${ack.toString('hex')}`)),
      );
      socket.once('close', () => reject(new Error(`port ${port} closed the data connection instead of acking it`)));
    });
  });
}

/** Opens a UDP data socket as the real client does: hello with the cookie (stream `stream`'s on the one port) until the server acknowledges. */
export function connectUdpData(port: number, cookie: string, host = '127.0.0.1', stream = 0): Promise<dgram.Socket> {
  const key = controlPorts.has(port) ? streamCookie(Buffer.from(cookie, 'hex'), stream) : Buffer.from(cookie, 'hex');
  return new Promise((resolve, reject) => {
    const socket = dgram.createSocket(net.isIPv6(host) ? 'udp6' : 'udp4');
    let retry: NodeJS.Timeout | undefined;
    const timer = setTimeout(() => {
      clearInterval(retry);
      socket.close();
      reject(new Error(`no UDP ack from port ${port}`));
    }, 5000);
    socket.on('message', (msg) => {
      if (readHandshake(msg, key) !== HANDSHAKE_ACK) return;
      clearTimeout(timer);
      clearInterval(retry);
      socket.removeAllListeners('message');
      resolve(socket);
    });
    socket.on('error', () => {});
    socket.connect(port, host, () => {
      const send = (): void => socket.send(writeHandshake(HANDSHAKE_HELLO, key));
      send();
      retry = setInterval(send, 100);
    });
  });
}

/** Opens every data connection a READY asked for; the returned function closes them. */
export async function attachData(test: TestName, ready: { cookie: string; data_ports: number[] }, host = '127.0.0.1'): Promise<() => void> {
  const udp = test === 'UDP_STREAM' || test === 'UDP_RR';
  const sockets = await Promise.all(
    ready.data_ports.map((port, stream) =>
      udp ? connectUdpData(port, ready.cookie, host, stream) : connectTcpData(port, ready.cookie, host, stream),
    ),
  );
  let closed = false;
  return () => {
    if (closed) return;
    closed = true;
    for (const s of sockets) {
      if (s instanceof net.Socket) s.destroy();
      else s.close();
    }
  };
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Polls `condition` until it holds, or fails naming `what`. */
export async function waitUntil(condition: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > until) throw new Error(`not within ${timeoutMs} ms: ${what}`);
    await sleep(20);
  }
}
