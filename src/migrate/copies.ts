/**
 * Copies of one message under two ids. The old app kept some messages twice: its index entry's
 * copy, without an id (stored under the id its place gives it), and the thread's. A run that saw
 * one and a later run the other must find the stored copy, not store the message twice.
 */
import type { StoredMessage } from '../services/types.js';

/**
 * For each of `migrated`, by id, the stored message that holds it: the one of its id, or else one
 * no migrated message names, of the same role, second and text, one for one (a message sent
 * twice in a row is two messages).
 */
export function storedCopies(
  stored: readonly StoredMessage[],
  migrated: readonly StoredMessage[],
): Map<string, StoredMessage> {
  const byId = new Map(stored.map((message) => [message.id, message]));
  const named = new Set(migrated.map((message) => message.id));
  const twins = new Map<string, StoredMessage[]>();
  for (const message of stored) {
    if (named.has(message.id)) continue;
    const alike = twins.get(sameness(message));
    if (alike) alike.push(message);
    else twins.set(sameness(message), [message]);
  }
  const found = new Map<string, StoredMessage>();
  for (const message of migrated) {
    const copy = byId.get(message.id) ?? twins.get(sameness(message))?.shift();
    if (copy) found.set(message.id, copy);
  }
  return found;
}

/** What makes two copies of a message under two ids the same message. */
const sameness = (message: StoredMessage): string =>
  `${message.role}\u0000${Math.floor(message.timestamp)}\u0000${message.text}`;
