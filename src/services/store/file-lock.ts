/**
 * A lock held for one short change of a file that several processes may change (the users
 * file: the server, and `threadline users` beside it). Each change re-reads the file inside the
 * lock, so two at once cannot lose one another. A lock whose process is gone is taken over.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { StorageError } from '../errors.js';
import { newHolder, releaseLock, tryLock } from './lock-file.js';

const RETRY_MS = 10;

/**
 * The last change queued for each lock path in this process. Changes of one process take
 * turns here before they touch the lock file: two takers racing a release within one process
 * could otherwise judge a lock stale at the wrong moment and both get in.
 */
const queued = new Map<string, Promise<unknown>>();

/** Runs `work` while holding `lockPath`; waits up to `timeoutMs` for another holder. */
export function withFileLock<T>(
  lockPath: string,
  work: () => Promise<T>,
  timeoutMs = 10_000,
): Promise<T> {
  const before = queued.get(lockPath) ?? Promise.resolve();
  const turn = before.then(() => holding(lockPath, work, timeoutMs));
  const settled = turn.catch(() => {});
  queued.set(lockPath, settled);
  void settled.then(() => {
    if (queued.get(lockPath) === settled) queued.delete(lockPath);
  });
  return turn;
}

async function holding<T>(lockPath: string, work: () => Promise<T>, timeoutMs: number): Promise<T> {
  const mine = newHolder();
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const result = await tryLock(lockPath, mine);
    if (result === 'taken') break;
    if (result === 'retry') continue;
    if (performance.now() > deadline) {
      throw new StorageError(`${lockPath} is held by process ${result.pid}; try again`);
    }
    await sleep(RETRY_MS);
  }
  try {
    return await work();
  } finally {
    await releaseLock(lockPath, mine);
  }
}
