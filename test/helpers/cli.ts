import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** The built CLI, run as a user would run it. */
export const CLI = fileURLToPath(new URL('../../runner/cli/main.js', import.meta.url));

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export function runCli(args: string[], options: { timeoutMs?: number; env?: NodeJS.ProcessEnv; cwd?: string } = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { env: { ...process.env, NO_COLOR: '1', ...options.env }, cwd: options.cwd });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(
        new Error(`bench ${args.join(' ')} did not finish within ${options.timeoutMs ?? 60000} ms\nstdout: ${stdout}\nstderr: ${stderr}`),
      );
    }, options.timeoutMs ?? 60_000);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

export interface ServeProcess {
  port: number;
  process: ChildProcess;
  /** Everything the server logged so far. */
  log(): string;
  stop(): Promise<void>;
}

/** Starts `bench serve` on a free loopback port and waits until it listens. */
export function startServeProcess(extraArgs: string[] = [], host = '127.0.0.1'): Promise<ServeProcess> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, 'serve', '--host', host, '--port', '0', ...extraArgs], {
      env: { ...process.env, NO_COLOR: '1' },
    });
    let log = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`bench serve did not start: ${log}`));
    }, 15_000);
    child.stderr!.on('data', (d: Buffer) => {
      log += d.toString();
      const m = /listening address=\S*:(\d+)/.exec(log);
      if (m) {
        clearTimeout(timer);
        resolve({
          port: Number(m[1]),
          process: child,
          log: () => log,
          stop: () =>
            new Promise<void>((done) => {
              // A process killed by a signal has a signalCode and no exitCode.
              if (child.exitCode !== null || child.signalCode !== null) return done();
              child.once('exit', () => done());
              child.kill('SIGTERM');
            }),
        });
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`bench serve exited with ${code}: ${log}`));
    });
  });
}

export function parseRun(stdout: string): import('../../runner/core/run-object.js').RunObject {
  return JSON.parse(stdout) as import('../../runner/core/run-object.js').RunObject;
}
