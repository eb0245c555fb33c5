/**
 * Copies the originals aside before the migration first writes anything: the data directory's
 * conversation files (what the migration rewrites) and the legacy index files (in case the
 * legacy folder is the data directory itself). Exports on disk are only ever read, so they are
 * not copied.
 */
import { copyFile, mkdir, readdir, rename } from 'node:fs/promises';
import path from 'node:path';
import { fsyncDir, fsyncFile, isCode, stamp, TEMP_MARKER } from '../services/store/atomic-file.js';

export interface BackupSources {
  /** Folders whose regular files are copied, each into a subfolder of the given name. */
  dirs: Array<{ name: string; dir: string }>;
  /** Single files, copied into a subfolder of the given name. */
  files: Array<{ name: string; file: string }>;
}

/**
 * Copies everything to `DATA_DIR/migration-backup/<time>/` and returns that folder. The copies
 * are made in `<time>.partial/`, renamed once all are durable: a run killed while copying
 * leaves a folder that says it is incomplete, never one that looks like a whole backup.
 */
export async function backupOriginals(
  dataDir: string,
  sources: BackupSources,
  now: Date,
): Promise<string> {
  const backups = path.join(dataDir, 'migration-backup');
  const done = path.join(backups, stamp(now));
  const target = `${done}.partial`;
  const copies: Array<{ from: string; to: string }> = [];
  for (const { name, dir } of sources.dirs) {
    for (const entry of await listFiles(dir)) {
      // Temp files belong to an interrupted write and are not data.
      if (!TEMP_MARKER.test(entry)) copies.push({ from: path.join(dir, entry), to: name });
    }
  }
  for (const { name, file } of sources.files) copies.push({ from: file, to: name });
  const folders = new Set(copies.map((copy) => path.join(target, copy.to)));
  for (const folder of [target, ...folders]) await mkdir(folder, { recursive: true });
  for (const { from, to } of copies) {
    const copy = path.join(target, to, path.basename(from));
    try {
      await copyFile(from, copy);
    } catch (error) {
      // Not there (a dangling link, a file gone since): nothing of it can be read or changed,
      // and the run has reported it as unreadable.
      if (isCode(error, 'ENOENT')) continue;
      throw error;
    }
    await fsyncFile(copy);
  }
  // The copies must survive a crash during the writes that follow.
  for (const folder of folders) await fsyncDir(folder);
  await fsyncDir(target);
  await rename(target, done);
  await fsyncDir(backups);
  return done;
}

async function listFiles(dir: string): Promise<string[]> {
  try {
    const entries = await readdir(dir, { withFileTypes: true });
    return entries.filter((entry) => entry.isFile()).map((entry) => entry.name);
  } catch (error) {
    if (isCode(error, 'ENOENT')) return [];
    throw error;
  }
}
