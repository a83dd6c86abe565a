import dgram, { type Socket as UdpSocket } from 'node:dgram';
import { once } from 'node:events';
import net, { type Socket } from 'node:net';

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
