import { withoutNameRefusals } from './input-text.js';

/** The name of a conversation made empty, before its first message. */
export const NEW_CHAT_NAME = 'New chat';

/** Longest name made from a first message, in characters (an emoji is one), before its "…". */
const DEFAULT_NAME_CHARS = 40;

/**
 * The start of the first message, cut at a word boundary when it is long. The name, its "…"
 * included, stays within `maxChars` (the configured longest chat name). "New chat" when the
 * message holds nothing a name may.
 */
export function defaultChatName(text: string, maxChars = Number.POSITIVE_INFINITY): string {
  // What a name may not hold goes first (a direction override in the question, a control
  // character in a migrated one): the name must pass the check a rename to it would meet.
  const flat = withoutNameRefusals(text).replace(/\s+/g, ' ').trim();
  // Nothing left (a question of direction marks alone): a name must not be empty.
  if (flat === '') return NEW_CHAT_NAME;
  // By code points: a cut between the two halves of an emoji would leave half of it.
  const characters = Array.from(flat);
  // A limit of one leaves no room for the "…".
  if (maxChars < 2) return characters.slice(0, maxChars).join('');
  const limit = Math.min(DEFAULT_NAME_CHARS, maxChars - 1);
  if (characters.length <= limit) return flat;
  const cut = characters.slice(0, limit).join('');
  const lastSpace = cut.lastIndexOf(' ');
  return `${(lastSpace > limit / 2 ? cut.slice(0, lastSpace) : cut).trimEnd()}…`;
}
