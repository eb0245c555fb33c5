/**
 * Finding conversations by name, as a reader remembers one: in any case, with or without its
 * accents ("resume" finds "Résumé"), and by any part of it.
 */
import { ValidationError } from '../errors.js';
import { characterCount } from './input-text.js';

/** Case and accents folded away, and runs of space made one. */
export function foldForSearch(text: string): string {
  return text
    .normalize('NFKD')
    .replace(/\p{M}+/gu, '')
    .toLowerCase()
    .replace(/\s+/g, ' ')
    .trim();
}

/**
 * Whether a chat name matches `query`; null when the query asks for nothing (empty, or only
 * space), so every conversation is listed. A query longer than a chat name may be (`maxChars`)
 * could match none: it is refused as a mistake.
 */
export function nameMatcher(
  query: string | null | undefined,
  maxChars: number,
): ((chatName: string) => boolean) | null {
  if (query == null) return null;
  if (characterCount(query) > maxChars) {
    throw new ValidationError(`search is longer than a chat name may be (${maxChars} characters)`, {
      field: 'search',
    });
  }
  const folded = foldForSearch(query);
  if (folded === '') return null;
  return (chatName) => foldForSearch(chatName).includes(folded);
}
