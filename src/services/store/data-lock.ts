import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { Logger } from '../../logger.js';
import { StorageError } from '../errors.js';
import { isCode } from './atomic-file.js';

export interface LockHolder {
  pid: number;
  startedAt: string;
}

export interface DataLock {
  readonly path: string;
  release(): Promise<void>;
}

/** Data directories locked by this process (a pid match alone may be a previous container run). */
const heldHere = new Set<string>();

/**
 * Keeps a second server off one data directory: `DATA_DIR/.lock` holds the owner's pid. A lock
 * whose process is gone is stale and taken over with a warning.
 */
export async function acquireDataLock(dataDir: string, logger: Logger): Promise<DataLock> {
  const dir = path.resolve(dataDir);
  const lockPath = path.join(dir, '.lock');
  const mine: LockHolder = { pid: process.pid, startedAt: new Date().toISOString() };
  for (let attempt = 0; attempt < 3; attempt++) {
    if (await createExclusive(lockPath, `${JSON.stringify(mine)}\n`)) {
      heldHere.add(dir);
      return { path: lockPath, release: () => release(dir, lockPath) };
    }
    const holder = await readHolder(lockPath);
    if (holder === 'missing') continue; // released meanwhile: try again
    if (holder && isRunning(holder) && !(holder.pid === process.pid && !heldHere.has(dir))) {
      throw new StorageError(
        `data directory ${dir} is in use by process ${holder.pid} (since ${holder.startedAt}); stop it or choose another DATA_DIR`,
      );
    }
    logger.warn('Taking over a stale data-directory lock', {
      lock: lockPath,
      stalePid: holder?.pid ?? null,
    });
    await removeIfStill(lockPath, holder);
  }
  throw new StorageError(`could not lock data directory ${dir}: ${lockPath} keeps reappearing`);
}

/**
 * Removes the lock only if it still names `stale`. Another server that found the same stale
 * lock may have removed it and taken the directory since; removing its fresh lock would let both
 * write. The lock is moved aside first (atomic), checked there, and put back if it is not the
 * stale one; the caller then reads it again and finds the directory in use.
 */
export async function removeIfStill(lockPath: string, stale: LockHolder | null): Promise<void> {
  const aside = `${lockPath}.stale-${process.pid}-${randomBytes(4).toString('hex')}`;
  try {
    await fs.rename(lockPath, aside);
  } catch (error) {
    if (isCode(error, 'ENOENT')) return;
    throw error;
  }
  try {
    const moved = await readHolder(aside);
    const same =
      moved === stale ||
      (moved !== 'missing' &&
        moved !== null &&
        stale !== null &&
        moved.pid === stale.pid &&
        moved.startedAt === stale.startedAt);
    // Put back unless yet another lock appeared meanwhile (then that one is the lock).
    if (!same) await fs.link(aside, lockPath).catch(() => {});
  } finally {
    await fs.rm(aside, { force: true });
  }
}

/**
 * Creates the lock file with its content in one step (a hard link of a finished temp file), so
 * a competitor never reads a half-written lock. False when the lock already exists.
 */
export async function createExclusive(lockPath: string, content: string): Promise<boolean> {
  const temp = `${lockPath}.${process.pid}-${randomBytes(4).toString('hex')}`;
  await fs.writeFile(temp, content, { flag: 'wx' });
  try {
    await fs.link(temp, lockPath);
    return true;
  } catch (error) {
    if (isCode(error, 'EEXIST')) return false;
    throw error;
  } finally {
    await fs.rm(temp, { force: true });
  }
}

export async function readHolder(lockPath: string): Promise<LockHolder | null | 'missing'> {
  let text: string;
  try {
    text = await fs.readFile(lockPath, 'utf8');
  } catch (error) {
    if (isCode(error, 'ENOENT')) return 'missing';
    throw error;
  }
  try {
    const value = JSON.parse(text) as Partial<LockHolder>;
    if (Number.isSafeInteger(value.pid) && (value.pid as number) > 0) {
      return { pid: value.pid as number, startedAt: String(value.startedAt ?? 'unknown') };
    }
  } catch {
    // unreadable: treated as stale below
  }
  return null;
}

export function isRunning(holder: LockHolder): boolean {
  try {
    process.kill(holder.pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to someone else.
    return isCode(error, 'EPERM');
  }
}

async function release(dir: string, lockPath: string): Promise<void> {
  if (!heldHere.delete(dir)) return;
  const holder = await readHolder(lockPath);
  if (holder !== 'missing' && holder?.pid === process.pid) await fs.rm(lockPath, { force: true });
}
