/**
 * One error base class with stable codes (after undici's lib/core/errors.js).
 * Callers branch on `code`, never on message text. Every message says what
 * failed, where, and what to do.
 */
export type BenchErrorCode =
  | 'E_USAGE'
  | 'E_UNIT'
  | 'E_PEER_UNREACHABLE'
  | 'E_PEER_TIMEOUT'
  | 'E_PEER_CLOSED'
  | 'E_PROTOCOL'
  | 'E_VERSION'
  | 'E_FRAME_TOO_LARGE'
  | 'E_REFUSED'
  | 'E_SERVER_BUSY'
  | 'E_AUTH'
  | 'E_DATA_PATH'
  | 'E_INTERRUPTED'
  | 'E_SCENARIO'
  | 'E_LISTEN'
  | 'E_WRITE'
  | 'E_INTERNAL';

export class BenchError extends Error {
  readonly code: BenchErrorCode;
  constructor(code: BenchErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = new.target.name;
  }

  toJSON(): { code: BenchErrorCode; message: string } {
    return { code: this.code, message: this.message };
  }
}

/** Bad command-line arguments or option values: exit code 2. */
export class UsageError extends BenchError {
  constructor(message: string) {
    super('E_USAGE', message);
  }
}

/** A value with a unit we cannot read, such as `10x` or `64K`. */
export class UnitError extends BenchError {
  constructor(message: string) {
    super('E_UNIT', message);
  }
}

export class PeerUnreachableError extends BenchError {
  constructor(message: string, cause?: unknown) {
    super('E_PEER_UNREACHABLE', message, { cause });
  }
}

export class PeerTimeoutError extends BenchError {
  constructor(message: string) {
    super('E_PEER_TIMEOUT', message);
  }
}

export class PeerClosedError extends BenchError {
  constructor(message: string) {
    super('E_PEER_CLOSED', message);
  }
}

/** The peer sent something the protocol does not allow at this point. */
export class ProtocolError extends BenchError {
  constructor(message: string) {
    super('E_PROTOCOL', message);
  }
}

export class VersionMismatchError extends BenchError {
  constructor(message: string) {
    super('E_VERSION', message);
  }
}

export class FrameTooLargeError extends BenchError {
  constructor(message: string) {
    super('E_FRAME_TOO_LARGE', message);
  }
}

/** The server refused the test (a limit, a disallowed test). */
export class RefusedError extends BenchError {
  constructor(message: string) {
    super('E_REFUSED', message);
  }
}

export class ServerBusyError extends BenchError {
  constructor(message: string) {
    super('E_SERVER_BUSY', message);
  }
}

export class AuthError extends BenchError {
  constructor(message: string) {
    super('E_AUTH', message);
  }
}

/** A data socket failed or went silent during a test. */
export class DataPathError extends BenchError {
  constructor(message: string, cause?: unknown) {
    super('E_DATA_PATH', message, { cause });
  }
}

export class InterruptedError extends BenchError {
  constructor(message = 'interrupted by the user (SIGINT)') {
    super('E_INTERRUPTED', message);
  }
}

export class ListenError extends BenchError {
  constructor(message: string, cause?: unknown) {
    super('E_LISTEN', message, { cause });
  }
}

/** A results or report file could not be written: a full or read-only disk, no permission. */
export class WriteError extends BenchError {
  constructor(message: string, cause?: unknown) {
    super('E_WRITE', message, { cause });
  }
}

/** Rebuilds a BenchError sent across a thread or the control channel. */
export function errorFromWire(wire: { code?: unknown; message?: unknown }): BenchError {
  const code = typeof wire.code === 'string' && isBenchErrorCode(wire.code) ? wire.code : 'E_INTERNAL';
  const message = typeof wire.message === 'string' ? wire.message : 'unknown error';
  return new BenchError(code, message);
}

const CODES: ReadonlySet<string> = new Set<BenchErrorCode>([
  'E_USAGE',
  'E_UNIT',
  'E_PEER_UNREACHABLE',
  'E_PEER_TIMEOUT',
  'E_PEER_CLOSED',
  'E_PROTOCOL',
  'E_VERSION',
  'E_FRAME_TOO_LARGE',
  'E_REFUSED',
  'E_SERVER_BUSY',
  'E_AUTH',
  'E_DATA_PATH',
  'E_INTERRUPTED',
  'E_SCENARIO',
  'E_LISTEN',
  'E_WRITE',
  'E_INTERNAL',
]);

function isBenchErrorCode(code: string): code is BenchErrorCode {
  return CODES.has(code);
}

/** Any thrown value as a BenchError, keeping the original as cause. */
export function asBenchError(err: unknown): BenchError {
  if (err instanceof BenchError) return err;
  const message = err instanceof Error ? err.message : String(err);
  return new BenchError('E_INTERNAL', message, { cause: err });
}
