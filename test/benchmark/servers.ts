import { createServer } from 'node:net';
import { createSocket } from 'node:dgram';
import { startBenchServer } from '../netns/bench-cli.js';
import { loopbackHost, type LoopbackLauncher } from '../netns/host.js';
import { startIperf3Server } from '../netns/iperf3.js';
import type { RunningProcess } from '../netns/processes.js';
import { startSockperfServer } from '../netns/sockperf.js';

/**
 * The long-running servers of the benchmark, each its own process on
 * loopback, so each one's CPU and memory are its own. Started once; every
 * round of a test talks to the same server, as a real peer would.
 */
export interface BenchmarkServer {
  /** For the report, such as 'iperf3 -s'. */
  name: string;
  process: RunningProcess;
  port: number;
}

export interface BenchmarkServers {
  ours: BenchmarkServer;
  iperf3: BenchmarkServer;
  sockperfTcp: BenchmarkServer;
  sockperfUdp: BenchmarkServer;
}

export async function startBenchmarkServers(launcher: LoopbackLauncher): Promise<BenchmarkServers> {
  const host = loopbackHost;
  const [ours, iperf3, sockperfTcp, sockperfUdp] = [await freePort(), await freePort(), await freePort(), await freePort()];
  return {
    ours: { name: 'bench serve', process: await startBenchServer(launcher, host, ours), port: ours },
    iperf3: { name: 'iperf3 -s', process: await startIperf3Server(launcher, host, iperf3), port: iperf3 },
    sockperfTcp: {
      name: 'sockperf server --tcp',
      process: await startSockperfServer(launcher, host, 'tcp', sockperfTcp),
      port: sockperfTcp,
    },
    sockperfUdp: {
      name: 'sockperf server (UDP)',
      process: await startSockperfServer(launcher, host, 'udp', sockperfUdp),
      port: sockperfUdp,
    },
  };
}

/** A loopback port free for both TCP and UDP (iperf3 and ours use the same number for both). */
async function freePort(): Promise<number> {
  for (let attempt = 0; attempt < 20; attempt++) {
    const port = await new Promise<number>((resolve, reject) => {
      const s = createServer();
      s.once('error', reject);
      s.listen(0, '127.0.0.1', () => {
        const address = s.address();
        s.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
      });
    });
    const udpFree = await new Promise<boolean>((resolve) => {
      const u = createSocket('udp4');
      u.once('error', () => resolve(false));
      u.bind(port, '127.0.0.1', () => u.close(() => resolve(true)));
    });
    if (udpFree) return port;
  }
  throw new Error('found no loopback port free for both TCP and UDP in 20 tries; is the machine out of ports?');
}
