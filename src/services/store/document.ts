import { isRecord } from '../guards.js';
import type { ConversationSummary, StoredConversation } from '../types.js';
import { cloneJson } from './json-clone.js';

/**
 * One user's conversations in memory, keyed by id. A Map rather than a plain object, so an id
 * such as `__proto__` stays an ordinary key.
 */
export type Conversations = Map<string, StoredConversation>;

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
    if (!isRecord(value)) throw new SnapshotFormatError(`conversation ${id} is not an object`);
    if (value.messages === undefined) value.messages = [];
    if (!Array.isArray(value.messages)) {
      throw new SnapshotFormatError(`conversation ${id} has no messages array`);
    }
    conversations.set(id, value as unknown as StoredConversation);
  }
  return conversations;
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
    data: cloneJson(conversation.data),
    chat_name: conversation.chat_name,
    last_update: conversation.last_update,
    last_response_id: conversation.last_response_id,
    message_count: conversation.messages.length,
    streaming: conversation.messages.some((message) => message.status === 'STREAMING'),
  };
}

/** Newest `last_update` first, then by id so the order is stable. */
export function byLastUpdateDesc(
  a: Pick<ConversationSummary, 'data' | 'last_update'>,
  b: Pick<ConversationSummary, 'data' | 'last_update'>,
): number {
  if (a.last_update !== b.last_update) return b.last_update - a.last_update;
  return a.data.id < b.data.id ? -1 : a.data.id > b.data.id ? 1 : 0;
}
