import type { Message } from '../state.js';

/**
 * `list` with those of `incoming` it lacks appended. A copy already in the list is kept: it came
 * from the stream or a later read, so it is at least as new as a mutation's answer that was
 * slow to arrive (an empty STREAMING copy of an answer that may have finished since).
 */
export function withNew(list: Message[], incoming: Message[]): Message[] {
  const known = new Set(list.map((m) => m.id));
  return [...list, ...incoming.filter((m) => !known.has(m.id))];
}
