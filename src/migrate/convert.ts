/**
 * A legacy thread and its messages -> a conversation of the new format. Ids are kept (the
 * thread id becomes the conversation id, `msg_...` ids stay), so a re-run finds what an earlier
 * run wrote. `last_response_id` is null, so the next turn sends the full history, unless the
 * index entry kept one and the thread has no message the entry does not.
 */
import { defaultChatName } from '../services/chat/chat-name.js';
import { UNTITLED_CHAT } from '../services/store/document.js';
import type { MessageStatus, StoredConversation, StoredMessage } from '../services/types.js';
import { renderContent } from './content-parts.js';
import { nearOneOf, pairCopies } from './copies.js';
import { ENTRY_KEY, MESSAGE_KEY, otherFields, withCopyFields } from './kept-fields.js';
import { isUnfinished } from './legacy-message.js';
import type { LegacyMessage, LegacyThread, MigratedConversation } from './types.js';

/** `problems`: local messages left out as possibly a copy of one of the thread's. */
export function convertThread(
  thread: LegacyThread,
  legacyMessages: readonly LegacyMessage[],
  problems: string[] = [],
): MigratedConversation {
  let nonTextParts = 0;
  const converted = legacyMessages.map((legacy) => {
    const { message, nonTextParts: parts } = convertMessage(legacy);
    nonTextParts += parts;
    return message;
  });
  const { messages, threadOnly } = withLocalMessages(
    converted,
    thread.localMessages ?? [],
    thread.positionalIds ?? new Set(),
    problems,
  );
  const newest = messages.reduce((latest, message) => Math.max(latest, message.timestamp), 0);
  const metadata: Record<string, unknown> = { legacy_thread_id: thread.threadId };
  if (Object.keys(thread.metadata).length > 0) metadata.legacy_metadata = thread.metadata;
  if (thread.toolResources !== null) metadata.legacy_tool_resources = thread.toolResources;
  // The chain the entry kept saw its own messages; one the thread adds it never saw.
  const lastResponseId = threadOnly === 0 ? (thread.lastResponseId ?? null) : null;
  const entryFields = entryFieldsBeside(thread.otherFields, lastResponseId);
  if (entryFields) metadata[ENTRY_KEY] = entryFields;
  const conversation: StoredConversation = {
    data: {
      id: thread.threadId,
      created_at: thread.createdAt,
      metadata,
      object: 'conversation',
    },
    chat_name: thread.chatName.trim() || nameFromMessages(messages),
    last_update: Math.max(thread.lastUpdate, newest),
    messages,
    last_response_id: lastResponseId,
  };
  return {
    legacyId: thread.threadId,
    conversation,
    indexOnly: messages.length === 0,
    nonTextParts,
    skippedMessages: 0,
  };
}

/**
 * The entry's fields kept under `legacy_entry`, less a `last_response_id` the conversation holds
 * itself: a field is not kept twice. A chain the conversation drops stays there, not lost.
 */
function entryFieldsBeside(
  other: Record<string, unknown> | undefined,
  lastResponseId: string | null,
): Record<string, unknown> | null {
  if (!other || other.last_response_id !== lastResponseId) return other ?? null;
  const { last_response_id: _held, ...rest } = other;
  return Object.keys(rest).length > 0 ? rest : null;
}

export function convertMessage(legacy: LegacyMessage): {
  message: StoredMessage;
  nonTextParts: number;
} {
  const rendered = renderContent(legacy.content, legacy.attachments);
  const metadata: Record<string, unknown> = {};
  if (rendered.lossy) metadata.legacy_content = legacy.content;
  if (legacy.assistant_id) metadata.assistant_id = legacy.assistant_id;
  if (legacy.run_id) metadata.run_id = legacy.run_id;
  if (Array.isArray(legacy.attachments) && legacy.attachments.length > 0) {
    metadata.attachments = legacy.attachments;
  }
  if (legacy.metadata && Object.keys(legacy.metadata).length > 0) {
    metadata.legacy_metadata = legacy.metadata;
  }
  if (legacy.incomplete_details) metadata.incomplete_details = legacy.incomplete_details;
  const other = otherFields(legacy, MESSAGE_FIELDS);
  if (other) metadata[MESSAGE_KEY] = other;
  const message: StoredMessage = {
    id: legacy.id,
    role: legacy.role,
    text: rendered.text,
    timestamp: legacy.created_at,
    response_id: null,
    status: statusOf(legacy.status),
  };
  if (Object.keys(metadata).length > 0) message.metadata = metadata;
  return { message, nonTextParts: rendered.nonTextParts };
}

/**
 * The thread's messages plus those its index entry kept itself, oldest first (a stable sort:
 * of one second, the thread's first). A local message with an id the thread has is the same
 * message, and the thread's copy is kept, with what only the local one carries. So is a local
 * message the entry held without an id (the old app's copy) that equals one of the thread's in
 * role and text at most a second from it (`pairCopies`), each of the thread's messages standing
 * for one such copy. One without an id within a second of a message of the thread of its role
 * that no local copy was taken for (so of another text) may be that message, edited, or not: it
 * is left out and added to `problems`, not migrated twice. One near only messages a copy was
 * taken for is another message, sent right after, and is added.
 */
function withLocalMessages(
  messages: StoredMessage[],
  local: StoredMessage[],
  positionalIds: ReadonlySet<string>,
  problems: string[],
): { messages: StoredMessage[]; threadOnly: number } {
  if (local.length === 0) return { messages, threadOnly: messages.length };
  const ids = new Map(messages.map((message) => [message.id, message]));
  // One a local copy names by its id stands for no id-less copy as well.
  const named = new Set(local.map((message) => message.id).filter((id) => ids.has(id)));
  const pairs = pairCopies(
    local.filter((message) => !ids.has(message.id) && positionalIds.has(message.id)),
    messages.filter((message) => !named.has(message.id)),
  );
  // A copy that differs can only be of a message no other copy was taken for.
  const paired = new Set(pairs.values());
  const near = nearOneOf(messages.filter((m) => !named.has(m.id) && !paired.has(m)));
  // The thread's messages a local copy was taken for, with what only that copy carries.
  const taken = new Map<string, StoredMessage>();
  const added = local.filter((message) => {
    const same = ids.get(message.id) ?? pairs.get(message);
    if (same) {
      taken.set(same.id, withCopyFields(taken.get(same.id) ?? same, message));
      return false;
    }
    // One with an id of its own, or none of its role near it: a message the thread lacks.
    if (!positionalIds.has(message.id) || !near(message)) return true;
    problems.push(
      `message ${message.id} of the index entry (${message.role}, at ${message.timestamp}) may be a copy of a message of the thread within a second of it and differs from it, so it is not migrated (the thread's is)`,
    );
    return false;
  });
  const whole = messages.map((message) => taken.get(message.id) ?? message);
  return {
    messages: [...whole, ...added].sort((a, b) => a.timestamp - b.timestamp),
    threadOnly: messages.length - taken.size,
  };
}

/**
 * The fields of a `thread.message` held elsewhere: above, or by the conversation (`object`,
 * `thread_id`).
 */
const MESSAGE_FIELDS = new Set([
  'id',
  'object',
  'thread_id',
  'created_at',
  'role',
  'content',
  'status',
  'incomplete_details',
  'assistant_id',
  'run_id',
  'attachments',
  'metadata',
]);

/**
 * An unfinished message survives as INCOMPLETE; a later run that finds it finished replaces it
 * (see `mergeConversation`).
 */
const statusOf = (status: string | undefined): MessageStatus =>
  isUnfinished(status) ? 'INCOMPLETE' : 'COMPLETE';

/** A name for a conversation that had none: the start of its first question. */
export function nameFromMessages(messages: StoredMessage[]): string {
  const first = messages.find((message) => message.role === 'user' && message.text.trim());
  return first ? defaultChatName(first.text) : UNTITLED_CHAT;
}
