import { promises as fs } from 'node:fs';
import { fsyncDir, isCode, readIfExists, replaceWithCopy, writeFileAtomic } from './atomic-file.js';
import { type Conversations, serializeSnapshot } from './document.js';
import { parseJournal } from './journal.js';
import type { UserFiles } from './user-files.js';

/**
 * Folds the journal into a new snapshot. The caller guarantees that no append is in flight and
 * that `conversations` is exactly what the files replay to.
 *
 * Invariant at every crash point: both `snapshot + journal.old + journal` and
 * `backup + journal.old + journal` replay to the full document (replaying an upsert twice
 * changes nothing). `journalOldCovered` says the snapshot already contains `journal.old`
 * (true after a compaction by this process):
 *  - covered: backup := snapshot, then journal -> journal.old (the old one is redundant now);
 *  - not known (e.g. a crash interrupted the previous compaction): the journal is appended to
 *    `journal.old` first, then backup := snapshot, so nothing the snapshot lacks is dropped.
 * Finally the new snapshot is written atomically. Returns its size.
 */
export async function compact(
  files: UserFiles,
  conversations: Conversations,
  journalOldCovered: boolean,
): Promise<number> {
  const old = journalOldCovered ? null : await readIfExists(files.journalOld);
  if (old) {
    const journal = (await readIfExists(files.journal)) ?? Buffer.alloc(0);
    const complete = old.subarray(0, parseJournal(old).validBytes);
    await writeFileAtomic(files.journalOld, Buffer.concat([complete, journal]));
    await fs.rm(files.journal, { force: true });
    await fsyncDir(files.dir);
    await backUpSnapshot(files);
  } else {
    await backUpSnapshot(files);
    try {
      await fs.rename(files.journal, files.journalOld);
    } catch (error) {
      if (!isCode(error, 'ENOENT')) throw error;
    }
    await fsyncDir(files.dir);
  }
  const text = serializeSnapshot(conversations);
  await writeFileAtomic(files.snapshot, text);
  return Buffer.byteLength(text);
}

/**
 * At a clean stop, once the snapshot is known to hold `journal.old` (see `compact`): the backup
 * is written anew from `conversations` (what the snapshot holds) and the folded journal goes.
 * Kept, it would grow from one run to the next (a start cannot know the snapshot holds it, so
 * the next fold appends to it), be replayed at every start, and keep a deleted conversation's
 * text. Written from memory rather than copied or linked, the backup shares nothing with a
 * snapshot file that may have been damaged in place since it was written. A crash between the
 * steps leaves backup = snapshot beside a `journal.old` that, replayed again, changes nothing.
 */
export async function retireFoldedJournal(
  files: UserFiles,
  conversations: Conversations,
): Promise<void> {
  try {
    await fs.access(files.journalOld);
  } catch (error) {
    if (isCode(error, 'ENOENT')) return;
    throw error;
  }
  await writeFileAtomic(files.backup, serializeSnapshot(conversations));
  await fs.rm(files.journalOld, { force: true });
  await fsyncDir(files.dir);
}

async function backUpSnapshot(files: UserFiles): Promise<void> {
  try {
    await replaceWithCopy(files.snapshot, files.backup);
  } catch (error) {
    if (isCode(error, 'ENOENT')) return; // no snapshot yet: nothing to back up
    throw error;
  }
  await fsyncDir(files.dir);
}
