/**
 * Reads the legacy app's per-user thread indexes: `{username}.json` mapping a thread id to
 * `{ data: <Thread object>, chat_name, last_update }`, beside which the app may already keep
 * conversations in the seed's new format (messages in the entry, see `seed-entry.ts`). Each
 * entry is validated on its own so one bad entry costs only that thread.
 */
import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { isValidId } from '../services/store/validate.js';
import { errorReason, isRecord, isUnixTime, readJson } from './json.js';
import { ENTRY_KEY, otherFields } from './kept-fields.js';
import { hasLocalMessages, readSeedEntry } from './seed-entry.js';
import type { LegacyThread, MigratedConversation, MigrationFailure } from './types.js';

export interface LegacyIndex {
  user: string;
  file: string;
  threads: LegacyThread[];
  /** Entries in the new format under keys that are not thread ids: converted already. */
  conversations: MigratedConversation[];
  failures: MigrationFailure[];
}

/** The `{username}.json` files of a legacy folder, sorted by username (then file name). */
export async function listLegacyIndexFiles(
  dir: string,
): Promise<Array<{ user: string; file: string }>> {
  const entries = await readdir(dir, { withFileTypes: true });
  const files = [];
  for (const entry of entries) {
    // `carol.JSON` too: a Windows tool may have written the extension in capitals.
    if (!isJsonName(entry.name)) continue;
    const file = path.join(dir, entry.name);
    // A symbolic link counts as the file it leads to; one that leads nowhere is read, and fails.
    if (entry.isFile() || (entry.isSymbolicLink() && !(await isDirectory(file)))) {
      files.push({ user: entry.name.slice(0, -'.json'.length), file });
    }
  }
  const order = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
  return files.sort((a, b) => order(a.user, b.user) || order(a.file, b.file));
}

/** A `.json` file name, its extension in any case. */
export const isJsonName = (name: string) =>
  name.length > '.json'.length && name.toLowerCase().endsWith('.json');

const isDirectory = (file: string) =>
  stat(file).then(
    (stats) => stats.isDirectory(),
    () => false,
  );

/**
 * Reads one index file. A file that cannot be parsed yields one failure and no threads.
 * `inPlace`: the file is the store's own (the legacy folder is the data directory's `chats`),
 * whose entries under keys that are not thread ids are its conversations, not sources.
 */
export async function readLegacyIndex(
  user: string,
  file: string,
  { inPlace = false }: { inPlace?: boolean } = {},
): Promise<LegacyIndex> {
  const index: LegacyIndex = { user, file, threads: [], conversations: [], failures: [] };
  let parsed: unknown;
  try {
    parsed = await readJson(file);
  } catch (error) {
    index.failures.push({ user, file, thread: null, reason: errorReason(error) });
    return index;
  }
  if (!isRecord(parsed)) {
    index.failures.push({ user, file, thread: null, reason: 'expected an object of threads' });
    return index;
  }
  const fail = (key: string, reason: string) =>
    index.failures.push({ user, file, thread: key, reason });
  // An entry in the new format, each message it cannot take reported; null (reported) when the
  // entry cannot be read at all.
  const readSeed = (key: string, entry: Record<string, unknown>) => {
    const seed = readSeedEntry(key, entry);
    if (typeof seed === 'string') {
      fail(key, seed);
      return null;
    }
    for (const problem of seed.problems) fail(key, problem);
    return seed;
  };
  for (const [key, entry] of Object.entries(parsed)) {
    if (isConvertedEntry(key, entry)) {
      // Migrated in place earlier: still a thread to re-read and verify, under its legacy id.
      const thread = migratedThread(key, entry);
      if (typeof thread === 'string') fail(key, thread);
      else index.threads.push(thread);
      continue;
    }
    if (!key.startsWith('thread_') && hasLocalMessages(entry)) {
      // In place, the store reads such an entry itself (and knows what its user deleted since):
      // a conversation of its own, or one the old app kept there, both already migrated.
      if (inPlace) continue;
      const seed = readSeed(key, entry);
      if (!seed) continue;
      index.conversations.push({
        legacyId: key,
        conversation: seed.conversation,
        indexOnly: seed.conversation.messages.length === 0,
        nonTextParts: 0,
        skippedMessages: 0,
      });
      continue;
    }
    const result = parseThreadEntry(key, entry);
    if (typeof result === 'string') {
      fail(key, result);
      continue;
    }
    // A thread the app already keeps locally too: its messages come along with the export's.
    const seed = hasLocalMessages(entry) && entry.messages.length > 0 ? readSeed(key, entry) : null;
    if (seed) {
      result.localMessages = seed.conversation.messages;
      result.positionalIds = seed.positionalIds;
      result.lastResponseId = seed.conversation.last_response_id;
    }
    index.threads.push(result);
  }
  return index;
}

/** Validates one entry; returns the reason it is unusable as a string. */
export function parseThreadEntry(key: string, entry: unknown): LegacyThread | string {
  if (!isRecord(entry)) return 'entry is not an object';
  const { data } = entry;
  if (!isRecord(data)) return 'entry has no thread object in "data"';
  if (data.id !== undefined && data.id !== key) {
    return `thread id "${String(data.id)}" does not match its key`;
  }
  // The key names the thread's export file and API path: nothing but an id may reach them.
  if (!key.startsWith('thread_') || !isValidId(key)) {
    return 'key is not a thread id (thread_ then letters, digits, "_" or "-", 128 in all at most)';
  }
  if (!isUnixTime(data.created_at)) return 'data.created_at is not a time in Unix seconds';
  // Null (what a Python app writes for None) counts as absent: both fields have defaults.
  if (entry.chat_name != null && typeof entry.chat_name !== 'string') {
    return 'chat_name is not a string';
  }
  if (entry.last_update != null && !isUnixTime(entry.last_update)) {
    return 'last_update is not a time in Unix seconds';
  }
  if (data.metadata !== undefined && data.metadata !== null && !isRecord(data.metadata)) {
    return 'data.metadata is not an object';
  }
  const thread = threadOf(
    key,
    entry,
    data.created_at,
    isRecord(data.metadata) ? data.metadata : {},
    data.tool_resources,
  );
  const other = entryOtherFields(entry);
  if (other) thread.otherFields = other;
  return thread;
}

/**
 * A conversation this migration wrote in place earlier, under the thread id it records as its
 * source. Migrating in place, the store rewrites the index as its own document, which gives a
 * thread that failed to convert an empty messages array but no such record, and that thread
 * must still be read (and reported) as legacy on the next run.
 */
function isConvertedEntry(key: string, entry: unknown): entry is Record<string, unknown> {
  if (!key.startsWith('thread_') || !hasLocalMessages(entry) || !isRecord(entry.data)) {
    return false;
  }
  const metadata = entry.data.metadata;
  return isRecord(metadata) && metadata.legacy_thread_id === key;
}

/**
 * The thread a conversation migrated from. Its messages are the store's own (the thread's are
 * read again from their sources), so they are not carried along.
 */
function migratedThread(key: string, entry: Record<string, unknown>): LegacyThread | string {
  const data = entry.data as Record<string, unknown>;
  const metadata = isRecord(data.metadata) ? data.metadata : {};
  if (!isUnixTime(data.created_at)) return 'data.created_at is not a time in Unix seconds';
  const thread = threadOf(
    key,
    entry,
    data.created_at,
    isRecord(metadata.legacy_metadata) ? metadata.legacy_metadata : {},
    metadata.legacy_tool_resources,
  );
  // What this migration kept of the entry then; the entry itself is the store's now.
  if (isRecord(metadata[ENTRY_KEY])) thread.otherFields = metadata[ENTRY_KEY];
  return thread;
}

/**
 * The fields of an index entry, and of its thread object, that a thread is read from (its
 * `messages`, when it has some, come along as they are).
 */
const ENTRY_FIELDS = new Set(['data', 'chat_name', 'last_update', 'messages']);
const THREAD_FIELDS = new Set(['id', 'object', 'created_at', 'metadata', 'tool_resources']);

/** The rest of an entry (see `kept-fields.ts`): its own fields, and its thread object's. */
function entryOtherFields(entry: Record<string, unknown>): Record<string, unknown> | null {
  const other = otherFields(entry, ENTRY_FIELDS) ?? {};
  const data = isRecord(entry.data) ? otherFields(entry.data, THREAD_FIELDS) : null;
  if (data) other.data = data;
  return Object.keys(other).length > 0 ? other : null;
}

/** The index fields both kinds of entry share: name and last update, defaulted the same way. */
function threadOf(
  key: string,
  entry: Record<string, unknown>,
  createdAt: number,
  metadata: Record<string, unknown>,
  toolResources: unknown,
): LegacyThread {
  return {
    threadId: key,
    createdAt,
    chatName: typeof entry.chat_name === 'string' ? entry.chat_name : '',
    lastUpdate: isUnixTime(entry.last_update) ? entry.last_update : createdAt,
    metadata,
    toolResources: toolResources ?? null,
  };
}
