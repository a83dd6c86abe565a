import { isRrFigures, type RunObject, type StreamFigures } from '../../runner/core/run-object.js';
import type { TestName } from '../../runner/core/test-params.js';
import { benchTestArgv, parseRunObject } from '../netns/bench-cli.js';
import { loopbackHost } from '../netns/host.js';
import { iperf3ClientArgv, parseIperf3Json } from '../netns/iperf3.js';
import { showArgv, tail } from '../netns/processes.js';
import { parseSockperf, sockperfPingPongArgv, SOCKPERF_MIN_MESSAGE } from '../netns/sockperf.js';
import { runMeasured, type MeasuredRun } from './measured-run.js';
import { readCpuSeconds } from './proc-stats.js';
import type { BenchmarkServer, BenchmarkServers } from './servers.js';

/**
 * The four comparisons: the same test run by us and by the tool people
 * already trust, on loopback, with the figure each side reports for the same
 * thing (receiver throughput; round trips per second).
 */

/** One run of one tool. */
export interface Sample {
  value: number;
  /** STREAM: bytes the receiver got, for CPU per GB. */
  bytes_received?: number;
  client_cpu_s: number;
  server_cpu_s: number;
  client_peak_rss_kb: number;
  /** Ours: the data path each side ran, 'client/server' (native or js). */
  data_path?: string;
  /** TCP_CRR: connections made (transactions), for CPU per connection. */
  connections?: number;
}

export interface Comparison {
  test: TestName;
  /** What is compared, such as 'receiver throughput'. */
  figure: string;
  unit: string;
  /** null: no tool on this machine measures the same (TCP_CRR: netperf's, which is not packaged here); ours is reported alone. */
  peer_tool: string | null;
  /** The peer tool's command line, for the record. */
  peer_command: string;
  ours_command: string;
  /** Ours divided by peer should reach this. */
  goal: number;
  ours(): Promise<Sample>;
  peer: (() => Promise<Sample>) | null;
}

export const RATIO_GOAL = 0.9;
const TCP_WRITE_BYTES = 64 * 1024;
const UDP_DATAGRAM_BYTES = 1472;
/** Both RR tools exchange sockperf's smallest message, so the work per round trip is the same. */
const RR_MESSAGE_BYTES = SOCKPERF_MIN_MESSAGE;
/** Time for a server to finish its side (UDP drain, final report) before its CPU is read. */
const SERVER_SETTLE_MS = 300;

/**
 * sockperf leaves its first 400 ms (warm-up) out of its valid duration; ours
 * runs half a second longer and leaves that half second out (--omit), so both
 * count the same length of warmed-up traffic.
 */
function rrWindow(duration_s: number): { duration_s: number; omit_s: number; interval_s: number } {
  return { duration_s: duration_s + 0.5, omit_s: 0.5, interval_s: 0.5 };
}

export function buildComparisons(servers: BenchmarkServers, duration_s: number): Comparison[] {
  const address = loopbackHost.address;
  const ourPeer = `${address}:${servers.ours.port}`;
  const timeoutMs = (duration_s + 30) * 1000;

  const ourArgv = {
    TCP_STREAM: benchTestArgv({ test: 'TCP_STREAM', peer: ourPeer, duration_s, size_bytes: TCP_WRITE_BYTES }),
    UDP_STREAM: benchTestArgv({ test: 'UDP_STREAM', peer: ourPeer, duration_s, size_bytes: UDP_DATAGRAM_BYTES }),
    TCP_RR: benchTestArgv({
      test: 'TCP_RR',
      peer: ourPeer,
      ...rrWindow(duration_s),
      request_size_bytes: RR_MESSAGE_BYTES,
      response_size_bytes: RR_MESSAGE_BYTES,
    }),
    UDP_RR: benchTestArgv({
      test: 'UDP_RR',
      peer: ourPeer,
      ...rrWindow(duration_s),
      request_size_bytes: RR_MESSAGE_BYTES,
      response_size_bytes: RR_MESSAGE_BYTES,
    }),
    // netperf's TCP_CRR default: 1-byte request and response.
    TCP_CRR: benchTestArgv({ test: 'TCP_CRR', peer: ourPeer, ...rrWindow(duration_s) }),
  };
  const iperf3 = { server: address, port: servers.iperf3.port, duration_s };
  const peerArgv = {
    TCP_STREAM: iperf3ClientArgv({ ...iperf3, length_bytes: TCP_WRITE_BYTES }),
    UDP_STREAM: iperf3ClientArgv({ ...iperf3, udp: true, bitrate: '0', length_bytes: UDP_DATAGRAM_BYTES }),
    TCP_RR: sockperfPingPongArgv({
      protocol: 'tcp',
      server: address,
      port: servers.sockperfTcp.port,
      duration_s,
      message_bytes: RR_MESSAGE_BYTES,
    }),
    UDP_RR: sockperfPingPongArgv({
      protocol: 'udp',
      server: address,
      port: servers.sockperfUdp.port,
      duration_s,
      message_bytes: RR_MESSAGE_BYTES,
    }),
  };

  const ours = (test: Exclude<TestName, 'RRUL'>) => async (): Promise<Sample> => {
    const { run, server_cpu_s } = await measure(ourArgv[test], servers.ours, timeoutMs);
    const object: RunObject = parseRunObject(
      run.result.stdout,
      run.result.stderr,
      `'${showArgv(ourArgv[test])}' (exit ${run.result.code})`,
    );
    const summary = object.summary!;
    const base = {
      client_cpu_s: run.cpu_s,
      server_cpu_s,
      client_peak_rss_kb: run.peak_rss_kb,
      data_path: `${object.client.data_path}/${object.server.data_path}`,
    };
    if (isRrFigures(summary))
      return { ...base, value: summary.transactions_per_sec, ...(test === 'TCP_CRR' ? { connections: summary.transactions } : {}) };
    return { ...base, value: (summary as StreamFigures).throughput_mbps, bytes_received: (summary as StreamFigures).bytes_received };
  };

  const iperf3Side = (test: 'TCP_STREAM' | 'UDP_STREAM') => async (): Promise<Sample> => {
    const { run, server_cpu_s } = await measure(peerArgv[test], servers.iperf3, timeoutMs);
    const r = parseIperf3Json(run.result.stdout, `'${showArgv(peerArgv[test])}'`);
    return {
      value: r.receiver_mbps,
      bytes_received: r.bytes_received,
      client_cpu_s: run.cpu_s,
      server_cpu_s,
      client_peak_rss_kb: run.peak_rss_kb,
    };
  };

  const sockperfSide = (test: 'TCP_RR' | 'UDP_RR') => async (): Promise<Sample> => {
    const server = test === 'TCP_RR' ? servers.sockperfTcp : servers.sockperfUdp;
    const { run, server_cpu_s } = await measure(peerArgv[test], server, timeoutMs);
    if (run.result.code !== 0) throw new Error(`'${showArgv(peerArgv[test])}' exited ${run.result.code}:\n${run.result.stderr}`);
    const r = parseSockperf(run.result.stdout + run.result.stderr, `'${showArgv(peerArgv[test])}'`);
    return { value: r.round_trips_per_sec, client_cpu_s: run.cpu_s, server_cpu_s, client_peak_rss_kb: run.peak_rss_kb };
  };

  const common = (test: keyof typeof peerArgv) => ({
    test,
    goal: RATIO_GOAL,
    ours_command: showArgv(ourArgv[test]),
    peer_command: showArgv(peerArgv[test]),
  });
  return [
    {
      ...common('TCP_STREAM'),
      figure: 'receiver throughput, 64 KiB writes',
      unit: 'Mbit/s',
      peer_tool: 'iperf3',
      ours: ours('TCP_STREAM'),
      peer: iperf3Side('TCP_STREAM'),
    },
    {
      ...common('UDP_STREAM'),
      figure: 'receiver throughput, 1472-byte datagrams, unpaced',
      unit: 'Mbit/s',
      peer_tool: 'iperf3',
      ours: ours('UDP_STREAM'),
      peer: iperf3Side('UDP_STREAM'),
    },
    {
      ...common('TCP_RR'),
      figure: `round trips, ${RR_MESSAGE_BYTES}-byte messages`,
      unit: 'per s',
      peer_tool: 'sockperf',
      ours: ours('TCP_RR'),
      peer: sockperfSide('TCP_RR'),
    },
    {
      ...common('UDP_RR'),
      figure: `round trips, ${RR_MESSAGE_BYTES}-byte messages`,
      unit: 'per s',
      peer_tool: 'sockperf',
      ours: ours('UDP_RR'),
      peer: sockperfSide('UDP_RR'),
    },
    {
      // Neither iperf3 nor sockperf opens a connection per transaction: ours alone, with its CPU per connection.
      test: 'TCP_CRR',
      goal: RATIO_GOAL,
      ours_command: showArgv(ourArgv.TCP_CRR),
      peer_command: '',
      figure: 'connections (connect, 1-byte request and response, close)',
      unit: 'per s',
      peer_tool: null,
      ours: ours('TCP_CRR'),
      peer: null,
    },
  ];
}

/** Runs one client and charges the server's CPU over the same span to it. */
async function measure(argv: string[], server: BenchmarkServer, timeoutMs: number): Promise<{ run: MeasuredRun; server_cpu_s: number }> {
  if (!server.process.running)
    throw new Error(`${server.process.describe()} is no longer running:\n${tail(server.process.stderr + server.process.stdout)}`);
  const before = readCpuSeconds(server.process.pid);
  const run = await runMeasured(argv, timeoutMs);
  await new Promise((resolve) => setTimeout(resolve, SERVER_SETTLE_MS));
  // Ticks are 10 ms; round away the float noise of the subtraction.
  return { run, server_cpu_s: Math.round((readCpuSeconds(server.process.pid) - before) * 100) / 100 };
}
