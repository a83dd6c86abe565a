import { DEFAULT_PORT } from '../core/defaults.js';
import { UsageError } from '../core/errors.js';
import type { PeerAddress } from '../core/run-events.js';

/** Reads `HOST`, `HOST:PORT`, `[V6]:PORT` or a bare IPv6 address. */
export function parsePeer(input: string): PeerAddress {
  const text = input.trim();
  const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(text);
  if (bracketed) return { host: bracketed[1], port: parsePort(bracketed[2], input) };
  if ((text.match(/:/g) ?? []).length > 1) return { host: text, port: DEFAULT_PORT };
  const [host, port] = text.split(':');
  if (!host) throw new UsageError(`invalid peer '${input}': write HOST, HOST:PORT or [IPv6]:PORT`);
  return { host, port: parsePort(port, input) };
}

function parsePort(port: string | undefined, input: string): number {
  if (port === undefined) return DEFAULT_PORT;
  const n = Number(port);
  if (!/^\d+$/.test(port) || n < 1 || n > 65535) throw new UsageError(`invalid port in peer '${input}': use 1 to 65535`);
  return n;
}

export function formatPeer(peer: { host: string; port: number; name?: string }): string {
  const address = peer.host.includes(':') ? `[${peer.host}]:${peer.port}` : `${peer.host}:${peer.port}`;
  // A DNS group member that did not answer is named by its address: "10.0.0.5 (10.0.0.5:7575)" says nothing more.
  return peer.name && peer.name !== peer.host ? `${peer.name} (${address})` : address;
}
