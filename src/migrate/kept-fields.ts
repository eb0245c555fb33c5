/**
 * Fields of the legacy data that Threadline has no place for (an index entry's `pinned` or
 * `model`, a message's `completed_at` or a key of the app's own) are kept verbatim: an entry's
 * under the conversation's `metadata.legacy_entry`, a message's under its
 * `metadata.legacy_message`. A conversation migrated before they were kept gains them on the
 * next run from a legacy folder elsewhere; in place, the index entry that held them is the
 * store's own conversation after the first run, and what is read of it again is only what was
 * kept then (`migratedThread`). Of two copies of one message (see `copies.ts`), the one kept
 * gains each field and metadata key only the other carries, save how it ended
 * (`withCopyFields`). Verification reports them when the store does not hold them.
 */
import { isDeepStrictEqual } from 'node:util';
import type { StoredMessage } from '../services/types.js';
import { isRecord } from './json.js';

export const ENTRY_KEY = 'legacy_entry';
export const MESSAGE_KEY = 'legacy_message';

/**
 * The keys of `record` that are not `known`, or null when there are none; as the store will
 * hold them, through JSON (`-0` is `0` there, and `1e400` null), so that what a run reads
 * compares equal to what an earlier one stored.
 */
export function otherFields(
  record: Record<string, unknown>,
  known: ReadonlySet<string>,
): Record<string, unknown> | null {
  const other = Object.entries(record).filter(([key]) => !known.has(key));
  return other.length > 0 ? JSON.parse(JSON.stringify(Object.fromEntries(other))) : null;
}

const keptIn = (metadata: unknown, key: string): unknown =>
  isRecord(metadata) ? metadata[key] : undefined;

/**
 * Whether `stored` holds the fields `source` keeps under `key` (or `source` keeps none). More is
 * no loss: an earlier run also kept an entry's `last_response_id` there, which the conversation
 * now holds alone.
 */
export function holdsKept(stored: unknown, source: unknown, key: string): boolean {
  const kept = keptIn(source, key);
  if (kept === undefined) return true;
  const held = keptIn(stored, key);
  if (!isRecord(kept) || !isRecord(held)) return isDeepStrictEqual(held, kept);
  return Object.entries(kept).every(([field, value]) => isDeepStrictEqual(held[field], value));
}

/**
 * `stored` with the fields `source` keeps, when it lacks them or holds other ones (they are
 * the source's, never edited here); itself otherwise.
 */
export function withKeptMessageFields(stored: StoredMessage, source: StoredMessage): StoredMessage {
  if (holdsKept(stored.metadata, source.metadata, MESSAGE_KEY)) return stored;
  return {
    ...stored,
    metadata: { ...stored.metadata, [MESSAGE_KEY]: source.metadata?.[MESSAGE_KEY] },
  };
}

/** Conversation metadata with the index entry's fields `source` keeps, as above. */
export function withKeptEntryFields(
  metadata: Record<string, unknown>,
  source: Record<string, unknown>,
): Record<string, unknown> {
  if (holdsKept(metadata, source, ENTRY_KEY)) return metadata;
  return { ...metadata, [ENTRY_KEY]: source[ENTRY_KEY] };
}

/**
 * `kept` with what only `copy`, another copy of the same message, carries: each field it lacks
 * (absent or null) and each key its metadata lacks, as a conversation's metadata gains those only
 * the source's has (`mergeConversation`); where both hold one, `kept`'s stands. Its outcome
 * (`OUTCOME`) is its own: a finished message does not gain an unfinished copy's error, and a
 * message without a status is finished. A copy with other text is another version, not
 * migrated, and gives nothing. Itself when it lacks nothing.
 */
export function withCopyFields(kept: StoredMessage, copy: StoredMessage): StoredMessage {
  const { fields, metadata } = onlyIn(copy, kept);
  if (fields.length === 0 && metadata.length === 0) return kept;
  const whole: StoredMessage = { ...kept, ...Object.fromEntries(fields) };
  if (metadata.length > 0) whole.metadata = { ...Object.fromEntries(metadata), ...kept.metadata };
  return whole;
}

/** The names of what `stored` lacks of `source`'s fields (see `withCopyFields`). */
export function lackedFields(stored: StoredMessage, source: StoredMessage): string[] {
  const { fields, metadata } = onlyIn(source, stored);
  return [...fields.map(([key]) => key), ...metadata.map(([key]) => `metadata.${key}`)];
}

type Entries = Array<[string, unknown]>;

/** What says how a message ended, as fields and as metadata keys: one copy's, never mixed. */
const OUTCOME = new Set(['status', 'error']);
const OUTCOME_METADATA = new Set(['incomplete_details']);

function onlyIn(copy: StoredMessage, kept: StoredMessage): { fields: Entries; metadata: Entries } {
  if (copy.text !== kept.text) return { fields: [], metadata: [] };
  const own: Record<string, unknown> = { ...kept };
  const theirs = copy.metadata;
  const ours = kept.metadata ?? {};
  // Metadata is merged key by key; one that is not an object is a field like others.
  const byKey = isRecord(theirs) && isRecord(ours);
  const fields = Object.entries(copy).filter(
    ([key, value]) =>
      value != null && own[key] == null && !OUTCOME.has(key) && !(byKey && key === 'metadata'),
  );
  const metadata = byKey
    ? Object.entries(theirs).filter(
        ([key]) => ours[key] === undefined && !OUTCOME_METADATA.has(key),
      )
    : [];
  return { fields, metadata };
}
