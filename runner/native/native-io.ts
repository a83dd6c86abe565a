import { createRequire } from 'node:module';
import { constants } from 'node:os';
import { DataPathError } from '../core/errors.js';
import type { NativeCrrIo } from './crr-io.js';
import type { NativeProbeIo } from './probe-io.js';
import type { NativeRrIo } from './rr-io.js';
import type { NativeSocketIo } from './socket-io.js';
import type { NativeTcpInfoIo } from './tcp-info-io.js';
import type { NativeUdpStreamIo } from './udp-stream-io.js';

/**
 * bench's native data path (runner/native/src), loaded when it was built.
 * Every function runs one slice: it moves what the socket takes for up to
 * `sliceMs`, writes its figures into `out`, and returns a status: STATUS_OK,
 * STATUS_EOF or a negative errno. See the comment above each C function for
 * the meaning of each `out` slot.
 */
export interface NativeIo extends NativeUdpStreamIo, NativeRrIo, NativeSocketIo, NativeCrrIo, NativeProbeIo, NativeTcpInfoIo {
  /** The native loops' monotonic clock, ms. */
  nowMs(): number;
  tcpSend(fd: number, message: Buffer, offset: number, sliceMs: number, out: Float64Array): number;
  /** lowWater: wake a waiting read once this much is queued (SO_RCVLOWAT, capped at a quarter of the receive buffer). */
  tcpRecv(fd: number, buffer: Buffer, lowWater: number, sliceMs: number, out: Float64Array): number;
}

export const STATUS_OK = 0;
export const STATUS_EOF = 1;

/**
 * How long one native call keeps the data thread, so the interval timer and
 * STOP wait about this long at most. An RR call waiting on a silent peer may
 * take up to two slices and one kernel tick (rr.h), still well under an
 * interval; each sample carries the time it was taken, so a late timer moves
 * an interval's boundary, never its rate.
 */
export const NATIVE_SLICE_MS = 2;

export type DataPathKind = 'native' | 'js';

function load(): { io: NativeIo | null; why: string } {
  if (process.env.BENCH_DATA_PATH === 'js') return { io: null, why: 'BENCH_DATA_PATH=js' };
  return loadAddon();
}

function loadAddon(): { io: NativeIo | null; why: string } {
  try {
    const require = createRequire(import.meta.url);
    return { io: require('./bench-io.node') as NativeIo, why: '' };
  } catch (err) {
    return { io: null, why: `not built (${(err as Error).message.split('\n')[0]}) - run 'npm run build'` };
  }
}

const loaded = load();
/** BENCH_DATA_PATH as bench was started with: the choice for runs that make none. */
const startedWith = process.env.BENCH_DATA_PATH;

/**
 * The data path of the data workers this process starts from now on: each
 * reads BENCH_DATA_PATH as it loads this module, from a copy of this
 * thread's environment. Undefined goes back to the environment bench was
 * started with (native where it is built). Native where it cannot load is refused.
 */
export function useDataPath(path: DataPathKind | undefined): void {
  if (path === 'native') {
    const { why } = loadAddon();
    if (why !== '') throw new DataPathError(`data_path native cannot be used: the native data path is ${why}, or use data_path js`);
  }
  const chosen = path ?? startedWith;
  if (chosen === undefined) delete process.env.BENCH_DATA_PATH;
  else process.env.BENCH_DATA_PATH = chosen;
}

/**
 * The native library's socket functions wherever it is built, whichever data
 * path runs: the JavaScript path too takes its one-port data connections
 * from the control listener through tcpAdopt. Null where it is not built.
 */
export const socketHandoff: NativeSocketIo | null = loaded.io ?? loadAddon().io;
/** The native data path, or null where it is not built or BENCH_DATA_PATH=js asks for the JavaScript one. */
export const nativeIo: NativeIo | null = loaded.io;
/** Why the native data path is not in use ('' when it is). */
export const nativeIoUnavailable: string = loaded.why;
export const dataPathKind: DataPathKind = nativeIo ? 'native' : 'js';

const errnoNames = new Map<number, string>(Object.entries(constants.errno).map(([name, value]) => [value, name]));

/**
 * A failed read or write on a TCP data connection, worded as on the
 * JavaScript path ('data connection failed: read ECONNRESET - ...'), so the
 * same failure reads the same whichever path ran.
 */
export function dataConnectionError(op: 'read' | 'write', status: number): DataPathError {
  return new DataPathError(`data connection failed: ${op} ${errnoName(status)} - did the peer stop?`);
}

/** 'ECONNRESET' for -104, and so on. */
export function errnoName(status: number): string {
  return errnoNames.get(-status) ?? `errno ${-status}`;
}
