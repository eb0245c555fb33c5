/** Validation of `thread.message` objects, shared by the export reader and the live fetch. */
import { isDeepStrictEqual } from 'node:util';
import { isValidId, show } from '../services/store/validate.js';
import { renderContent } from './content-parts.js';
import { isRecord, isUnixTime } from './json.js';
import type { LegacyMessage } from './types.js';

/** Returns the message, or the reason it cannot be used. */
export function parseLegacyMessage(value: unknown): LegacyMessage | string {
  if (!isRecord(value)) return 'message is not an object';
  const { id, created_at, role, content } = value;
  if (typeof id !== 'string' || id === '') return 'message has no id';
  // The store takes only such ids; one other id must cost its message, not its whole thread.
  if (!isValidId(id)) {
    return `message ${show(id)}: id is not letters, digits, "_" or "-" (128 at most), so it is not migrated`;
  }
  if (!isUnixTime(created_at)) return `message ${id}: created_at is not a time in Unix seconds`;
  if (role !== 'user' && role !== 'assistant')
    return `message ${id}: unknown role "${String(role)}"`;
  if (!Array.isArray(content)) return `message ${id}: content is not a list`;
  return value as unknown as LegacyMessage;
}

/**
 * Oldest first by `created_at`, one copy of each id (overlapping pages, export plus fetch, a
 * thread saved twice). The first copy is kept unless a later one is more nearly whole: finished
 * where it was not, or unfinished with more text. Any other finished copy that says something
 * else (its time, role, content or files) is not migrated, and added to `problems`. The sort is stable:
 * messages of one second keep the order they are given in, the only record of which came first
 * (message ids are random, not issued in order).
 */
export function orderMessages(
  messages: Iterable<LegacyMessage>,
  problems: string[] = [],
): LegacyMessage[] {
  const byId = new Map<string, LegacyMessage>();
  for (const message of messages) {
    const kept = byId.get(message.id);
    // Set again under a key it has, the copy keeps the first one's place among equal times.
    if (!kept || moreWhole(message, kept)) byId.set(message.id, message);
    // An unfinished copy beside a kept one is a read made earlier, not a conflict.
    else if (!isUnfinished(message.status) && saysOtherwise(message, kept)) {
      problems.push(
        `message ${message.id}: another copy differs from the one kept (the first listed) and is not migrated`,
      );
    }
  }
  return [...byId.values()].sort((a, b) => a.created_at - b.created_at);
}

/** What a copy of a message says that is migrated; other fields may differ between copies. */
const saysOtherwise = (copy: LegacyMessage, kept: LegacyMessage): boolean =>
  (['created_at', 'role', 'content', 'attachments'] as const).some(
    (field) => !isDeepStrictEqual(copy[field] ?? null, kept[field] ?? null),
  );

/**
 * The API's `incomplete`, and `in_progress` (still being written when it was read): a message
 * whose text may be cut short.
 */
export const isUnfinished = (status: string | undefined): boolean =>
  status === 'incomplete' || status === 'in_progress';

function moreWhole(copy: LegacyMessage, kept: LegacyMessage): boolean {
  if (!isUnfinished(kept.status)) return false;
  if (!isUnfinished(copy.status)) return true;
  return (
    renderContent(copy.content, null).text.length > renderContent(kept.content, null).text.length
  );
}

/**
 * One listing (an API page, or an array of messages) turned oldest first. Its direction shows
 * in `created_at`; a listing within one second is taken as `newestFirst` says (the API lists
 * newest first unless asked otherwise).
 */
export function oldestFirst(listing: LegacyMessage[], newestFirst: boolean): LegacyMessage[] {
  const first = listing[0]?.created_at ?? 0;
  const last = listing.at(-1)?.created_at ?? 0;
  return first > last || (first === last && newestFirst) ? [...listing].reverse() : listing;
}
