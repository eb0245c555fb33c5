/**
 * A read-only view of one user's stored conversations, for the dry run and verification: the
 * store's own loader without its repairs (quarantine, truncation, rewrite), so a run that
 * promises to write nothing writes nothing and needs no lock.
 */
import path from 'node:path';
import { silentLogger } from '../logger.js';
import { fileStamp } from '../services/store/atomic-file.js';
import { legacyIdOf } from '../services/store/deletions.js';
import type { Conversations } from '../services/store/document.js';
import { userFiles } from '../services/store/user-files.js';
import { loadUser } from '../services/store/user-loader.js';
import type { StoredConversation } from '../services/types.js';
import { type ExistingConversations, wasDeleted } from './merge.js';
import type { MigratedConversation } from './types.js';

/** The user's conversations as the store would load them; empty when the user has no files. */
export async function readStoredConversations(
  dataDir: string,
  user: string,
): Promise<Conversations> {
  const files = userFiles(path.join(dataDir, 'chats'), user);
  // Beside a running server, a fold may replace the snapshot and drop the journal it folded
  // while this reads them: read again until the snapshot stayed the same throughout.
  for (let attempt = 1; ; attempt++) {
    const before = await fileStamp(files.snapshot);
    const { conversations } = await loadUser(files, silentLogger, { readOnly: true });
    if (attempt === MAX_READS || (await fileStamp(files.snapshot)) === before) {
      return conversations;
    }
  }
}

const MAX_READS = 5;

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
