/**
 * Lock files: a file holding its owner's pid, created in one step, and taken over when its
 * owner is gone. The data-directory lock and the users-file lock are both made of these.
 */
import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import { isCode } from './atomic-file.js';

export interface LockHolder {
  pid: number;
  startedAt: string;
}

/**
 * Lock files this process holds. A holder with this process's pid that is not among them was
 * left by an earlier run: a container restarts as the same pid (often 1), and the lock of its
 * previous life must not look alive.
 */
const heldHere = new Set<string>();

/**
 * One try at `lockPath`: 'taken' (now held here), 'retry' (it was released or stale and is
 * gone now), or the live holder that has it. `onStale` hears of a stale lock before it goes.
 */
export async function tryLock(
  lockPath: string,
  mine: LockHolder,
  onStale: (holder: LockHolder | null) => void = () => {},
): Promise<'taken' | 'retry' | LockHolder> {
  if (await createExclusive(lockPath, `${JSON.stringify(mine)}\n`)) {
    heldHere.add(lockPath);
    return 'taken';
  }
  const holder = await readHolder(lockPath);
  if (holder === 'missing') return 'retry';
  if (holder && isAlive(holder, lockPath)) return holder;
  onStale(holder);
  await removeIfStill(lockPath, holder);
  return 'retry';
}

/** Removes a lock taken with `tryLock`, if it still names this process. */
export async function releaseLock(lockPath: string): Promise<void> {
  if (!heldHere.delete(lockPath)) return;
  const holder = await readHolder(lockPath).catch(() => null);
  if (holder !== 'missing' && holder?.pid === process.pid) await fs.rm(lockPath, { force: true });
}

function isAlive(holder: LockHolder, lockPath: string): boolean {
  return holder.pid === process.pid ? heldHere.has(lockPath) : isRunning(holder);
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
async function createExclusive(lockPath: string, content: string): Promise<boolean> {
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

async function readHolder(lockPath: string): Promise<LockHolder | null | 'missing'> {
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
