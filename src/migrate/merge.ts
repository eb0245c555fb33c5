/**
 * Merging migrated conversations into what a user already has. Conversations created since
 * are never touched; a conversation migrated before gains only the messages it lacks (matched
 * by id, or as the same message kept under two ids: `storedCopies`), so running the migration
 * again changes nothing.
 */

import { legacyIdOf } from '../services/store/deletions.js';
import type { ConversationStore, StoredConversation, StoredMessage } from '../services/types.js';
import { branchTarget, differentBranches } from './branches.js';
import { storedCopies } from './copies.js';
import {
  ENTRY_KEY,
  holdsKept,
  withCopyFields,
  withKeptEntryFields,
  withKeptMessageFields,
} from './kept-fields.js';
import type { ConversationChange, MigratedConversation } from './types.js';

export type MergeAction = 'add' | 'update' | 'unchanged';

export interface MergeResult {
  action: MergeAction;
  conversation: StoredConversation;
  messagesAdded: number;
  /** Stored unfinished, now replaced by a finished (or longer) copy from the source. */
  messagesCompleted: number;
}

export function mergeConversation(
  existing: StoredConversation | null,
  migrated: StoredConversation,
): MergeResult {
  // A legacy thread entry left in place (migrating inside the data directory) is replaced.
  if (existing?.data?.object !== 'conversation' || !Array.isArray(existing.messages)) {
    return {
      action: 'add',
      conversation: migrated,
      messagesAdded: migrated.messages.length,
      messagesCompleted: 0,
    };
  }
  // A message may be stored under the id of its other copy (see `storedCopies`).
  const found = storedCopies(existing.messages, migrated.messages);
  const missing = migrated.messages.filter((message) => !found.has(message.id));
  // Each stored message's source: the copy of its id, or the other copy it holds.
  const sources = new Map<string, StoredMessage>();
  for (const message of migrated.messages) {
    const stored = found.get(message.id);
    if (stored) sources.set(stored.id, message);
  }
  // A message stored unfinished (cut short, or still being written when it was read) is
  // replaced by a source that has it otherwise, under the id it is stored by and with what only
  // it carries; every other stored message is kept as it is.
  let corrected = 0;
  let filled = 0;
  const kept = existing.messages.map((message) => {
    const source = sources.get(message.id);
    if (!source) return message;
    if (message.status !== 'INCOMPLETE' || !improves(source, message)) {
      // Migrated before the source's other fields were kept (or they changed since), or stored
      // from the other copy: it gains what only the source's carries.
      const whole = withCopyFields(withKeptMessageFields(message, source), source);
      if (whole !== message) filled++;
      return whole;
    }
    corrected++;
    return { ...withCopyFields(source, message), id: message.id };
  });
  const historyChanged = missing.length > 0 || corrected > 0;
  const entryKept = holdsKept(existing.data.metadata, migrated.data.metadata, ENTRY_KEY);
  if (!historyChanged && filled === 0 && entryKept)
    return { action: 'unchanged', conversation: existing, messagesAdded: 0, messagesCompleted: 0 };
  const metadata = withKeptEntryFields(
    { ...migrated.data.metadata, ...existing.data.metadata },
    migrated.data.metadata,
  );
  const conversation: StoredConversation = {
    ...existing,
    data: { ...existing.data, metadata },
    last_update: Math.max(existing.last_update, migrated.last_update),
    messages: byTimestamp([...kept, ...missing], migrated.messages),
    // Older messages now sit inside the history a stored response chain never saw; dropping
    // the chain makes the next turn send the full history, recovered messages included.
    last_response_id: historyChanged ? null : existing.last_response_id,
  };
  return {
    action: 'update',
    conversation,
    messagesAdded: missing.length,
    messagesCompleted: corrected,
  };
}

/** A finished copy, or an unfinished one with more text: never an older, shorter read. */
const improves = (source: StoredMessage, stored: StoredMessage): boolean =>
  source.status === 'COMPLETE' || source.text.length > stored.text.length;

/**
 * Oldest first. Of one second, messages the source has keep the source's order (a message
 * recovered by a later run goes where it was, not after the others of its second); the rest
 * keep the order they come in.
 */
function byTimestamp(messages: StoredMessage[], source: StoredMessage[]): StoredMessage[] {
  const rank = new Map(source.map((message, index) => [message.id, index]));
  return messages
    .map((message, index) => ({ message, index, rank: rank.get(message.id) }))
    .sort(
      (a, b) =>
        a.message.timestamp - b.message.timestamp ||
        (a.rank !== undefined && b.rank !== undefined ? a.rank - b.rank : a.index - b.index),
    )
    .map(({ message }) => message);
}

/** Finds the stored conversation a migrated one corresponds to. */
export interface ExistingConversations {
  find(migrated: MigratedConversation): Promise<StoredConversation | null>;
  /** Whether the user deleted the conversation after an earlier migration brought it in. */
  deleted(migrated: MigratedConversation): boolean;
}

/** `deleted` over the ids and legacy ids the store recorded (`readDeletions`). */
export const wasDeleted =
  (ids: ReadonlySet<string>) =>
  (migrated: MigratedConversation): boolean =>
    ids.has(migrated.conversation.data.id) || ids.has(migrated.legacyId);

/**
 * Looks conversations up by id (migrated ids are the legacy ids), then by the legacy id a
 * conversation recorded in its metadata.
 */
export async function existingConversations(
  store: ConversationStore,
  user: string,
  deletedIds: ReadonlySet<string>,
): Promise<ExistingConversations> {
  const summaries = await store.listConversations(user);
  const ids = new Set(summaries.map((summary) => summary.data.id));
  const byLegacyId = new Map<string, string>();
  for (const summary of summaries) {
    const legacyId = legacyIdOf(summary.data.metadata);
    if (legacyId) byLegacyId.set(legacyId, summary.data.id);
  }
  return {
    async find(migrated) {
      const id = migrated.conversation.data.id;
      const target = ids.has(id) ? id : byLegacyId.get(migrated.legacyId);
      return target ? store.getConversation(user, target) : null;
    },
    deleted: wasDeleted(deletedIds),
  };
}

/**
 * One conversation per source id: a source may list one conversation twice (a ChatGPT export
 * can), and the later copy merges into the first, as a re-run would, rather than over it. Two
 * copies showing different branches of a ChatGPT conversation are kept apart, each to go where
 * its branch goes (`branchTarget`).
 */
export function foldCopies(migrated: readonly MigratedConversation[]): MigratedConversation[] {
  const byId = new Map<string, MigratedConversation[]>();
  for (const item of migrated) {
    const copies = byId.get(item.legacyId) ?? [];
    byId.set(item.legacyId, copies);
    const index = copies.findIndex((first) => !differentBranches(first, item));
    const first = copies[index];
    if (!first) {
      copies.push(item);
      continue;
    }
    const folded: MigratedConversation = {
      legacyId: item.legacyId,
      conversation: mergeConversation(first.conversation, item.conversation).conversation,
      indexOnly: first.indexOnly && item.indexOnly,
      // The copies share most of their messages: a sum would count those twice, and the
      // larger count is the nearer one.
      nonTextParts: Math.max(first.nonTextParts, item.nonTextParts),
      skippedMessages: Math.max(first.skippedMessages, item.skippedMessages),
    };
    // On one branch, the folded copy is a branch of the later copy's tree.
    if (item.branches) folded.branches = item.branches;
    copies[index] = folded;
  }
  return [...byId.values()].flat();
}

export interface UserPlan {
  writes: StoredConversation[];
  changes: ConversationChange[];
  unchanged: number;
  /** Deleted by the user since an earlier migration, and left deleted. */
  deleted: number;
}

/**
 * What must be written for one user, and a description of each change. A conversation the
 * user deleted is not brought back unless `restoreDeleted` says so.
 */
export async function planUser(
  existing: ExistingConversations,
  migrated: readonly MigratedConversation[],
  restoreDeleted = false,
): Promise<UserPlan> {
  const plan: UserPlan = { writes: [], changes: [], unchanged: 0, deleted: 0 };
  // Conversations written by this plan, by id, with the index of their write: a later copy of
  // one source conversation (another branch of it) sees what an earlier one wrote.
  const planned = new Map<string, number>();
  const find = async (item: MigratedConversation) => {
    const found = await existing.find(item);
    const index = planned.get(found?.data?.id ?? item.conversation.data.id);
    return index === undefined ? found : (plan.writes[index] as StoredConversation);
  };
  for (const item of migrated) {
    const { item: target, stored } = await branchTarget(item, find);
    if (!stored && !restoreDeleted && existing.deleted(target)) {
      plan.deleted++;
      continue;
    }
    const result = mergeConversation(stored, target.conversation);
    const id = result.conversation.data.id;
    const earlier = planned.get(id);
    if (result.action === 'unchanged') {
      // Counted once, as written, when an earlier copy wrote it.
      if (earlier === undefined) plan.unchanged++;
      continue;
    }
    const change: ConversationChange = {
      action: result.action,
      conversationId: id,
      legacyId: item.legacyId,
      chatName: result.conversation.chat_name,
      messagesAdded: result.messagesAdded,
      messagesCompleted: result.messagesCompleted,
      indexOnly: target.indexOnly,
    };
    if (earlier === undefined) {
      planned.set(id, plan.writes.length);
      plan.writes.push(result.conversation);
      plan.changes.push(change);
      continue;
    }
    // Written once, with what both copies brought.
    const first = plan.changes[earlier] as ConversationChange;
    plan.writes[earlier] = result.conversation;
    plan.changes[earlier] = {
      ...first,
      chatName: change.chatName,
      messagesAdded: first.messagesAdded + change.messagesAdded,
      messagesCompleted: first.messagesCompleted + change.messagesCompleted,
      indexOnly: first.indexOnly && change.indexOnly,
    };
  }
  return plan;
}
