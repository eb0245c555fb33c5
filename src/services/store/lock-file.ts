/**
 * Lock files: a file holding its owner's pid, created in one step, and taken over when its
 * owner is gone. The data-directory lock and the users-file lock are both made of these.
 */
import { randomBytes } from 'node:crypto';
import { promises as fs, readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { isCode, tempName, withTemp } from './atomic-file.js';

export interface LockHolder {
  pid: number;
  startedAt: string;
  /**
   * When the holder's process started, in the system's clock ticks since boot (`/proc`, on
   * Linux): a live process with the same pid and another start is not the holder. A container
   * that restarts often gives its server another pid, and an earlier life's pid (1, say) to
   * another live process.
   */
  processStart?: string;
  /**
   * The holder's host name. Pids mean something only on one host (or in one container): a lock
   * another host holds is never judged by this one's processes, however its pids look here.
   */
  host?: string;
  /** Tells this holder from any other of the same process, or of an earlier process's life. */
  token?: string;
}

/** This process's holder for one taking of a lock: its token is always there. */
export type OwnHolder = LockHolder & { token: string };

/** A holder for one taking of a lock by this process. */
export function newHolder(): OwnHolder {
  const processStart = processStartOf(process.pid);
  return {
    pid: process.pid,
    startedAt: new Date().toISOString(),
    token: randomBytes(8).toString('hex'),
    host: hostname(),
    ...(processStart === null ? {} : { processStart }),
  };
}

/** Field 22 of `/proc/<pid>/stat` (start time in ticks since boot); null where there is none. */
function processStartOf(pid: number): string | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2, in parentheses) may hold spaces: count from after it.
    const start = stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
    return start && /^\d+$/.test(start) ? start : null;
  } catch {
    return null;
  }
}

/**
 * Tokens of the locks this process is taking or holds: from before the lock file is made until
 * after it is gone, so that another caller here never sees its own pid in a lock no one holds.
 * A holder with this process's pid whose token is not among them was left by an earlier run: a
 * container restarts as the same pid (often 1), and its previous life's lock must not look alive.
 */
const live = new Set<string>();

/**
 * One try at `lockPath`: 'taken' (now held here), 'retry' (it was released or stale and is
 * gone now), or the live holder that has it. `onStale` hears of a stale lock it removed (one
 * just released, read before it went, is no news).
 */
export async function tryLock(
  lockPath: string,
  mine: OwnHolder,
  onStale: (holder: LockHolder | null) => void = () => {},
): Promise<'taken' | 'retry' | LockHolder> {
  const { token } = mine;
  live.add(token);
  let taken = false;
  try {
    taken = await createExclusive(lockPath, `${JSON.stringify(mine)}\n`);
  } finally {
    if (!taken) live.delete(token);
  }
  if (taken) return 'taken';
  const holder = await readHolder(lockPath);
  if (holder === 'missing') return 'retry';
  if (holder && isAlive(holder)) return holder;
  if (await removeIfStill(lockPath, holder)) onStale(holder);
  return 'retry';
}

/** Removes a lock `mine` took with `tryLock`, if the lock file is still its own. */
export async function releaseLock(lockPath: string, mine: OwnHolder): Promise<void> {
  const { token } = mine;
  if (!live.has(token)) return;
  try {
    const holder = await readHolder(lockPath).catch(() => null);
    if (holder !== 'missing' && holder?.token === token) await fs.rm(lockPath, { force: true });
  } finally {
    live.delete(token);
  }
}

/** The holder took its lock on another host (or in another container): its pids mean nothing here. */
export const heldElsewhere = (holder: LockHolder): boolean =>
  holder.host !== undefined && holder.host !== hostname();

function isAlive(holder: LockHolder): boolean {
  if (heldElsewhere(holder)) return true;
  if (holder.pid !== process.pid) {
    if (!isRunning(holder.pid)) return false;
    const now = holder.processStart === undefined ? null : processStartOf(holder.pid);
    return now === null || now === holder.processStart;
  }
  return holder.token !== undefined && live.has(holder.token);
}

/**
 * Removes the lock only if it still names `stale`. Another server that found the same stale
 * lock may have removed it and taken the directory since; removing its fresh lock would let both
 * write. The lock is moved aside first (atomic), checked there, and put back if it is not the
 * stale one; the caller then reads it again and finds the directory in use.
 */
export function removeIfStill(lockPath: string, stale: LockHolder | null): Promise<boolean> {
  const aside = tempName(lockPath, '.stale-');
  return withTemp(aside, () => moveAsideIfStill(lockPath, aside, stale));
}

async function moveAsideIfStill(
  lockPath: string,
  aside: string,
  stale: LockHolder | null,
): Promise<boolean> {
  try {
    await fs.rename(lockPath, aside);
  } catch (error) {
    if (isCode(error, 'ENOENT')) return false;
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
        moved.startedAt === stale.startedAt &&
        moved.token === stale.token);
    // Put back unless yet another lock appeared meanwhile (then that one is the lock).
    if (!same) await fs.link(aside, lockPath).catch(() => {});
    return same;
  } finally {
    await fs.rm(aside, { force: true });
  }
}

/**
 * Creates the lock file with its content in one step (a hard link of a finished temp file), so
 * a competitor never reads a half-written lock. False when the lock already exists.
 */
function createExclusive(lockPath: string, content: string): Promise<boolean> {
  const temp = tempName(lockPath, '.');
  return withTemp(temp, async () => {
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
  });
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
      const holder: LockHolder = {
        pid: value.pid as number,
        startedAt: String(value.startedAt ?? 'unknown'),
      };
      if (typeof value.token === 'string') holder.token = value.token;
      if (typeof value.processStart === 'string') holder.processStart = value.processStart;
      if (typeof value.host === 'string') holder.host = value.host;
      return holder;
    }
  } catch {
    // unreadable: treated as stale below
  }
  return null;
}

export function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to someone else.
    return isCode(error, 'EPERM');
  }
}
