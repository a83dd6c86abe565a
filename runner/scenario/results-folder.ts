import { mkdir, open, readdir, rename, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { UsageError } from '../core/errors.js';
import type { ResultsFile } from '../core/results-file.js';
import type { RunObject } from '../core/run-object.js';

/**
 * The folder one `bench run` writes: results.jsonl grows by one run object
 * the moment each run ends (fsync'd, so a crash or power cut loses nothing
 * already measured); results.json is written once, at the end.
 */
export const RUN_LOG_NAME = 'results.jsonl';
export const RESULTS_NAME = 'results.json';

/** results/<name>-<UTC time>, such as results/lab-baseline-20250125T005512Z. */
export function defaultResultsDir(name: string, now: Date): string {
  const slug = name.toLowerCase().replace(/[^a-z0-9._-]+/g, '-').replace(/^-+|-+$/g, '') || 'scenario';
  const stamp = now.toISOString().replace(/\.\d+Z$/, 'Z').replace(/[-:]/g, '');
  return join('results', `${slug}-${stamp}`);
}

/** Creates the folder; refuses one that already holds results rather than mixing two runs. */
export async function createResultsFolder(out: string | undefined, name: string, now: Date): Promise<string> {
  if (out !== undefined) {
    await mkdirOrExplain(out, true);
    const existing = (await readdir(out)).filter((f) => f === RUN_LOG_NAME || f === RESULTS_NAME);
    if (existing.length > 0) {
      throw new UsageError(`--out ${out} already holds ${existing.join(' and ')}: choose an empty folder, or move the old results away`);
    }
    return out;
  }
  const base = defaultResultsDir(name, now);
  await mkdirOrExplain('results', true);
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

async function mkdirOrExplain(dir: string, recursive: boolean): Promise<void> {
  try {
    await mkdir(dir, { recursive });
  } catch (err) {
    throw explain(dir, err);
  }
}

function explain(dir: string, err: unknown): UsageError {
  return new UsageError(`cannot create results folder ${dir}: ${(err as Error).message}; choose another with --out`);
}

/** Appends run objects to results.jsonl, one line each, on disk before it returns. */
export class RunLog {
  private constructor(readonly path: string, private readonly handle: FileHandle) {}

  static async open(dir: string): Promise<RunLog> {
    const path = join(dir, RUN_LOG_NAME);
    return new RunLog(path, await open(path, 'a'));
  }

  async append(run: RunObject): Promise<void> {
    await this.handle.appendFile(`${JSON.stringify(run)}\n`);
    await this.handle.sync();
  }

  async close(): Promise<void> {
    await this.handle.close();
  }
}

/** Writes results.json whole or not at all: a temporary file, synced, then renamed over. */
export async function writeResultsFile(dir: string, results: ResultsFile): Promise<string> {
  const path = join(dir, RESULTS_NAME);
  const temp = `${path}.partial`;
  const handle = await open(temp, 'w');
  try {
    await handle.writeFile(`${JSON.stringify(results, null, 2)}\n`);
    await handle.sync();
  } finally {
    await handle.close();
  }
  await rename(temp, path);
  return path;
}
