import type { StreamReport, StreamSample } from '../control/messages.js';
import { ProtocolError } from '../core/errors.js';
import { type TestParams, clientSends, dataLanes, isRrTest, runSpan } from '../core/test-params.js';

/**
 * The server's RESULT against what the client knows, before any figure is
 * computed from it. The schema has checked each number's shape and sign; this
 * checks what only the whole test shows: one report per stream in the right
 * role, counters that never run backwards, times that never go back or past
 * the time the client itself waited, no more samples than the test has
 * intervals, and never more received than sent. A server that breaks any of
 * these is broken or lying, and its figures would be published as measured.
 */
export interface PeerResult {
  streams: StreamReport[];
  wall_s: number;
}

/** Cumulative counters: each sample's is at least the one before. `lost` is not one: a late datagram fills a gap. */
const CUMULATIVE = ['bytes', 'packets', 'out_of_order', 'duplicates', 'transactions', 'requests_sent', 'timeouts', 'late_replies'] as const;

/**
 * Throws a ProtocolError naming `peerName` and the first impossible figure.
 * `clientWall_s`: seconds from the client's START to now; the server's own
 * times must fit in it, with room for two clocks' rates (1%) and scheduling.
 */
export function checkPeerFigures(
  peerName: string,
  params: TestParams,
  client: StreamReport[],
  result: PeerResult,
  clientWall_s: number,
): void {
  const lie = (what: string): ProtocolError =>
    new ProtocolError(`${peerName} sent an impossible RESULT: ${what} - is it a compatible bench server?`);
  const server = result.streams;
  const lanes = dataLanes(params);
  const connections = lanes.length;
  if (server.length !== connections)
    throw lie(`${server.length} stream reports for a test of ${connections} stream${connections === 1 ? '' : 's'}`);
  const longest_s = clientWall_s * 1.01 + 0.5;
  if (result.wall_s > longest_s) throw lie(`a test time of ${result.wall_s}s, longer than the ${round(clientWall_s)}s the client waited`);
  // Boundaries fall strictly inside the duration, and the final sample closes the last interval.
  const maxSamples = Math.ceil(runSpan(params) / params.interval_s) + 2;
  const seen = new Set<number>();
  for (const report of server) {
    const name = `stream ${report.stream}`;
    if (report.stream >= connections) throw lie(`a report for ${name} in a test of ${connections} stream${connections === 1 ? '' : 's'}`);
    if (seen.has(report.stream)) throw lie(`two reports for ${name}`);
    seen.add(report.stream);
    const lane = lanes[report.stream];
    const role =
      lane === 'probe'
        ? 'rr-responder'
        : lane === 'up'
          ? 'receiver'
          : lane === 'down'
            ? 'sender'
            : expectedServerRole(params, report.stream);
    if (report.role !== role) throw lie(`${name} in the role of ${report.role}, where the server is the ${role}`);
    if (report.samples.length > maxSamples) {
      throw lie(
        `${name} with ${report.samples.length} samples, more than a ${params.duration_s}s test at ${params.interval_s}s intervals has (${maxSamples})`,
      );
    }
    checkSeries(report, name, longest_s, lie);
    const mine = client.find((c) => c.stream === report.stream);
    if (mine) checkSentReceived(params, mine, report, name, lie);
  }
}

function expectedServerRole(params: TestParams, connection: number): StreamReport['role'] {
  if (isRrTest(params.test)) return 'rr-responder';
  return clientSends(params, connection) ? 'receiver' : 'sender';
}

/** Samples in time order, counters that only grow, the final sample at or after every other. */
function checkSeries(report: StreamReport, name: string, longest_s: number, lie: (what: string) => ProtocolError): void {
  let previous: StreamSample | null = null;
  const series = [...report.samples.map((s, i) => [`sample ${i}`, s] as const), ['final sample', report.final] as const];
  for (const [label, sample] of series) {
    if (sample.t > longest_s) throw lie(`${name} ${label} at ${sample.t}s, later than the ${round(longest_s)}s the test can have lasted`);
    if (previous !== null) {
      if (sample.t < previous.t) throw lie(`${name} ${label} at ${sample.t}s, before the sample at ${previous.t}s`);
      for (const key of CUMULATIVE) {
        if (sample[key] < previous[key])
          throw lie(`${name} ${label} counts ${key} ${sample[key]}, fewer than the ${previous[key]} before it`);
      }
    }
    previous = sample;
  }
  const omit = report.omit_sample;
  if (omit !== null) {
    if (omit.t > report.final.t) throw lie(`${name} omit sample at ${omit.t}s, after the final sample at ${report.final.t}s`);
    for (const key of CUMULATIVE) {
      if (omit[key] > report.final[key])
        throw lie(`${name} omit sample counts ${key} ${omit[key]}, more than the final ${report.final[key]}`);
    }
  }
}

/** A STREAM test's receiver cannot have received more than its sender sent, in bytes or datagrams. */
function checkSentReceived(
  params: TestParams,
  client: StreamReport,
  server: StreamReport,
  name: string,
  lie: (what: string) => ProtocolError,
): void {
  if (params.test !== 'TCP_STREAM' && params.test !== 'UDP_STREAM' && params.test !== 'RRUL') return;
  const keys = params.test === 'UDP_STREAM' ? (['bytes', 'packets'] as const) : (['bytes'] as const);
  const unit = { bytes: 'bytes', packets: 'datagrams' } as const;
  for (const key of keys) {
    if (server.role === 'receiver' && server.final[key] > client.final[key]) {
      throw lie(`${name} received ${server.final[key]} ${unit[key]}, more than the ${client.final[key]} the client sent`);
    }
    if (server.role === 'sender' && client.final[key] > server.final[key]) {
      throw lie(`${name} sent ${server.final[key]} ${unit[key]}, fewer than the ${client.final[key]} the client received`);
    }
  }
}

function round(s: number): number {
  return Number(s.toFixed(3));
}
