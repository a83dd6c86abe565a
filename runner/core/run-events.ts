import type { DataPath } from './params.js';
import type { IntervalRecord } from './run-object.js';
import type { TestParams } from './test-params.js';

/** Where a run goes: a remote `bench serve`, or the embedded loopback server when absent. */
export interface PeerAddress {
  host: string;
  port: number;
  /** A name for messages, such as the scenario's peer key `lab-b`. */
  name?: string;
  /** Path of a file holding the shared secret for `bench serve --token-file`. */
  token_file?: string;
  /** The server started in this process on loopback (no peer named). */
  embedded?: boolean;
}

/** Progress of one run, for live output. */
export type RunEvent =
  | { type: 'connecting'; peer: string }
  | { type: 'queued'; position: number }
  | { type: 'started'; at: string }
  | { type: 'interval'; index: number; record: IntervalRecord };

export interface RunTestOptions {
  params: TestParams;
  /** Omit for the embedded loopback server. */
  peer?: PeerAddress;
  /** Aborting stops the run cleanly; the run object is returned, marked interrupted. */
  signal?: AbortSignal;
  onEvent?: (event: RunEvent) => void;
  /** Longest wait in the server's queue before giving up, seconds (0: no limit). */
  wait_s?: number;
  /** The data path for this run's workers (and the embedded server's); absent: native where it is built. */
  data_path?: DataPath;
}
