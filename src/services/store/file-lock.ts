/**
 * A lock held for one short change of a file that several processes may change (the users
 * file: the server, and `threadline users` beside it). Each change re-reads the file inside the
 * lock, so two at once cannot lose one another. A lock whose process is gone is taken over.
 */
import { promises as fs } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { StorageError } from '../errors.js';
import {
  createExclusive,
  isRunning,
  type LockHolder,
  readHolder,
  removeIfStill,
} from './data-lock.js';

const RETRY_MS = 10;

/** Runs `work` while holding `lockPath`; waits up to `timeoutMs` for another holder. */
export async function withFileLock<T>(
  lockPath: string,
  work: () => Promise<T>,
  timeoutMs = 10_000,
): Promise<T> {
  const mine: LockHolder = { pid: process.pid, startedAt: new Date().toISOString() };
  const content = `${JSON.stringify(mine)}\n`;
  const deadline = performance.now() + timeoutMs;
  while (!(await createExclusive(lockPath, content))) {
    const holder = await readHolder(lockPath);
    if (holder === 'missing') continue;
    if (holder === null || !isRunning(holder)) {
      await removeIfStill(lockPath, holder);
      continue;
    }
    if (performance.now() > deadline) {
      throw new StorageError(`${lockPath} is held by process ${holder.pid}; try again`);
    }
    await sleep(RETRY_MS);
  }
  try {
    return await work();
  } finally {
    const holder = await readHolder(lockPath).catch(() => null);
    if (holder !== 'missing' && holder?.startedAt === mine.startedAt && holder.pid === mine.pid) {
      await fs.rm(lockPath, { force: true });
    }
  }
}
