/**
 * Opening a data directory for a server: `chats/` made, the directory locked, and the temp files
 * of writes a crash interrupted removed.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { Logger } from '../../logger.js';
import { StorageError } from '../errors.js';
import { isInFlight, TEMP_MARKER, tempWriterOf } from './atomic-file.js';
import { acquireDataLock, type DataLock } from './data-lock.js';
import { isRunning } from './lock-file.js';

/** Files beside `chats/` that get temp names: the data-directory lock, the users file and its lock. */
const DATA_DIR_TEMP_TARGETS = ['.lock', 'users.json', 'users.json.lock'];

/** Makes `chatsDir` and takes the data-directory lock (see `acquireDataLock`). */
export async function lockDataDir(
  dataDir: string,
  chatsDir: string,
  logger: Logger,
): Promise<DataLock> {
  try {
    await fs.mkdir(chatsDir, { recursive: true });
    return await acquireDataLock(dataDir, logger);
  } catch (error) {
    if (error instanceof StorageError) throw error;
    // A data directory that is a file, read-only or not ours: a setup error, said in one line.
    throw new StorageError(`data directory ${dataDir} cannot be used: ${(error as Error).message}`);
  }
}

/**
 * Run holding the lock. Temp files are left only by a crash mid-write. In `chats/` the lock says
 * no writer is running; beside it, the users file and the locks are also written by
 * `threadline users`, so only a file whose writer (the pid in its name) is gone is removed, or
 * one with this process's pid that it is not writing now (an earlier life of a container's pid).
 */
export async function removeLeftoverTempFiles(
  dataDir: string,
  chatsDir: string,
  logger: Logger,
): Promise<void> {
  const leftovers = [
    ...(await fs.readdir(chatsDir))
      .filter((name) => TEMP_MARKER.test(name))
      .map((name) => path.join(chatsDir, name)),
    ...(await fs.readdir(dataDir))
      .filter((name) => {
        const writer = DATA_DIR_TEMP_TARGETS.map((target) => tempWriterOf(name, target)).find(
          (pid) => pid !== null,
        );
        if (!writer) return false;
        if (writer === process.pid) return !isInFlight(path.join(dataDir, name));
        return !isRunning(writer);
      })
      .map((name) => path.join(dataDir, name)),
  ];
  for (const file of leftovers) {
    await fs.rm(file, { force: true });
    logger.warn('Removed a temp file left by an interrupted write', {
      file: path.relative(dataDir, file),
    });
  }
}
