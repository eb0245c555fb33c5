/**
 * Keyset pagination over conversations, newest `last_update` first. A cursor names a position
 * (time and id), not an offset, so a page does not shift when conversations are added.
 */
import { ValidationError } from '../services/errors.js';
import { byLastUpdateDesc, type Positioned } from '../services/store/document.js';
import type { ConversationSummary } from '../services/types.js';

export const DEFAULT_PAGE_SIZE = 20;
export const MAX_PAGE_SIZE = 100;

type Position = [lastUpdate: number, id: string];

const positionOf = (c: Positioned): Position => [c.last_update, c.data.id];

export function encodeCursor(conversation: Positioned): string {
  return Buffer.from(JSON.stringify(positionOf(conversation))).toString('base64url');
}

export function decodeCursor(cursor: string): Position {
  try {
    const value: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (
      Array.isArray(value) &&
      value.length === 2 &&
      Number.isFinite(value[0]) &&
      typeof value[1] === 'string'
    ) {
      return value as Position;
    }
  } catch {
    // Reported below like any other malformed cursor.
  }
  throw new ValidationError('Invalid cursor', { field: 'after' });
}

export interface Page {
  nodes: ConversationSummary[];
  hasNextPage: boolean;
  hasPreviousPage: boolean;
}

export function paginate(
  all: ConversationSummary[],
  first: number | null | undefined,
  after: string | null | undefined,
): Page {
  if (first != null && first < 0) {
    throw new ValidationError('first must not be negative', { field: 'first' });
  }
  const size = Math.min(first ?? DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE);
  const sorted = [...all].sort(byLastUpdateDesc);
  const from = after ? decodeCursor(after) : null;
  const cursor = from && { last_update: from[0], data: { id: from[1] } };
  const rest = cursor ? sorted.filter((c) => byLastUpdateDesc(c, cursor) > 0) : sorted;
  return {
    nodes: rest.slice(0, size),
    hasNextPage: rest.length > size,
    hasPreviousPage: rest.length < sorted.length,
  };
}
