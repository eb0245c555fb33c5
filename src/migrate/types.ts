/**
 * Shapes shared by the migration: what the legacy readers produce and what the run reports.
 * Legacy shapes are validated subsets of the Assistants API objects; everything else in them
 * is carried along untouched so nothing is lost.
 */
import type { StoredConversation, StoredMessage } from '../services/types.js';

/** One entry of a legacy `{username}.json` thread index. */
export interface LegacyThread {
  threadId: string;
  /** Unix seconds. */
  createdAt: number;
  chatName: string;
  lastUpdate: number;
  /** The thread object's own metadata and tool resources, kept verbatim. */
  metadata: Record<string, unknown>;
  toolResources: unknown;
  /** The entry's fields no other field here holds (`pinned`, `model`...), kept verbatim. */
  otherFields?: Record<string, unknown>;
  /** Messages the index entry itself holds, in the seed's new format (see `seed-entry.ts`). */
  localMessages?: StoredMessage[];
  /** Of `localMessages`, the ids given by position: the entry held those without an id. */
  positionalIds?: ReadonlySet<string>;
  /** The response chain the entry kept with its messages. */
  lastResponseId?: string | null;
}

/** A `thread.message` object as the Assistants API returned it. */
export interface LegacyMessage {
  id: string;
  created_at: number;
  role: 'user' | 'assistant';
  content: unknown[];
  /** The thread it belongs to, when the export says. */
  thread_id?: string;
  status?: string;
  incomplete_details?: unknown;
  assistant_id?: string | null;
  run_id?: string | null;
  attachments?: unknown[] | null;
  metadata?: Record<string, unknown> | null;
  /** Any other field (`completed_at`, a key of the app's own) is kept, see `kept-fields.ts`. */
  [field: string]: unknown;
}

/** Something that could not be read or written; the run goes on without it. */
export interface MigrationFailure {
  user: string | null;
  file: string | null;
  thread: string | null;
  reason: string;
}

/** A converted conversation, ready to merge, with what verification must find afterwards. */
export interface MigratedConversation {
  /** The id in the source system (thread id, ChatGPT conversation id). */
  legacyId: string;
  conversation: StoredConversation;
  /** True when no message of the conversation was found (index only). */
  indexOnly: boolean;
  /** Content parts that were not plain text, kept as placeholders plus originals. */
  nonTextParts: number;
  /** Source messages deliberately not imported (e.g. hidden system nodes). */
  skippedMessages: number;
  /**
   * For a source whose conversations are trees (ChatGPT), where `conversation` holds one
   * branch: the ids of the tree's messages on every branch, and the conversation the branch
   * of `migrated` gets when it diverged from a stored one at message `fork` (see `branches.ts`).
   */
  branches?: {
    messageIds: ReadonlySet<string>;
    fork(migrated: MigratedConversation, fork: string): MigratedConversation;
  };
}

/** Everything one source produced for one user. */
export interface UserBatch {
  user: string;
  file: string;
  conversations: MigratedConversation[];
  failures: MigrationFailure[];
}

export type ChangeAction = 'add' | 'update';

export interface ConversationChange {
  action: ChangeAction;
  conversationId: string;
  legacyId: string;
  chatName: string;
  messagesAdded: number;
  /** Messages stored unfinished that the source now has finished. */
  messagesCompleted: number;
  indexOnly: boolean;
}

export interface UserReport {
  user: string;
  threads: number;
  conversationsAdded: number;
  conversationsUpdated: number;
  conversationsUnchanged: number;
  /** Deleted by the user since an earlier migration, so not brought back. */
  conversationsDeleted: number;
  messagesAdded: number;
  /** Messages stored unfinished by an earlier run that the source now has finished. */
  messagesCompleted: number;
  indexOnlyThreads: number;
  nonTextParts: number;
  skippedMessages: number;
  /** Every conversation that was (or, in a dry run, would be) written. */
  changes: ConversationChange[];
  /** Legacy ids of the threads for which no message was found. */
  indexOnly: string[];
}

export interface VerifyProblem {
  user: string;
  thread: string;
  messageId: string | null;
  reason: string;
}

export interface VerifyResult {
  checkedConversations: number;
  /** Absent because their users deleted them: not a problem. */
  deletedConversations: number;
  checkedMessages: number;
  problems: VerifyProblem[];
}

export type MigrationMode = 'migrate' | 'dry-run' | 'verify';

export interface MigrationReport {
  source: 'assistants' | 'chatgpt';
  mode: MigrationMode;
  status: 'complete' | 'partial';
  startedAt: string;
  durationMs: number;
  dataDir: string;
  /** Where the originals were copied before the first write; null when nothing was written. */
  backupPath: string | null;
  totals: Omit<UserReport, 'user' | 'changes' | 'indexOnly'> & { users: number };
  users: UserReport[];
  failures: MigrationFailure[];
  verify: VerifyResult | null;
}
