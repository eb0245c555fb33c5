/**
 * Index entries already in the seed's new format (`{ data, chat_name, last_update, messages,
 * last_response_id }`, messages kept in the entry), as the old app writes them once it keeps
 * conversations locally. They are read the way the store reads its own file, so a message
 * without an id gets the store's positional id and a re-run finds it again. A message the store
 * would refuse is left out and reported; the rest of the conversation is kept.
 */
import { legacyIdOf } from '../services/store/deletions.js';
import { parseSnapshot, readableHeader } from '../services/store/document.js';
import { checkMessage } from '../services/store/records.js';
import type { StoredConversation, StoredMessage } from '../services/types.js';
import { errorReason, isRecord } from './json.js';
import { ENTRY_KEY, otherFields } from './kept-fields.js';

export interface SeedEntry {
  conversation: StoredConversation;
  /** One reason per message left out. */
  problems: string[];
  /** The ids given by position, to messages the entry holds without one. */
  positionalIds: Set<string>;
}

/** The entry as a conversation, or the reason it cannot be read at all. */
export function readSeedEntry(key: string, entry: Record<string, unknown>): SeedEntry | string {
  let read: StoredConversation;
  try {
    // The store's own reading of one entry: its defaults and its positional message ids.
    read = parseSnapshot(JSON.stringify({ [key]: entry })).get(key) as StoredConversation;
  } catch (error) {
    return `entry in the new format is unreadable: ${errorReason(error)}`;
  }
  const header = readableHeader(read);
  const problems: string[] = [];
  const seen = new Set<string>();
  const messages: StoredMessage[] = [];
  const positionalIds = new Set<string>();
  const given = Array.isArray(entry.messages) ? entry.messages : [];
  for (const [index, message] of read.messages.entries()) {
    const candidate = { ...message, response_id: message.response_id ?? null };
    const problem =
      storeRefusal(candidate) ??
      (seen.has(message.id) ? 'id appears twice in the conversation' : null);
    if (problem) {
      problems.push(`message ${JSON.stringify(message.id)}: ${problem}, so it is not migrated`);
      continue;
    }
    seen.add(message.id);
    const own = given[index];
    if (!isRecord(own) || own.id == null) positionalIds.add(message.id);
    messages.push(candidate);
  }
  const metadata = { ...header.data.metadata };
  // Its key in the legacy index: a re-run finds it by that, and a deletion is remembered.
  if (legacyIdOf(metadata) === undefined) metadata.legacy_thread_id = key;
  const other = otherFields(entry, SEED_FIELDS);
  if (other && metadata[ENTRY_KEY] === undefined) metadata[ENTRY_KEY] = other;
  return {
    conversation: {
      ...header,
      data: { ...header.data, id: key, metadata, object: 'conversation' },
      messages,
    },
    problems,
    positionalIds,
  };
}

/** The fields of an entry in the new format; the others are kept (see `kept-fields.ts`). */
const SEED_FIELDS = new Set(['data', 'chat_name', 'last_update', 'messages', 'last_response_id']);

/** Why the store would refuse a message (see `checkConversation`), or null. */
function storeRefusal(message: StoredMessage): string | null {
  try {
    checkMessage(message);
    return null;
  } catch (error) {
    return errorReason(error);
  }
}

/** Whether an entry keeps its messages itself: a `messages` array beside its `data`. */
export const hasLocalMessages = (
  entry: unknown,
): entry is Record<string, unknown> & { messages: unknown[] } =>
  isRecord(entry) && Array.isArray(entry.messages);
