import { performance } from 'node:perf_hooks';
import { parentPort, workerData } from 'node:worker_threads';
import type { StreamReport, StreamSample } from '../control/messages.js';
import { DataPathError, asBenchError } from '../core/errors.js';
import { omittedIntervalCount, runSpan } from '../core/test-params.js';
import { threadCpuSeconds } from '../measure/thread-cpu.js';
import type { DataClock, DataRole } from './data-role.js';
import { HandoffInbox, streamCookie } from './one-port.js';
import { openDataRole, prepareDataRole } from './open-data-role.js';
import { latenessOf } from './probe-datagram.js';
import type { DataEndpoint, DataWorkerSetup, MainToWorker, WorkerToMain } from './worker-messages.js';

/**
 * A data worker: one stream of one test on one side. It starts with the test
 * (DataWorkerSetup) and prepares what its role needs; at BEGIN it opens the
 * data socket towards the endpoint, then waits for START, samples its role's
 * counters at each interval boundary and posts them (once per interval, never
 * per packet), and on STOP posts its final report.
 */
const config = workerData as DataWorkerSetup;
const port = parentPort!;
const { params } = config;
/** What the role needs loaded (modules, the histogram's WebAssembly), ready before the endpoint is known. */
const prepared = prepareDataRole(config);
// A failure to prepare is reported at BEGIN, as the role's failure to open.
prepared.catch(() => {});
let begun = false;
const intervalMs = params.interval_s * 1000;
// RRUL: samples over all three phases, on every connection, so that streams and probes share one time axis.
const durationMs = runSpan(params) * 1000;
/**
 * RRUL's TCP streams: the sending side starts after the idle phase and stops
 * at the end of the load, each by its own clock from its START; the
 * receiving side counts from START to STOP, so its samples cover the drain.
 */
const lane = config.lane ?? 'stream';
const loadSender = (lane === 'up' && config.side === 'client') || (lane === 'down' && config.side === 'server');
/** The first boundary at or after --omit ends the omitted period (0: nothing omitted). */
const omitBoundary = omittedIntervalCount(params);

let role: DataRole | null = null;
let startedAt = 0;
let cpuAtStart: number | null = null;
let boundary = 0;
let intervalTimer: NodeJS.Timeout | null = null;
let stopping = false;
let loadTimers: NodeJS.Timeout[] = [];
/** An RRUL sender's end of the load, when it came before STOP. */
let loadEnded: Promise<number> | null = null;
const samples: StreamSample[] = [];
let omitSample: StreamSample | null = null;
const handoff = new HandoffInbox(() => post({ type: 'TAKEN' }));

function post(message: WorkerToMain): void {
  port.postMessage(message);
}

const clock: DataClock = {
  get started() {
    return startedAt !== 0;
  },
  start() {
    if (startedAt !== 0) return;
    startedAt = performance.now();
    cpuAtStart = threadCpuSeconds();
    if (role?.latency) role.latency.recordSummary = omitBoundary === 0;
    scheduleBoundary();
  },
};

function scheduleBoundary(): void {
  boundary++;
  // Boundaries inside the duration only; the stream's end closes the last interval.
  if (boundary * intervalMs >= durationMs - 1) return;
  const due = startedAt + boundary * intervalMs;
  intervalTimer = setTimeout(onBoundary, Math.max(0, due - performance.now()));
}

function onBoundary(): void {
  if (!role || stopping) return;
  const sample = takeSample(performance.now());
  samples.push(sample);
  if (boundary === omitBoundary) {
    omitSample = sample;
    if (role.latency) role.latency.recordSummary = true;
  }
  post({ type: 'INTERVAL', sample });
  checkSilence();
  scheduleBoundary();
}

function takeSample(at: number): StreamSample {
  const r = role!;
  r.syncCounters?.();
  const sample = r.counters.snapshot((at - startedAt) / 1000, r.latency ? r.latency.takeInterval() : null);
  const tcp = r.tcpInfo?.read();
  if (tcp) sample.tcp = tcp;
  return sample;
}

/** A UDP receiver hears nothing when its sender is gone; TCP sockets have their own timeout. */
function checkSilence(): void {
  if (!role || role.lastActivityAt === undefined || stopping) return;
  const last = role.lastActivityAt || startedAt;
  if (performance.now() - last > config.timeout_ms) {
    fail(new DataPathError(`no datagram from the sender for ${config.timeout_ms / 1000}s`));
  }
}

async function finish(): Promise<void> {
  if (stopping || !role) return;
  stopping = true;
  if (intervalTimer) clearTimeout(intervalTimer);
  for (const t of loadTimers) clearTimeout(t);
  const endedAt = await (loadEnded ?? role.stop());
  const started = startedAt !== 0;
  const last = samples.at(-1);
  const endT = started ? Math.max((endedAt - startedAt) / 1000, last?.t ?? 0) : 0;
  const final = takeSample(started ? startedAt + endT * 1000 : performance.now());
  final.t = endT;
  samples.push(final);
  const cpuNow = threadCpuSeconds();
  const report: StreamReport = {
    stream: config.stream,
    role: role.kind,
    samples,
    omit_sample: omitSample,
    final,
    cpu_s: cpuNow !== null && cpuAtStart !== null ? cpuNow - cpuAtStart : null,
    data_path: role.dataPath,
  };
  if (role.latency && !role.probes) report.latency_histogram = role.latency.encodeSummary();
  if (role.probes) {
    const { sent, rttMs, lateMs } = role.probes;
    const rtt_us: Array<number | null> = new Array(sent);
    for (let k = 0; k < sent; k++) rtt_us[k] = Number.isNaN(rttMs[k]) ? null : Math.round(rttMs[k] * 1e6) / 1000;
    report.probe = { rtt_us, late_us: latenessOf(lateMs, sent) };
  }
  // TCP_INFO is read on TCP_STREAM and TCP_RR connections and RRUL's streams (not on TCP_CRR's short ones).
  if (params.test === 'TCP_STREAM' || params.test === 'TCP_RR' || lane === 'up' || lane === 'down') {
    const facts = role.tcpInfo?.socketFacts();
    if (facts) report.socket = facts;
    if (!role.tcpInfo) report.tcp_info_unavailable = 'js';
    else if (role.tcpInfo.unsupported) report.tcp_info_unavailable = 'os';
  }
  post({ type: 'RESULT', report });
  role.close();
  port.close();
}

let failed = false;
function fail(err: unknown): void {
  if (failed) return;
  failed = true;
  const e = asBenchError(err);
  post({ type: 'ERROR', code: e.code, message: e.message });
  role?.close();
  port.close();
}

/** An RRUL sender: idle, then the load for the duration, then silence until STOP. */
function startLoad(): void {
  const idleMs = params.idle_s * 1000;
  loadTimers = [
    setTimeout(() => {
      if (!stopping) role?.start();
    }, idleMs),
    setTimeout(
      () => {
        if (stopping || !role) return;
        loadEnded = role.stop();
        // Observed here, awaited by finish() at STOP.
        loadEnded.catch(() => {});
      },
      idleMs + params.duration_s * 1000,
    ),
  ];
}

port.on('message', (message: MainToWorker) => {
  switch (message.type) {
    case 'START':
      clock.start();
      if (loadSender) startLoad();
      else role?.start();
      break;
    case 'STOP':
      finish().catch(fail);
      break;
    case 'BEGIN':
      begin(message.endpoint);
      break;
    case 'ADOPT':
    case 'RELEASED':
    case 'OPEN':
      handoff.deliver(message);
      break;
  }
});

function begin(endpoint: DataEndpoint): void {
  if (begun) return;
  begun = true;
  const testCookie = Buffer.from(endpoint.cookie, 'hex');
  const cookie = endpoint.one_port ? streamCookie(testCookie, config.stream) : testCookie;
  prepared
    .then(() =>
      openDataRole(
        { ...config, ...endpoint },
        cookie,
        clock,
        handoff,
        (boundPort) => post({ type: 'BOUND', port: boundPort }),
        (err) => {
          // After STOP a reset or close is the peer tidying up, not a failure of the measurement.
          if (!stopping) fail(err);
        },
      ),
    )
    .then((opened) => {
      role = opened;
      post({ type: 'ATTACHED' });
    })
    .catch(fail);
}

process.on('uncaughtException', fail);
