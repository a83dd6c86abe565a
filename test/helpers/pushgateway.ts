import { spawn, spawnSync, type ChildProcess } from 'node:child_process';

/** A real Prometheus Pushgateway (Debian's prometheus-pushgateway) on a free loopback port. */
export interface Pushgateway {
  url: string;
  process: ChildProcess;
  /** Its /metrics page, as Prometheus would scrape it. */
  scrape(): Promise<string>;
  stop(): Promise<void>;
}

export const PUSHGATEWAY = 'prometheus-pushgateway';

export function pushgatewayMissing(): string | false {
  return spawnSync('sh', ['-c', `command -v ${PUSHGATEWAY}`]).status === 0
    ? false
    : `${PUSHGATEWAY} not installed (Debian: prometheus-pushgateway)`;
}

/** Starts the gateway on a port the kernel picks, and resolves once it logs where it listens. */
export async function startPushgateway(): Promise<Pushgateway> {
  const child = spawn(PUSHGATEWAY, ['--web.listen-address=127.0.0.1:0'], { stdio: ['ignore', 'ignore', 'pipe'] });
  const port = await new Promise<number>((resolve, reject) => {
    let log = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`the Pushgateway did not start listening within 15 s: ${log}`));
    }, 15_000);
    child.stderr!.on('data', (chunk: Buffer) => {
      log += chunk.toString();
      const listening = /msg="Listening on" address=127\.0\.0\.1:(\d+)/.exec(log);
      if (listening) {
        clearTimeout(timer);
        resolve(Number(listening[1]));
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`the Pushgateway exited with ${code}: ${log}`));
    });
  });
  const url = `http://127.0.0.1:${port}`;
  return {
    url,
    process: child,
    scrape: async () => {
      const response = await fetch(`${url}/metrics`, { signal: AbortSignal.timeout(10_000) });
      return response.text();
    },
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}
