import { Worker } from 'node:worker_threads';
import type { StreamReport, StreamSample } from '../control/messages.js';
import { type BenchError, DataPathError, errorFromWire } from '../core/errors.js';
import type { DataWorkerConfig, MainToWorker, WorkerToMain } from './worker-messages.js';

const WORKER_URL = new URL('./data-worker.js', import.meta.url);

/**
 * The main thread's handle on one data worker: typed messages in, promises
 * for each phase out. The main thread never touches data sockets.
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

  constructor(config: DataWorkerConfig, onInterval?: (sample: StreamSample) => void) {
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

  start(): void {
    this.send({ type: 'START' });
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
