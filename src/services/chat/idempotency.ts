/**
 * Sends that are safe to repeat. A client that lost the response to a send (a dropped
 * connection, a proxy timeout, a server restart) sends it again with the same client message
 * id and gets the turn the first request started, not a second question and answer. The id is
 * kept on the question (`metadata.client_message_id`), so it holds across restarts.
 */
import { ValidationError } from '../errors.js';
import { ownerKey } from '../owner-key.js';
import type { ConversationStore, SendResult, StoredConversation } from '../types.js';

const CLIENT_MESSAGE_ID = /^[\x21-\x7e]{1,128}$/;

/**
 * How far back (seconds) a send that starts a conversation looks for the one it may have made
 * already: the listing of every conversation updated since is walked, so it is kept to a day.
 */
export const NEW_CONVERSATION_WINDOW_S = 24 * 60 * 60;

export function validateClientMessageId(value: unknown): string | null {
  if (value == null) return null;
  if (typeof value !== 'string' || !CLIENT_MESSAGE_ID.test(value)) {
    throw new ValidationError(
      'clientMessageId must be 1-128 printable ASCII characters, no spaces',
      {
        field: 'clientMessageId',
      },
    );
  }
  return value;
}

/** One send per client message id: a repeat gets the turn the first one started. */
export class RepeatedSends {
  /** Sends still being handled, by user and id. */
  readonly #handling = new Map<string, Promise<SendResult>>();

  constructor(
    private readonly store: ConversationStore,
    /** Unix seconds. */
    private readonly now: () => number,
  ) {}

  /**
   * The turn an earlier send with `target.id` started, or else the one `start` starts. A repeat
   * that arrives while the first is still being handled waits for it, then finds its turn.
   */
  async once(
    username: string,
    target: { conversationId: string | null; id: string; text: string },
    start: () => Promise<SendResult>,
  ): Promise<SendResult> {
    const key = ownerKey(username, target.id);
    const previous = this.#handling.get(key);
    const attempt = (async () => {
      await previous?.catch(() => {});
      const since = this.now() - NEW_CONVERSATION_WINDOW_S;
      return (await findSent(this.store, username, { ...target, since })) ?? (await start());
    })();
    this.#handling.set(key, attempt);
    try {
      return await attempt;
    } finally {
      if (this.#handling.get(key) === attempt) this.#handling.delete(key);
    }
  }
}

/**
 * The metadata that marks a question with its client message id; a conversation a send made
 * carries it too, so a repeat finds that conversation in the listing without reading any other.
 */
export const clientMessageMetadata = (id: string) => ({ client_message_id: id });

/** The client message id a question's or a conversation's metadata is marked with. */
export function clientMessageIdOf(metadata: Record<string, unknown> | undefined): string | null {
  const id = metadata?.client_message_id;
  return typeof id === 'string' ? id : null;
}

/**
 * The turn an earlier send with `id` started, or null if none landed. Where it landed in a new
 * conversation, only conversations made since `since` (Unix seconds) are looked at, and only
 * the one marked with the id is read. BAD_USER_INPUT when the id was used for a different text.
 */
export async function findSent(
  store: ConversationStore,
  username: string,
  target: { conversationId: string | null; id: string; text: string; since: number },
): Promise<SendResult | null> {
  if (target.conversationId !== null) {
    const conversation = await store.getConversation(username, target.conversationId);
    return conversation && turnOf(conversation, target);
  }
  for (const summary of await store.listConversations(username)) {
    // Newest update first, and a conversation is updated after it is made: none of the rest is new.
    if (summary.last_update < target.since) break;
    if (summary.data.created_at < target.since) continue;
    if (clientMessageIdOf(summary.data.metadata) !== target.id) continue;
    const conversation = await store.getConversation(username, summary.data.id);
    return conversation && turnOf(conversation, target);
  }
  return null;
}

function turnOf(
  conversation: StoredConversation,
  target: { id: string; text: string },
): SendResult | null {
  const index = conversation.messages.findIndex(
    (message) => message.role === 'user' && clientMessageIdOf(message.metadata) === target.id,
  );
  if (index < 0) return null;
  const userMessage = conversation.messages[index]!;
  if (userMessage.text !== target.text) {
    // Sending it again cannot help, unlike the CONFLICT of an answer still streaming.
    throw new ValidationError('This clientMessageId was already used for a different message', {
      field: 'clientMessageId',
    });
  }
  // Stored with its question in one write; a retry's later answers come after it.
  const assistantMessage = conversation.messages
    .slice(index + 1)
    .find((message) => message.role === 'assistant');
  return assistantMessage ? { conversation, userMessage, assistantMessage } : null;
}
