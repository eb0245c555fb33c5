/**
 * The record of deleted conversations that came from a migration (`{user}.deleted`, one JSON
 * line per deletion). Running the migration again must not bring back what a user deleted, and
 * once the journal is compacted nothing else remembers the deletion.
 */
import { appendDurably, readIfExists } from './atomic-file.js';

/**
 * Metadata keys under which a migrated conversation records its id in the source system. A
 * branch of a ChatGPT conversation given a conversation of its own is known by its own id,
 * not by the conversation's.
 */
const LEGACY_KEYS = ['legacy_thread_id', 'chatgpt_branch_id', 'chatgpt_conversation_id'] as const;

export function legacyIdOf(metadata: Record<string, unknown> | undefined): string | undefined {
  for (const key of LEGACY_KEYS) {
    const value = metadata?.[key];
    if (typeof value === 'string') return value;
  }
  return undefined;
}

export interface Deletion {
  id: string;
  legacy_id: string;
  /** Unix seconds. */
  deleted_at: number;
}

/** Appends one deletion durably (a new file's directory entry included). */
export async function recordDeletion(file: string, entry: Deletion): Promise<void> {
  await appendDurably(file, `${JSON.stringify(entry)}\n`);
}

/** The ids and legacy ids of every recorded deletion; lines that do not parse are skipped. */
export async function readDeletions(file: string): Promise<Set<string>> {
  const ids = new Set<string>();
  const bytes = await readIfExists(file);
  for (const line of bytes?.toString('utf8').split('\n') ?? []) {
    try {
      const entry = JSON.parse(line) as Partial<Deletion>;
      if (typeof entry.id === 'string') ids.add(entry.id);
      if (typeof entry.legacy_id === 'string') ids.add(entry.legacy_id);
    } catch {
      // A torn last line, or an empty one.
    }
  }
  return ids;
}
