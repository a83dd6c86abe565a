import { startBenchServer, type BenchServer } from '../server/bench-server.js';

/**
 * A server in this process on loopback, for `bench test` without --peer and
 * scenario runs without a peer: it works with no set-up. Its data path still
 * runs in its own worker threads, as a remote server's would.
 */
export function startEmbeddedServer(timeout_s: number): Promise<BenchServer> {
  return startBenchServer({ host: '127.0.0.1', port: 0, timeout_s });
}
