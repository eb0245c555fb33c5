/**
 * A lock held for one short change of a file that several processes may change (the users
 * file: the server, and `threadline users` beside it). Each change re-reads the file inside the
 * lock, so two at once cannot lose one another. A lock whose process is gone is taken over.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { StorageError } from '../errors.js';
import { newHolder, releaseLock, tryLock } from './lock-file.js';
import { SerialQueue } from './write-queue.js';

const RETRY_MS = 10;

/**
 * Changes of one process take turns for each lock path before they touch the lock file: two
 * takers racing a release within one process could otherwise judge a lock stale at the wrong
 * moment and both get in.
 */
const queues = new Map<string, SerialQueue>();

/** Runs `work` while holding `lockPath`; waits up to `timeoutMs` for another holder. */
export function withFileLock<T>(
  lockPath: string,
  work: () => Promise<T>,
  timeoutMs = 10_000,
): Promise<T> {
  let queue = queues.get(lockPath);
  if (!queue) {
    queue = new SerialQueue();
    queues.set(lockPath, queue);
  }
  const mine = queue;
  return mine
    .run(() => holding(lockPath, work, timeoutMs))
    .finally(() => {
      if (mine.idle && queues.get(lockPath) === mine) queues.delete(lockPath);
    });
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
