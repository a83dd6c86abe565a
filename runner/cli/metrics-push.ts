import type { PushRecord } from '../core/results-file.js';
import type { RunObject } from '../core/run-object.js';
import { printable } from '../core/terminal-text.js';
import { renderMetrics } from '../report/export/openmetrics.js';
import { parsePushUrl, pushMetrics } from '../report/export/pushgateway.js';
import { summarizeGroups } from '../scenario/group-results.js';
import type { ScenarioObserver } from '../scenario/run-scenario.js';
import type { PlannedGroup } from '../scenario/scenario-model.js';

/**
 * `bench run --push URL`: as each run ends, its expanded run's metrics (every
 * repeat so far) go to the Pushgateway, one group per expanded run. A push
 * that fails is said once on stderr, recorded, and the scenario goes on: a
 * monitoring outage never fails a benchmark. Pushes are chained, so they
 * arrive in order and the last one is awaited before results.json is written.
 */
export class MetricsPusher {
  private readonly url: string;
  private readonly runs: RunObject[] = [];
  private chain: Promise<void> = Promise.resolve();
  private readonly record: PushRecord;

  constructor(
    url: string,
    private readonly scenario: string,
    private readonly say: (line: string) => void,
  ) {
    this.url = parsePushUrl(url).href;
    this.record = { url: this.url, pushed: 0, failures: [] };
  }

  observer(): ScenarioObserver {
    return {
      runFinished: (run, result) => {
        this.runs.push(result);
        const group = run.group;
        const own = this.runs.filter((r) => r.label === group.label);
        this.chain = this.chain.then(() => this.push(group, own));
      },
    };
  }

  /** Waits for the pushes still on their way, and says what happened to all of them. */
  async finish(): Promise<PushRecord> {
    await this.chain;
    return this.record;
  }

  private async push(group: PlannedGroup, runs: RunObject[]): Promise<void> {
    const stats = summarizeGroups([group], runs);
    const body = renderMetrics({ scenario: { name: this.scenario }, groups: stats, runs }, 'prometheus');
    try {
      await pushMetrics({ url: this.url }, this.scenario, { label: group.label }, body);
      this.record.pushed++;
    } catch (err) {
      const error = (err as Error).message;
      this.record.failures.push({ label: group.label, error });
      this.say(`warning: ${printable(group.label)}: ${printable(error)}; the run is recorded in results.json, and the scenario goes on`);
    }
  }
}
