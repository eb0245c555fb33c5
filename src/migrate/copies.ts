/**
 * Copies of one message under two ids. The old app kept some messages twice: its index entry's
 * copy, without an id (stored under the id its place gives it), and the thread's. The one run
 * that sees both keeps one (`convertThread`); a run that saw one and a later run the other must
 * find the stored copy, not store the message twice.
 */
import type { StoredMessage } from '../services/types.js';

/**
 * How far apart in time, in seconds, two copies of one message may be: a source may keep the
 * time to the millisecond, cut it to whole seconds or round it, so copies of one instant are
 * never more than a second apart.
 */
export const COPY_TOLERANCE = 1;

/**
 * For each of `migrated`, by id, the stored message that holds it: the one of its id, or else a
 * copy of it (`pairCopies`) that no migrated message names and that is no copy of one that does.
 */
export function storedCopies(
  stored: readonly StoredMessage[],
  migrated: readonly StoredMessage[],
): Map<string, StoredMessage> {
  const byId = new Map(stored.map((message) => [message.id, message]));
  const named = new Set(migrated.map((message) => message.id));
  // A copy of one found by its id is that message stored twice (an earlier release kept both
  // copies): taken for another, that one would be lost, so it is added instead.
  const twice = nearOneOf(
    stored.filter((message) => named.has(message.id)),
    roleAndText,
  );
  const pairs = pairCopies(
    migrated.filter((message) => !byId.has(message.id)),
    stored.filter((message) => !named.has(message.id) && !twice(message)),
  );
  const found = new Map<string, StoredMessage>();
  for (const message of migrated) {
    const copy = byId.get(message.id) ?? pairs.get(message);
    if (copy) found.set(message.id, copy);
  }
  return found;
}

/**
 * Pairs each of `copies` with one of `messages` it may be a copy of: of its role and text, and
 * at most `COPY_TOLERANCE` away. One for one, so a message sent twice in a row stays two. Oldest
 * first, each copy takes the oldest message still free within reach: with times on a line, no
 * other pairing leaves fewer copies without a message.
 */
export function pairCopies(
  copies: readonly StoredMessage[],
  messages: readonly StoredMessage[],
): Map<StoredMessage, StoredMessage> {
  const pairs = new Map<StoredMessage, StoredMessage>();
  const free = byRoleAndText(messages);
  for (const [key, alike] of byRoleAndText(copies)) {
    const candidates = free.get(key) ?? [];
    let next = 0;
    for (const copy of alike) {
      // Too early for this copy, so for every later one too.
      while ((candidates[next]?.timestamp ?? Infinity) < copy.timestamp - COPY_TOLERANCE) next++;
      const message = candidates[next];
      if (message && message.timestamp <= copy.timestamp + COPY_TOLERANCE) {
        pairs.set(copy, message);
        next++;
      }
    }
  }
  return pairs;
}

/**
 * Whether `messages` hold one of a message's role (or of what `keyOf` gives) at most
 * `COPY_TOLERANCE` from it.
 */
export function nearOneOf(
  messages: readonly StoredMessage[],
  keyOf: (message: StoredMessage) => string = (message) => message.role,
): (message: StoredMessage) => boolean {
  const times = new Map<string, number[]>();
  for (const message of messages) {
    const key = keyOf(message);
    const list = times.get(key);
    if (list) list.push(message.timestamp);
    else times.set(key, [message.timestamp]);
  }
  for (const list of times.values()) list.sort((a, b) => a - b);
  return (message) => {
    const list = times.get(keyOf(message)) ?? [];
    // The first time not too early for it.
    let low = 0;
    let high = list.length;
    while (low < high) {
      const middle = (low + high) >> 1;
      if (list[middle]! < message.timestamp - COPY_TOLERANCE) low = middle + 1;
      else high = middle;
    }
    return low < list.length && list[low]! <= message.timestamp + COPY_TOLERANCE;
  };
}

/** Messages by role and text, each group oldest first (of one time, in the order given). */
function byRoleAndText(messages: readonly StoredMessage[]): Map<string, StoredMessage[]> {
  const groups = new Map<string, StoredMessage[]>();
  for (const message of messages) {
    const key = roleAndText(message);
    const group = groups.get(key);
    if (group) group.push(message);
    else groups.set(key, [message]);
  }
  for (const group of groups.values()) group.sort((a, b) => a.timestamp - b.timestamp);
  return groups;
}

const roleAndText = (message: StoredMessage): string => `${message.role}\u0000${message.text}`;
