import type { DataLane, TestParams } from '../core/test-params.js';
import type { StreamReport, StreamSample } from '../control/messages.js';

/**
 * Messages between a main thread and one data worker: a closed set, typed
 * both ways. Workers speak once per interval at most, never per packet.
 */
export interface DataWorkerConfig {
  side: 'client' | 'server';
  stream: number;
  params: TestParams;
  /** Per-test random cookie, hex; every data connection must present it. */
  cookie: string;
  /** Server: address to bind the data socket to. Client: the server's address. */
  host: string;
  /** Server: 0 (any free port). Client: the data port the server announced. */
  port: number;
  timeout_ms: number;
  /** UDP receivers: how long to keep listening after STOP for datagrams in flight. */
  drain_ms: number;
  /** What this connection carries (dataLanes in test-params.ts); absent: a STREAM or RR test's stream. */
  lane?: DataLane;
}

export type MainToWorker = { type: 'START' } | { type: 'STOP' } | { type: 'ABORT' };

export type WorkerToMain =
  | { type: 'BOUND'; port: number }
  | { type: 'ATTACHED' }
  | { type: 'INTERVAL'; sample: StreamSample }
  | { type: 'RESULT'; report: StreamReport }
  | { type: 'ERROR'; code: string; message: string };
