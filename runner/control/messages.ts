import { ProtocolError } from '../core/errors.js';
import type { IntervalRecord, LatencySummary, RunObject } from '../core/run-object.js';
import { checkParams as checkTestParams } from '../core/resolve-params.js';
import { TEST_NAMES, type TestParams } from '../core/test-params.js';

/**
 * Every control message, declared once and shared by client and server
 * (as Vite's hmrPayload). JSON in length-prefixed frames; see frame-decoder.ts.
 *
 * The conversation:
 *   client HELLO            → server WELCOME | ERROR (version)
 *   server AUTH_CHALLENGE?  → client AUTH_RESPONSE (only with --token-file)
 *   client TEST_REQUEST     → server QUEUED* (position updates) then READY {cookie, data_ports} | ERROR
 *   client connects data    → server ATTACHED (every stream presented the cookie)
 *   client START            → server INTERVAL* (receiver samples as they happen)
 *   client STOP             → server RESULT (its counters, after draining) | ERROR
 *
 * Or, to a server started with --allow-remote, after auth, a remote test: the
 * server runs the client side of a test against another bench server (`to`)
 * and reports it, so an orchestrator can measure between any two hosts:
 *   client REMOTE_TEST_REQUEST → server QUEUED* then REMOTE_INTERVAL* then REMOTE_RESULT | ERROR
 *   client STOP (optional)     → the server stops the test early and reports what ran
 */
export const PROTOCOL_VERSION = 1;
/** No legitimate control message comes near this; a claim beyond it is hostile or foreign. */
export const MAX_CONTROL_FRAME_BYTES = 256 * 1024;

export interface StreamSample {
  /** Seconds since this side's START, by its monotonic clock. */
  t: number;
  /** Cumulative bytes sent (sender) or received (receiver). */
  bytes: number;
  /** Cumulative datagrams sent, or distinct datagrams received. */
  packets: number;
  /** Receiver: cumulative datagrams missing from the sequence so far. */
  lost: number;
  out_of_order: number;
  duplicates: number;
  /** Receiver: RFC 3550 interarrival jitter at this moment, in ms. */
  jitter_ms: number;
  /** RR client: cumulative transactions, requests sent, requests given up on, late replies. */
  transactions: number;
  requests_sent: number;
  timeouts: number;
  late_replies: number;
  /** RR client: latency over this interval only, in µs; null when no transaction completed. */
  interval_latency_us: LatencyStats | null;
}

/** Round-trip percentiles in µs, the same shape as a run's `latency_us`. */
export type LatencyStats = LatencySummary;

/** One stream's final account from one side. */
export interface StreamReport {
  stream: number;
  role: 'sender' | 'receiver' | 'rr-client' | 'rr-responder';
  /** Cumulative samples at each interval boundary, and a last one at the end. */
  samples: StreamSample[];
  /** Sample at the end of the omitted period (the first boundary at or after --omit). */
  omit_sample: StreamSample | null;
  final: StreamSample;
  /** RR client: the latency histogram after --omit, hdr-histogram compressed base64, in ns. */
  latency_histogram?: string;
  /** CPU seconds of this stream's worker thread, null where the OS does not tell. */
  cpu_s: number | null;
  /** Which data path moved this stream's bytes: the C loops (runner/native) or Node's sockets. Absent from older peers. */
  data_path?: DataPath;
}

export type DataPath = 'native' | 'js';

export type ClientMessage =
  | { type: 'HELLO'; protocol: number; bench_version: string }
  | { type: 'AUTH_RESPONSE'; mac: string }
  | { type: 'TEST_REQUEST'; params: TestParams }
  | { type: 'REMOTE_TEST_REQUEST'; params: TestParams; to: RemoteTarget }
  | { type: 'START' }
  | { type: 'STOP' };

/** Where a remote test goes: another bench server, which must complete its own handshake before any data. */
export interface RemoteTarget {
  host: string;
  port: number;
}

export type ServerMessage =
  /** `hostname` is the name the server goes by (bench serve --name, default the host name); `remote` says it takes REMOTE_TEST_REQUEST. */
  | { type: 'WELCOME'; protocol: number; bench_version: string; hostname: string; auth_required: boolean; remote?: boolean }
  | { type: 'AUTH_CHALLENGE'; nonce: string }
  | { type: 'QUEUED'; position: number }
  | { type: 'READY'; cookie: string; data_ports: number[] }
  | { type: 'ATTACHED' }
  | { type: 'INTERVAL'; stream: number; sample: StreamSample }
  | { type: 'RESULT'; streams: StreamReport[]; wall_s: number }
  | { type: 'REMOTE_INTERVAL'; index: number; record: IntervalRecord }
  | { type: 'REMOTE_RESULT'; run: RunObject }
  | { type: 'ERROR'; code: string; message: string };

export type ControlMessage = ClientMessage | ServerMessage;

const CLIENT_TYPES = new Set(['HELLO', 'AUTH_RESPONSE', 'TEST_REQUEST', 'REMOTE_TEST_REQUEST', 'START', 'STOP']);
const SERVER_TYPES = new Set(['WELCOME', 'AUTH_CHALLENGE', 'QUEUED', 'READY', 'ATTACHED', 'INTERVAL', 'RESULT', 'REMOTE_INTERVAL', 'REMOTE_RESULT', 'ERROR']);

export function encodeMessage(message: ControlMessage): Buffer {
  return Buffer.from(JSON.stringify(message), 'utf8');
}

/**
 * Parses a frame from a client into a checked message. The server trusts
 * nothing a client sends: every field a server acts on is checked here.
 */
export function parseClientMessage(frame: Buffer): ClientMessage {
  const value = parseJsonObject(frame);
  if (!CLIENT_TYPES.has(value.type as string)) throw unknownType(value.type);
  switch (value.type) {
    case 'HELLO':
      requireNumber(value, 'protocol');
      requireString(value, 'bench_version');
      return value as ClientMessage;
    case 'AUTH_RESPONSE':
      requireString(value, 'mac');
      return value as ClientMessage;
    case 'TEST_REQUEST':
      return { type: 'TEST_REQUEST', params: checkParams(value.params) };
    case 'REMOTE_TEST_REQUEST':
      return { type: 'REMOTE_TEST_REQUEST', params: checkParams(value.params), to: checkRemoteTarget(value.to) };
    case 'START':
    case 'STOP':
      return { type: value.type };
  }
  throw unknownType(value.type);
}

/** Parses a frame from a server. Shape-checked lightly: the client only reads what it asked for. */
export function parseServerMessage(frame: Buffer): ServerMessage {
  const value = parseJsonObject(frame);
  if (!SERVER_TYPES.has(value.type as string)) throw unknownType(value.type);
  switch (value.type) {
    case 'WELCOME':
      requireNumber(value, 'protocol');
      break;
    case 'AUTH_CHALLENGE':
      requireString(value, 'nonce');
      break;
    case 'QUEUED':
      requireNumber(value, 'position');
      break;
    case 'READY':
      requireString(value, 'cookie');
      if (!Array.isArray(value.data_ports) || !value.data_ports.every((p) => Number.isInteger(p))) {
        throw new ProtocolError('READY without a list of data ports');
      }
      break;
    case 'INTERVAL':
      requireNumber(value, 'stream');
      break;
    case 'RESULT':
      if (!Array.isArray(value.streams)) throw new ProtocolError('RESULT without streams');
      break;
    case 'REMOTE_INTERVAL':
      requireNumber(value, 'index');
      if (typeof value.record !== 'object' || value.record === null) throw new ProtocolError('REMOTE_INTERVAL without a record');
      break;
    case 'REMOTE_RESULT':
      // The run object is checked against the results schema where it becomes a result (client/remote-test.ts).
      if (typeof value.run !== 'object' || value.run === null) throw new ProtocolError('REMOTE_RESULT without a run');
      break;
    case 'ERROR':
      requireString(value, 'code');
      requireString(value, 'message');
      break;
  }
  return value as ServerMessage;
}

function parseJsonObject(frame: Buffer): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(frame.toString('utf8'));
  } catch {
    throw new ProtocolError('control frame is not valid JSON - the peer is not a compatible bench');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new ProtocolError('control frame is not a JSON object');
  }
  return value as Record<string, unknown>;
}

function unknownType(type: unknown): ProtocolError {
  return new ProtocolError(`unknown control message type ${JSON.stringify(type)?.slice(0, 40)}`);
}

function requireNumber(o: Record<string, unknown>, key: string): void {
  if (typeof o[key] !== 'number' || !Number.isFinite(o[key])) {
    throw new ProtocolError(`${String(o.type)} message without a numeric '${key}'`);
  }
}

function requireString(o: Record<string, unknown>, key: string): void {
  if (typeof o[key] !== 'string') throw new ProtocolError(`${String(o.type)} message without a string '${key}'`);
}

/** A host name or address and a port: nothing else may steer where a server sends. */
function checkRemoteTarget(raw: unknown): RemoteTarget {
  const to = raw as Record<string, unknown> | null;
  if (typeof to !== 'object' || to === null) throw new ProtocolError('REMOTE_TEST_REQUEST without a target (to)');
  if (typeof to.host !== 'string' || !/^[A-Za-z0-9._:%-]{1,253}$/.test(to.host)) {
    throw new ProtocolError(`REMOTE_TEST_REQUEST with an invalid target host ${JSON.stringify(to.host)?.slice(0, 80)}`);
  }
  if (!Number.isInteger(to.port) || (to.port as number) < 1 || (to.port as number) > 65535) {
    throw new ProtocolError(`REMOTE_TEST_REQUEST with an invalid target port ${JSON.stringify(to.port)?.slice(0, 20)}`);
  }
  return { host: to.host, port: to.port as number };
}

const NUMERIC_PARAMS = [
  'duration_s', 'interval_s', 'omit_s', 'size_bytes', 'request_size_bytes', 'response_size_bytes',
  'rate_bps', 'streams', 'timeout_s',
] as const;

function checkParams(raw: unknown): TestParams {
  if (typeof raw !== 'object' || raw === null) throw new ProtocolError('TEST_REQUEST without params');
  const p = raw as Record<string, unknown>;
  if (!(TEST_NAMES as readonly unknown[]).includes(p.test)) {
    throw new ProtocolError(`TEST_REQUEST for unknown test ${JSON.stringify(p.test)}`);
  }
  for (const key of NUMERIC_PARAMS) {
    const v = p[key];
    if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) {
      throw new ProtocolError(`TEST_REQUEST with invalid ${key} ${JSON.stringify(v)}`);
    }
  }
  for (const key of ['streams', 'size_bytes', 'request_size_bytes', 'response_size_bytes'] as const) {
    if (!Number.isInteger(p[key])) throw new ProtocolError(`TEST_REQUEST with invalid ${key} ${JSON.stringify(p[key])}`);
  }
  if (typeof p.reverse !== 'boolean') throw new ProtocolError('TEST_REQUEST with invalid reverse');
  const params: TestParams = {
    test: p.test as TestParams['test'],
    duration_s: p.duration_s as number,
    interval_s: p.interval_s as number,
    omit_s: p.omit_s as number,
    size_bytes: p.size_bytes as number,
    request_size_bytes: p.request_size_bytes as number,
    response_size_bytes: p.response_size_bytes as number,
    rate_bps: p.rate_bps as number,
    streams: p.streams as number,
    reverse: p.reverse,
    timeout_s: p.timeout_s as number,
  };
  // The rules every bench client applies before sending: a client that skips them
  // could ask for an interval of a microsecond (a flood of samples) or a zero timeout.
  try {
    checkTestParams(params);
  } catch (err) {
    throw new ProtocolError(`TEST_REQUEST with invalid params: ${(err as Error).message}`);
  }
  return params;
}
