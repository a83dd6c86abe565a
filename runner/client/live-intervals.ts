import type { StreamSample } from '../control/messages.js';
import type { IntervalRecord } from '../core/run-object.js';
import { type TestParams, clientSends, dataLanes, isRrTest, omittedIntervalCount } from '../core/test-params.js';
import { computeFigures } from '../measure/run-figures.js';

/**
 * Builds interval records while the test runs, from this side's samples and
 * the server's INTERVAL messages, as soon as every stream of both sides has
 * reported interval k. The final intervals are computed again from the full
 * reports; these are for watching.
 */
export class LiveIntervals {
  private readonly params: TestParams;
  private readonly local: StreamSample[][];
  private readonly remote: StreamSample[][];
  private readonly needsRemote: boolean;
  /** This side's role on each data connection; the server's is the other one. */
  private readonly localRoles: Array<'sender' | 'receiver' | 'rr-client'>;
  private emitted = 0;
  private readonly onRecord: (index: number, record: IntervalRecord) => void;

  constructor(params: TestParams, onRecord: (index: number, record: IntervalRecord) => void) {
    this.params = params;
    this.onRecord = onRecord;
    const lanes = dataLanes(params);
    this.local = Array.from({ length: lanes.length }, () => []);
    this.remote = Array.from({ length: lanes.length }, () => []);
    const rr = isRrTest(params.test);
    this.needsRemote = !rr;
    // RRUL figures take each connection by its lane (dataLanes), whatever role it is given here.
    this.localRoles = this.local.map((_, c) => (rr ? 'rr-client' : clientSends(params, c) ? 'sender' : 'receiver'));
  }

  addLocal(stream: number, sample: StreamSample): void {
    this.local[stream]?.push(sample);
    this.flush();
  }

  addRemote(stream: number, sample: StreamSample): void {
    this.remote[stream]?.push(sample);
    this.flush();
  }

  private flush(): void {
    for (;;) {
      const k = this.emitted;
      const ready = this.local.every((s) => s.length > k) && (!this.needsRemote || this.remote.every((s) => s.length > k));
      if (!ready) return;
      // Reuse the one definition of the figures over samples 0..k as if k were the end.
      const asReports = (arrays: StreamSample[][], roleOf: (stream: number) => 'sender' | 'receiver' | 'rr-client') =>
        arrays.map((samples, stream) => ({
          stream,
          role: roleOf(stream),
          samples: samples.slice(0, k + 1),
          omit_sample: null,
          final: samples[k],
          cpu_s: null,
        }));
      const client = asReports(this.local, (c) => this.localRoles[c]);
      const server = this.needsRemote ? asReports(this.remote, (c) => (this.localRoles[c] === 'sender' ? 'receiver' : 'sender')) : [];
      const { intervals } = computeFigures({ ...this.params, omit_s: 0 }, client, server, true);
      const record = intervals[k];
      if (!record) return;
      record.omitted = k < omittedIntervalCount(this.params);
      this.emitted++;
      this.onRecord(k, record);
    }
  }
}
