import path from 'node:path';
import type { Logger } from '../../logger.js';
import { StorageError } from '../errors.js';
import { heldElsewhere, type LockHolder, newHolder, releaseLock, tryLock } from './lock-file.js';

export interface DataLock {
  readonly path: string;
  release(): Promise<void>;
}

/**
 * Keeps a second server off one data directory: `DATA_DIR/.lock` holds the owner's pid. A lock
 * whose process is gone is stale and taken over with a warning.
 */
export async function acquireDataLock(dataDir: string, logger: Logger): Promise<DataLock> {
  const dir = path.resolve(dataDir);
  const lockPath = path.join(dir, '.lock');
  const mine = newHolder();
  const warn = (stale: LockHolder | null) =>
    logger.warn('Taking over a stale data-directory lock', {
      lock: lockPath,
      stalePid: stale?.pid ?? null,
    });
  for (let attempt = 0; attempt < 3; attempt++) {
    const result = await tryLock(lockPath, mine, warn);
    if (result === 'taken') return { path: lockPath, release: () => releaseLock(lockPath, mine) };
    if (result !== 'retry') {
      throw new StorageError(
        `data directory ${dir} is in use by process ${result.pid}${result.host ? ` on ${result.host}` : ''} (since ${result.startedAt}); stop it or choose another DATA_DIR${heldElsewhere(result) ? ` (if that server is gone, delete ${lockPath})` : ''}`,
      );
    }
  }
  throw new StorageError(`could not lock data directory ${dir}: ${lockPath} keeps reappearing`);
}
