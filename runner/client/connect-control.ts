import net from 'node:net';
import { ControlConnection } from '../control/control-connection.js';
import { parseServerMessage, type ClientMessage, type ServerMessage } from '../control/messages.js';
import { PeerTimeoutError, PeerUnreachableError } from '../core/errors.js';
import type { PeerAddress } from '../core/run-events.js';
import { formatPeer } from './peer-address.js';

export type ClientControl = ControlConnection<ServerMessage, ClientMessage>;

/** Opens the control connection, with a deadline and an error a person can act on. */
export function connectControl(peer: PeerAddress, timeoutMs: number): Promise<ClientControl> {
  const name = `peer ${formatPeer(peer)}`;
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: peer.host, port: peer.port });
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new PeerTimeoutError(`cannot reach ${name}: no answer within ${timeoutMs / 1000}s - is the host up and the port open?`));
    }, timeoutMs);
    socket.once('error', (err: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      reject(new PeerUnreachableError(`cannot reach ${name}: ${describeConnectError(err)}`, err));
    });
    socket.once('connect', () => {
      clearTimeout(timer);
      socket.removeAllListeners('error');
      resolve(new ControlConnection(socket, name, parseServerMessage));
    });
  });
}

function describeConnectError(err: NodeJS.ErrnoException): string {
  switch (err.code) {
    case 'ECONNREFUSED':
      return "connection refused - is 'bench serve' running there?";
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return 'host name not found - check the spelling or use an IP address';
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return 'no route to the host - check the address and the network';
    case 'ETIMEDOUT':
      return 'connection timed out - is a firewall dropping it?';
    default:
      return err.message;
  }
}
