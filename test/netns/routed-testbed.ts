import { spawnSync } from 'node:child_process';
import { namespaceHost, type Host, type Launcher } from './host.js';
import { ProcessSet, runCommand, type CommandResult, type RunningProcess } from './processes.js';

/**
 * Three namespaces in a line: client - router - server, each link a veth
 * pair, the router forwarding between them. The bottleneck sits on the
 * router's egress interfaces (tbf), one each way: the queue builds on a hop,
 * as at a home router, not in the sending host's own qdisc, where TCP small
 * queues would keep the sender from filling it and hide the bloat.
 *
 * Subnets: <prefix>.1.0/24 between client (.2) and router (.1), <prefix>.2.0/24
 * between router (.1) and server (.2). Needs root; check testbedAvailable()
 * first. RoutedTestbed.use() always tears down: processes killed, namespaces
 * deleted (the veths go with them).
 */
export interface RoutedTestbedOptions {
  /** First two octets of the two /24s (default 10.91). */
  prefix?: string;
}

export interface Bottleneck {
  /** tc rate syntax, such as 20mbit. */
  rate: string;
  /** The queue's limit in bytes, tc syntax (250kb, 10kb): how deep the buffer is. */
  limit: string;
}

const COMMAND_TIMEOUT_MS = 10_000;
/** A token bucket of a few full-size packets: enough for the rate, too little to let bursts through unqueued. */
const TBF_BURST = '10kb';

let created = 0;
const alive = new Set<RoutedTestbed>();

export class RoutedTestbed implements Launcher {
  readonly client: Host;
  readonly router: Host;
  readonly server: Host;
  private readonly processes = new ProcessSet();
  private readonly namespaces: [string, string, string];
  private readonly prefix: string;
  private shaped = false;
  private destroyed = false;

  private constructor(prefix: string) {
    created += 1;
    const tag = `${process.pid}-${created}`;
    this.namespaces = [`rrul-c-${tag}`, `rrul-r-${tag}`, `rrul-s-${tag}`];
    this.prefix = prefix;
    this.client = namespaceHost(this.namespaces[0], `${prefix}.1.2`);
    this.router = namespaceHost(this.namespaces[1], `${prefix}.1.1`);
    this.server = namespaceHost(this.namespaces[2], `${prefix}.2.2`);
  }

  static async use<T>(options: RoutedTestbedOptions, work: (testbed: RoutedTestbed) => Promise<T>): Promise<T> {
    const prefix = options.prefix ?? '10.91';
    if (!/^\d{1,3}\.\d{1,3}$/.test(prefix)) throw new Error(`routed testbed prefix '${prefix}' is not two octets, such as 10.91`);
    const testbed = new RoutedTestbed(prefix);
    alive.add(testbed);
    try {
      await testbed.build();
    } catch (err) {
      await testbed.destroy().catch(() => undefined);
      throw new Error(`could not build the routed testbed ${testbed.namespaces.join(' - ')}: ${(err as Error).message}`, { cause: err });
    }
    try {
      return await work(testbed);
    } finally {
      await testbed.destroy();
    }
  }

  private async build(): Promise<void> {
    const [c, r, s] = this.namespaces;
    const p = this.prefix;
    for (const ns of this.namespaces) await this.ip(['netns', 'add', ns]);
    await this.ip(['link', 'add', 'c0', 'netns', c, 'type', 'veth', 'peer', 'name', 'r0', 'netns', r]);
    await this.ip(['link', 'add', 'r1', 'netns', r, 'type', 'veth', 'peer', 'name', 's0', 'netns', s]);
    const addresses: Array<[string, string, string]> = [
      [c, 'c0', `${p}.1.2/24`],
      [r, 'r0', `${p}.1.1/24`],
      [r, 'r1', `${p}.2.1/24`],
      [s, 's0', `${p}.2.2/24`],
    ];
    for (const [ns, dev, address] of addresses) {
      await this.ip(['-n', ns, 'addr', 'add', address, 'dev', dev]);
      await this.ip(['-n', ns, 'link', 'set', dev, 'up']);
    }
    for (const ns of this.namespaces) await this.ip(['-n', ns, 'link', 'set', 'lo', 'up']);
    await this.ip(['-n', c, 'route', 'add', 'default', 'via', `${p}.1.1`]);
    await this.ip(['-n', s, 'route', 'add', 'default', 'via', `${p}.2.1`]);
    await this.run(this.router, ['sysctl', '-q', '-w', 'net.ipv4.ip_forward=1']);
  }

  /** Puts the bottleneck on the router: tbf on r1 (towards the server: upload) and r0 (towards the client: download). */
  async shape(bottleneck: Bottleneck): Promise<void> {
    const verb = this.shaped ? 'replace' : 'add';
    for (const dev of ['r0', 'r1']) {
      await runCommand(
        [
          'tc',
          '-n',
          this.namespaces[1],
          'qdisc',
          verb,
          'dev',
          dev,
          'root',
          'tbf',
          'rate',
          bottleneck.rate,
          'burst',
          TBF_BURST,
          'limit',
          bottleneck.limit,
        ],
        { timeoutMs: COMMAND_TIMEOUT_MS },
      );
    }
    this.shaped = true;
  }

  /**
   * The TCP congestion control of new connections from the client and the
   * server. A namespace may only choose what the host lists in
   * net.ipv4.tcp_allowed_congestion_control: an algorithm missing there is
   * added (the host keeps it: other namespaces' choices do not change).
   */
  async congestionControl(algorithm: string): Promise<void> {
    const allowed = await runCommand(['sysctl', '-n', 'net.ipv4.tcp_allowed_congestion_control'], { timeoutMs: COMMAND_TIMEOUT_MS });
    const list = allowed.stdout.trim().split(/\s+/);
    if (!list.includes(algorithm)) {
      await runCommand(['sysctl', '-q', '-w', `net.ipv4.tcp_allowed_congestion_control=${[...list, algorithm].join(' ')}`], {
        timeoutMs: COMMAND_TIMEOUT_MS,
      });
    }
    for (const host of [this.client, this.server]) {
      await this.run(host, ['sysctl', '-q', '-w', `net.ipv4.tcp_congestion_control=${algorithm}`]);
    }
  }

  private ip(args: string[]): Promise<CommandResult> {
    return runCommand(['ip', ...args], { timeoutMs: COMMAND_TIMEOUT_MS });
  }

  run(host: Host, argv: string[], options: { timeoutMs?: number; check?: boolean } = {}): Promise<CommandResult> {
    return runCommand(host.wrap(argv), { timeoutMs: options.timeoutMs ?? COMMAND_TIMEOUT_MS, check: options.check ?? true });
  }

  start(host: Host, argv: string[], env?: NodeJS.ProcessEnv): RunningProcess {
    if (this.destroyed) throw new Error(`cannot start '${argv[0]}' on ${host.name}: the testbed was torn down`);
    return this.processes.start(host.wrap(argv), env);
  }

  async destroy(): Promise<void> {
    if (this.destroyed) return;
    this.destroyed = true;
    alive.delete(this);
    await this.processes.stopAll();
    const failures: string[] = [];
    for (const ns of this.namespaces) {
      const r = await runCommand(['ip', 'netns', 'del', ns], { timeoutMs: COMMAND_TIMEOUT_MS, check: false });
      if (r.code !== 0 && !/No such file/.test(r.stderr)) failures.push(`ip netns del ${ns}: ${r.stderr.trim()}`);
    }
    if (failures.length > 0) {
      throw new Error(`routed testbed teardown left namespaces behind (remove them with 'ip netns del NAME'):\n${failures.join('\n')}`);
    }
  }

  destroyNow(): void {
    this.destroyed = true;
    alive.delete(this);
    this.processes.killAllNow();
    for (const ns of this.namespaces) spawnSync('ip', ['netns', 'del', ns], { timeout: COMMAND_TIMEOUT_MS });
  }
}

// A test that throws past its finally, or a Ctrl-C, must not leave namespaces behind.
process.on('exit', () => {
  for (const testbed of alive) testbed.destroyNow();
});
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    for (const testbed of alive) testbed.destroyNow();
    process.kill(process.pid, signal);
  });
}
