import { spawnSync } from 'node:child_process';
import { namespaceHost, type Host, type Launcher } from './host.js';
import { ProcessSet, runCommand, type CommandResult, type RunningProcess } from './processes.js';

/**
 * Two hosts on one link: network namespaces `a` and `b` joined by a veth pair,
 * each with `lo` up, a at <subnet>.1 and b at <subnet>.2. The link can be
 * shaped with tbf on both ends (and re-rated mid-run), and one end can drop a
 * known fraction of incoming UDP with nftables. Needs root; check
 * testbedAvailable() first.
 *
 * Teardown kills every process started through the testbed and deletes both
 * namespaces (the veth pair goes with them). Use Testbed.use(), which always
 * tears down; a testbed still alive when the process exits is removed then.
 */

export interface TestbedOptions {
  /** First three octets of the /24 on the link (default 10.77.0); the namespaces are private, so any /24 works. */
  subnet?: string;
}

/** Burst and queue of the shaper: 64 KiB holds a full GSO segment, 50 ms bounds the queue. */
const TBF_BURST = '64kb';
const TBF_LATENCY = '50ms';
const LINK_DEVICE = 'veth0';
const DROP_TABLE = 'benchdrop';
const COMMAND_TIMEOUT_MS = 10_000;

let created = 0;
const alive = new Set<Testbed>();

export class Testbed implements Launcher {
  readonly a: Host;
  readonly b: Host;
  private readonly processes = new ProcessSet();
  private readonly namespaces: string[];
  private rate: string | undefined;
  private destroyed = false;

  private constructor(a: string, b: string, subnet: string) {
    this.namespaces = [a, b];
    this.a = namespaceHost(a, `${subnet}.1`);
    this.b = namespaceHost(b, `${subnet}.2`);
  }

  /** Creates a testbed, runs `work` on it and always tears it down. */
  static async use<T>(options: TestbedOptions, work: (testbed: Testbed) => Promise<T>): Promise<T> {
    const testbed = await Testbed.create(options);
    try {
      return await work(testbed);
    } finally {
      await testbed.destroy();
    }
  }

  static async create(options: TestbedOptions = {}): Promise<Testbed> {
    const subnet = options.subnet ?? '10.77.0';
    if (!/^\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(subnet)) {
      throw new Error(`testbed subnet '${subnet}' is not the first three octets of an IPv4 /24, such as 10.77.0`);
    }
    // Unique per process and per testbed, so parallel test files never share a namespace.
    created += 1;
    const testbed = new Testbed(`bench-a-${process.pid}-${created}`, `bench-b-${process.pid}-${created}`, subnet);
    alive.add(testbed);
    try {
      await testbed.build();
    } catch (err) {
      await testbed.destroy().catch(() => undefined);
      throw new Error(`could not build the testbed ${testbed.namespaces.join(' <-> ')}: ${(err as Error).message}`, { cause: err });
    }
    return testbed;
  }

  private async build(): Promise<void> {
    const [a, b] = this.namespaces;
    for (const ns of this.namespaces) await this.ip(['netns', 'add', ns]);
    // Creating both ends inside their namespaces avoids a name clash in the root namespace.
    await this.ip(['link', 'add', LINK_DEVICE, 'netns', a, 'type', 'veth', 'peer', 'name', LINK_DEVICE, 'netns', b]);
    for (const [ns, host] of [
      [a, this.a],
      [b, this.b],
    ] as const) {
      await this.ip(['-n', ns, 'addr', 'add', `${host.address}/24`, 'dev', LINK_DEVICE]);
      await this.ip(['-n', ns, 'link', 'set', LINK_DEVICE, 'up']);
      await this.ip(['-n', ns, 'link', 'set', 'lo', 'up']);
    }
  }

  private ip(args: string[]): Promise<CommandResult> {
    return runCommand(['ip', ...args], { timeoutMs: COMMAND_TIMEOUT_MS });
  }

  /** Shapes both ends of the link with tbf, such as shape('100mbit') (tc rate syntax). */
  async shape(rate: string): Promise<void> {
    if (this.rate !== undefined) throw new Error(`the testbed link is already shaped to ${this.rate}; use changeRate('${rate}')`);
    await this.tbf('add', rate);
    this.rate = rate;
  }

  /** Changes the rate of an already shaped link in place (tc qdisc change), as a link that degrades mid-run. */
  async changeRate(rate: string): Promise<void> {
    if (this.rate === undefined) throw new Error(`the testbed link is not shaped yet; call shape('${rate}') first`);
    await this.tbf('change', rate);
    this.rate = rate;
  }

  private async tbf(verb: 'add' | 'change', rate: string): Promise<void> {
    await Promise.all(
      this.namespaces.map((ns) =>
        runCommand(
          ['tc', '-n', ns, 'qdisc', verb, 'dev', LINK_DEVICE, 'root', 'tbf', 'rate', rate, 'burst', TBF_BURST, 'latency', TBF_LATENCY],
          {
            timeoutMs: COMMAND_TIMEOUT_MS,
          },
        ),
      ),
    );
  }

  /**
   * Drops `permille` of every 1000 UDP datagrams arriving at `host`, at random
   * (nftables numgen). Counters on the rules tell how many arrived and how
   * many were dropped: see udpDropCounts.
   */
  async addUdpDrop(host: Host, permille: number): Promise<void> {
    if (!Number.isInteger(permille) || permille < 0 || permille > 1000) {
      throw new Error(`UDP drop of ${permille} per mille is not a whole number from 0 to 1000`);
    }
    const rule = ['nft', 'add', 'rule', 'inet', DROP_TABLE, 'input', 'meta', 'l4proto', 'udp'];
    await this.run(host, ['nft', 'add', 'table', 'inet', DROP_TABLE]);
    await this.run(host, ['nft', 'add', 'chain', 'inet', DROP_TABLE, 'input', '{ type filter hook input priority 0; }']);
    await this.run(host, [...rule, 'counter']);
    await this.run(host, [...rule, 'numgen', 'random', 'mod', '1000', '<', String(permille), 'counter', 'drop']);
  }

  /** UDP datagrams that reached the drop rules on `host`, and how many of them they dropped. */
  async udpDropCounts(host: Host): Promise<{ arrived: number; dropped: number }> {
    const r = await this.run(host, ['nft', '-j', 'list', 'table', 'inet', DROP_TABLE]);
    const rules = (JSON.parse(r.stdout) as { nftables: { rule?: { expr: Record<string, unknown>[] } }[] }).nftables.flatMap((o) =>
      o.rule ? [o.rule] : [],
    );
    const counts = rules.map((rule) => {
      const counter = rule.expr.find((e) => 'counter' in e)?.counter as { packets: number } | undefined;
      return { packets: counter?.packets ?? NaN, drops: rule.expr.some((e) => 'drop' in e) };
    });
    const arrived = counts.find((c) => !c.drops)?.packets;
    const dropped = counts.find((c) => c.drops)?.packets;
    if (arrived === undefined || dropped === undefined) {
      throw new Error(`no UDP drop counters on ${host.name}; call addUdpDrop first (nft said: ${r.stdout.slice(0, 300)})`);
    }
    return { arrived, dropped };
  }

  /**
   * UDP datagrams the kernel of `host` discarded because a socket's receive
   * buffer was full (RcvbufErrors in /proc/net/snmp, per namespace): loss a
   * busy receiver causes, on top of what the link dropped.
   */
  async udpReceiveBufferErrors(host: Host): Promise<number> {
    const r = await this.run(host, ['cat', '/proc/net/snmp']);
    const [names, values] = r.stdout
      .split('\n')
      .filter((l) => l.startsWith('Udp:'))
      .map((l) => l.trim().split(/\s+/));
    const at = names?.indexOf('RcvbufErrors') ?? -1;
    if (!values || at < 0) throw new Error(`/proc/net/snmp on ${host.name} has no Udp RcvbufErrors counter:\n${r.stdout.slice(0, 300)}`);
    return Number(values[at]);
  }

  async removeUdpDrop(host: Host): Promise<void> {
    await this.run(host, ['nft', 'delete', 'table', 'inet', DROP_TABLE]);
  }

  /** Runs a command on one host to completion; rejects on a non-zero exit unless check is false. */
  run(host: Host, argv: string[], options: { timeoutMs?: number; check?: boolean } = {}): Promise<CommandResult> {
    return runCommand(host.wrap(argv), { timeoutMs: options.timeoutMs ?? COMMAND_TIMEOUT_MS, check: options.check ?? true });
  }

  /** Starts a long-running process on one host; it is killed at teardown if still running. */
  start(host: Host, argv: string[], env?: NodeJS.ProcessEnv): RunningProcess {
    if (this.destroyed) throw new Error(`cannot start '${argv[0]}' on ${host.name}: the testbed was torn down`);
    return this.processes.start(host.wrap(argv), env);
  }

  /** Namespace names, for messages and checks. */
  get names(): readonly string[] {
    return this.namespaces;
  }

  /** Kills the testbed's processes and deletes both namespaces. Safe to call twice. */
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
      throw new Error(`testbed teardown left namespaces behind (remove them with 'ip netns del NAME'):\n${failures.join('\n')}`);
    }
  }

  /** Last resort at process exit: synchronous, so it runs even from an 'exit' handler. */
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
