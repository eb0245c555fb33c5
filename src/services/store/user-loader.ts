import { promises as fs } from 'node:fs';
import type { Logger } from '../../logger.js';
import { StorageError } from '../errors.js';
import { errorReason } from '../guards.js';
import { copyAside, moveAside, readIfExists, writeFileAtomic } from './atomic-file.js';
import { type Conversations, parseSnapshot, serializeSnapshot } from './document.js';
import { applyOp, parseJournal } from './journal.js';
import type { UserFiles } from './user-files.js';

export interface LoadedUser {
  conversations: Conversations;
  snapshotBytes: number;
  /** Size of the live journal; 0 when it does not exist yet. */
  journalBytes: number;
  /** The snapshot is known to contain everything in `journal.old` (see `compact`). */
  journalOldCovered: boolean;
}

interface Base {
  conversations: Conversations;
  bytes: number;
  /** The snapshot was missing or damaged and the document was rebuilt from other files. */
  recovered: boolean;
}

export interface LoadOptions {
  /**
   * A damaged snapshot without a usable backup (or a missing one beside a damaged backup) is a
   * StorageError, instead of a start from the journals alone: for a migration, which must not
   * write into a store it cannot read whole.
   */
  refuseUnrecoverable?: boolean;
  /**
   * Repairs nothing (no quarantine, cut or rewrite) and refuses what it cannot read whole: a dry
   * run, which promises to write nothing, sees what the store would load.
   */
  readOnly?: boolean;
}

/**
 * Reads one user's document: the snapshot (or, when it is damaged, the backup), then
 * `journal.old` and `journal` replayed on top. Damaged files are kept aside, never deleted.
 */
export async function loadUser(
  files: UserFiles,
  logger: Logger,
  options: LoadOptions = {},
): Promise<LoadedUser> {
  const readOnly = options.readOnly ?? false;
  const base = await readBase(files, logger, options);
  const { conversations } = base;
  const oldBytes = await replay(files.journalOld, conversations, logger, false, readOnly);
  const journalBytes = (await replay(files.journal, conversations, logger, true, readOnly)) ?? 0;
  let snapshotBytes = base.bytes;
  if (base.recovered) {
    // A fresh snapshot, so the next compaction (which replaces journal.old) loses nothing.
    const text = serializeSnapshot(conversations);
    await writeFileAtomic(files.snapshot, text);
    snapshotBytes = Buffer.byteLength(text);
    logger.warn('Rewrote the snapshot from the recovered data', { file: files.snapshot });
  }
  const journalOldCovered = oldBytes === null || base.recovered;
  return { conversations, snapshotBytes, journalBytes, journalOldCovered };
}

async function readBase(files: UserFiles, logger: Logger, options: LoadOptions): Promise<Base> {
  const snapshot = await readIfExists(files.snapshot);
  let damage: unknown = null;
  if (snapshot) {
    try {
      return {
        conversations: parseSnapshot(snapshot.toString('utf8')),
        bytes: snapshot.length,
        recovered: false,
      };
    } catch (error) {
      damage = error;
    }
  }
  const saved = await readIfExists(files.backup);
  if (!snapshot && !saved) return { conversations: new Map(), bytes: 0, recovered: false };
  const backup = parseBackup(saved);
  if ((options.refuseUnrecoverable || options.readOnly) && !('conversations' in backup)) {
    throw new StorageError(
      snapshot
        ? `${files.snapshot} is damaged (${errorReason(damage)}) and has no usable backup`
        : `${files.snapshot} is missing and its backup is damaged`,
    );
  }
  if (options.readOnly && 'conversations' in backup) return { ...backup, recovered: false };

  let quarantined: string | null = null;
  if (snapshot) {
    quarantined = await moveAside(files.snapshot);
    logger.warn('The conversation file is damaged; it was moved aside and the backup is used', {
      file: files.snapshot,
      movedTo: quarantined,
      reason: errorReason(damage),
    });
  } else {
    logger.warn('The conversation file is missing; the backup is used', { file: files.snapshot });
  }
  if ('conversations' in backup) return { ...backup, recovered: true };
  if (saved) {
    const movedTo = await moveAside(files.backup);
    logger.warn('The backup is damaged too; it was moved aside', {
      file: files.backup,
      movedTo,
      reason: errorReason(backup.error),
    });
  }
  logger.error(
    'No usable backup: starting from the journals alone; older data is only in the quarantined file',
    { file: files.snapshot, quarantined },
  );
  return { conversations: new Map(), bytes: 0, recovered: true };
}

/** A backup's document, or why there is none (`error` null when there is no backup). */
function parseBackup(
  saved: Buffer | null,
): { conversations: Conversations; bytes: number } | { error: unknown } {
  if (!saved) return { error: null };
  try {
    return { conversations: parseSnapshot(saved.toString('utf8')), bytes: saved.length };
  } catch (error) {
    return { error };
  }
}

/** Applies one journal; returns its size without a torn tail, or null when it does not exist. */
async function replay(
  file: string,
  conversations: Conversations,
  logger: Logger,
  live: boolean,
  readOnly: boolean,
): Promise<number | null> {
  const bytes = await readIfExists(file);
  if (!bytes) return null;
  const journal = parseJournal(bytes);
  if (journal.corruptLines.length > 0 && !readOnly) {
    const copy = await copyAside(file);
    logger.warn('Skipped unreadable journal lines; a copy of the journal was kept', {
      file,
      lines: journal.corruptLines,
      copy,
    });
  }
  if (journal.tornBytes > 0) {
    logger.warn('Ignored an incomplete last journal line (an append cut short)', {
      file,
      bytes: journal.tornBytes,
    });
    // Cut it off, or the next append would be glued onto it and become unreadable.
    if (live && !readOnly) await truncate(file, journal.validBytes);
  }
  let orphans = 0;
  for (const op of journal.ops) if (!applyOp(conversations, op)) orphans++;
  // Expected when a journal replays over a snapshot that already saw the conversation deleted.
  if (orphans > 0) {
    logger.debug('Skipped journal messages of conversations that do not exist', { file, orphans });
  }
  return journal.validBytes;
}

async function truncate(file: string, length: number): Promise<void> {
  const handle = await fs.open(file, 'r+');
  try {
    await handle.truncate(length);
    await handle.sync();
  } finally {
    await handle.close();
  }
}
