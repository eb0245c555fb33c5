/** Validation of `thread.message` objects, shared by the export reader and the live fetch. */
import { isFiniteNumber, isRecord } from './json.js';
import type { LegacyMessage } from './types.js';

/** Returns the message, or the reason it cannot be used. */
export function parseLegacyMessage(value: unknown): LegacyMessage | string {
  if (!isRecord(value)) return 'message is not an object';
  const { id, created_at, role, content } = value;
  if (typeof id !== 'string' || id === '') return 'message has no id';
  if (!isFiniteNumber(created_at)) return `message ${id}: created_at is not a number`;
  if (role !== 'user' && role !== 'assistant')
    return `message ${id}: unknown role "${String(role)}"`;
  if (!Array.isArray(content)) return `message ${id}: content is not a list`;
  return value as unknown as LegacyMessage;
}

/** Oldest first: by `created_at`, then id (ids of one second are issued in order). */
export function compareLegacyMessages(a: LegacyMessage, b: LegacyMessage): number {
  if (a.created_at !== b.created_at) return a.created_at - b.created_at;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

/** Sorts oldest first and drops repeated ids (overlapping pages, export plus fetch). */
export function orderMessages(messages: Iterable<LegacyMessage>): LegacyMessage[] {
  const byId = new Map<string, LegacyMessage>();
  for (const message of messages) if (!byId.has(message.id)) byId.set(message.id, message);
  return [...byId.values()].sort(compareLegacyMessages);
}
