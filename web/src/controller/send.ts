import { toApiError } from '../api/errors.js';
import type { ComposerText } from '../controller.js';
import {
  ConversationQuery,
  ConversationsQuery,
  SendMessageMutation,
} from '../graphql/operations.js';
import { writeRoute } from '../route.js';
import { type ConversationSummary, type Message, pendingId, upsertConversation } from '../state.js';
import { type ControllerContext, NEW_CONVERSATION } from './context.js';
import type { LiveConversation } from './live.js';
import { withNew } from './messages.js';
import type { Open } from './open.js';
import type { Watcher } from './watch.js';

/** How far the server's clock may be from the browser's when matching a conversation's time. */
const CLOCK_SKEW_MS = 5 * 60_000;

/**
 * A fresh id for a message to send. From getRandomValues, not randomUUID, which browsers only
 * offer in secure contexts (a server reached over plain HTTP at a LAN address is none).
 */
function newClientMessageId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return `web-${Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('')}`;
}

/**
 * Sending a question, shown at once and replaced by the stored one when the server has it. A
 * send whose response was lost is looked for before it is offered again, and sent again under
 * the same client message id, so that it cannot land twice.
 */
export interface Sender {
  /** Resolves false when the message was not accepted (the notice says why). */
  send(text: string): Promise<boolean>;
  attachComposer(composer: ComposerText): void;
}

export function createSender(
  ctx: ControllerContext,
  live: LiveConversation,
  watcher: Watcher,
  open: Open,
): Sender {
  const { store, request } = ctx;
  /** The last send that failed, for a composer send of the same text to repeat. */
  let unsent: { key: string; text: string; clientMessageId: string } | null = null;
  let composer: ComposerText | null = null;

  /**
   * Sends `text` under `given` or a client message id of its own: sent again with the same id
   * (Retry after a lost response), the server gives back the turn the first send started, if it
   * landed.
   */
  async function sendAs(text: string, given?: string): Promise<boolean> {
    const trimmed = text.trim();
    const before = store.get();
    const conversationId = before.activeId;
    const key = conversationId ?? NEW_CONVERSATION;
    const startedAt = Date.now();
    if (!trimmed || ctx.inFlight.has(key)) return false;
    // The same question sent again from the composer after a failed send may be a repeat of
    // one that landed unseen: it keeps that send's id, as Retry does.
    const repeat = unsent?.key === key && unsent.text === trimmed;
    const clientMessageId = given ?? (repeat ? unsent!.clientMessageId : newClientMessageId());
    const pending: Message = {
      id: pendingId(startedAt),
      role: 'USER',
      text: trimmed,
      status: 'COMPLETE',
      timestamp: new Date().toISOString(),
      responseId: null,
      model: null,
      clientMessageId,
      usage: null,
      error: null,
    };
    store.set({
      notice: null,
      messages: [...before.messages, pending],
      sentQuestions: before.sentQuestions + 1,
    });
    ctx.inFlight.add(key);
    try {
      const { sendMessage } = await request(SendMessageMutation, {
        input: { conversationId, text: trimmed, clientMessageId },
      });
      if (unsent?.clientMessageId === clientMessageId) unsent = null;
      const { conversation, userMessage, assistantMessage } = sendMessage;
      store.set({ conversations: upsertConversation(store.get().conversations, conversation) });
      // The user moved elsewhere meanwhile; the sidebar shows the new activity until it ends.
      if (store.get().activeId !== conversationId) {
        watcher.watch(conversation.id);
        return true;
      }
      ctx.setMessages((messages) =>
        withNew(
          messages.filter((m) => m.id !== pending.id),
          [userMessage, assistantMessage],
        ),
      );
      ctx.announce('Answer started.');
      if (conversationId === null) {
        store.set({ activeId: conversation.id });
        writeRoute(conversation.id, 'push');
        live.follow(conversation.id, null);
      } else {
        live.drainEarly(conversation.id);
      }
      return true;
    } catch (error) {
      ctx.setMessages((messages) => messages.filter((m) => m.id !== pending.id));
      // A request whose response was lost may still have landed: look before offering to send
      // the question a second time (in a new chat, that would make a second conversation).
      if (toApiError(error).code === 'NETWORK') {
        if (conversationId === null) {
          const made = await landedNew(clientMessageId, startedAt);
          if (made) {
            store.set({ conversations: upsertConversation(store.get().conversations, made) });
            if (store.get().activeId === null) await open(made.id, 'push');
            return true;
          }
        } else if (await landed(conversationId, before.messages.length, clientMessageId)) {
          return true;
        }
      }
      unsent = { key, text: trimmed, clientMessageId };
      ctx.fail(error, () => {
        // The composer was given the text back: sent from here, it would be sent twice.
        const took = composer?.take(trimmed) ?? false;
        void sendAs(trimmed, clientMessageId).then((accepted) => {
          if (!accepted && took) composer?.giveBack(text);
        });
      });
      return false;
    } finally {
      ctx.inFlight.delete(key);
    }
  }

  /** Whether the conversation, read again, holds the question sent as `clientMessageId`. */
  async function landed(
    conversationId: string,
    known: number,
    clientMessageId: string,
  ): Promise<boolean> {
    await live.refresh(conversationId);
    const state = store.get();
    if (state.activeId !== conversationId) return false;
    return state.messages.slice(known).some((m) => m.clientMessageId === clientMessageId);
  }

  /**
   * The conversation a lost send to a new chat made, if it made one: among the newest, one
   * created since the send began (server time, so with room for clock skew) whose first message
   * is the question sent as `clientMessageId`.
   */
  async function landedNew(
    clientMessageId: string,
    since: number,
  ): Promise<ConversationSummary | null> {
    try {
      const { conversations } = await request(ConversationsQuery, { first: 5, after: null });
      for (const { node } of conversations.edges) {
        if (Date.parse(node.createdAt) < since - CLOCK_SKEW_MS) continue;
        const { conversation } = await request(ConversationQuery, { id: node.id });
        const first = conversation?.messages[0];
        if (first?.clientMessageId === clientMessageId) return node;
      }
    } catch {
      // Unreachable still: the notice below offers to send again.
    }
    return null;
  }

  return {
    send: (text) => sendAs(text),
    attachComposer(attached) {
      composer = attached;
    },
  };
}
