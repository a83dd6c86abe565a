import { spawnSync } from 'node:child_process';
import dgram, { type Socket as UdpSocket } from 'node:dgram';
import { once } from 'node:events';
import net, { type Socket } from 'node:net';
import { NativeSocket, bindNativeUdp, connectNativeTcp, connectNativeUdp } from '../../runner/data/native-socket.js';
import { nativeIo, nativeIoUnavailable, type NativeIo } from '../../runner/native/native-io.js';

/** Why the native data path's tests cannot run in this process (no compiler, not built, BENCH_DATA_PATH=js), or false. */
export const nativeSkip: string | false = nativeIo
  ? false
  : `native data path not available (${nativeIoUnavailable}): its tests are skipped`;

/** Whether this machine has a C compiler: where it does, the native data path must build and load. */
export function compilerPresent(): boolean {
  return spawnSync(process.env.CC || 'cc', ['--version'], { stdio: 'ignore' }).status === 0;
}

/** A connected TCP pair on loopback: [the side under test, the plain peer]. */
export async function tcpPair(): Promise<[Socket, Socket]> {
  const server = net.createServer({ noDelay: true });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const accepted = new Promise<Socket>((resolve) => server.once('connection', resolve));
  const ours = net.connect({ port: (server.address() as net.AddressInfo).port, host: '127.0.0.1', noDelay: true });
  await once(ours, 'connect');
  const peer = await accepted;
  server.close();
  return [ours, peer];
}

/** Two UDP sockets on loopback, each connected to the other (as the data handshake leaves them). */
export async function udpPair(): Promise<[UdpSocket, UdpSocket]> {
  const a = dgram.createSocket('udp4');
  const b = dgram.createSocket('udp4');
  a.bind(0, '127.0.0.1');
  b.bind(0, '127.0.0.1');
  await Promise.all([once(a, 'listening'), once(b, 'listening')]);
  a.connect(b.address().port, '127.0.0.1');
  b.connect(a.address().port, '127.0.0.1');
  await Promise.all([once(a, 'connect'), once(b, 'connect')]);
  return [a, b];
}

/** A native data-path TCP socket connected to a plain Node socket on loopback: [ours, the peer]. No cookie is sent. */
export async function nativeTcpPair(io: NativeIo): Promise<[NativeSocket, Socket]> {
  const server = net.createServer({ noDelay: true });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const accepted = new Promise<Socket>((resolve) => server.once('connection', resolve));
  const ours = await connectNativeTcp(io, '127.0.0.1', (server.address() as net.AddressInfo).port, Buffer.alloc(0), 5_000);
  const peer = await accepted;
  server.close();
  return [ours, peer];
}

/** A native data-path UDP socket and a plain Node one on loopback, each connected to the other: [ours, the peer]. */
export async function nativeUdpPair(io: NativeIo): Promise<[NativeSocket, UdpSocket]> {
  const peer = dgram.createSocket('udp4');
  peer.bind(0, '127.0.0.1');
  await once(peer, 'listening');
  const fd = io.udpConnect('127.0.0.1', peer.address().port);
  if (fd < 0) throw new Error(`udpConnect failed: ${fd}`);
  const ours = new NativeSocket(io, fd);
  peer.connect(io.localPort(fd), '127.0.0.1');
  await once(peer, 'connect');
  return [ours, peer];
}

/** Two native UDP sockets joined by the data path's own hello/ack: [the client's, the server's]. */
export async function nativeUdpHandshakePair(io: NativeIo, cookie = Buffer.alloc(16, 0xc5)): Promise<[NativeSocket, NativeSocket]> {
  let client: Promise<NativeSocket> | undefined;
  const server = bindNativeUdp(io, '127.0.0.1', cookie, 5_000, (port) => (client = connectNativeUdp(io, '127.0.0.1', port, cookie, 5_000)));
  const s = await server;
  return [await client!, s];
}
