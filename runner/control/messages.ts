import Ajv2020 from 'ajv/dist/2020.js';
import type { ErrorObject, ValidateFunction } from 'ajv';
import { readFileSync } from 'node:fs';
import { ProtocolError } from '../core/errors.js';
import { jsonPointerSteps, valueAt } from '../core/json-pointer.js';
import { packagePath } from '../core/package-paths.js';
import type { IntervalRecord, LatencySummary, RunObject } from '../core/run-object.js';
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
 *
 * Or, to a server started with --allow-remote, after auth, a remote test: the
 * server runs the client side of a test against another bench server (`to`)
 * and reports it, so an orchestrator can measure between any two hosts:
 *   client REMOTE_TEST_REQUEST → server QUEUED* then REMOTE_INTERVAL* then REMOTE_RESULT | ERROR
 *   client STOP (optional)     → the server stops the test early and reports what ran
 *
 * Or a client that only probes the server (reachability, version, name, auth)
 * and wants no test says so at any point of the handshake, instead of hanging
 * up, and the server closes without counting or logging a failed test:
 *   client BYE                 → the server closes the connection
 */
export const PROTOCOL_VERSION = 2;
/** One frame: no legitimate frame is longer (a longer message travels in several); a claim beyond it is hostile or foreign. */
export const MAX_CONTROL_FRAME_BYTES = 256 * 1024;
/**
 * What a server's message to a client may hold in all, in frames of at most
 * MAX_CONTROL_FRAME_BYTES (frame-decoder.ts): a RESULT carries every stream's
 * sample of every interval, a REMOTE_RESULT every RRUL probe's round trip,
 * megabytes for a run of half an hour (RRUL with 4 streams each way: some
 * 6 MB, about 370 bytes per sample; its REMOTE_RESULT 2.7 MB). A client's messages stay within one frame: a server buffers no more.
 */
export const MAX_SERVER_MESSAGE_BYTES = 64 * 1024 * 1024;

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
  /** TCP_CRR client: cumulative connections that failed, not made or ended before the response (absent from other tests and older peers). */
  connect_failures?: number;
  /** RR client: latency over this interval only, in µs; null when no transaction completed. */
  interval_latency_us: LatencyStats | null;
  /** TCP on the native data path: the socket's TCP_INFO at this moment. Absent where it cannot be read (StreamReport.tcp_info_unavailable). */
  tcp?: TcpSample;
}

/** A TCP socket's TCP_INFO, as the kernel keeps it: the fields behind retransmits, rtt_ms, cwnd_bytes, pmtu. */
export interface TcpSample {
  /** Segments retransmitted over the connection's life (tcpi_total_retrans): cumulative. */
  total_retrans: number;
  /** Smoothed round-trip time and its mean deviation, µs. */
  rtt_us: number;
  rttvar_us: number;
  /** Congestion window, in segments of snd_mss bytes. */
  snd_cwnd: number;
  snd_mss: number;
  /** The largest segment received, up to the MSS this end advertised. */
  rcv_mss: number;
  pmtu: number;
}

/** What a TCP data socket ran with, read at the end. */
export interface SocketFacts {
  /** The congestion control in use (TCP_CONGESTION); null where it cannot be read. */
  congestion: string | null;
  /** SO_SNDBUF and SO_RCVBUF as the kernel granted them (Linux doubles what was asked, for its bookkeeping). */
  sndbuf_bytes: number;
  rcvbuf_bytes: number;
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
  /** RRUL probe client (never sent to a peer): every probe's round trip in µs (null: no echo), and how late probes left. */
  probe?: { rtt_us: Array<number | null>; late_us: { p50: number; p99: number; max: number } };
  /** TCP tests: what the data socket ran with; absent where it cannot be read. */
  socket?: SocketFacts;
  /** TCP tests where TCP_INFO could not be read: 'js', Node's sockets do not give it; 'os', this OS has no Linux TCP_INFO. */
  tcp_info_unavailable?: 'js' | 'os';
}

export type DataPath = 'native' | 'js';

export type ClientMessage =
  | { type: 'HELLO'; protocol: number; bench_version: string }
  | { type: 'AUTH_RESPONSE'; mac: string }
  | { type: 'TEST_REQUEST'; params: TestParams }
  | { type: 'REMOTE_TEST_REQUEST'; params: TestParams; to: RemoteTarget }
  | { type: 'START' }
  | { type: 'STOP' }
  /** The client is done after the handshake and wants no test: a probe, not a failure. */
  | { type: 'BYE' };

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
  /**
   * `one_port`: data comes to the control port, wherever the client reached it
   * (runner/data/one-port.ts); `data_ports` then names the server's own port
   * for each stream. Absent: each stream's fresh port.
   */
  | { type: 'READY'; cookie: string; data_ports: number[]; one_port?: boolean }
  | { type: 'ATTACHED' }
  | { type: 'INTERVAL'; stream: number; sample: StreamSample }
  | { type: 'RESULT'; streams: StreamReport[]; wall_s: number }
  | { type: 'REMOTE_INTERVAL'; index: number; record: IntervalRecord }
  | { type: 'REMOTE_RESULT'; run: RunObject }
  | { type: 'ERROR'; code: string; message: string };

export type ControlMessage = ClientMessage | ServerMessage;

const CLIENT_TYPES: ReadonlySet<string> = new Set([
  'HELLO',
  'AUTH_RESPONSE',
  'TEST_REQUEST',
  'REMOTE_TEST_REQUEST',
  'START',
  'STOP',
  'BYE',
]);
const SERVER_TYPES: ReadonlySet<string> = new Set([
  'WELCOME',
  'AUTH_CHALLENGE',
  'QUEUED',
  'READY',
  'ATTACHED',
  'INTERVAL',
  'RESULT',
  'REMOTE_INTERVAL',
  'REMOTE_RESULT',
  'ERROR',
]);

export function encodeMessage(message: ControlMessage): Buffer {
  return Buffer.from(JSON.stringify(message), 'utf8');
}

/**
 * Parses a frame from a client into a checked message. The server trusts
 * nothing a client sends: the schema checks every field's shape, and
 * requestedParams what each test parameter means.
 */
export function parseClientMessage(frame: Buffer): ClientMessage {
  const value = parseJsonObject(frame);
  if (!CLIENT_TYPES.has(value.type as string)) throw unknownType(value.type);
  const problem = schemaProblem(value);
  // The client reads this back in an ERROR: it knows which peer it is.
  if (problem) throw new ProtocolError(`${value.type as string} message ${problem.text}`);
  switch (value.type) {
    case 'TEST_REQUEST':
      return { type: 'TEST_REQUEST', params: requestedParams(value.params) };
    case 'REMOTE_TEST_REQUEST':
      return { type: 'REMOTE_TEST_REQUEST', params: requestedParams(value.params), to: value.to as RemoteTarget };
    case 'START':
    case 'STOP':
    case 'BYE':
      return { type: value.type };
  }
  return value as ClientMessage;
}

/**
 * Parses a frame from a server. Every figure the client will compute from is
 * checked here for shape and sign (the relations between samples are checked
 * where both sides meet, in runner/client/peer-figures.ts). `peerName`, when
 * given, names the server in the error, as the user reads it.
 */
export function parseServerMessage(frame: Buffer, peerName?: string): ServerMessage {
  const value = parseJsonObject(frame);
  if (!SERVER_TYPES.has(value.type as string)) throw unknownType(value.type);
  const problem = schemaProblem(value);
  if (problem) {
    const type = value.type as string;
    if (peerName === undefined) throw new ProtocolError(`${type} message ${problem.text}`);
    const what = problem.missing
      ? `${/^[AEIOU]/.test(type) ? 'an' : 'a'} ${type} message ${problem.text}`
      : `an impossible ${type}: ${problem.text.replace(/^with /, '')}`;
    throw new ProtocolError(`${peerName} sent ${what} - is it a compatible bench server?`);
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

/**
 * schemas/control-messages.schema.json, one validator per message type, each
 * compiled once per process when that type first arrives (a client never
 * compiles the server's checks, and data worker threads import this file for
 * its types only).
 */
let schemaAjv: { ajv: InstanceType<typeof Ajv2020.default>; id: string } | undefined;
const validators = new Map<string, ValidateFunction>();

function validatorFor(type: string): ValidateFunction {
  let validate = validators.get(type);
  if (validate === undefined) {
    if (schemaAjv === undefined) {
      const schema = JSON.parse(readFileSync(packagePath('schemas/control-messages.schema.json'), 'utf8')) as { $id: string };
      // verbose: errors carry the schema of the failing place, from which a missing field's type is named.
      // validateSchema off: checking the schema against the 2020-12 meta-schema costs more than all the
      // rest at start-up, and test/control-messages-schema.test.ts does it once, strictly.
      const ajv = new Ajv2020.default({ strict: true, allErrors: false, verbose: true, validateSchema: false });
      ajv.addSchema(schema);
      schemaAjv = { ajv, id: schema.$id };
    }
    validate = schemaAjv.ajv.getSchema(`${schemaAjv.id}#/$defs/${type}`)!;
    validators.set(type, validate);
  }
  return validate;
}

interface SchemaProblem {
  /** Words after "<TYPE> message", such as "without a numeric 'protocol'". */
  text: string;
  /** A field is absent or of the wrong kind (rather than a value out of range). */
  missing: boolean;
}

function schemaProblem(message: Record<string, unknown>): SchemaProblem | null {
  const validate = validatorFor(message.type as string);
  if (validate(message)) return null;
  return describeSchemaError(validate.errors![0], message);
}

/** One of ajv's errors in a user's words: which field, what it holds, what is wrong. */
function describeSchemaError(error: ErrorObject, message: Record<string, unknown>): SchemaProblem {
  // As text: placeWords puts each step in a sentence.
  const path = jsonPointerSteps(error.instancePath).map(String);
  const params = error.params as Record<string, unknown>;
  if (error.keyword === 'required') {
    const key = String(params.missingProperty);
    const declared = (error.parentSchema as { properties?: Record<string, { type?: string }> } | undefined)?.properties?.[key];
    return {
      text: `without ${kindOf(declared?.type)} '${[...placeWords(path, message), key].join(' ')}'`.replace(/ {2,}/g, ' '),
      missing: true,
    };
  }
  if (error.keyword === 'type' && path.length === 1) {
    return { text: `without ${kindOf(String(params.type))} '${path[0]}'`, missing: true };
  }
  const where = placeWords(path, message).join(' ');
  const value = valueAt(message, path);
  const shown = offendingValueText(value);
  switch (error.keyword) {
    case 'minimum':
      return { text: `with ${where} ${shown} ${params.limit === 0 ? 'is negative' : `is below ${String(params.limit)}`}`, missing: false };
    case 'maximum':
      return { text: `with ${where} ${shown} is above the limit of ${String(params.limit)}`, missing: false };
    case 'type':
      return { text: `with ${where} ${shown} is not ${nounOf(String(params.type))}`, missing: false };
    case 'maxLength':
      return { text: `with ${where} longer than ${String(params.limit)} characters`, missing: false };
    case 'minLength':
      return { text: `with ${where} empty`, missing: false };
    case 'maxItems':
      return { text: `with ${where} of more than ${String(params.limit)} entries`, missing: false };
    case 'maxProperties':
      return { text: `with more than ${String(params.limit)} fields${path.length > 0 ? ` in ${where}` : ''}`, missing: false };
    case 'enum':
    case 'const':
      return {
        text: `with ${where} ${shown}, not one of ${JSON.stringify(params.allowedValues ?? [params.allowedValue])}`,
        missing: false,
      };
    case 'anyOf':
      return { text: `with ${where} ${shown}, neither null nor a complete set of figures`, missing: false };
    default:
      return { text: `with ${where} ${shown}: ${error.message ?? 'invalid'}`, missing: false };
  }
}

function nounOf(type: string): string {
  switch (type) {
    case 'number':
      return 'a finite number';
    case 'integer':
      return 'a whole number';
    case 'boolean':
      return 'true or false';
    case 'array':
      return 'a list';
    default:
      return `${/^[aeiou]/.test(type) ? 'an' : 'a'} ${type}`;
  }
}

function kindOf(type: string | undefined): string {
  switch (type) {
    case 'number':
    case 'integer':
      return 'a numeric';
    case 'string':
      return 'a string';
    case 'boolean':
      return 'a true/false';
    case 'array':
      return 'a list';
    case 'object':
      return 'an object';
    default:
      return 'a valid';
  }
}

/** `/streams/0/samples/3/bytes` as "stream 0 sample 3 bytes", naming a stream by its own number when it has one. */
function placeWords(path: readonly string[], message: Record<string, unknown>): string[] {
  const words: string[] = [];
  for (let i = 0; i < path.length; i++) {
    const key = path[i];
    const next = path[i + 1];
    if (key === 'streams' && next !== undefined) {
      const own = (valueAt(message, path.slice(0, i + 2)) as { stream?: unknown } | undefined)?.stream;
      words.push(`stream ${Number.isInteger(own) && (own as number) >= 0 && (own as number) < 128 ? String(own) : `#${next}`}`);
      i++;
    } else if (key === 'samples' && next !== undefined) {
      words.push(`sample ${next}`);
      i++;
    } else if (key === 'data_ports' && next !== undefined) {
      words.push(`data_ports[${next}]`);
      i++;
    } else {
      words.push(key);
    }
  }
  return words;
}

function offendingValueText(value: unknown): string {
  // -5e18 rather than -5000000000000000000: the size is the point.
  if (typeof value === 'number') return Math.abs(value) >= 1e15 ? value.toExponential().replace('e+', 'e') : String(value);
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 40 ? `${text.slice(0, 40)}...` : text;
}

/**
 * A client's params, checked against the same declarations (core/params.ts)
 * as `bench test` and scenarios: a client that skips those checks could ask
 * for an interval of a microsecond (a flood of samples) or a zero timeout.
 */
function requestedParams(raw: unknown): TestParams {
  const checked = checkWireParams(raw);
  if (checked.params === undefined) throw new ProtocolError(`TEST_REQUEST with invalid params: ${checked.problems.join('; ')}`);
  return checked.params;
}
