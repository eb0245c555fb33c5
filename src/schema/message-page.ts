/**
 * A page of a conversation's messages, counted back from its newest: a long conversation can be
 * shown from its end and read further back as the reader scrolls, instead of all at once.
 */
import { ValidationError } from '../services/errors.js';
import type { StoredMessage } from '../services/types.js';

export const MAX_MESSAGE_PAGE = 1_000;

export interface MessagePageArgs {
  /** At most this many, the newest of those asked for; all when absent. */
  latest?: number | null;
  /** Only the messages before the one with this id. */
  before?: string | null;
}

export function messagePage(messages: StoredMessage[], args: MessagePageArgs): StoredMessage[] {
  const { latest, before } = args;
  if (latest != null && (latest < 0 || latest > MAX_MESSAGE_PAGE)) {
    throw new ValidationError(`latest must be from 0 to ${MAX_MESSAGE_PAGE}`, { field: 'latest' });
  }
  let end = messages.length;
  if (before != null) {
    end = messages.findIndex((message) => message.id === before);
    if (end < 0) {
      throw new ValidationError('before names no message of this conversation', {
        field: 'before',
      });
    }
  }
  const start = latest == null ? 0 : Math.max(0, end - latest);
  return start === 0 && end === messages.length ? messages : messages.slice(start, end);
}
