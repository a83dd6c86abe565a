import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';

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
  return spawnSync('sh', ['-c', `command -v ${PUSHGATEWAY}`]).status === 0 ? false : `${PUSHGATEWAY} not installed (Debian: prometheus-pushgateway)`;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** Starts the gateway and resolves once it logs that it listens. */
export async function startPushgateway(): Promise<Pushgateway> {
  const port = await freePort();
  const child = spawn(PUSHGATEWAY, [`--web.listen-address=127.0.0.1:${port}`], { stdio: ['ignore', 'ignore', 'pipe'] });
  const url = `http://127.0.0.1:${port}`;
  await new Promise<void>((resolve, reject) => {
    let log = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`the Pushgateway did not start listening within 15 s: ${log}`));
    }, 15_000);
    child.stderr!.on('data', (chunk: Buffer) => {
      log += chunk.toString();
      if (log.includes('msg="Listening on"')) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`the Pushgateway exited with ${code}: ${log}`));
    });
  });
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
