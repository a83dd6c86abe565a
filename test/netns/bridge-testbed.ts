import { spawnSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { namespaceHost, type Host, type Launcher } from './host.js';
import { ProcessSet, runCommand, type CommandResult, type RunningProcess } from './processes.js';

/**
 * A rack on one machine: N hosts, each a network namespace, plugged into a
 * Linux bridge in the root namespace, which has an address on the same /24 so
 * that a process in the root namespace (an orchestrator) reaches every host.
 * Host i is <subnet>.(i+1); the root namespace is <subnet>.254.
 *
 * - shape(host, rate): tbf on both directions of one host's link, at the
 *   host's own veth and at the bridge port facing it.
 * - countOutgoing(host): an nftables counter of the bytes a host sends to
 *   other hosts (not to the root namespace), to prove that nothing was sent.
 * - resolvConf(host, server): the resolv.conf that `ip netns exec` mounts in
 *   the host (/etc/netns/NAME/resolv.conf), so the system resolver in that
 *   namespace asks a DNS server of the test's own.
 *
 * Teardown kills every process started through the testbed, deletes the
 * namespaces, the bridge and the resolv.conf files. Use BridgeTestbed.use().
 */
const COMMAND_TIMEOUT_MS = 10_000;
const TBF_BURST = '64kb';
const TBF_LATENCY = '50ms';
const COUNT_TABLE = 'benchcount';

let created = 0;
const alive = new Set<BridgeTestbed>();

export interface BridgeTestbedOptions {
  hosts: number;
  /** First three octets of the /24 (default 10.78.<n>); private namespaces, any /24 works. */
  subnet?: string;
}

export class BridgeTestbed implements Launcher {
  readonly hosts: Host[];
  /** The root namespace's address on the bridge. */
  readonly rootAddress: string;
  private readonly namespaces: string[];
  private readonly bridge: string;
  private readonly rootPorts: string[];
  private readonly processes = new ProcessSet();
  private destroyed = false;

  private constructor(count: number, subnet: string) {
    created += 1;
    // Interface names have at most 15 characters: keep the tag short and unique per process.
    const tag = `${process.pid % 100000}${created}`;
    this.bridge = `bbr${tag}`;
    this.namespaces = Array.from({ length: count }, (_, i) => `bench-rack-${tag}-${i}`);
    this.rootPorts = Array.from({ length: count }, (_, i) => `bp${tag}x${i}`);
    this.hosts = this.namespaces.map((ns, i) => namespaceHost(ns, `${subnet}.${i + 1}`));
    this.rootAddress = `${subnet}.254`;
  }

  static async use<T>(options: BridgeTestbedOptions, work: (testbed: BridgeTestbed) => Promise<T>): Promise<T> {
    const testbed = await BridgeTestbed.create(options);
    try {
      return await work(testbed);
    } finally {
      await testbed.destroy();
    }
  }

  static async create(options: BridgeTestbedOptions): Promise<BridgeTestbed> {
    if (!Number.isInteger(options.hosts) || options.hosts < 2 || options.hosts > 32)
      throw new Error(`a rack of ${options.hosts} hosts: use 2 to 32`);
    const subnet = options.subnet ?? `10.78.${(created % 200) + 1}`;
    const testbed = new BridgeTestbed(options.hosts, subnet);
    alive.add(testbed);
    try {
      await testbed.build();
    } catch (err) {
      await testbed.destroy().catch(() => undefined);
      throw new Error(`could not build the bridge testbed ${testbed.bridge}: ${(err as Error).message}`, { cause: err });
    }
    return testbed;
  }

  private async build(): Promise<void> {
    await this.ip(['link', 'add', this.bridge, 'type', 'bridge']);
    await this.ip(['addr', 'add', `${this.rootAddress}/24`, 'dev', this.bridge]);
    await this.ip(['link', 'set', this.bridge, 'up']);
    for (let i = 0; i < this.hosts.length; i++) {
      const ns = this.namespaces[i];
      await this.ip(['netns', 'add', ns]);
      await this.ip(['link', 'add', this.rootPorts[i], 'type', 'veth', 'peer', 'name', 'eth0', 'netns', ns]);
      await this.ip(['link', 'set', this.rootPorts[i], 'master', this.bridge]);
      await this.ip(['link', 'set', this.rootPorts[i], 'up']);
      await this.ip(['-n', ns, 'addr', 'add', `${this.hosts[i].address}/24`, 'dev', 'eth0']);
      await this.ip(['-n', ns, 'link', 'set', 'eth0', 'up']);
      await this.ip(['-n', ns, 'link', 'set', 'lo', 'up']);
    }
  }

  private ip(args: string[]): Promise<CommandResult> {
    return runCommand(['ip', ...args], { timeoutMs: COMMAND_TIMEOUT_MS });
  }

  /** Limits one host's link to `rate` (tc syntax, such as 100mbit) in both directions. */
  async shape(host: Host, rate: string): Promise<void> {
    const i = this.indexOf(host);
    const tbf = ['qdisc', 'add', 'dev'];
    const shaping = ['root', 'tbf', 'rate', rate, 'burst', TBF_BURST, 'latency', TBF_LATENCY];
    await runCommand(['tc', '-n', this.namespaces[i], ...tbf, 'eth0', ...shaping], { timeoutMs: COMMAND_TIMEOUT_MS });
    await runCommand(['tc', ...tbf, this.rootPorts[i], ...shaping], { timeoutMs: COMMAND_TIMEOUT_MS });
  }

  /** Starts counting what `host` sends to the other hosts of the rack (IPv4, any protocol). */
  async countOutgoing(host: Host): Promise<void> {
    const subnet = host.address.replace(/\.\d+$/, '.0/24');
    await this.run(host, ['nft', 'add', 'table', 'inet', COUNT_TABLE]);
    await this.run(host, ['nft', 'add', 'chain', 'inet', COUNT_TABLE, 'output', '{ type filter hook output priority 0; }']);
    await this.run(host, [
      'nft',
      'add',
      'rule',
      'inet',
      COUNT_TABLE,
      'output',
      'ip',
      'daddr',
      subnet,
      'ip',
      'daddr',
      '!=',
      this.rootAddress,
      'counter',
    ]);
  }

  /** Packets and bytes `host` has sent to other hosts since countOutgoing. */
  async outgoing(host: Host): Promise<{ packets: number; bytes: number }> {
    const r = await this.run(host, ['nft', '-j', 'list', 'table', 'inet', COUNT_TABLE]);
    const rules = (JSON.parse(r.stdout) as { nftables: { rule?: { expr: Record<string, unknown>[] } }[] }).nftables.flatMap((o) =>
      o.rule ? [o.rule] : [],
    );
    const counter = rules[0]?.expr.find((e) => 'counter' in e)?.counter as { packets: number; bytes: number } | undefined;
    if (!counter) throw new Error(`no outgoing counter on ${host.name}; call countOutgoing first`);
    return counter;
  }

  /** Makes the system resolver inside `host` ask `nameserver` (ip netns exec mounts /etc/netns/NAME/resolv.conf). */
  resolvConf(host: Host, nameserver: string): void {
    const dir = `/etc/netns/${host.name}`;
    mkdirSync(dir, { recursive: true });
    writeFileSync(`${dir}/resolv.conf`, `nameserver ${nameserver}\noptions timeout:2 attempts:1\n`);
  }

  run(host: Host, argv: string[], options: { timeoutMs?: number; check?: boolean } = {}): Promise<CommandResult> {
    return runCommand(host.wrap(argv), { timeoutMs: options.timeoutMs ?? COMMAND_TIMEOUT_MS, check: options.check ?? true });
  }

  start(host: Host, argv: string[], env?: NodeJS.ProcessEnv): RunningProcess {
    if (this.destroyed) throw new Error(`cannot start '${argv[0]}' on ${host.name}: the testbed was torn down`);
    return this.processes.start(host.wrap(argv), env);
  }

  private indexOf(host: Host): number {
    const i = this.hosts.indexOf(host);
    if (i < 0) throw new Error(`${host.name} is not a host of bridge testbed ${this.bridge}`);
    return i;
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
      rmSync(`/etc/netns/${ns}`, { recursive: true, force: true });
    }
    // Deleting a namespace deletes its veth end, and with it the bridge port; then the bridge.
    const r = await runCommand(['ip', 'link', 'del', this.bridge], { timeoutMs: COMMAND_TIMEOUT_MS, check: false });
    if (r.code !== 0 && !/Cannot find device/.test(r.stderr)) failures.push(`ip link del ${this.bridge}: ${r.stderr.trim()}`);
    if (failures.length > 0) throw new Error(`bridge testbed teardown left things behind:\n${failures.join('\n')}`);
  }

  destroyNow(): void {
    this.destroyed = true;
    alive.delete(this);
    this.processes.killAllNow();
    for (const ns of this.namespaces) {
      spawnSync('ip', ['netns', 'del', ns], { timeout: COMMAND_TIMEOUT_MS });
      rmSync(`/etc/netns/${ns}`, { recursive: true, force: true });
    }
    spawnSync('ip', ['link', 'del', this.bridge], { timeout: COMMAND_TIMEOUT_MS });
  }
}

process.on('exit', () => {
  for (const testbed of alive) testbed.destroyNow();
});
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    for (const testbed of alive) testbed.destroyNow();
    process.kill(process.pid, signal);
  });
}
