import type { DataLane, TestParams } from '../core/test-params.js';
import type { StreamReport, StreamSample } from '../control/messages.js';

/**
 * Messages between a main thread and one data worker: a closed set, typed
 * both ways. Workers speak once per interval at most, never per packet.
 */
/**
 * What a data worker is started with: the test and this stream's place in
 * it. A client starts its workers as soon as it has asked for the test, so
 * their start-up (a thread, its modules, the latency histogram's
 * WebAssembly) overlaps the wait for the server's turn and READY.
 */
export interface DataWorkerSetup {
  side: 'client' | 'server';
  stream: number;
  params: TestParams;
  timeout_ms: number;
  /** What this connection carries (dataLanes in test-params.ts); absent: a STREAM or RR test's stream. */
  lane?: DataLane;
}

/** Where this stream's data goes, sent once it is known (BEGIN): on the server at once, on the client at READY. */
export interface DataEndpoint {
  /** Per-test random cookie, hex; every data connection must present it. */
  cookie: string;
  /** Server: address to bind the data socket to. Client: the server's address. */
  host: string;
  /**
   * Server: 0 (a fresh data port per stream), or with `one_port` the control
   * port. Client: the data port the server announced.
   */
  port: number;
  /**
   * Server: data comes to the control port (one-port.ts): a TCP stream's
   * connection is handed over by the main thread (ADOPT), a UDP stream binds
   * `port` shared when told (OPEN). Client: greet with the magic and wait
   * for the server's ack. Absent: a fresh port per stream.
   */
  one_port?: boolean;
  /** UDP receivers: how long to keep listening after STOP for datagrams in flight. */
  drain_ms: number;
}

export type DataWorkerConfig = DataWorkerSetup & DataEndpoint;

export type MainToWorker =
  /** Open the data socket towards (or on) this endpoint. */
  | { type: 'BEGIN'; endpoint: DataEndpoint }
  | { type: 'START' }
  | { type: 'STOP' }
  /** One-port server: the data connection to take over, by its ends as the main thread's net.Socket saw them. */
  | { type: 'ADOPT'; local_address: string; local_port: number; remote_address: string; remote_port: number }
  /** One-port server: the main thread closed its descriptor of the adopted connection. */
  | { type: 'RELEASED' }
  /** One-port server, UDP: this stream's turn to bind the shared port (the previous stream's socket is connected). */
  | { type: 'OPEN' };

export type WorkerToMain =
  | { type: 'BOUND'; port: number }
  | { type: 'ATTACHED' }
  /** One-port server: the worker holds its own descriptor of the connection: the main thread may close its one. */
  | { type: 'TAKEN' }
  | { type: 'INTERVAL'; sample: StreamSample }
  | { type: 'RESULT'; report: StreamReport }
  | { type: 'ERROR'; code: string; message: string };
