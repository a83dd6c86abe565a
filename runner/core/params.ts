import { isIP } from 'node:net';
import { DEFAULT_STREAM_SIZE, DEFAULT_TIMEOUT_S, MAX_TIMER_S, MAX_UDP_PAYLOAD, MIN_UDP_STREAM_SIZE } from './defaults.js';
import { UnitError } from './errors.js';
import { RRUL_DIRECTIONS, TEST_NAMES, connectionCount, type TestName, type TestParams } from './test-params.js';
import { formatBytes, formatDuration, formatRate, parseCount, parseDuration, parseRate, parseSize } from './units.js';

/**
 * Every parameter of a run, declared once: its key (as in scenarios, and as
 * `--kebab-case` on `bench test`), its unit, its default, which tests take
 * it, whether a list sweeps it, its limits, whether it travels to the server
 * in TEST_REQUEST (and as which TestParams field), its help text and how a
 * run's description names it. TestParams, the CLI options and their help, the
 * scenario keys and JSON Schema, the server's wire check, the defaults and
 * the parameter text are all read from this table.
 *
 * Adding a parameter: one entry in PARAMS, `npm run schemas` to rewrite
 * schemas/scenario.schema.json, its field in schemas/results.schema.json
 * (test/params.test.ts says when it is missing), and its use in the data path.
 */
export type ParamKind = 'duration' | 'size' | 'rate' | 'count' | 'boolean' | 'peer' | 'enum' | 'address' | 'dscp' | 'name';
export type ParamValue = number | boolean | string;

export interface Limits {
  /** Smallest value, in the parsed unit; `exclusive` when the value must be above it. */
  min?: number;
  exclusive?: boolean;
  max?: number;
  /** Why the maximum is there, said after the limit. */
  maxWhy?: string;
  minWhy?: string;
}

export interface ParamDecl {
  kind: ParamKind;
  /** For `enum`: the values allowed. */
  values?: readonly string[];
  /** Tests the parameter means something for. */
  tests: readonly TestName[];
  sweepable: boolean;
  /** The TestParams field it sets (seconds, bytes, bit/s in its name), when it goes to the server in TEST_REQUEST. */
  field?: string;
  /**
   * Undefined: unset means something of its own, told in `defaultText`. A
   * function is given the test and the fields declared before this one.
   */
  default?: ParamValue | ((test: TestName, before: Readonly<Record<string, unknown>>) => ParamValue);
  /** The default in words, where it is not a plain value. */
  defaultText?: string;
  limits: Limits;
  /** Tighter limits for some tests, checked once the test is known. */
  testLimits?: Partial<Record<TestName, Limits>>;
  /** False: a scenario key only, not a `bench test` option. */
  cli: boolean;
  /** A one-letter flag, where iperf3's habit gives one (-t, -P, -R, -b, -c, -i, -l). */
  short?: string;
  /** One line for `bench test --help` and the scenario schema. */
  help: string;
  /** Declared after results files were first written: optional in results.schema.json, which older files must still pass. */
  addedLater?: boolean;
  /** How a run's description names the value (`omit 1s`, `4 streams`); absent or null: not named. */
  describe?: (value: ParamValue, test: TestName) => string | null;
}

const ALL = TEST_NAMES;
const STREAM = ['TCP_STREAM', 'UDP_STREAM'] as const;
const RR = ['TCP_RR', 'UDP_RR', 'TCP_CRR'] as const;
/** Every test but RRUL, whose phases have their own lengths and leave nothing to omit. */
const OMITTABLE = ['TCP_STREAM', 'UDP_STREAM', 'TCP_RR', 'UDP_RR', 'TCP_CRR'] as const;
/** RRUL keeps every probe's round trip (run.rrul.rtt_us): a bound on how many one run may send. */
const MAX_RRUL_PROBES = 1_000_000;
const TCP = ['TCP_STREAM', 'TCP_RR'] as const;
const TIMER: Limits = { max: MAX_TIMER_S, maxWhy: 'longer timers overflow; split it into shorter runs' };
/** A test holds at most 128 data connections (the control protocol's stream index); bidir opens two per stream. */
const MAX_BIDIR_STREAMS = 64;
/** Data connections one test may open: the wire numbers a stream 0 to 127 (stream_index in control-messages.schema.json). */
const MAX_DATA_CONNECTIONS = 128;
const DATAGRAM: Limits = { min: 1, max: MAX_UDP_PAYLOAD, maxWhy: 'larger does not fit in one UDP datagram' };

/** TCP_MAXSEG's bounds in Linux (TCP_MIN_MSS, MAX_TCP_WINDOW). */
const MIN_MSS = 88;
const MAX_MSS = 32767;
const MAX_WINDOW = 1024 * 1024 * 1024;

/** DSCP code points by name (RFC 2474, 2597, 3246, 5865, 8622). */
export const DSCP_NAMES: Readonly<Record<string, number>> = (() => {
  const names: Record<string, number> = { ef: 46, va: 44, le: 1 };
  for (let c = 0; c <= 7; c++) names[`cs${c}`] = c * 8;
  for (let c = 1; c <= 4; c++) for (let d = 1; d <= 3; d++) names[`af${c}${d}`] = c * 8 + d * 2;
  return names;
})();

/** A DSCP value as a reader knows it: its name where it has one (cs1, ef), else its number. */
export function dscpText(value: number): string {
  return Object.entries(DSCP_NAMES).find(([, v]) => v === value)?.[0] ?? String(value);
}

export const DATA_PATHS = ['native', 'js'] as const;
export type DataPath = (typeof DATA_PATHS)[number];

const PARAMS = {
  peer: {
    kind: 'peer',
    short: 'c',
    tests: ALL,
    sweepable: false,
    limits: {},
    cli: true,
    defaultText: "the embedded server on loopback, named 'local' in a scenario",
    help: 'A host running bench serve: HOST[:PORT] on the command line, a name under peers in a scenario',
  },
  // A scenario's name for peer, read as the other end of from: (the command line keeps --peer).
  to: {
    kind: 'peer',
    tests: ALL,
    sweepable: false,
    limits: {},
    cli: false,
    defaultText: "the embedded server on loopback, named 'local' in a scenario",
    help: "The other end of the run, the same as peer (give one of them): a name under peers, or 'local' for the embedded server",
  },
  from: {
    kind: 'peer',
    tests: ALL,
    sweepable: false,
    limits: {},
    cli: true,
    defaultText: "this machine, named 'local' in a scenario",
    help: 'Run the client side on this bench server (started with --allow-remote) instead of here: HOST[:PORT], or a peer name in a scenario',
  },
  duration: {
    kind: 'duration',
    short: 't',
    tests: ALL,
    sweepable: true,
    field: 'duration_s',
    default: 10,
    cli: true,
    limits: { min: 0, exclusive: true, ...TIMER },
    help: 'How long to send (STREAM) or keep transactions going (RR)',
    describe: (v) => formatDuration(v as number),
  },
  interval: {
    kind: 'duration',
    short: 'i',
    tests: ALL,
    sweepable: false,
    field: 'interval_s',
    cli: true,
    // A run shorter than a second is one interval: an interval nobody wrote must not make it invalid.
    default: (_test, before) => Math.min(1, before.duration_s as number),
    defaultText: '1s, or the whole duration when shorter',
    limits: { min: 0.1, minWhy: 'shorter intervals are too short to measure', ...TIMER },
    help: 'Report interval',
  },
  omit: {
    kind: 'duration',
    tests: OMITTABLE,
    sweepable: false,
    field: 'omit_s',
    default: 0,
    cli: true,
    limits: { min: 0, ...TIMER },
    help: 'Leave the first seconds out of the summary (TCP slow start)',
    describe: (v) => ((v as number) > 0 ? `omit ${formatDuration(v as number)}` : null),
  },
  size: {
    kind: 'size',
    short: 'l',
    tests: STREAM,
    sweepable: true,
    field: 'size_bytes',
    cli: true,
    default: (test) => (test === 'TCP_STREAM' || test === 'UDP_STREAM' ? DEFAULT_STREAM_SIZE[test] : 0),
    defaultText: `${formatBytes(DEFAULT_STREAM_SIZE.TCP_STREAM)} for TCP_STREAM, ${DEFAULT_STREAM_SIZE.UDP_STREAM} for UDP_STREAM`,
    limits: { min: 1 },
    testLimits: {
      UDP_STREAM: { ...DATAGRAM, min: MIN_UDP_STREAM_SIZE, minWhy: `each datagram carries a ${MIN_UDP_STREAM_SIZE}-byte header` },
    },
    help: 'STREAM tests: bytes per write (TCP) or per datagram (UDP)',
    describe: (v, test) => `${sizeText(v as number)} ${test === 'UDP_STREAM' ? 'datagrams' : 'writes'}`,
  },
  request_size: {
    kind: 'size',
    tests: RR,
    sweepable: true,
    field: 'request_size_bytes',
    default: 1,
    cli: true,
    limits: { min: 1 },
    testLimits: { UDP_RR: DATAGRAM },
    help: 'RR tests: bytes per request',
    describe: (v) => `${sizeText(v as number)} request`,
  },
  response_size: {
    kind: 'size',
    tests: RR,
    sweepable: true,
    field: 'response_size_bytes',
    default: 1,
    cli: true,
    limits: { min: 1 },
    testLimits: { UDP_RR: DATAGRAM },
    help: 'RR tests: bytes per response',
    describe: (v) => `${sizeText(v as number)} response`,
  },
  rate: {
    kind: 'rate',
    short: 'b',
    tests: ['UDP_STREAM'],
    sweepable: true,
    field: 'rate_bps',
    default: 0,
    cli: true,
    limits: { min: 0 },
    defaultText: '0, unpaced',
    help: 'UDP_STREAM target rate in bit/s, such as 100M or 1G',
    describe: (v) => `rate ${formatRate(v as number)}`,
  },
  streams: {
    kind: 'count',
    short: 'P',
    tests: ALL,
    sweepable: true,
    field: 'streams',
    default: (test) => (test === 'RRUL' ? 4 : 1),
    defaultText: '1, or 4 per direction for RRUL',
    cli: true,
    limits: { min: 1, max: 128, maxWhy: 'each stream is a thread on both hosts' },
    help: 'Parallel data connections, one worker thread each (RRUL: TCP streams per loaded direction)',
    describe: (v) => ((v as number) > 1 ? `${v as number} streams` : null),
  },
  reverse: {
    kind: 'boolean',
    short: 'R',
    tests: STREAM,
    sweepable: true,
    field: 'reverse',
    default: false,
    cli: true,
    limits: {},
    help: 'STREAM tests: the server sends, the client receives',
    describe: (v) => (v === true ? 'reverse' : null),
  },
  bidir: {
    kind: 'boolean',
    tests: STREAM,
    sweepable: true,
    field: 'bidir',
    default: false,
    addedLater: true,
    cli: true,
    limits: {},
    help: 'STREAM tests: both ends send at once, streams connections each way (iperf3 --bidir)',
    describe: (v) => (v === true ? 'bidir' : null),
  },
  idle: {
    kind: 'duration',
    tests: ['RRUL'],
    sweepable: false,
    field: 'idle_s',
    addedLater: true,
    // Other tests have no idle phase: 0 says so in their params.
    default: (test) => (test === 'RRUL' ? 2 : 0),
    defaultText: '2s',
    cli: true,
    limits: { min: 0, exclusive: true, ...TIMER },
    help: 'RRUL: each idle phase, probes alone, before the load and after it (the drain)',
    describe: (v) => `idle ${formatDuration(v as number)}`,
  },
  direction: {
    kind: 'enum',
    values: RRUL_DIRECTIONS,
    tests: ['RRUL'],
    sweepable: true,
    field: 'direction',
    addedLater: true,
    default: 'both',
    cli: true,
    limits: {},
    help: 'RRUL: which way the TCP streams load the path: up (client to server), down, or both',
    describe: (v) => `${v as string}`,
  },
  probe_interval: {
    kind: 'duration',
    tests: ['RRUL'],
    sweepable: true,
    field: 'probe_interval_s',
    addedLater: true,
    default: (test) => (test === 'RRUL' ? 0.01 : 0),
    defaultText: '10ms',
    cli: true,
    limits: { min: 0.001, minWhy: 'a probe every millisecond is already a load of its own', max: 1 },
    help: 'RRUL: one UDP probe every this long, on a fixed schedule, echoed by the server',
    describe: (v) => `probe every ${showValue({ kind: 'duration' }, v as number)}`,
  },
  timeout: {
    kind: 'duration',
    tests: ALL,
    sweepable: false,
    field: 'timeout_s',
    default: DEFAULT_TIMEOUT_S,
    cli: true,
    limits: { min: 1, minWhy: 'a shorter one would declare a healthy peer dead', ...TIMER },
    help: 'Declare a silent peer dead after this long',
  },
  wait: {
    kind: 'duration',
    tests: ALL,
    sweepable: false,
    default: 0,
    cli: true,
    limits: { min: 0, ...TIMER },
    help: "Longest wait in the server's queue (0: no limit)",
  },
  repeat: {
    kind: 'count',
    tests: ALL,
    sweepable: false,
    default: 1,
    cli: false,
    limits: { min: 1 },
    help: 'Run each run this many times; results show the mean and 95% confidence interval',
  },
  pause: {
    kind: 'duration',
    tests: ALL,
    sweepable: false,
    default: 0,
    cli: false,
    limits: { min: 0, ...TIMER },
    help: 'Wait this long after the run before the next one',
  },
  bind: {
    kind: 'address',
    tests: ALL,
    sweepable: false,
    field: 'bind_address',
    addedLater: true,
    default: '',
    defaultText: 'the address the route to the peer picks',
    cli: true,
    limits: {},
    help: "The local address the client's data sockets send from (numeric IPv4 or IPv6, one of this host's)",
    describe: (v) => (v !== '' ? `from ${v as string}` : null),
  },
  dscp: {
    kind: 'dscp',
    tests: ALL,
    sweepable: true,
    field: 'dscp',
    addedLater: true,
    default: 0,
    defaultText: '0, unmarked',
    cli: true,
    limits: { min: 0, max: 63 },
    help: 'DSCP mark on every data packet, both directions: a name (cs0-cs7, af11-af43, ef, va, le) or a number 0-63',
    describe: (v) => ((v as number) > 0 ? `dscp ${dscpText(v as number)}` : null),
  },
  congestion: {
    kind: 'name',
    tests: TCP,
    sweepable: true,
    field: 'congestion',
    addedLater: true,
    default: '',
    defaultText: "the kernel's default (net.ipv4.tcp_congestion_control)",
    cli: true,
    limits: {},
    help: 'TCP congestion control on the data sockets of both ends, such as cubic, reno or bbr: one the kernel allows on each',
    describe: (v) => (v !== '' ? `congestion ${v as string}` : null),
  },
  mss: {
    kind: 'size',
    tests: TCP,
    sweepable: true,
    field: 'mss_bytes',
    addedLater: true,
    default: 0,
    defaultText: "0, the path's own",
    cli: true,
    limits: { min: 0, max: MAX_MSS, maxWhy: 'the kernel takes no larger TCP_MAXSEG' },
    help: 'Largest TCP segment payload on the data sockets (TCP_MAXSEG), both ends',
    describe: (v) => ((v as number) > 0 ? `mss ${v as number}` : null),
  },
  window: {
    kind: 'size',
    tests: ALL,
    sweepable: true,
    field: 'window_bytes',
    addedLater: true,
    default: 0,
    defaultText: "0, the kernel's autotuning",
    cli: true,
    limits: { min: 0, max: MAX_WINDOW, maxWhy: 'the kernel caps socket buffers far below it' },
    help: 'Socket buffer size asked for (SO_SNDBUF and SO_RCVBUF) on the data sockets of both ends; the run reports what the kernel granted',
    describe: (v) => ((v as number) > 0 ? `window ${sizeText(v as number)}` : null),
  },
  data_path: {
    kind: 'enum',
    values: DATA_PATHS,
    tests: ALL,
    sweepable: false,
    cli: true,
    limits: {},
    defaultText: 'BENCH_DATA_PATH if set, else native where it is built, else js',
    help: "Which data path moves the bytes: native (C socket loops) or js (Node's sockets)",
  },
} as const satisfies Record<string, ParamDecl>;

export type ParamKey = keyof typeof PARAMS;
export const PARAM_KEYS = Object.keys(PARAMS) as ParamKey[];

/** A declaration with its key, for code that walks the table. */
export type Param = ParamDecl & { key: ParamKey };
export const PARAM_LIST: readonly Param[] = PARAM_KEYS.map((key) => ({ key, ...(PARAMS[key] as ParamDecl) }));
const BY_KEY = new Map<string, Param>(PARAM_LIST.map((p) => [p.key, p]));

export function paramOf(key: string): Param | undefined {
  return BY_KEY.get(key);
}

/** Declarations that travel to the server give TestParams its fields, typed by their kind. */
type FieldOf<K extends ParamKey> = (typeof PARAMS)[K] extends { field: infer F extends string } ? F : never;
type ValueOfKind<Kind> = Kind extends 'boolean' ? boolean : Kind extends 'enum' | 'peer' | 'address' | 'name' ? string : number;
export type WireParamValues = { [K in ParamKey as FieldOf<K>]: ValueOfKind<(typeof PARAMS)[K]['kind']> };
type WireField = keyof WireParamValues;

export const WIRE_PARAMS: readonly (Param & { field: WireField })[] = PARAM_LIST.filter(
  (p): p is Param & { field: WireField } => p.field !== undefined,
);

export function appliesTo(param: Param, test: TestName): boolean {
  return param.tests.includes(test);
}

function defaultOf(param: Param, test: TestName, before: Readonly<Record<string, unknown>> = defaultParams(test)): ParamValue | undefined {
  const d = param.default;
  return typeof d === 'function' ? d(test, before) : d;
}

/** TestParams from the fields a user gave (already parsed), each other field at its declared default. */
export function paramsFrom(test: TestName, given: Readonly<Partial<Record<WireField, unknown>>>): TestParams {
  const p: Record<string, unknown> = { test };
  for (const param of WIRE_PARAMS) p[param.field] = given[param.field] !== undefined ? given[param.field] : defaultOf(param, test, p);
  return p as unknown as TestParams;
}

/** Every TestParams field at its declared default for `test`. */
export function defaultParams(test: TestName): TestParams {
  return paramsFrom(test, {});
}

/** The limits that hold for `test`, or for any test when it is not known yet. */
function limitsOf(param: Param, test?: TestName): Limits {
  const tighter = test !== undefined ? param.testLimits?.[test] : undefined;
  return tighter ? { ...param.limits, ...tighter } : param.limits;
}

/** What a run did, in words a reader can check against its options: `10s, omit 1s, 64KiB writes, 4 streams`. */
export function describeParams(p: TestParams): string {
  const parts: string[] = [];
  for (const param of WIRE_PARAMS) {
    if (!appliesTo(param, p.test) || param.describe === undefined) continue;
    const value = p[param.field];
    // Results written before a parameter existed do not hold it.
    if (value === undefined) continue;
    const text = param.describe(value, p.test);
    if (text !== null) parts.push(text);
  }
  return parts.join(', ');
}

/** Whole KiB and MiB as such (64KiB), other sizes in bytes (1472B): datagram sizes are read in bytes. */
function sizeText(bytes: number): string {
  return bytes >= 1024 && bytes % 1024 === 0 ? formatBytes(bytes) : `${bytes}B`;
}

/** A value in its unit, as a user would write it: 10s, 500ms, 1h, 64KiB, 1472 bytes, 100Mbit/s. */
export function showValue(param: Pick<ParamDecl, 'kind'>, value: ParamValue): string {
  if (param.kind === 'dscp' && typeof value === 'number') return dscpText(value);
  if (typeof value !== 'number') return String(value);
  switch (param.kind) {
    case 'duration':
      if (value > 0 && value < 1) return `${Number((value * 1000).toPrecision(4))}ms`;
      return value >= 3600 && value % 3600 === 0 ? `${value / 3600}h` : formatDuration(value);
    case 'size':
      return value >= 1024 && value % 1024 === 0 ? formatBytes(value) : `${value} byte${value === 1 ? '' : 's'}`;
    case 'rate':
      return value === 0 ? '0' : formatRate(value);
    default:
      return String(value);
  }
}

/** The default as the help text and the schema state it. */
export function defaultText(param: Param): string | undefined {
  if (param.defaultText !== undefined) return param.defaultText;
  if (param.default === undefined || typeof param.default === 'function' || param.kind === 'boolean') return undefined;
  return showValue(param, param.default);
}

/** `--request-size` for request_size. */
function cliFlag(param: Param): string {
  const long = `--${param.key.replace(/_/g, '-')}`;
  return param.short ? `-${param.short}, ${long}` : long;
}

/** The key cac files an option's value under: requestSize for --request-size. */
export function cliOptionName(param: Param): string {
  return param.key.replace(/_(\w)/g, (_, c: string) => c.toUpperCase());
}

/** A congestion control's name: the kernel's TCP_CA_NAME_MAX is 16 bytes with the terminating zero. */
export const NAME_PATTERN = /^[A-Za-z0-9_.-]{1,15}$/;

const PLACEHOLDER: Record<ParamKind, string> = {
  duration: '<duration>',
  size: '<bytes>',
  rate: '<bits/s>',
  count: '<n>',
  boolean: '',
  peer: '<host[:port]>',
  enum: '<value>',
  address: '<address>',
  dscp: '<name|0-63>',
  name: '<name>',
};

/** The option as cac declares it, and its help line with the default. */
export function cliOption(param: Param): { flag: string; help: string } {
  const placeholder = param.kind === 'enum' ? `<${(param.values ?? []).join('|')}>` : PLACEHOLDER[param.kind];
  const d = defaultText(param);
  return {
    flag: placeholder === '' ? cliFlag(param) : `${cliFlag(param)} ${placeholder}`,
    help: d === undefined ? param.help : `${param.help} (default: ${d})`,
  };
}

const EXPECTS: Record<ParamKind, string> = {
  duration: 'a duration, such as 10s or 500ms',
  size: 'a size in bytes, such as 1472 or 64KiB',
  rate: 'a rate in bit/s, such as 100M or 1G (0 for unpaced)',
  count: 'a whole number, such as 4',
  boolean: 'true or false',
  peer: "the name of a peer under peers, or 'local' for the embedded server",
  enum: 'one of',
  address: 'a numeric IPv4 or IPv6 address, such as 10.0.0.1',
  dscp: 'a DSCP name (cs0-cs7, af11-af43, ef, va, le) or a number from 0 to 63',
  name: 'a name of letters, digits, _ . or -, at most 15 characters, such as cubic',
};

export function expects(param: Param): string {
  return param.kind === 'enum' ? `one of ${(param.values ?? []).join(', ')}` : EXPECTS[param.kind];
}

/**
 * One value of a parameter as a user wrote it (on the command line or in a
 * scenario) in its unit: seconds, bytes, bit/s, a count, a boolean, a peer
 * or one of the enum's values, checked against the limits that hold for any
 * test. Throws UnitError with the sentence the user sees.
 */
export function parseParamValue(param: Param, value: unknown): ParamValue {
  const { key, kind } = param;
  if (kind === 'boolean') {
    if (typeof value !== 'boolean') throw new UnitError(`${key} must be ${EXPECTS.boolean}, not ${show(value)}`);
    return value;
  }
  if (kind === 'peer') {
    if (typeof value !== 'string' || value.trim() === '') throw new UnitError(`peer must be ${EXPECTS.peer}, not ${show(value)}`);
    return value;
  }
  if (kind === 'address') {
    if (typeof value !== 'string' || isIP(value.trim()) === 0) throw new UnitError(`${key} must be ${EXPECTS.address}, not ${show(value)}`);
    return value.trim();
  }
  if (kind === 'name') {
    if (typeof value !== 'string' || !NAME_PATTERN.test(value.trim()))
      throw new UnitError(`${key} must be ${EXPECTS.name}, not ${show(value)}`);
    return value.trim();
  }
  if (kind === 'dscp') {
    const named = typeof value === 'string' ? DSCP_NAMES[value.trim().toLowerCase()] : undefined;
    if (named !== undefined) return named;
    const n = typeof value === 'number' ? value : typeof value === 'string' && /^\s*\d+\s*$/.test(value) ? Number(value) : NaN;
    if (!Number.isInteger(n) || n < 0 || n > 63) throw new UnitError(`${key} must be ${EXPECTS.dscp}, not ${show(value)}`);
    return n;
  }
  if (kind === 'enum') {
    if (typeof value !== 'string' || !(param.values ?? []).includes(value))
      throw new UnitError(`${key} must be ${expects(param)}, not ${show(value)}`);
    return value;
  }
  if (typeof value !== 'string' && typeof value !== 'number') throw new UnitError(`${key} must be ${EXPECTS[kind]}, not ${show(value)}`);
  const n =
    kind === 'duration'
      ? parseDuration(value, key)
      : kind === 'size'
        ? parseSize(value, key)
        : kind === 'rate'
          ? parseRate(value, key)
          : parseCount(value, key);
  const problem = limitProblem(param, n, param.limits, show(value));
  if (problem !== null) throw new UnitError(problem);
  return n;
}

/** A sentence when `n` is outside `limits`, else null. `shown` is the value as the user wrote it. */
function limitProblem(param: Param, n: number, limits: Limits, shown: string): string | null {
  const { min, max, exclusive } = limits;
  if (min !== undefined && (exclusive ? n <= min : n < min)) {
    const why = limits.minWhy ? `: ${limits.minWhy}` : '';
    return `${param.key} must be ${exclusive ? 'more than' : 'at least'} ${showValue(param, min)}, not ${shown}${why}`;
  }
  if (max !== undefined && n > max) {
    const why = limits.maxWhy ? `: ${limits.maxWhy}` : '';
    return `${param.key} must be at most ${showValue(param, max)}, not ${shown}${why}`;
  }
  return null;
}

function show(value: unknown): string {
  if (value === null || value === undefined) return 'empty';
  if (typeof value === 'string') return `'${value}'`;
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  return String(value);
}

/** A problem with the parameters of one run, blamed on the keys to change (the first is the likeliest). */
export interface ParamProblem {
  keys: ParamKey[];
  message: string;
}

/**
 * The one check of a run's parameters, wherever they come from: `bench test`
 * options, a scenario run after expansion, or a TEST_REQUEST from a peer.
 * Every problem is returned, not just the first. `given` lists the keys the
 * user set: a key that does not apply to the test is refused when given, and
 * (on the wire, where every field is present) when it differs from its default.
 */
export function checkParams(p: TestParams, given: ReadonlySet<string> = new Set()): ParamProblem[] {
  const problems: ParamProblem[] = [];
  const bad = new Set<ParamKey>();
  for (const param of WIRE_PARAMS) {
    const value = p[param.field];
    if (!appliesTo(param, p.test)) {
      if (given.has(param.key) || value !== defaultOf(param, p.test, p)) {
        problems.push({ keys: [param.key], message: `${param.key} does not apply to ${p.test} (only to ${listTests(param.tests)})` });
        bad.add(param.key);
      }
      continue;
    }
    if (typeof value !== 'number') continue;
    const message = limitProblem(param, value, limitsOf(param, p.test), showValue(param, value));
    if (message !== null) {
      problems.push({ keys: [param.key], message });
      bad.add(param.key);
    }
  }
  for (const rule of RULES) {
    if (rule.keys.some((k) => bad.has(k))) continue;
    const message = rule.check(p);
    if (message !== null) problems.push({ keys: [...rule.keys], message });
  }
  return problems;
}

/** Rules across parameters; each names the keys involved, the one to change first. */
const RULES: ReadonlyArray<{ keys: readonly ParamKey[]; check: (p: TestParams) => string | null }> = [
  {
    keys: ['duration', 'interval'],
    check: (p) =>
      p.interval_s > p.duration_s
        ? `duration ${formatDuration(p.duration_s)} is shorter than one interval (${formatDuration(p.interval_s)}): make duration at least the interval, or shorten interval`
        : null,
  },
  {
    keys: ['omit', 'duration'],
    check: (p) =>
      p.omit_s >= p.duration_s
        ? `omit ${formatDuration(p.omit_s)} leaves nothing to measure in a ${formatDuration(p.duration_s)} run: make omit shorter than duration`
        : null,
  },
  {
    keys: ['bidir', 'reverse'],
    check: (p) => (p.bidir === true && p.reverse ? 'bidir already sends both ways: drop reverse, or bidir for one direction only' : null),
  },
  {
    keys: ['streams', 'bidir'],
    check: (p) =>
      p.bidir === true && p.streams > MAX_BIDIR_STREAMS
        ? `bidir opens streams connections each way: at most ${MAX_BIDIR_STREAMS} streams with bidir, not ${p.streams}`
        : null,
  },
  {
    keys: ['streams', 'direction'],
    check: (p) => {
      if (p.test !== 'RRUL') return null;
      const connections = connectionCount(p);
      if (connections <= MAX_DATA_CONNECTIONS) return null;
      const perStream = p.direction === 'both' ? 2 : 1;
      const fits = Math.floor((MAX_DATA_CONNECTIONS - 1) / perStream);
      return `RRUL with ${p.streams} streams ${p.direction === 'both' ? 'each way' : p.direction} opens ${connections} data connections (its TCP streams and the probe flow), more than the ${MAX_DATA_CONNECTIONS} a test may have: use ${fits} streams or fewer`;
    },
  },
  {
    keys: ['probe_interval', 'duration', 'idle'],
    check: (p) => {
      if (p.test !== 'RRUL') return null;
      const probes = (p.duration_s + 2 * p.idle_s) / p.probe_interval_s;
      return probes > MAX_RRUL_PROBES
        ? `duration ${showValue({ kind: 'duration' }, p.duration_s)} with idle ${showValue({ kind: 'duration' }, p.idle_s)} before and after it, at one probe every ${showValue({ kind: 'duration' }, p.probe_interval_s)}, sends ${Math.ceil(probes)} probes, more than the ${MAX_RRUL_PROBES} a run keeps: raise probe_interval or shorten duration`
        : null;
    },
  },
  {
    keys: ['idle', 'timeout'],
    check: (p) =>
      p.test === 'RRUL' && p.idle_s >= p.timeout_s
        ? `idle ${formatDuration(p.idle_s)} is not shorter than timeout ${formatDuration(p.timeout_s)}: the TCP streams are silent through each idle phase and would be declared dead; make idle shorter, or raise timeout`
        : null,
  },
  {
    keys: ['mss'],
    check: (p) =>
      p.mss_bytes > 0 && p.mss_bytes < MIN_MSS
        ? `mss must be at least ${MIN_MSS} bytes (the smallest the kernel takes), not ${p.mss_bytes}; or 0 for the path's own`
        : null,
  },
  {
    keys: ['rate', 'size'],
    check: (p) =>
      p.test === 'UDP_STREAM' && p.rate_bps > 0 && p.rate_bps < p.size_bytes * 8
        ? `rate ${formatRate(p.rate_bps)} is less than one ${p.size_bytes}-byte datagram per second: raise rate to at least ${formatRate(p.size_bytes * 8)}, or use 0 for unpaced`
        : null,
  },
];

function listTests(tests: readonly string[]): string {
  return tests.length <= 1 ? tests.join('') : `${tests.slice(0, -1).join(', ')} and ${tests[tests.length - 1]}`;
}

/**
 * TEST_REQUEST params from a peer: every declared field present with the
 * declared type, then the same checkParams as any other source. Returns the
 * params, or the problems in words.
 */
export function checkWireParams(raw: unknown): { params: TestParams; problems: [] } | { params?: undefined; problems: string[] } {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return { problems: ['params is not an object'] };
  const p = raw as Record<string, unknown>;
  if (!(TEST_NAMES as readonly unknown[]).includes(p.test)) return { problems: [`unknown test ${JSON.stringify(p.test)?.slice(0, 40)}`] };
  const params: Record<string, unknown> = { test: p.test };
  const problems: string[] = [];
  const missing = WIRE_PARAMS.filter((param) => p[param.field] === undefined).map((param) => param.field);
  if (missing.length > 0) problems.push(`${missing.join(', ')} missing (a bench client sends every field)`);
  for (const param of WIRE_PARAMS) {
    const v = p[param.field];
    if (v === undefined) continue;
    const [ok, wanted] =
      param.kind === 'boolean'
        ? [typeof v === 'boolean', 'true or false']
        : param.kind === 'enum' || param.kind === 'peer'
          ? [typeof v === 'string' && (param.values ?? [v]).includes(v), expects(param)]
          : param.kind === 'address' || param.kind === 'name'
            ? [typeof v === 'string' && (v === '' || (param.kind === 'address' ? isIP(v) !== 0 : NAME_PATTERN.test(v))), expects(param)]
            : param.kind === 'size' || param.kind === 'count' || param.kind === 'dscp'
              ? [Number.isSafeInteger(v), 'a whole number']
              : [typeof v === 'number' && Number.isFinite(v), 'a finite number'];
    if (!ok) problems.push(`${param.field} ${JSON.stringify(v)?.slice(0, 40)} is not ${wanted}`);
    params[param.field] = v;
  }
  if (problems.length > 0) return { problems };
  const found = checkParams(params as unknown as TestParams);
  if (found.length > 0) return { problems: found.map((f) => f.message) };
  return { params: params as unknown as TestParams, problems: [] };
}
