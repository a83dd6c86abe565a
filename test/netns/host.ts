import { ProcessSet, runCommand, tail, type CommandResult, type RunningProcess } from './processes.js';

/**
 * A place where processes run: the machine itself (loopback) or one end of a
 * testbed (a network namespace). Tool drivers take a Host, so the same driver
 * serves the loopback benchmark and the two-namespace tests.
 */
export interface Host {
  /** For messages, such as `bench-b-1234-1`. */
  name: string;
  /** The address peers use to reach this host. */
  address: string;
  /** The argv that runs `argv` on this host. */
  wrap(argv: string[]): string[];
}

export const loopbackHost: Host = {
  name: 'loopback',
  address: '127.0.0.1',
  wrap: (argv) => argv,
};

export function namespaceHost(namespace: string, address: string): Host {
  // `ip netns exec` execs the command after entering the namespace, so the
  // pid we get is the command's own (its /proc entries are the tool's).
  return { name: namespace, address, wrap: (argv) => ['ip', 'netns', 'exec', namespace, ...argv] };
}

/** `host:port`, with IPv6 addresses in brackets. */
export function hostPort(address: string, port: number): string {
  return address.includes(':') ? `[${address}]:${port}` : `${address}:${port}`;
}

/**
 * Waits until `server` listens on `port` (TCP) or has it bound (UDP) on
 * `host`. Asking the kernel with `ss` works for any server, whatever it prints
 * and however it buffers its output.
 */
export async function waitForListening(
  host: Host,
  protocol: 'tcp' | 'udp',
  port: number,
  server: RunningProcess,
  timeoutMs = 10_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  const flags = protocol === 'tcp' ? '-Hltn' : '-Hlun';
  let ssError = '';
  while (Date.now() < deadline) {
    if (!server.running) {
      throw new Error(
        `${server.describe()} exited before listening on ${protocol.toUpperCase()} port ${port} on ${host.name}:\n${tail(server.stderr + server.stdout)}`,
      );
    }
    const r = await runCommand(host.wrap(['ss', flags, `sport = :${port}`]), { timeoutMs: 5000, check: false });
    if (r.code === 0 && r.stdout.trim() !== '') return;
    ssError = r.stderr;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(
    `${server.describe()} was not listening on ${protocol.toUpperCase()} port ${port} on ${host.name} after ${timeoutMs} ms` +
      `${ssError ? `; ss said: ${tail(ssError, 2)}` : ''}; its output:\n${tail(server.stderr + server.stdout)}`,
  );
}

/** Starts and runs processes on hosts; a Testbed is one, LoopbackLauncher the other. */
export interface Launcher {
  start(host: Host, argv: string[], env?: NodeJS.ProcessEnv): RunningProcess;
  run(host: Host, argv: string[], options?: { timeoutMs?: number; check?: boolean }): Promise<CommandResult>;
}

/** Runs everything on this machine; stopAll() ends what start() began. */
export class LoopbackLauncher implements Launcher {
  private readonly processes = new ProcessSet();

  start(host: Host, argv: string[], env?: NodeJS.ProcessEnv): RunningProcess {
    return this.processes.start(host.wrap(argv), env);
  }

  run(host: Host, argv: string[], options: { timeoutMs?: number; check?: boolean } = {}): Promise<CommandResult> {
    return runCommand(host.wrap(argv), { timeoutMs: options.timeoutMs ?? 10_000, check: options.check ?? true });
  }

  stopAll(): Promise<void> {
    return this.processes.stopAll();
  }
}
