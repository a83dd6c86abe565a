import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { mkdir, open, rename, stat, unlink, type FileHandle } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { WriteError } from './errors.js';

/**
 * Writing results and reports so that a reader finds each file whole or not
 * at all, and so that nothing bench writes lands outside the folder it was
 * given: every file is first written under a fresh name of its own, created
 * exclusively (which never follows a symbolic link), then renamed into place
 * (which replaces a link at that name instead of writing through it).
 */

/**
 * Create-only, no symbolic links: 'wx' refuses any existing name, a dangling
 * link included; O_NOFOLLOW says the same where the platform has it.
 */
export const CREATE_NEW_FILE = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | (constants.O_NOFOLLOW ?? 0);

/** Temporary names start with a dot and end in .tmp, so a folder check can know them. */
export const TEMP_FILE_PATTERN = /^\..+\.[0-9a-f]{12}\.tmp$/;

function tempPathFor(path: string): string {
  return join(dirname(path), `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);
}

/** Why a write failed, in words a person acts on; the errno code stays at the end for searching. */
export function describeWriteFailure(err: unknown): string {
  const code = (err as NodeJS.ErrnoException | null)?.code;
  const why: Record<string, string> = {
    ENOSPC: 'the disk is full',
    EDQUOT: 'the disk quota is used up',
    EROFS: 'the file system is read-only',
    EACCES: 'permission denied',
    EPERM: 'permission denied',
    EEXIST: 'a file of that name already exists',
    ELOOP: 'it is a symbolic link',
    ENOENT: 'its folder does not exist',
    ENOTDIR: 'a part of the path is not a folder',
    EISDIR: 'it is a folder',
    EIO: 'the device reported an I/O error',
    EFBIG: 'the file is larger than the file system allows',
  };
  if (code && why[code]) return `${why[code]} (${code})`;
  return err instanceof Error ? err.message : String(err);
}

/**
 * The WriteError for `path`: which file, why, and what to do about it.
 * `elsewhere` is the way around it, such as 'choose another --out'; freeing
 * space comes first when space is what ran out.
 */
export function writeError(path: string, err: unknown, elsewhere: string): WriteError {
  const code = (err as NodeJS.ErrnoException | null)?.code;
  const todo = code === 'ENOSPC' || code === 'EDQUOT' ? `free some space or ${elsewhere}` : elsewhere;
  return new WriteError(`cannot write ${path}: ${describeWriteFailure(err)} - ${todo}`, err);
}

/**
 * Writes `content` to `path` whole or not at all: a temporary file, synced,
 * then renamed over `path`. On failure the temporary file is removed and
 * `path` is as it was; the error names `path`, the cause and `elsewhere`.
 */
export async function writeFileWhole(path: string, content: string | Uint8Array, elsewhere: string): Promise<void> {
  const temp = tempPathFor(path);
  let handle: FileHandle;
  try {
    handle = await open(temp, CREATE_NEW_FILE, 0o666);
  } catch (err) {
    throw writeError(path, err, elsewhere);
  }
  try {
    await handle.writeFile(content);
    await handle.sync();
    await handle.close();
    await rename(temp, path);
  } catch (err) {
    // A half-written temporary file is no use to anyone and takes the space the user needs back.
    await handle.close().catch(() => {});
    await unlink(temp).catch(() => {});
    throw writeError(path, err, elsewhere);
  }
}

/**
 * mkdir -p, failing with the real cause: Node's recursive mkdir reports
 * ENOENT for any failure on the way, a read-only disk included, so a plain
 * mkdir of the first missing folder is asked why.
 */
export async function makeFolders(dir: string): Promise<void> {
  try {
    await mkdir(dir, { recursive: true });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    let missing = resolve(dir);
    for (;;) {
      const parent = dirname(missing);
      if (
        parent === missing ||
        (await stat(parent).then(
          () => true,
          () => false,
        ))
      )
        break;
      missing = parent;
    }
    await mkdir(missing);
    throw err;
  }
}
