import { waitForListening, type Host, type Launcher } from './host.js';
import { showArgv, tail, type RunningProcess } from './processes.js';

/**
 * sockperf as the reference for RR tests. `sockperf ping-pong` sends one
 * message, waits for its echo, repeats; it leaves a warm-up and a cool-down
 * out and reports the rest as its "valid duration". Round trips per second
 * are ReceivedMessages / RunTime of that valid duration.
 *
 * Its latency percentiles are half the round trip (sockperf reports one-way
 * latency as RTT/2); ours are full round trips.
 */

/** sockperf refuses messages shorter than 14 bytes (its header). */
export const SOCKPERF_MIN_MESSAGE = 14;

export interface SockperfOptions {
  protocol: 'tcp' | 'udp';
  server: string;
  port: number;
  /** Whole seconds (sockperf -t). */
  duration_s: number;
  message_bytes?: number;
}

export interface SockperfResult {
  valid_runtime_s: number;
  sent: number;
  received: number;
  round_trips_per_sec: number;
  /** Half round trip, microseconds, as sockperf prints it. */
  half_rtt_p50_us?: number;
  half_rtt_p99_us?: number;
}

export function sockperfServerArgv(protocol: 'tcp' | 'udp', address: string, port: number): string[] {
  return ['sockperf', 'server', ...(protocol === 'tcp' ? ['--tcp'] : []), '-i', address, '-p', String(port)];
}

export function sockperfPingPongArgv(o: SockperfOptions): string[] {
  return [
    'sockperf',
    'ping-pong',
    ...(o.protocol === 'tcp' ? ['--tcp'] : []),
    '-i',
    o.server,
    '-p',
    String(o.port),
    '-t',
    String(Math.max(1, Math.round(o.duration_s))),
    '-m',
    String(o.message_bytes ?? SOCKPERF_MIN_MESSAGE),
  ];
}

// sockperf colours some lines even when writing to a pipe.
const ANSI = /\x1b\[[0-9;]*m/g;
const VALID = /\[Valid Duration\] RunTime=([\d.]+) sec; SentMessages=(\d+); ReceivedMessages=(\d+)/;

export function parseSockperf(output: string, what: string): SockperfResult {
  const text = output.replace(ANSI, '');
  const m = VALID.exec(text);
  if (!m) throw new Error(`${what}: no '[Valid Duration] RunTime=... ReceivedMessages=...' line in sockperf's output:\n${tail(text)}`);
  const valid_runtime_s = Number(m[1]);
  const received = Number(m[3]);
  if (!(valid_runtime_s > 0)) throw new Error(`${what}: sockperf's valid duration is ${m[1]} s; run it longer (-t)`);
  const result: SockperfResult = { valid_runtime_s, sent: Number(m[2]), received, round_trips_per_sec: received / valid_runtime_s };
  const p50 = /percentile 50\.000 =\s*([\d.]+)/.exec(text);
  const p99 = /percentile 99\.000 =\s*([\d.]+)/.exec(text);
  if (p50) result.half_rtt_p50_us = Number(p50[1]);
  if (p99) result.half_rtt_p99_us = Number(p99[1]);
  return result;
}

/** Starts `sockperf server` on `host` and waits until its socket is bound. */
export async function startSockperfServer(launcher: Launcher, host: Host, protocol: 'tcp' | 'udp', port: number): Promise<RunningProcess> {
  const server = launcher.start(host, sockperfServerArgv(protocol, host.address, port));
  await waitForListening(host, protocol, port, server);
  return server;
}

export async function runSockperf(launcher: Launcher, host: Host, options: SockperfOptions): Promise<SockperfResult> {
  const argv = sockperfPingPongArgv(options);
  const r = await launcher.run(host, argv, { timeoutMs: (options.duration_s + 20) * 1000 });
  return parseSockperf(r.stdout + r.stderr, `'${showArgv(argv)}' on ${host.name}`);
}
