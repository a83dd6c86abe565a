import { waitForListening, type Host, type Launcher } from './host.js';
import { showArgv, type RunningProcess } from './processes.js';

/**
 * iperf3 as the reference for STREAM tests: argv builders, a parser for
 * `iperf3 -J` output, and start/run helpers. Figures are the receiver's
 * (`end.sum_received`), the same side our throughput_mbps comes from.
 */

export interface Iperf3ClientOptions {
  /** Address of the host running `iperf3 -s`. */
  server: string;
  port: number;
  duration_s: number;
  /** Seconds at the start iperf3 runs but leaves out of its figures (-O); the run lasts duration + omit. */
  omit_s?: number;
  udp?: boolean;
  /** -b target in iperf3 syntax, such as 50M; 0 is unpaced. Only for UDP here. */
  bitrate?: string;
  /** -l: bytes per write (TCP) or per datagram (UDP). */
  length_bytes?: number;
}

export interface Iperf3Result {
  /** Bits the server received over its measured time, 10^6 bit/s. */
  receiver_mbps: number;
  sender_mbps: number;
  bytes_received: number;
  seconds: number;
  /** Per reporting interval (1 s), client side, omitted intervals left out. */
  interval_mbps: number[];
  /** UDP only, counted by the receiver. */
  packets?: number;
  lost_packets?: number;
  lost_percent?: number;
  jitter_ms?: number;
}

export function iperf3ServerArgv(port: number, bindAddress: string): string[] {
  return ['iperf3', '-s', '-p', String(port), '-B', bindAddress];
}

export function iperf3ClientArgv(o: Iperf3ClientOptions): string[] {
  const argv = ['iperf3', '-c', o.server, '-p', String(o.port), '-t', String(o.duration_s), '-J'];
  if (o.omit_s) argv.push('-O', String(o.omit_s));
  if (o.udp) argv.push('-u', '-b', o.bitrate ?? '1M');
  if (o.length_bytes !== undefined) argv.push('-l', String(o.length_bytes));
  return argv;
}

interface Iperf3Sum {
  seconds: number;
  bytes: number;
  bits_per_second: number;
  packets?: number;
  lost_packets?: number;
  lost_percent?: number;
  jitter_ms?: number;
  omitted?: boolean;
}

interface Iperf3Json {
  error?: string;
  intervals?: { sum: Iperf3Sum }[];
  end?: { sum_sent?: Iperf3Sum; sum_received?: Iperf3Sum; sum?: Iperf3Sum };
}

/** Reads `iperf3 -J` output; `what` names the run in errors. */
export function parseIperf3Json(text: string, what: string): Iperf3Result {
  let json: Iperf3Json;
  try {
    json = JSON.parse(text) as Iperf3Json;
  } catch {
    throw new Error(`${what}: iperf3 did not print JSON (was -J given?); it printed: ${text.slice(0, 300)}`);
  }
  if (json.error) throw new Error(`${what}: iperf3 reported an error: ${json.error}`);
  const received = json.end?.sum_received;
  const sent = json.end?.sum_sent;
  if (!received || !sent) throw new Error(`${what}: iperf3 JSON has no end.sum_received / end.sum_sent; is this iperf3 3.1 or later?`);
  const result: Iperf3Result = {
    receiver_mbps: received.bits_per_second / 1e6,
    sender_mbps: sent.bits_per_second / 1e6,
    bytes_received: received.bytes,
    seconds: received.seconds,
    interval_mbps: (json.intervals ?? []).filter((i) => !i.sum.omitted).map((i) => i.sum.bits_per_second / 1e6),
  };
  // For UDP, loss and jitter are the receiver's, reported back in end.sum.
  const udp = json.end?.sum;
  if (udp?.lost_packets !== undefined) {
    result.packets = udp.packets;
    result.lost_packets = udp.lost_packets;
    result.lost_percent = udp.lost_percent;
    result.jitter_ms = udp.jitter_ms;
  }
  return result;
}

/** Starts `iperf3 -s` on `host` and waits until it listens. */
export async function startIperf3Server(launcher: Launcher, host: Host, port: number): Promise<RunningProcess> {
  const server = launcher.start(host, iperf3ServerArgv(port, host.address));
  await waitForListening(host, 'tcp', port, server);
  return server;
}

/** Runs one iperf3 client on `host` to completion. */
export async function runIperf3(launcher: Launcher, host: Host, options: Iperf3ClientOptions): Promise<Iperf3Result> {
  const argv = iperf3ClientArgv(options);
  // iperf3 -J exits 1 with an "error" field in its JSON; parse that rather than rejecting on the code.
  const r = await launcher.run(host, argv, { timeoutMs: (options.duration_s + (options.omit_s ?? 0) + 20) * 1000, check: false });
  return parseIperf3Json(r.stdout, `'${showArgv(argv)}' on ${host.name}`);
}
