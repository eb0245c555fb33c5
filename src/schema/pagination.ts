/**
 * Keyset pagination over conversations, newest `last_update` first. A cursor names a position
 * (time and id), not an offset, so a page does not shift when conversations are added.
 */
import { ValidationError } from '../services/errors.js';
import type { ConversationSummary } from '../services/types.js';

export const DEFAULT_PAGE_SIZE = 20;
export const MAX_PAGE_SIZE = 100;

type Position = [lastUpdate: number, id: string];

type Positioned = Pick<ConversationSummary, 'data' | 'last_update'>;

const positionOf = (c: Positioned): Position => [c.last_update, c.data.id];

/** Newest first; equal times in id order, so the order is total and stable. */
function compare(a: Position, b: Position): number {
  if (a[0] !== b[0]) return b[0] - a[0];
  return a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0;
}

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
  const sorted = [...all].sort((a, b) => compare(positionOf(a), positionOf(b)));
  const from = after ? decodeCursor(after) : null;
  const rest = from ? sorted.filter((c) => compare(positionOf(c), from) > 0) : sorted;
  return {
    nodes: rest.slice(0, size),
    hasNextPage: rest.length > size,
    hasPreviousPage: rest.length < sorted.length,
  };
}
