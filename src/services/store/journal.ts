import { isRecord } from '../guards.js';
import type { StoredConversation, StoredMessage } from '../types.js';
import type { Conversations } from './document.js';

/** A conversation without its messages: what a `conv` operation carries. */
export type ConversationHeader = Omit<StoredConversation, 'messages'>;

/**
 * One journal line. Replaying a journal in order, twice or over a snapshot that already
 * contains some of it, gives the same document: every operation is a full-value upsert keyed by
 * id, except that `text` and `msgtail` say where their piece of text starts, so replaying one
 * over a longer text cuts it back to the same prefix the later operations then extend again.
 */
export type JournalOp =
  /** Insert or replace a conversation's header fields, keeping its messages. */
  | ({ op: 'conv'; id: string } & ConversationHeader)
  /** Replace the message with this id in place, or append it. */
  | { op: 'msg'; conv: string; message: StoredMessage }
  /**
   * Streaming checkpoint: the message's text becomes its first `from` characters followed by
   * `text`. Only the new piece is written, so checkpointing a long answer costs linear, not
   * quadratic, journal bytes.
   */
  | { op: 'text'; conv: string; id: string; from: number; text: string }
  /**
   * Replace a message like `msg`, its text being the stored text's first `from` characters
   * followed by `text`. A finished answer's checkpoints already hold most of its text, so only
   * the rest is written again.
   */
  | {
      op: 'msgtail';
      conv: string;
      message: Omit<StoredMessage, 'text'>;
      from: number;
      text: string;
    }
  | { op: 'del'; id: string }
  /**
   * Insert or replace a whole conversation, messages included. One line, so a crash applies
   * it whole or (torn, and dropped) not at all, never a deleted conversation half rewritten.
   */
  | { op: 'put'; id: string; conversation: StoredConversation };

export const headerOp = (id: string, header: ConversationHeader): JournalOp => ({
  op: 'conv',
  id,
  data: header.data,
  chat_name: header.chat_name,
  last_update: header.last_update,
  last_response_id: header.last_response_id,
});

/**
 * The operation that turns `current` into `next`: when the text kept its start (an answer
 * finished after its checkpoints), the text already journaled is not written again.
 */
export function messageOp(
  conversationId: string,
  current: StoredMessage,
  next: StoredMessage,
): JournalOp {
  const from = current.text.length;
  if (from === 0 || !next.text.startsWith(current.text)) {
    return { op: 'msg', conv: conversationId, message: next };
  }
  const { text, ...rest } = next;
  return { op: 'msgtail', conv: conversationId, message: rest, from, text: text.slice(from) };
}

/** JSON Lines: one operation per line, each ending in "\n". */
export const encodeOps = (ops: readonly JournalOp[]): string =>
  ops.map((op) => `${JSON.stringify(op)}\n`).join('');

/**
 * Applies one operation. Returns false when it cannot apply (the operation is skipped): a
 * message whose conversation does not exist, or a `text` or `msgtail` piece for an unknown
 * message or one whose text is shorter than where the piece starts.
 */
export function applyOp(conversations: Conversations, op: JournalOp): boolean {
  switch (op.op) {
    case 'conv':
      conversations.set(op.id, {
        data: op.data,
        chat_name: op.chat_name,
        last_update: op.last_update,
        messages: conversations.get(op.id)?.messages ?? [],
        last_response_id: op.last_response_id,
      });
      return true;
    case 'msg': {
      const messages = conversations.get(op.conv)?.messages;
      if (!messages) return false;
      const index = messages.findLastIndex((message) => message.id === op.message.id);
      if (index === -1) messages.push(op.message);
      else messages[index] = op.message;
      return true;
    }
    case 'text':
    case 'msgtail': {
      const id = op.op === 'text' ? op.id : op.message.id;
      const messages = conversations.get(op.conv)?.messages;
      const index = messages?.findLastIndex((message) => message.id === id) ?? -1;
      const message = messages?.[index];
      if (!messages || !message || message.text.length < op.from) return false;
      const text = message.text.slice(0, op.from) + op.text;
      messages[index] = op.op === 'text' ? { ...message, text } : { ...op.message, text };
      return true;
    }
    case 'del':
      conversations.delete(op.id);
      return true;
    case 'put':
      conversations.set(op.id, op.conversation);
      return true;
  }
}

export interface ParsedJournal {
  ops: JournalOp[];
  /** 1-based numbers of complete lines that are not valid operations. */
  corruptLines: number[];
  /** Length of the complete lines (up to and including the last "\n"). */
  validBytes: number;
  /** Bytes after the last "\n": an append cut short by a crash. */
  tornBytes: number;
}

export function parseJournal(bytes: Buffer): ParsedJournal {
  const validBytes = bytes.lastIndexOf(0x0a) + 1;
  const lines = bytes.subarray(0, validBytes).toString('utf8').split('\n');
  lines.pop(); // the empty string after the final "\n"
  const ops: JournalOp[] = [];
  const corruptLines: number[] = [];
  lines.forEach((line, index) => {
    if (line.trim() === '') return;
    const op = parseOp(line);
    if (op) ops.push(op);
    else corruptLines.push(index + 1);
  });
  return { ops, corruptLines, validBytes, tornBytes: bytes.length - validBytes };
}

function parseOp(line: string): JournalOp | null {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return null;
  }
  return isJournalOp(value) ? value : null;
}

/** `msg` and `msgtail`: a conversation id and a message with an id. */
const hasMessage = (value: Record<string, unknown>): boolean =>
  typeof value.conv === 'string' && isRecord(value.message) && typeof value.message.id === 'string';

/** `text` and `msgtail`: where the piece starts, and the piece. */
const hasTextPiece = (value: Record<string, unknown>): boolean =>
  Number.isSafeInteger(value.from) && (value.from as number) >= 0 && typeof value.text === 'string';

/** A header as `conv` checks it, under the op's id, and messages that each have an id. */
function isWholeConversation(value: unknown, id: unknown): boolean {
  return (
    isRecord(value) &&
    isRecord(value.data) &&
    typeof id === 'string' &&
    value.data.id === id &&
    isHeader(value) &&
    Array.isArray(value.messages) &&
    value.messages.every((message) => isRecord(message) && typeof message.id === 'string')
  );
}

const isHeader = (value: Record<string, unknown>): boolean =>
  isRecord(value.data) &&
  typeof value.chat_name === 'string' &&
  typeof value.last_update === 'number' &&
  (value.last_response_id === null || typeof value.last_response_id === 'string');

function isJournalOp(value: unknown): value is JournalOp {
  if (!isRecord(value)) return false;
  switch (value.op) {
    case 'conv':
      return typeof value.id === 'string' && isHeader(value);
    case 'msg':
      return hasMessage(value);
    case 'msgtail':
      return hasMessage(value) && hasTextPiece(value);
    case 'text':
      return typeof value.conv === 'string' && typeof value.id === 'string' && hasTextPiece(value);
    case 'del':
      return typeof value.id === 'string';
    case 'put':
      return isWholeConversation(value.conversation, value.id);
    default:
      return false;
  }
}
