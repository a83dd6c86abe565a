import { ProtocolError } from '../core/errors.js';
import type { LatencySummary } from '../core/run-object.js';
import { checkWireParams } from '../core/params.js';
import type { TestParams } from '../core/test-params.js';

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
  | { type: 'START' }
  | { type: 'STOP' };

export type ServerMessage =
  | { type: 'WELCOME'; protocol: number; bench_version: string; hostname: string; auth_required: boolean }
  | { type: 'AUTH_CHALLENGE'; nonce: string }
  | { type: 'QUEUED'; position: number }
  | { type: 'READY'; cookie: string; data_ports: number[] }
  | { type: 'ATTACHED' }
  | { type: 'INTERVAL'; stream: number; sample: StreamSample }
  | { type: 'RESULT'; streams: StreamReport[]; wall_s: number }
  | { type: 'ERROR'; code: string; message: string };

export type ControlMessage = ClientMessage | ServerMessage;

const CLIENT_TYPES = new Set(['HELLO', 'AUTH_RESPONSE', 'TEST_REQUEST', 'START', 'STOP']);
const SERVER_TYPES = new Set(['WELCOME', 'AUTH_CHALLENGE', 'QUEUED', 'READY', 'ATTACHED', 'INTERVAL', 'RESULT', 'ERROR']);

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

/**
 * A client's params, checked against the same declarations (core/params.ts)
 * as `bench test` and scenarios: a client that skips those checks could ask
 * for an interval of a microsecond (a flood of samples) or a zero timeout.
 */
function checkParams(raw: unknown): TestParams {
  const checked = checkWireParams(raw);
  if (checked.params === undefined) throw new ProtocolError(`TEST_REQUEST with invalid params: ${checked.problems.join('; ')}`);
  return checked.params;
}
