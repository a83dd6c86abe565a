import { asBenchError } from '../core/errors.js';
import type { PeerAddress, RunTestOptions } from '../core/run-events.js';
import { markFailed, unmeasuredRun, type RunObject, type SideFacts } from '../core/run-object.js';
import type { StreamReport } from '../control/messages.js';
import type { TestParams } from '../core/test-params.js';
import { computeFigures } from '../measure/run-figures.js';
import { useDataPath } from '../native/native-io.js';
import { loadClientAuth } from './connect-control.js';
import { runClientTest, type ClientTestOutcome } from './client-test-run.js';

/**
 * One run, start to finish, as `bench test` and every scenario run do it.
 * Never throws for a measurement failure: the run object says `failed` and why.
 */
export async function runTest(options: RunTestOptions & { peer: PeerAddress }): Promise<RunObject> {
  const { params, peer } = options;
  const startedAt = new Date().toISOString();
  const run = unmeasuredRun(params, peer, startedAt);
  // A server that dies mid-test has still told its name: a mesh's report names it, not its address.
  const named = (name: string): void => {
    run.to = { host: peer.host, port: peer.port, name: name.slice(0, 253) };
  };
  try {
    useDataPath(options.data_path);
    const auth = await loadClientAuth(peer);
    const outcome = await runClientTest({
      peer,
      params,
      signal: options.signal,
      onEvent: options.onEvent,
      wait_s: options.wait_s,
      auth,
      onServerName: named,
    });
    fillFigures(run, outcome);
    named(outcome.server_name);
  } catch (err) {
    markFailed(run, asBenchError(err), options.signal);
  }
  return run;
}

function fillFigures(run: RunObject, outcome: ClientTestOutcome): void {
  const { summary, intervals, duration_s, latency_buckets, rrul } = computeFigures(run.params, outcome.client, outcome.server);
  run.summary = summary;
  if (rrul !== undefined) run.rrul = rrul;
  if (latency_buckets !== undefined) run.latency_buckets = latency_buckets;
  run.intervals = intervals;
  run.duration_s = duration_s;
  run.client.cpu_percent = cpuPercent(outcome.client, outcome.client_wall_s);
  run.server.cpu_percent = cpuPercent(outcome.server, outcome.server_wall_s);
  run.client.data_path = dataPathOf(outcome.client);
  run.server.data_path = dataPathOf(outcome.server);
  Object.assign(run.client, socketFactsOf(outcome.client));
  Object.assign(run.server, socketFactsOf(outcome.server));
  const tcpInfoNote = tcpInfoAbsence(run.params, outcome.client, outcome.server);
  if (tcpInfoNote !== null) run.notes = [...(run.notes ?? []), tcpInfoNote];
  run.status = 'ok';
  if (outcome.failure) {
    run.status = 'failed';
    run.error = {
      code: outcome.failure.code,
      message: `${outcome.failure.message}; the summary covers the ${duration_s}s measured before, datagrams sent after the last one received counted as lost`,
    };
    return;
  }
  if (outcome.interrupted) {
    run.interrupted = true;
    run.error = { code: 'E_INTERRUPTED', message: `interrupted after ${duration_s}s of ${run.params.duration_s}s; figures cover what ran` };
  }
}

/** What stream 0's data socket ran with on one side: its congestion control and the buffers the kernel granted. */
function socketFactsOf(reports: StreamReport[]): Pick<SideFacts, 'congestion' | 'sndbuf_bytes' | 'rcvbuf_bytes'> {
  const socket = [...reports].sort((a, b) => a.stream - b.stream)[0]?.socket;
  if (!socket) return {};
  return {
    ...(socket.congestion !== null ? { congestion: socket.congestion } : {}),
    sndbuf_bytes: socket.sndbuf_bytes,
    rcvbuf_bytes: socket.rcvbuf_bytes,
  };
}

/**
 * Why a TCP run has no TCP_INFO figures, said where they would be: the side
 * whose socket holds them (the sender's; the client's in TCP_RR) could not
 * read TCP_INFO. Null when the figures are there, or the test is UDP or TCP_CRR.
 */
function tcpInfoAbsence(params: TestParams, client: StreamReport[], server: StreamReport[]): string | null {
  // RRUL: its streams' senders (the probe flow is UDP, and an RR client).
  if (params.test !== 'TCP_STREAM' && params.test !== 'TCP_RR' && params.test !== 'RRUL') return null;
  const readers = params.test === 'TCP_RR' ? client : [...client, ...server].filter((r) => r.role === 'sender');
  const reader = readers.find((r) => r.tcp_info_unavailable !== undefined);
  if (reader === undefined) return null;
  const side = client.includes(reader) ? 'the client' : 'the server';
  return reader.tcp_info_unavailable === 'js'
    ? `no TCP_INFO figures (retransmits, rtt_ms, cwnd_bytes, pmtu): ${side} ran the JavaScript data path, whose Node sockets do not give TCP_INFO; the native data path reads it (data_path native, built by npm run build)`
    : `no TCP_INFO figures (retransmits, rtt_ms, cwnd_bytes, pmtu): ${side} runs on an OS without Linux's TCP_INFO`;
}

function dataPathOf(reports: StreamReport[]): (SideFacts['data_path'] & {}) | null {
  const paths = new Set(reports.map((r) => r.data_path ?? null));
  if (paths.size !== 1) return paths.size === 0 ? null : 'mixed';
  return [...paths][0];
}

/** CPU time of one side's data threads over its wall time; 100 is one core busy. */
function cpuPercent(reports: { cpu_s: number | null }[], wall_s: number): number | null {
  if (wall_s <= 0 || reports.some((r) => r.cpu_s === null)) return null;
  const cpu = reports.reduce((a, r) => a + (r.cpu_s ?? 0), 0);
  return Number(((100 * cpu) / wall_s).toFixed(1));
}
