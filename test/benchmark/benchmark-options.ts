/** Command-line options of `npm run bench -- [options]`. */
export interface BenchmarkOptions {
  /** Seconds per run, for ours and for the peer tool alike. */
  duration_s: number;
  /** Runs of each tool per test, alternating ours, peer, ours, peer. */
  rounds: number;
  /** Where the JSON goes. */
  out: string;
  /** Exit 3 when a ratio misses its goal (a speed gate for CI). */
  strict: boolean;
  /** Only these tests, such as TCP_STREAM,UDP_RR. */
  only: string[] | undefined;
}

export const BENCHMARK_USAGE = `usage: npm run bench -- [--quick] [--duration S] [--rounds N] [--only TESTS] [--out FILE] [--strict]
  --quick        2 s runs, 1 round (a smoke run, not a measurement)
  --duration S   seconds per run (default 5)
  --rounds N     runs of each tool per test, alternating (default 3)
  --only TESTS   comma-separated subset of TCP_STREAM,UDP_STREAM,TCP_RR,UDP_RR
  --out FILE     JSON output (default test-artifacts/benchmark.json)
  --strict       exit 3 when a ratio ours/peer is below its goal`;

/** A bad benchmark option: the benchmark exits 2, as bench does for bad arguments. */
export class BenchmarkUsageError extends Error {
  override name = 'BenchmarkUsageError';
}

export function parseBenchmarkOptions(argv: string[], defaultOut: string): BenchmarkOptions | 'help' {
  const options: BenchmarkOptions = { duration_s: 5, rounds: 3, out: defaultOut, strict: false, only: undefined };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const value = (): string => {
      const v = argv[++i];
      if (v === undefined) throw new BenchmarkUsageError(`benchmark option ${arg} needs a value\n${BENCHMARK_USAGE}`);
      return v;
    };
    switch (arg) {
      case '--quick':
        options.duration_s = 2;
        options.rounds = 1;
        break;
      case '--duration':
        options.duration_s = positiveInteger(arg, value());
        break;
      case '--rounds':
        options.rounds = positiveInteger(arg, value());
        break;
      case '--only':
        options.only = value()
          .split(',')
          .map((s) => s.trim().toUpperCase());
        break;
      case '--out':
        options.out = value();
        break;
      case '--strict':
        options.strict = true;
        break;
      case '--help':
      case '-h':
        return 'help';
      default:
        throw new BenchmarkUsageError(`unknown benchmark option '${arg}'\n${BENCHMARK_USAGE}`);
    }
  }
  return options;
}

// Whole seconds, because sockperf's -t takes whole seconds and both tools must run equally long.
function positiveInteger(option: string, text: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1)
    throw new BenchmarkUsageError(`benchmark option ${option} '${text}' must be a whole number of at least 1\n${BENCHMARK_USAGE}`);
  return n;
}
