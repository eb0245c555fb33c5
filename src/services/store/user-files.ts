import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { isCode } from './atomic-file.js';

/**
 * Every file one user owns under `DATA_DIR/chats`. All of them are the username plus a fixed
 * suffix, and generated parts (temp, corrupt) contain no ".", so two users never collide.
 */
export interface UserFiles {
  dir: string;
  /** The seed-format document, rewritten only by compaction. */
  snapshot: string;
  /** The snapshot before the newest compaction (after a clean stop, the snapshot itself). */
  backup: string;
  /** Upserts appended since the newest compaction. */
  journal: string;
  /**
   * The journal folded by the newest compaction; it brings the backup up to the snapshot. A
   * clean stop removes it once the backup is the snapshot (`retireFoldedJournal`).
   */
  journalOld: string;
  /** Deleted conversations that came from a migration (`deletions.ts`). */
  deleted: string;
}

export function userFiles(chatsDir: string, username: string): UserFiles {
  const base = path.join(chatsDir, username);
  return {
    dir: chatsDir,
    snapshot: `${base}.json`,
    backup: `${base}.json.bak`,
    journal: `${base}.journal`,
    journalOld: `${base}.journal.old`,
    deleted: `${base}.deleted`,
  };
}

/** The owners of the snapshots and journals in `chatsDir`, sorted; none when it is missing. */
export async function ownersIn(chatsDir: string): Promise<string[]> {
  let names: string[];
  try {
    names = await readdir(chatsDir);
  } catch (error) {
    if (isCode(error, 'ENOENT') || isCode(error, 'ENOTDIR')) return [];
    throw error;
  }
  const owners = new Set<string>();
  for (const name of names) {
    const owner = ownerOf(name);
    if (owner) owners.add(owner);
  }
  return [...owners].sort();
}

/** The username a file in `chats/` belongs to, if it is a snapshot or a journal. */
export function ownerOf(fileName: string): string | null {
  for (const suffix of ['.json', '.journal', '.journal.old']) {
    if (fileName.endsWith(suffix) && fileName.length > suffix.length) {
      return fileName.slice(0, -suffix.length);
    }
  }
  return null;
}
