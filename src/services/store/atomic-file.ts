import { randomBytes } from 'node:crypto';
import { constants, promises as fs } from 'node:fs';
import path from 'node:path';

export interface AtomicWriteOptions {
  /** Called after the temp file is durable and before it replaces the target (tests inject crashes here). */
  beforeRename?: (tempPath: string) => void | Promise<void>;
}

/** Temp files carry this marker, so leftovers of a crash can be recognised and swept. */
export const TEMP_MARKER = /\.tmp-\d+-[0-9a-f]+$/;

/** How temp names are marked: files being written, locks being made, and stale locks moved aside. */
type TempInfix = '.tmp-' | '.' | '.stale-';

/** A temp name beside `target` with this process's pid: `<target><infix><pid>-<hex>`. */
export const tempName = (target: string, infix: TempInfix = '.tmp-') =>
  `${target}${infix}${process.pid}-${randomBytes(4).toString('hex')}`;

const TEMP_SUFFIX = /^(?:\.tmp-|\.stale-|\.)(\d+)-[0-9a-f]{8}$/;

/** The pid of the process that made `name` as a temp name of `target` (`tempName`), or null. */
export function tempWriterOf(name: string, target: string): number | null {
  if (!name.startsWith(target)) return null;
  const match = TEMP_SUFFIX.exec(name.slice(target.length));
  return match ? Number(match[1]) : null;
}

/**
 * Temp files this process is writing now. A file named with this process's pid may also be a
 * leftover of an earlier life of a container (which restarts as the same pid): it is one only
 * when it is not here.
 */
const inFlight = new Set<string>();

/** Runs `work` with `temp` known as in flight (see `isInFlight`). */
export async function withTemp<T>(temp: string, work: () => Promise<T>): Promise<T> {
  const key = path.resolve(temp);
  inFlight.add(key);
  try {
    return await work();
  } finally {
    inFlight.delete(key);
  }
}

export const isInFlight = (file: string): boolean => inFlight.has(path.resolve(file));

/**
 * Replaces `target` so that a crash at any point leaves either the old or the new complete file:
 * write a temp file in the same directory, fsync it, rename it over the target, fsync the
 * directory so the rename itself is durable.
 */
export async function writeFileAtomic(
  target: string,
  data: string | Uint8Array,
  options: AtomicWriteOptions = {},
): Promise<void> {
  const temp = tempName(target);
  await withTemp(temp, async () => {
    try {
      const handle = await fs.open(temp, 'wx', 0o600);
      try {
        await handle.writeFile(data);
        await handle.sync();
      } finally {
        await handle.close();
      }
      await options.beforeRename?.(temp);
      await fs.rename(temp, target);
    } catch (error) {
      await fs.rm(temp, { force: true });
      throw error;
    }
  });
  await fsyncDir(path.dirname(target));
}

/** Makes renames, creations and deletions in `dir` durable. */
export async function fsyncDir(dir: string): Promise<void> {
  // Windows cannot open a directory for syncing; its renames are durable on their own.
  if (process.platform === 'win32') return;
  await fsyncFile(dir);
}

/** Makes the content of `file` (written by someone else: a copy) durable. */
export async function fsyncFile(file: string): Promise<void> {
  const handle = await fs.open(file, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/**
 * Points `target` at the current content of `source` without a moment where `target` is
 * missing: a hard link under a temp name renamed over it (a copy where links are unsupported).
 */
export async function replaceWithCopy(source: string, target: string): Promise<void> {
  const temp = tempName(target);
  try {
    await fs.link(source, temp);
  } catch (error) {
    if (!isCode(error, 'EPERM', 'ENOTSUP', 'EXDEV', 'EMLINK')) throw error;
    // A copy is new data: durable before the rename, or a power cut could leave it empty.
    await fs.copyFile(source, temp);
    await fsyncFile(temp);
  }
  await fs.rename(temp, target);
}

/**
 * ISO time without "." or ":" (e.g. 2025-01-31T12-00-00-000Z): they are awkward in file names
 * on some systems.
 */
export const stamp = (date = new Date()) => date.toISOString().replace(/[:.]/g, '-');

/**
 * Moves a damaged file to `<file>.corrupt-<time>`, never overwriting an earlier one.
 * Returns the new path.
 */
export async function moveAside(file: string): Promise<string> {
  const destination = await placeAside(file, async (dest) => {
    try {
      await fs.link(file, dest);
    } catch (error) {
      if (!isCode(error, 'EPERM', 'ENOTSUP')) throw error;
      await fs.copyFile(file, dest, constants.COPYFILE_EXCL);
    }
  });
  await fs.unlink(file);
  await fsyncDir(path.dirname(file));
  return destination;
}

/** Copies a file to `<file>.corrupt-<time>` (keeping the original), never overwriting. */
export async function copyAside(file: string): Promise<string> {
  return placeAside(file, (dest) => fs.copyFile(file, dest, constants.COPYFILE_EXCL));
}

async function placeAside(file: string, place: (dest: string) => Promise<void>): Promise<string> {
  const base = `${file}.corrupt-${stamp()}`;
  for (let attempt = 0; ; attempt++) {
    const destination = attempt === 0 ? base : `${base}-${attempt}`;
    try {
      await place(destination);
      return destination;
    } catch (error) {
      if (!isCode(error, 'EEXIST')) throw error;
    }
  }
}

export function isCode(error: unknown, ...codes: string[]): boolean {
  return error instanceof Error && codes.includes((error as NodeJS.ErrnoException).code ?? '');
}

/** Changes whenever the file is replaced or rewritten ("" when it does not exist). */
export async function fileStamp(file: string): Promise<string> {
  try {
    const stats = await fs.stat(file);
    return `${stats.ino}:${stats.size}:${stats.mtimeMs}`;
  } catch (error) {
    if (isCode(error, 'ENOENT')) return '';
    throw error;
  }
}

/** The file's text, or null when it does not exist. */
export async function readIfExists(file: string): Promise<Buffer | null> {
  try {
    return await fs.readFile(file);
  } catch (error) {
    if (isCode(error, 'ENOENT')) return null;
    throw error;
  }
}

/**
 * Appends `text` and waits until it is on disk. A short write (a file-size limit, a disk filling
 * up) is continued until every byte is written or the system refuses with an error. A file that
 * was empty (just created) has its directory synced too, so its entry is as durable as its
 * bytes. On any failure the file is cut back to where the append began, so the caller's error is
 * the whole truth: no part of the text is left to be replayed, or to run into the next append's
 * first line. Should even that cut fail, the next append starts on a new line of its own.
 */
export async function appendDurably(file: string, text: string): Promise<void> {
  const handle = await fs.open(file, 'a+', 0o600);
  try {
    const { size } = await handle.stat();
    const bytes = Buffer.from((await endsMidLine(handle, size)) ? `\n${text}` : text, 'utf8');
    try {
      for (let offset = 0; offset < bytes.length; ) {
        const { bytesWritten } = await handle.write(bytes, offset);
        if (bytesWritten === 0) throw new Error(`No byte of ${file} could be written`);
        offset += bytesWritten;
      }
      await handle.datasync();
      if (size === 0) await fsyncDir(path.dirname(file));
    } catch (error) {
      await handle.truncate(size).catch(() => {});
      throw error;
    }
  } finally {
    await handle.close();
  }
}

/** Whether the file's last byte is not a newline: a line left unfinished. */
async function endsMidLine(handle: fs.FileHandle, size: number): Promise<boolean> {
  if (size === 0) return false;
  const last = Buffer.alloc(1);
  await handle.read(last, 0, 1, size - 1);
  return last[0] !== 0x0a;
}
