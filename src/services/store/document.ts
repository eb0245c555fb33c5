import { createHash } from 'node:crypto';
import { NotFoundError } from '../errors.js';
import { isRecord, isUnixTime } from '../guards.js';
import type { ConversationSummary, StoredConversation, StoredMessage } from '../types.js';
import { cloneJson } from './json-clone.js';

/**
 * One user's conversations in memory, keyed by id. A Map rather than a plain object, so an id
 * such as `__proto__` stays an ordinary key.
 */
export type Conversations = Map<string, StoredConversation>;

/** The name of a conversation that has none. */
export const UNTITLED_CHAT = 'Untitled chat';

/** The snapshot parsed, but it is not a user document. */
export class SnapshotFormatError extends Error {
  override name = 'SnapshotFormatError';
}

/** Parses a snapshot (the seed's per-user JSON). Throws when it is not a user document. */
export function parseSnapshot(text: string): Conversations {
  const parsed: unknown = JSON.parse(text);
  if (!isRecord(parsed)) throw new SnapshotFormatError('the document is not a JSON object');
  const conversations: Conversations = new Map();
  for (const [id, value] of Object.entries(parsed)) {
    conversations.set(id, completeEntry(id, value));
  }
  return conversations;
}

/**
 * One entry. An index entry of the old app, migrated in place, may be a thread with no local
 * messages or one that failed to convert (no creation time, say): it stays as it is, for the
 * migration to read again, and `readableHeader` fills in for readers what it lacks.
 */
function completeEntry(id: string, value: unknown): StoredConversation {
  const damaged = (what: string) => new SnapshotFormatError(`conversation ${id} ${what}`);
  if (!isRecord(value)) throw damaged('is not an object');
  value.messages ??= [];
  if (!Array.isArray(value.messages)) throw damaged('has no messages array');
  value.messages.forEach((message: unknown, index) => {
    if (!isRecord(message)) throw damaged(`has a message ${index} that is not an object`);
    if (message.text != null && typeof message.text !== 'string') {
      throw damaged(`has a message ${index} whose text is not a string`);
    }
    message.text ??= '';
    // The seed's format gives messages no id; one derived from the position stays the same
    // at every load, and is written into the file with the next fold.
    message.id ??= positionalId(id, index);
  });
  // No thread object at all: the entry's other fields still list it (nothing of it is dropped).
  if (value.data == null) value.data = {};
  else if (!isRecord(value.data)) value.data = { metadata: { unreadable_data: value.data } };
  (value.data as Record<string, unknown>).id ??= id;
  value.last_response_id ??= null;
  return value as unknown as StoredConversation;
}

/** The id of a message that has none: valid (`validateId`) and unique in its conversation. */
function positionalId(conversationId: string, index: number): string {
  return `m_${createHash('sha256').update(`${conversationId}\n${index}`).digest('hex').slice(0, 24)}`;
}

type Header = Omit<StoredConversation, 'messages'>;

/** The header of `conversation`, copied, with usable values where an old entry has none. */
export function readableHeader(conversation: StoredConversation): Header {
  const data = cloneJson(conversation.data);
  const lastUpdate = [conversation.last_update, data.created_at].find(isUnixTime) ?? 0;
  if (!isUnixTime(data.created_at)) data.created_at = lastUpdate;
  if (!isRecord(data.metadata)) data.metadata = {};
  const { chat_name: name, last_response_id: responseId } = conversation;
  return {
    data,
    chat_name: typeof name === 'string' ? name : UNTITLED_CHAT,
    last_update: lastUpdate,
    last_response_id: typeof responseId === 'string' ? responseId : null,
  };
}

/** A copy of `conversation` for readers (see `readableHeader`). */
export function readableCopy(conversation: StoredConversation): StoredConversation {
  const { data, chat_name, last_update, last_response_id } = readableHeader(conversation);
  const messages = cloneJson(conversation.messages);
  return { data, chat_name, last_update, messages, last_response_id };
}

/** The seed's format: `{ "<id>": { data, chat_name, last_update, messages, last_response_id } }`. */
export function serializeSnapshot(conversations: Conversations): string {
  const entries: string[] = [];
  for (const [id, conversation] of conversations) {
    entries.push(`${JSON.stringify(id)}:${JSON.stringify(conversation)}`);
  }
  return `{${entries.join(',')}}`;
}

export function summarize(conversation: StoredConversation): ConversationSummary {
  return {
    ...readableHeader(conversation),
    message_count: conversation.messages.length,
    streaming: conversation.messages.some((message) => message.status === 'STREAMING'),
  };
}

/** Where a conversation stands in the list: its last update and id. */
export interface Positioned {
  last_update: number;
  data: { id: string };
}

/** Newest `last_update` first, then by id so the order is stable. */
export function byLastUpdateDesc(a: Positioned, b: Positioned): number {
  if (a.last_update !== b.last_update) return b.last_update - a.last_update;
  return a.data.id < b.data.id ? -1 : a.data.id > b.data.id ? 1 : 0;
}

/** The conversation with this id; NotFoundError when there is none. */
export function requireConversation(
  conversations: Conversations,
  conversationId: string,
): StoredConversation {
  const conversation = conversations.get(conversationId);
  if (!conversation) {
    throw new NotFoundError('Conversation not found', { conversationId });
  }
  return conversation;
}

/** The last message with this id (the one `applyOp` changes); NotFoundError when there is none. */
export function requireMessage(conversation: StoredConversation, messageId: string): StoredMessage {
  const message = conversation.messages.findLast((m) => m.id === messageId);
  if (!message) throw new NotFoundError(`Message ${messageId} not found`);
  return message;
}
