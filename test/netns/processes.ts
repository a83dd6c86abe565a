import { spawn, type ChildProcess } from 'node:child_process';

/**
 * Child processes for the testbed and the benchmark: one-shot commands with a
 * time limit, and long-running servers that are always stopped at the end.
 * Every failure names the command and shows the tail of its output, because a
 * bare "exit code 1" from `ip` or `iperf3` tells the reader nothing.
 */

export interface CommandResult {
  argv: string[];
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface RunCommandOptions {
  /** The command is killed and the call rejects after this long. */
  timeoutMs: number;
  /** Reject when the exit code is not 0 (default true). */
  check?: boolean;
  env?: NodeJS.ProcessEnv;
}

export function showArgv(argv: readonly string[]): string {
  return argv.map((a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`)).join(' ');
}

/** Last lines of some output, for error messages. */
export function tail(text: string, lines = 8): string {
  const kept = text.trimEnd().split('\n').slice(-lines).join('\n');
  return kept === '' ? '(no output)' : kept;
}

export function runCommand(argv: string[], options: RunCommandOptions): Promise<CommandResult> {
  const check = options.check ?? true;
  return new Promise((resolve, reject) => {
    const child = spawn(argv[0], argv.slice(1), { stdio: ['ignore', 'pipe', 'pipe'], env: options.env ?? process.env });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, options.timeoutMs);
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(new Error(`could not start '${showArgv(argv)}': ${err.message}; check that ${argv[0]} is installed and on PATH`));
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const result: CommandResult = { argv, code, signal, stdout, stderr };
      if (timedOut) {
        reject(
          new Error(`'${showArgv(argv)}' did not finish within ${options.timeoutMs} ms and was killed; output:\n${tail(stderr + stdout)}`),
        );
      } else if (check && code !== 0) {
        reject(
          new Error(
            `'${showArgv(argv)}' failed with ${code === null ? `signal ${signal}` : `exit code ${code}`}:\n${tail(stderr + stdout)}`,
          ),
        );
      } else {
        resolve(result);
      }
    });
  });
}

/** A server or other process that runs until stopped. */
export class RunningProcess {
  readonly argv: string[];
  readonly child: ChildProcess;
  stdout = '';
  stderr = '';
  /** Resolves when the process has exited, with how it ended. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  private exitedYet = false;

  constructor(argv: string[], env?: NodeJS.ProcessEnv) {
    this.argv = argv;
    this.child = spawn(argv[0], argv.slice(1), { stdio: ['ignore', 'pipe', 'pipe'], env: env ?? process.env });
    this.child.stdout?.setEncoding('utf8').on('data', (d: string) => (this.stdout += d));
    this.child.stderr?.setEncoding('utf8').on('data', (d: string) => (this.stderr += d));
    this.exited = new Promise((resolve) => {
      this.child.on('error', (err) => {
        this.stderr += `could not start: ${err.message}\n`;
        this.exitedYet = true;
        resolve({ code: null, signal: null });
      });
      this.child.on('close', (code, signal) => {
        this.exitedYet = true;
        resolve({ code, signal });
      });
    });
  }

  get pid(): number {
    if (this.child.pid === undefined) throw new Error(`'${showArgv(this.argv)}' has no pid: it failed to start:\n${tail(this.stderr)}`);
    return this.child.pid;
  }

  get running(): boolean {
    return !this.exitedYet;
  }

  /** SIGTERM, then SIGKILL if it has not exited after graceMs. */
  async stop(graceMs = 2000): Promise<void> {
    if (this.exitedYet) return;
    this.child.kill('SIGTERM');
    const killer = setTimeout(() => this.child.kill('SIGKILL'), graceMs);
    await this.exited;
    clearTimeout(killer);
  }

  describe(): string {
    return `'${showArgv(this.argv)}' (pid ${this.child.pid ?? 'none'})`;
  }
}

/** Every process started through it is stopped by stopAll, whatever happened before. */
export class ProcessSet {
  private readonly processes: RunningProcess[] = [];

  start(argv: string[], env?: NodeJS.ProcessEnv): RunningProcess {
    const p = new RunningProcess(argv, env);
    this.processes.push(p);
    return p;
  }

  async stopAll(): Promise<void> {
    await Promise.all(this.processes.map((p) => p.stop()));
    this.processes.length = 0;
  }

  /** For process-exit handlers, where nothing asynchronous runs any more. */
  killAllNow(): void {
    for (const p of this.processes) if (p.running) p.child.kill('SIGKILL');
    this.processes.length = 0;
  }
}
