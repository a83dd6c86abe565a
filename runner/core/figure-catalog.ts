import { TEST_NAMES, type TestName, isRrTest } from './test-params.js';

/**
 * Every figure, once. Derived from this table: the figure names expectations
 * accept (and the scenario schema's `expect` list), each test's figures, the
 * rows of `bench test`'s summary and the one-line headline of an interval, the
 * scenario summary's and the report's figure rows, which way is better in
 * group statistics and comparisons. One number format (formatNumber) serves
 * every figure: four significant digits keep counts whole and rates readable.
 * test/figure-catalog.test.ts checks that schemas/results.schema.json and
 * runner/core/run-object.ts agree with it.
 */
export type Better = 'higher' | 'lower';

/**
 * measure: a rate, time or share to judge a run by. volume: how much was
 * moved, which says how much, not how well. count: things that went wrong.
 * setting: what was asked, echoed beside what was achieved.
 */
export type FigureKind = 'measure' | 'volume' | 'count' | 'setting';

export interface FigureDef {
  /** Its place in a run object's `summary` and intervals' `figures`: `latency_us.p99` is `summary.latency_us.p99`. */
  name: string;
  label: string;
  unit: string;
  better: Better;
  /** The tests whose run objects carry it. */
  tests: readonly TestName[];
  /** One of the few figures a reader looks at first for its tests. */
  headline: boolean;
  kind: FigureKind;
  /** Which side of a STREAM test counts it (RR figures are all the client's: whoCounts); `asked` for a setting. */
  countedBy: 'receiver' | 'sender' | 'client' | 'asked';
  /** A whole number: JSON Schema `integer` in results.schema.json. Every figure's text is formatNumber's, which keeps whole numbers whole. */
  integer: boolean;
  /** How the figure reads in a one-line summary, `{}` standing for its number. */
  inLine: string;
  /** Present only in runs with this parameter set (the direction figures of bidir). */
  onlyWith?: 'bidir';
}

const STREAM: readonly TestName[] = ['TCP_STREAM', 'UDP_STREAM'];
const RR: readonly TestName[] = ['TCP_RR', 'UDP_RR', 'TCP_CRR'];
/** TCP_INFO's figures: the kernel's view of a TCP data socket, read once per interval. */
const TCP_INFO_TESTS: readonly TestName[] = ['TCP_STREAM', 'TCP_RR', 'RRUL'];

function tcpInfo(name: string, label: string, unit: string, better: Better, kind: FigureKind, integer: boolean, inLine: string): FigureDef {
  return {
    name,
    label,
    unit,
    better,
    tests: TCP_INFO_TESTS,
    headline: false,
    kind,
    countedBy: name === 'rcv_mss_bytes' ? 'receiver' : 'sender',
    integer,
    inLine,
  };
}

function latency(key: string, label: string, headline = false): FigureDef {
  return {
    name: `latency_us.${key}`,
    label: `Latency ${label}`,
    unit: 'µs',
    better: 'lower',
    tests: RR,
    headline,
    kind: 'measure',
    countedBy: 'client',
    integer: false,
    inLine: `${label} {} µs`,
  };
}

const RRUL: readonly TestName[] = ['RRUL'];

/** RRUL's round trips of one phase: `idle_latency_us.p50` and so on, counted by the client's probe flow. */
function phaseLatency(phase: 'idle' | 'loaded' | 'drain', key: string, label: string, headline = false): FigureDef {
  const Phase = phase === 'idle' ? 'Idle' : phase === 'loaded' ? 'Loaded' : 'Drain';
  return {
    name: `${phase}_latency_us.${key}`,
    label: `${Phase} latency ${label}`,
    unit: 'µs',
    better: 'lower',
    tests: RRUL,
    headline,
    kind: 'measure',
    countedBy: 'client',
    integer: false,
    inLine: `${phase} ${label} {} µs`,
  };
}

const LATENCY_KEYS: ReadonlyArray<[string, string]> = [
  ['min', 'min'],
  ['mean', 'mean'],
  ['stddev', 'stddev'],
  ['p50', 'p50'],
  ['p90', 'p90'],
  ['p99', 'p99'],
  ['p999', 'p99.9'],
  ['max', 'max'],
];

/** RRUL's figures (RrulFigures in run-object.ts): the load's rates, each phase's round trips and loss, what the load did to them. */
const RRUL_FIGURES: readonly FigureDef[] = [
  {
    name: 'latency_increase_ms',
    label: 'Latency increase under load',
    unit: 'ms',
    better: 'lower',
    tests: RRUL,
    headline: true,
    kind: 'measure',
    countedBy: 'client',
    integer: false,
    inLine: '+{} ms under load',
  },
  {
    name: 'responsiveness_rpm',
    label: 'Responsiveness',
    unit: 'RPM',
    better: 'higher',
    tests: RRUL,
    headline: true,
    kind: 'measure',
    countedBy: 'client',
    integer: false,
    inLine: '{} RPM',
  },
  ...(['idle', 'loaded', 'drain'] as const).flatMap((phase) =>
    LATENCY_KEYS.map(([key, label]) => phaseLatency(phase, key, label, phase !== 'drain' && key === 'p50')),
  ),
  ...(['idle', 'loaded', 'drain'] as const).map(
    (phase): FigureDef => ({
      name: `${phase}_loss_percent`,
      label: `${phase === 'idle' ? 'Idle' : phase === 'loaded' ? 'Loaded' : 'Drain'} probe loss`,
      unit: '%',
      better: 'lower',
      tests: RRUL,
      headline: phase === 'loaded',
      kind: 'measure',
      countedBy: 'client',
      integer: false,
      inLine: `${phase} loss {}%`,
    }),
  ),
  {
    name: 'probe_mbps',
    label: 'Probe load',
    unit: 'Mbit/s',
    better: 'lower',
    tests: RRUL,
    headline: false,
    kind: 'setting',
    countedBy: 'client',
    integer: false,
    inLine: 'probes {} Mbit/s',
  },
  {
    name: 'probes_sent',
    label: 'Probes sent',
    unit: 'probes',
    better: 'higher',
    tests: RRUL,
    headline: false,
    kind: 'volume',
    countedBy: 'client',
    integer: true,
    inLine: '{} probes',
  },
  {
    name: 'probes_lost',
    label: 'Probes lost',
    unit: 'probes',
    better: 'lower',
    tests: RRUL,
    headline: false,
    kind: 'count',
    countedBy: 'client',
    integer: true,
    inLine: '{} probes lost',
  },
];

/** In the order a reader wants them: rates first, counts last. */
export const FIGURES: readonly FigureDef[] = [
  {
    name: 'throughput_mbps',
    label: 'Throughput',
    unit: 'Mbit/s',
    better: 'higher',
    tests: STREAM,
    headline: true,
    kind: 'measure',
    countedBy: 'receiver',
    integer: false,
    inLine: '{} Mbit/s',
  },
  // bidir: each direction beside the total, by its own receiver (absent without bidir). RRUL: each loaded
  // direction's streams during the load phase, by their receivers (absent for a direction not loaded).
  {
    name: 'upload_mbps',
    label: 'Upload throughput',
    unit: 'Mbit/s',
    better: 'higher',
    tests: [...STREAM, 'RRUL'],
    headline: true,
    kind: 'measure',
    countedBy: 'receiver',
    integer: false,
    inLine: 'up {} Mbit/s',
    onlyWith: 'bidir',
  },
  {
    name: 'download_mbps',
    label: 'Download throughput',
    unit: 'Mbit/s',
    better: 'higher',
    tests: [...STREAM, 'RRUL'],
    headline: true,
    kind: 'measure',
    countedBy: 'receiver',
    integer: false,
    inLine: 'down {} Mbit/s',
    onlyWith: 'bidir',
  },
  {
    name: 'sender_mbps',
    label: 'Sender throughput',
    unit: 'Mbit/s',
    better: 'higher',
    tests: STREAM,
    headline: false,
    kind: 'measure',
    countedBy: 'sender',
    integer: false,
    inLine: 'sent {} Mbit/s',
  },
  {
    name: 'target_mbps',
    label: 'Target rate',
    unit: 'Mbit/s',
    better: 'higher',
    tests: ['UDP_STREAM'],
    headline: false,
    kind: 'setting',
    countedBy: 'asked',
    integer: false,
    inLine: 'of {} Mbit/s asked',
  },
  {
    name: 'transactions_per_sec',
    label: 'Transactions',
    unit: '/s',
    better: 'higher',
    tests: RR,
    headline: true,
    kind: 'measure',
    countedBy: 'client',
    integer: false,
    inLine: '{} trans/s',
  },
  latency('min', 'min'),
  latency('mean', 'mean'),
  latency('stddev', 'stddev'),
  latency('p50', 'p50', true),
  latency('p90', 'p90'),
  latency('p99', 'p99', true),
  latency('p999', 'p99.9'),
  latency('max', 'max'),
  {
    name: 'loss_percent',
    label: 'Loss',
    unit: '%',
    better: 'lower',
    tests: ['UDP_STREAM', 'UDP_RR'],
    headline: true,
    kind: 'measure',
    countedBy: 'receiver',
    integer: false,
    inLine: 'loss {}%',
  },
  {
    name: 'upload_loss_percent',
    label: 'Upload loss',
    unit: '%',
    better: 'lower',
    tests: ['UDP_STREAM'],
    headline: false,
    kind: 'measure',
    countedBy: 'receiver',
    integer: false,
    inLine: 'up loss {}%',
    onlyWith: 'bidir',
  },
  {
    name: 'download_loss_percent',
    label: 'Download loss',
    unit: '%',
    better: 'lower',
    tests: ['UDP_STREAM'],
    headline: false,
    kind: 'measure',
    countedBy: 'receiver',
    integer: false,
    inLine: 'down loss {}%',
    onlyWith: 'bidir',
  },
  {
    name: 'jitter_ms',
    label: 'Jitter',
    unit: 'ms',
    better: 'lower',
    tests: ['UDP_STREAM'],
    headline: true,
    kind: 'measure',
    countedBy: 'receiver',
    integer: false,
    inLine: 'jitter {} ms',
  },
  {
    name: 'packets_sent',
    label: 'Packets sent',
    unit: 'packets',
    better: 'higher',
    tests: ['UDP_STREAM'],
    headline: false,
    kind: 'volume',
    countedBy: 'sender',
    integer: true,
    inLine: '{} sent',
  },
  {
    name: 'packets_received',
    label: 'Packets received',
    unit: 'packets',
    better: 'higher',
    tests: ['UDP_STREAM'],
    headline: false,
    kind: 'volume',
    countedBy: 'receiver',
    integer: true,
    inLine: '{} received',
  },
  {
    name: 'packets_lost',
    label: 'Packets lost',
    unit: 'packets',
    better: 'lower',
    tests: ['UDP_STREAM'],
    headline: false,
    kind: 'count',
    countedBy: 'receiver',
    integer: true,
    inLine: '{} lost',
  },
  {
    name: 'out_of_order',
    label: 'Out of order',
    unit: 'packets',
    better: 'lower',
    tests: ['UDP_STREAM'],
    headline: false,
    kind: 'count',
    countedBy: 'receiver',
    integer: true,
    inLine: '{} out of order',
  },
  {
    name: 'duplicates',
    label: 'Duplicates',
    unit: 'packets',
    better: 'lower',
    tests: ['UDP_STREAM'],
    headline: false,
    kind: 'count',
    countedBy: 'receiver',
    integer: true,
    inLine: '{} duplicates',
  },
  {
    name: 'requests_sent',
    label: 'Requests sent',
    unit: 'requests',
    better: 'higher',
    tests: ['UDP_RR'],
    headline: false,
    kind: 'volume',
    countedBy: 'client',
    integer: true,
    inLine: '{} requests',
  },
  {
    name: 'transactions',
    label: 'Transactions done',
    unit: 'transactions',
    better: 'higher',
    tests: RR,
    headline: false,
    kind: 'volume',
    countedBy: 'client',
    integer: true,
    inLine: '{} transactions',
  },
  {
    name: 'lost',
    label: 'Requests lost',
    unit: 'requests',
    better: 'lower',
    tests: ['UDP_RR'],
    headline: false,
    kind: 'count',
    countedBy: 'client',
    integer: true,
    inLine: '{} lost',
  },
  {
    name: 'late_replies',
    label: 'Late replies',
    unit: 'replies',
    better: 'lower',
    tests: ['UDP_RR'],
    headline: false,
    kind: 'count',
    countedBy: 'client',
    integer: true,
    inLine: '{} late',
  },
  tcpInfo('rtt_ms', 'TCP round trip (smoothed)', 'ms', 'lower', 'measure', false, 'rtt {} ms'),
  tcpInfo('rttvar_ms', 'TCP round-trip variation', 'ms', 'lower', 'measure', false, 'rttvar {} ms'),
  tcpInfo('cwnd_bytes', 'Congestion window', 'bytes', 'higher', 'measure', true, 'cwnd {} bytes'),
  tcpInfo('retransmits', 'Retransmitted segments', 'segments', 'lower', 'count', true, '{} retransmits'),
  tcpInfo('pmtu', 'Path MTU', 'bytes', 'higher', 'setting', true, 'pmtu {}'),
  tcpInfo('snd_mss_bytes', 'Sender segment size', 'bytes', 'higher', 'setting', true, 'mss {} bytes'),
  tcpInfo('rcv_mss_bytes', 'Largest segment received', 'bytes', 'higher', 'setting', true, 'rcv mss {} bytes'),
  {
    name: 'connect_failures',
    label: 'Connect failures',
    unit: 'connections',
    better: 'lower',
    tests: ['TCP_CRR'],
    headline: false,
    kind: 'count',
    countedBy: 'client',
    integer: true,
    inLine: '{} connect failures',
  },
  {
    name: 'bytes_sent',
    label: 'Bytes sent',
    unit: 'bytes',
    better: 'higher',
    tests: STREAM,
    headline: false,
    kind: 'volume',
    countedBy: 'sender',
    integer: true,
    inLine: '{} bytes sent',
  },
  {
    name: 'bytes_received',
    label: 'Bytes received',
    unit: 'bytes',
    better: 'higher',
    tests: STREAM,
    headline: false,
    kind: 'volume',
    countedBy: 'receiver',
    integer: true,
    inLine: '{} bytes received',
  },
  ...RRUL_FIGURES,
];

const BY_NAME: ReadonlyMap<string, FigureDef & { order: number }> = new Map(FIGURES.map((f, order) => [f.name, { ...f, order }]));

/** A test's figures in the reader's order. */
export function figuresOf(test: TestName): string[] {
  return FIGURES.filter((f) => f.tests.includes(test)).map((f) => f.name);
}

export function betterOf(test: TestName, figure: string): Better | undefined {
  const f = BY_NAME.get(figure);
  return f?.tests.includes(test) ? f.better : undefined;
}

/** Every figure any test produces: the names expectations accept, for the scenario schema's list and did-you-mean. */
export const ALL_FIGURES: readonly string[] = FIGURES.map((f) => f.name);

/** The figures a reader looks at first, per test. */
export const HEADLINE_FIGURES: Readonly<Record<TestName, readonly string[]>> = (() => {
  const out = {} as Record<TestName, readonly string[]>;
  for (const test of TEST_NAMES) out[test] = FIGURES.filter((f) => f.headline && f.tests.includes(test)).map((f) => f.name);
  return out;
})();

/**
 * Figures not in the catalogue (a results file of a newer bench, a user's own
 * figure) still render, with a unit and direction read from their suffix.
 */
const SUFFIX_UNITS: Array<[string, string, Better]> = [
  ['_mbps', 'Mbit/s', 'higher'],
  ['_per_sec', '/s', 'higher'],
  ['_percent', '%', 'lower'],
  ['_us', 'µs', 'lower'],
  ['_ms', 'ms', 'lower'],
  ['_s', 's', 'lower'],
  ['_bytes', 'bytes', 'higher'],
];

/** What is known of any figure name: the catalogue's entry, or a guess from its suffix. */
export function figureInfo(name: string): FigureDef {
  const known = BY_NAME.get(name);
  if (known) return known;
  const suffix = SUFFIX_UNITS.find(([s]) => name.split('.')[0].endsWith(s));
  const unit = suffix?.[1] ?? '';
  return {
    name,
    label: name,
    unit,
    better: suffix?.[2] ?? 'higher',
    tests: [],
    headline: false,
    kind: 'measure',
    countedBy: 'receiver',
    integer: false,
    inLine: `${name} {} ${unit}`.trimEnd(),
  };
}

/** Which side counted a figure in a run of that test: RR tests count everything on the client. */
export function whoCounts(name: string, test: TestName): string {
  const { countedBy } = figureInfo(name);
  return countedBy !== 'asked' && isRrTest(test) ? 'client' : countedBy;
}

/** Catalogue order first (throughput before bytes), then unknown names alphabetically. */
export function compareFigureNames(a: string, b: string): number {
  const oa = BY_NAME.get(a)?.order ?? Number.MAX_SAFE_INTEGER;
  const ob = BY_NAME.get(b)?.order ?? Number.MAX_SAFE_INTEGER;
  return oa !== ob ? oa - ob : a.localeCompare(b);
}

/** Counts of what was moved say how much, not how well: group tables and comparisons leave them out. */
export function isVolume(name: string): boolean {
  return BY_NAME.get(name)?.kind === 'volume';
}

/** Any count (lost packets too): a run's one-row figure table keeps to rates, percentages and times. */
export function isCounter(name: string): boolean {
  const kind = BY_NAME.get(name)?.kind;
  return kind === 'volume' || kind === 'count';
}

/**
 * Every finite number in a summary or an interval's figures, by dotted name
 * (`latency_us.p99`), in catalogue order. Names not catalogued are kept: a
 * caller that wants one test's figures only keeps those of figuresOf(test).
 */
export function figureValues(figures: object): Array<[string, number]> {
  const out: Array<[string, number]> = [];
  for (const [key, value] of Object.entries(figures)) {
    if (typeof value === 'number' && Number.isFinite(value)) out.push([key, value]);
    else if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
      for (const [sub, v] of Object.entries(value as Record<string, unknown>))
        if (typeof v === 'number' && Number.isFinite(v)) out.push([`${key}.${sub}`, v]);
    }
  }
  return out.sort(([a], [b]) => compareFigureNames(a, b));
}

/** A test's catalogued figures present in a summary, as dotted name to number. */
export function testFigureValues(test: TestName, figures: object): Record<string, number> {
  const own = new Set(figuresOf(test));
  return Object.fromEntries(figureValues(figures).filter(([name]) => own.has(name)));
}

/**
 * The one number format for figures, everywhere: four significant digits,
 * never fewer than the whole number, trailing zeros dropped (14234 Mbit/s,
 * 94.77 µs, 0.018 %), so terminal, report and comparison read the same and
 * tests can assert exact text.
 */
export function formatNumber(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  if (value === 0) return '0';
  if (Math.abs(value) >= 1000) return value.toFixed(0);
  const text = value.toPrecision(4);
  // toPrecision switches to exponent form below 1e-6; figures that small read as 0.
  const plain = text.includes('e') ? value.toFixed(6) : text;
  return plain.includes('.') ? plain.replace(/\.?0+$/, '') : plain;
}

/** `± 12.3`, or an em dash when there is no interval (fewer than two repeats): the report's and its charts' form. */
export function formatCi(ci95: number | null): string {
  return ci95 === null ? '—' : `± ${formatNumber(ci95)}`;
}

/** The headline figures of a summary or interval on one line: `941.3 Mbit/s  loss 0.018%  jitter 0.034 ms`. */
export function headlineText(test: TestName, figures: object): string {
  const values = testFigureValues(test, figures);
  return HEADLINE_FIGURES[test]
    .filter((name) => values[name] !== undefined)
    .map((name) => figureInfo(name).inLine.replace('{}', formatNumber(values[name])))
    .join('  ');
}

/** Below this share of its target rate, a UDP sender did not offer the load asked of it. */
const RATE_REACHED_SHARE = 0.95;

/**
 * A paced UDP_STREAM whose sender fell short of its target: the loss and jitter
 * then describe a lighter load than asked, which a reader must be told.
 */
export function rateShortfall(figures: object): string | null {
  const values = figureValues(figures);
  const sent = values.find(([n]) => n === 'sender_mbps')?.[1];
  const target = values.find(([n]) => n === 'target_mbps')?.[1];
  if (sent === undefined || target === undefined || target <= 0 || sent >= RATE_REACHED_SHARE * target) return null;
  return `the sender reached ${formatNumber(sent)} of the ${formatNumber(target)} Mbit/s asked (${formatNumber((100 * sent) / target)}%): loss and jitter describe that lighter load`;
}
