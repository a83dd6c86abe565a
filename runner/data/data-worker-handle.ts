import type { Socket } from 'node:net';
import { Worker } from 'node:worker_threads';
import type { StreamReport, StreamSample } from '../control/messages.js';
import { type BenchError, DataPathError, errorFromWire } from '../core/errors.js';
import type { DataEndpoint, DataWorkerSetup, MainToWorker, WorkerToMain } from './worker-messages.js';

const WORKER_URL = new URL('./data-worker.js', import.meta.url);

/**
 * The main thread's handle on one data worker: typed messages in, promises
 * for each phase out. The main thread never touches data sockets. The worker
 * starts at construction and opens its data socket at begin().
 */
export class DataWorkerHandle {
  readonly stream: number;
  /** Server side: the data port the worker bound. */
  readonly bound: Promise<number>;
  readonly attached: Promise<void>;
  readonly result: Promise<StreamReport>;
  private readonly worker: Worker;
  private settle!: { bound: (p: number) => void; attached: () => void; result: (r: StreamReport) => void; fail: (e: BenchError) => void };
  private done = false;
  /** One-port server: resolves when the worker holds its own descriptor of the connection being handed over. */
  private onTaken: (() => void) | null = null;

  constructor(config: DataWorkerSetup, onInterval?: (sample: StreamSample) => void) {
    this.stream = config.stream;
    let fails: Array<(e: BenchError) => void> = [];
    const phase = <T>(assign: (resolve: (v: T) => void) => void): Promise<T> =>
      new Promise<T>((resolve, reject) => {
        assign(resolve);
        fails.push(reject);
      });
    let bound!: (p: number) => void;
    let attached!: () => void;
    let result!: (r: StreamReport) => void;
    this.bound = phase<number>((r) => (bound = r));
    this.attached = phase<void>((r) => (attached = r));
    this.result = phase<StreamReport>((r) => (result = r));
    // Callers may await only some phases; a failure must not surface as an unhandled rejection.
    for (const p of [this.bound, this.attached, this.result]) p.catch(() => {});
    this.settle = {
      bound,
      attached,
      result,
      fail: (e) => {
        for (const f of fails) f(e);
        fails = [];
      },
    };
    this.worker = new Worker(WORKER_URL, { workerData: config });
    this.worker.on('message', (message: WorkerToMain) => {
      switch (message.type) {
        case 'BOUND':
          this.settle.bound(message.port);
          break;
        case 'ATTACHED':
          this.settle.attached();
          break;
        case 'TAKEN':
          this.onTaken?.();
          break;
        case 'INTERVAL':
          onInterval?.(message.sample);
          break;
        case 'RESULT':
          this.done = true;
          this.settle.result(message.report);
          break;
        case 'ERROR':
          this.done = true;
          this.settle.fail(errorFromWire(message));
          break;
      }
    });
    this.worker.on('error', (err) =>
      this.settle.fail(new DataPathError(`data worker for stream ${config.stream} crashed: ${err.message}`, err)),
    );
    this.worker.on('exit', (code) => {
      if (!this.done) this.settle.fail(new DataPathError(`data worker for stream ${config.stream} exited (code ${code}) before reporting`));
    });
  }

  private send(message: MainToWorker): void {
    this.worker.postMessage(message);
  }

  /** Open the data socket towards (client) or on (server) this endpoint. */
  begin(endpoint: DataEndpoint): void {
    this.send({ type: 'BEGIN', endpoint });
  }

  start(): void {
    this.send({ type: 'START' });
  }

  /**
   * One port, TCP: hands the worker a data connection the control listener
   * accepted (runner/data/one-port.ts). The worker duplicates the process's
   * descriptor for it; then this thread closes its net.Socket, which closes
   * only its own descriptor, and says so. Resolves once the worker may ack.
   */
  async adopt(socket: Socket): Promise<void> {
    const { localAddress, localPort, remoteAddress, remotePort } = socket;
    if (!localAddress || !localPort || !remoteAddress || !remotePort) {
      socket.destroy();
      const err = new DataPathError(`the data connection for stream ${this.stream} closed before this server could take it over`);
      this.settle.fail(err);
      throw err;
    }
    const taken = new Promise<void>((resolve) => (this.onTaken = resolve));
    this.send({
      type: 'ADOPT',
      local_address: localAddress,
      local_port: localPort,
      remote_address: remoteAddress,
      remote_port: remotePort,
    });
    try {
      // A worker that fails instead rejects `attached`, with why.
      await Promise.race([taken, this.attached]);
    } finally {
      this.onTaken = null;
      const closed = socket.closed ? Promise.resolve() : new Promise((resolve) => socket.once('close', resolve));
      socket.destroy();
      await closed;
    }
    this.send({ type: 'RELEASED' });
  }

  /** One port, UDP: this stream's turn to bind the shared port. */
  open(): void {
    this.send({ type: 'OPEN' });
  }

  stop(): void {
    this.send({ type: 'STOP' });
  }

  /** Ends the worker at once, wherever it is. */
  async terminate(): Promise<void> {
    this.done = true;
    this.settle.fail(new DataPathError(`data worker for stream ${this.stream} was stopped`));
    await this.worker.terminate();
  }
}
