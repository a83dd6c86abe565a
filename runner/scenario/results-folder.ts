import { constants } from 'node:fs';
import { mkdir, open, readdir, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { UsageError } from '../core/errors.js';
import { CREATE_NEW_FILE, TEMP_FILE_PATTERN, describeWriteFailure, makeFolders, writeError, writeFileWhole } from '../core/output-files.js';
import { CHART_DIR, RESULTS_NAME, RUN_LOG_NAME, type ResultsFile } from '../core/results-file.js';
import type { RunObject } from '../core/run-object.js';

/** results/<name>-<UTC time>, such as results/lab-baseline-20250125T005512Z. */
export function defaultResultsDir(name: string, now: Date): string {
  const slug =
    name
      .toLowerCase()
      .replace(/[^a-z0-9._-]+/g, '-')
      .replace(/^-+|-+$/g, '') || 'scenario';
  const stamp = now
    .toISOString()
    .replace(/\.\d+Z$/, 'Z')
    .replace(/[-:]/g, '');
  return join('results', `${slug}-${stamp}`);
}

/** Names bench writes into a results folder; results.json.partial is what older versions left behind. */
const BENCH_OUTPUT_NAMES: ReadonlySet<string> = new Set([
  RUN_LOG_NAME,
  RESULTS_NAME,
  `${RESULTS_NAME}.partial`,
  'report.html',
  'report.md',
  CHART_DIR,
]);

/**
 * Creates the folder, or checks the one given with --out: a folder that
 * already holds anything bench writes is refused, rather than mixing two runs
 * or overwriting a report. The folder is only taken when RunLog.open creates
 * its results.jsonl, exclusively: of two runs checking the same empty folder
 * at once, exactly one gets it.
 */
export async function createResultsFolder(out: string | undefined, name: string, now: Date): Promise<string> {
  if (out !== undefined) {
    await mkdirOrExplain(out);
    let entries: string[];
    try {
      entries = await readdir(out);
    } catch (err) {
      throw new UsageError(`cannot read results folder ${out}: ${describeWriteFailure(err)} - choose another with --out`);
    }
    const existing = entries.filter((f) => BENCH_OUTPUT_NAMES.has(f) || TEMP_FILE_PATTERN.test(f)).sort();
    if (existing.length > 0) throw alreadyUsed(out, existing);
    return out;
  }
  const base = defaultResultsDir(name, now);
  await mkdirOrExplain('results');
  // Two runs started in the same second get -2, -3... rather than sharing a folder.
  for (let n = 1; ; n++) {
    const dir = n === 1 ? base : `${base}-${n}`;
    try {
      await mkdir(dir);
      return dir;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw explain(dir, err);
    }
  }
}

function alreadyUsed(dir: string, names: string[]): UsageError {
  return new UsageError(
    `--out ${dir} already holds bench output (${names.join(', ')}): choose another --out, or remove ${names.length === 1 ? 'it' : 'them'} first`,
  );
}

async function mkdirOrExplain(dir: string): Promise<void> {
  try {
    await makeFolders(dir);
  } catch (err) {
    throw explain(dir, err);
  }
}

function explain(dir: string, err: unknown): UsageError {
  return new UsageError(`cannot create results folder ${dir}: ${describeWriteFailure(err)} - choose another with --out`);
}

/** What to do when results.jsonl cannot take the next run. */
const RUN_LOG_TODO = 'choose another --out (the runs before this one are in it, each on a whole line)';

/**
 * Appends run objects to results.jsonl, one line each, on disk before it
 * returns. A line the disk could not take whole is cut off again, so the file
 * always ends with the last complete run.
 */
export class RunLog {
  /** Bytes of complete lines: where the file is cut back to when a line fails. */
  private complete = 0;
  private constructor(
    readonly path: string,
    private readonly handle: FileHandle,
  ) {}

  /** Creates results.jsonl, never opening one that exists (another run's, or a link to elsewhere): this takes the folder. */
  static async open(dir: string): Promise<RunLog> {
    const path = join(dir, RUN_LOG_NAME);
    try {
      return new RunLog(path, await open(path, CREATE_NEW_FILE | constants.O_APPEND, 0o666));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EEXIST') throw alreadyUsed(dir, [RUN_LOG_NAME]);
      // Nothing has run yet: like a folder that cannot be made, this is a place to choose again (exit 2).
      throw new UsageError(`cannot create ${path}: ${describeWriteFailure(err)} - choose another --out`);
    }
  }

  async append(run: RunObject): Promise<void> {
    const line = Buffer.from(`${JSON.stringify(run)}\n`);
    try {
      await this.handle.appendFile(line);
      await this.handle.sync();
    } catch (err) {
      await this.handle.truncate(this.complete).catch(() => {});
      throw writeError(this.path, err, RUN_LOG_TODO);
    }
    this.complete += line.length;
  }

  async close(): Promise<void> {
    await this.handle.close();
  }
}

/** Writes results.json whole or not at all: a temporary file, synced, then renamed into place. */
export async function writeResultsFile(dir: string, results: ResultsFile): Promise<string> {
  const path = join(dir, RESULTS_NAME);
  await writeFileWhole(
    path,
    `${JSON.stringify(results, null, 2)}\n`,
    `choose another --out (every run measured is in ${join(dir, RUN_LOG_NAME)})`,
  );
  return path;
}
