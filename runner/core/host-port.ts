/**
 * `host:port` as a reader (and a URL) writes it: an IPv6 address in brackets,
 * so that `[::1]:7575` cannot be read as the address `::1:7575`.
 */
export function formatHostPort(host: string, port: number | string): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}
