import type { Message } from 'openai/resources/beta/threads/messages';
import { invalidRequest, notFound } from './errors.js';
import { newId } from './ids.js';
import type { LegacyThreadMessage } from './types.js';

export interface MessagePage {
  object: 'list';
  data: Message[];
  first_id: string | null;
  last_id: string | null;
  has_more: boolean;
}

const DEFAULT_LIMIT = 20;
const MAX_LIMIT = 100;

/** Legacy Assistants-API threads, served read-only for the migration's live fetch. */
export class ThreadStore {
  /** Messages of each thread, oldest first. */
  private readonly threads = new Map<string, Message[]>();

  seed(threadId: string, messages: LegacyThreadMessage[]): void {
    messages.forEach(checkSeed);
    const base = Math.floor(Date.now() / 1000) - messages.length;
    const normalized = messages.map((message, index) =>
      toApiMessage(threadId, message, base + index),
    );
    // Stable sort: equal timestamps keep the order they were seeded in.
    normalized.sort((a, b) => a.created_at - b.created_at);
    this.threads.set(threadId, normalized);
  }

  clear(): void {
    this.threads.clear();
  }

  /** `GET /v1/threads/{id}/messages`: `limit`, `order` (default desc), `after`, `before`. */
  list(threadId: string, query: URLSearchParams): MessagePage {
    const messages = this.threads.get(threadId);
    if (!messages) throw notFound(`No thread found with id '${threadId}'.`);
    const limit = parseLimit(query.get('limit'));
    const order = query.get('order') ?? 'desc';
    if (order !== 'asc' && order !== 'desc') {
      throw invalidRequest(
        `Invalid value: '${order}'. Supported values are: 'asc' and 'desc'.`,
        'order',
        'invalid_value',
      );
    }
    const ordered = order === 'asc' ? messages : [...messages].reverse();
    const after = query.get('after');
    const before = query.get('before');
    let start = after ? cursor(ordered, after, 'after') + 1 : 0;
    let end = before ? cursor(ordered, before, 'before') : ordered.length;
    // Walking backwards from `before`, the page is the `limit` items just ahead of the cursor.
    if (before && !after) start = Math.max(start, end - limit);
    else end = Math.min(end, start + limit);
    const data = ordered.slice(start, Math.max(start, end));
    const hasMore = before && !after ? start > 0 : end < ordered.length;
    return {
      object: 'list',
      data,
      first_id: data[0]?.id ?? null,
      last_id: data.at(-1)?.id ?? null,
      has_more: hasMore,
    };
  }
}

function checkSeed(message: LegacyThreadMessage, index: number): void {
  const valid =
    typeof message === 'object' &&
    message !== null &&
    (message.role === 'user' || message.role === 'assistant') &&
    (typeof message.content === 'string' || Array.isArray(message.content));
  if (!valid) {
    throw invalidRequest(
      `Message ${index} needs a role ('user' or 'assistant') and content (a string or parts).`,
      `messages[${index}]`,
    );
  }
}

function parseLimit(raw: string | null): number {
  if (raw === null) return DEFAULT_LIMIT;
  const limit = Number(raw);
  if (!/^\d+$/.test(raw) || limit < 1 || limit > MAX_LIMIT) {
    throw invalidRequest(
      `Invalid 'limit': expected an integer between 1 and ${MAX_LIMIT}, but got '${raw}' instead.`,
      'limit',
      'invalid_value',
    );
  }
  return limit;
}

function cursor(messages: Message[], id: string, param: 'after' | 'before'): number {
  const index = messages.findIndex((message) => message.id === id);
  if (index < 0) throw invalidRequest(`No message found with id '${id}'.`, param);
  return index;
}

function toApiMessage(
  threadId: string,
  message: LegacyThreadMessage,
  fallbackTime: number,
): Message {
  const content =
    typeof message.content === 'string'
      ? [{ type: 'text' as const, text: { value: message.content, annotations: [] } }]
      : (message.content as unknown as Message['content']);
  const createdAt = message.created_at ?? fallbackTime;
  return {
    id: message.id ?? `msg_${newId('msg').slice(4, 28)}`,
    object: 'thread.message',
    created_at: createdAt,
    thread_id: threadId,
    role: message.role,
    content,
    assistant_id: message.assistant_id ?? null,
    run_id: message.run_id ?? null,
    attachments: (message.attachments ?? []) as Message['attachments'],
    metadata: message.metadata ?? {},
    status: 'completed',
    completed_at: createdAt,
    incomplete_at: null,
    incomplete_details: null,
  };
}
