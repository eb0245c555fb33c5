/**
 * A read-only view of one user's stored conversations, for the dry run and verification: the
 * snapshot (or its backup when the snapshot is damaged) with both journals replayed, as the
 * store loads it, but without the store's repairs (quarantine, truncation, rewrite), so a run
 * that promises to write nothing writes nothing and needs no lock.
 */
import path from 'node:path';
import { readIfExists } from '../services/store/atomic-file.js';
import { legacyIdOf } from '../services/store/deletions.js';
import { type Conversations, parseSnapshot } from '../services/store/document.js';
import { applyOp, parseJournal } from '../services/store/journal.js';
import { userFiles } from '../services/store/user-files.js';
import type { StoredConversation } from '../services/types.js';
import { errorReason } from './json.js';
import { type ExistingConversations, wasDeleted } from './merge.js';
import type { MigratedConversation } from './types.js';

/** The user's conversations as the store would load them; empty when the user has no files. */
export async function readStoredConversations(
  dataDir: string,
  user: string,
): Promise<Conversations> {
  const files = userFiles(path.join(dataDir, 'chats'), user);
  const conversations = await readBase(files.snapshot, files.backup);
  for (const journal of [files.journalOld, files.journal]) {
    const bytes = await readIfExists(journal);
    // Unreadable lines and a torn tail are skipped, as the store skips them.
    if (bytes) for (const op of parseJournal(bytes).ops) applyOp(conversations, op);
  }
  return conversations;
}

async function readBase(snapshot: string, backup: string): Promise<Conversations> {
  const text = await readIfExists(snapshot);
  if (text) {
    try {
      return parseSnapshot(text.toString('utf8'));
    } catch (error) {
      const saved = await readIfExists(backup);
      try {
        if (saved) return parseSnapshot(saved.toString('utf8'));
      } catch {
        // As damaged as the snapshot: said below, as the store says it.
      }
      throw new Error(`${snapshot} is damaged (${errorReason(error)}) and has no usable backup`);
    }
  }
  const saved = await readIfExists(backup);
  if (!saved) return new Map();
  try {
    return parseSnapshot(saved.toString('utf8'));
  } catch {
    throw new Error(`${snapshot} is missing and its backup is damaged`);
  }
}

/** Lookup over a view, by id and then by recorded legacy id, like the store-backed one. */
export function viewConversations(
  conversations: Conversations,
  deletedIds: ReadonlySet<string>,
): ExistingConversations {
  const byLegacyId = new Map<string, StoredConversation>();
  for (const conversation of conversations.values()) {
    const legacyId = legacyIdOf(conversation.data?.metadata);
    if (legacyId) byLegacyId.set(legacyId, conversation);
  }
  return {
    async find(migrated: MigratedConversation) {
      return (
        conversations.get(migrated.conversation.data.id) ??
        byLegacyId.get(migrated.legacyId) ??
        null
      );
    },
    deleted: wasDeleted(deletedIds),
  };
}
