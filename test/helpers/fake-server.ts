import { randomBytes } from 'node:crypto';
import net from 'node:net';
import { performance } from 'node:perf_hooks';
import { encodeFrame, FrameDecoder } from '../../runner/control/frame-decoder.js';
import { PROTOCOL_VERSION, type StreamSample } from '../../runner/control/messages.js';
import type { TestParams } from '../../runner/core/test-params.js';
import { COOKIE_BYTES } from '../../runner/data/udp-datagram.js';

/**
 * A bench server that lies: it speaks the control protocol on a real socket
 * and takes TCP_STREAM data for real (draining and counting it), but says
 * whatever a test tells it to in WELCOME, READY and RESULT. For hostile-server
 * cases that a real server never produces. TCP_STREAM (client sending) only.
 */
export interface FakeServerScript {
  /** Fields laid over an honest WELCOME. */
  welcome?: Record<string, unknown>;
  /** Sent instead of READY, after which the fake hangs up (an ERROR, say). */
  refuse?: Record<string, unknown>;
  /** The RESULT to send after STOP, from the honest one (what the fake really received); a string is sent as it is. */
  result?: (honest: FakeResult, params: TestParams) => unknown;
}

export interface FakeResult {
  type: 'RESULT';
  streams: Array<{
    stream: number;
    role: string;
    samples: StreamSample[];
    omit_sample: StreamSample | null;
    final: StreamSample;
    cpu_s: number | null;
  }>;
  wall_s: number;
}

export interface FakeServer {
  port: number;
  close(): Promise<void>;
}

export function sample(t: number, bytes: number): StreamSample {
  return {
    t,
    bytes,
    packets: 0,
    lost: 0,
    out_of_order: 0,
    duplicates: 0,
    jitter_ms: 0,
    transactions: 0,
    requests_sent: 0,
    timeouts: 0,
    late_replies: 0,
    interval_latency_us: null,
  };
}

export async function startFakeServer(script: FakeServerScript): Promise<FakeServer> {
  const sockets = new Set<net.Socket>();
  const listeners = new Set<net.Server>();
  const control = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => {});
    const decoder = new FrameDecoder(1 << 20);
    const send = (m: unknown): void => {
      socket.write(encodeFrame(Buffer.from(JSON.stringify(m), 'utf8')));
    };
    let params: TestParams | null = null;
    let received: number[] = [];
    let startedAt = 0;
    socket.on('data', (chunk: Buffer) => {
      for (const frame of decoder.push(chunk)) {
        const m = JSON.parse(frame.toString('utf8')) as { type: string; params?: TestParams };
        if (m.type === 'HELLO')
          send({
            type: 'WELCOME',
            protocol: PROTOCOL_VERSION,
            bench_version: '0.1.0',
            hostname: 'fake',
            auth_required: false,
            ...script.welcome,
          });
        if (m.type === 'TEST_REQUEST') {
          if (script.refuse) {
            send(script.refuse);
            socket.end();
            return;
          }
          params = m.params!;
          received = new Array<number>(params.streams).fill(0);
          void openDataPorts(params.streams, received, listeners, sockets).then(({ ports, attached }) => {
            send({ type: 'READY', cookie: COOKIE, data_ports: ports });
            void attached.then(() => send({ type: 'ATTACHED' }));
          });
        }
        if (m.type === 'START') startedAt = performance.now();
        if (m.type === 'STOP') {
          const wall_s = (performance.now() - startedAt) / 1000;
          // What arrived so far: never more than the client sent, so honest whenever it is taken.
          const honest: FakeResult = {
            type: 'RESULT',
            streams: received.map((bytes, stream) => {
              const final = sample(Math.min(wall_s, params!.duration_s), bytes);
              return { stream, role: 'receiver', samples: [{ ...final }], omit_sample: null, final, cpu_s: null };
            }),
            wall_s,
          };
          const result = script.result ? script.result(honest, params!) : honest;
          if (typeof result === 'string') socket.write(encodeFrame(Buffer.from(result, 'utf8')));
          else send(result);
        }
      }
    });
  });
  await new Promise<void>((resolve) => control.listen({ host: '127.0.0.1', port: 0 }, resolve));
  return {
    port: (control.address() as net.AddressInfo).port,
    close: async () => {
      for (const s of sockets) s.destroy();
      for (const l of listeners) l.close();
      await new Promise<void>((resolve) => control.close(() => resolve()));
    },
  };
}

const COOKIE = randomBytes(COOKIE_BYTES).toString('hex');

/** One TCP listener per stream, counting every byte after the cookie. */
async function openDataPorts(
  streams: number,
  received: number[],
  listeners: Set<net.Server>,
  sockets: Set<net.Socket>,
): Promise<{ ports: number[]; attached: Promise<void> }> {
  const ports: number[] = [];
  const arrivals: Promise<void>[] = [];
  for (let stream = 0; stream < streams; stream++) {
    let arrived!: () => void;
    arrivals.push(new Promise<void>((resolve) => (arrived = resolve)));
    const server = net.createServer((socket) => {
      sockets.add(socket);
      socket.on('error', () => {});
      let cookieLeft = COOKIE_BYTES;
      socket.on('data', (chunk: Buffer) => {
        const skip = Math.min(cookieLeft, chunk.length);
        cookieLeft -= skip;
        received[stream] += chunk.length - skip;
        if (cookieLeft === 0) arrived();
      });
    });
    listeners.add(server);
    await new Promise<void>((resolve) => server.listen({ host: '127.0.0.1', port: 0 }, resolve));
    ports.push((server.address() as net.AddressInfo).port);
  }
  return { ports, attached: Promise.all(arrivals).then(() => {}) };
}
