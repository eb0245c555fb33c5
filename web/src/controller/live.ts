import type { ApiError } from '../api/errors.js';
import type { Socket } from '../api/ws.js';
import { ConversationQuery } from '../graphql/operations.js';
import { saveResumePoint } from '../resume.js';
import { isPending, type Message, upsertConversation } from '../state.js';
import {
  applyStreamEvent,
  type MessageStream,
  openMessageStream,
  type StreamEvent,
  type StreamPosition,
} from '../stream.js';
import type { ControllerContext } from './context.js';
import { earlierOf, MESSAGE_PAGE, withEarlier } from './earlier.js';

/** At most one automatic catch-up after a stream gap in this long. */
const CATCH_UP_INTERVAL_MS = 5_000;

/**
 * The open conversation kept current: its live stream, and reads of it where the stream cannot
 * tell (a gap in the stream, a reconnect, a turn started elsewhere).
 */
export interface LiveConversation {
  /** Follows the conversation's stream, from `resumeFrom` or from its latest turn's start. */
  follow(conversationId: string, resumeFrom: StreamPosition | null): void;
  close(): void;
  /**
   * Reloads the open conversation's messages, keeping this page's copy of an answer the server
   * still has as streaming; answers the server has finished come from the server.
   */
  refresh(conversationId: string): Promise<void>;
  /** Applies events that came before their message, now that it may be in the list. */
  drainEarly(conversationId: string): void;
  /** Updates the list and tells screen readers once the answer being followed has ended. */
  onAnswerFinished(conversationId: string, message: Message): void;
  /** Keeps the state of a streaming answer for the reload that follows. */
  saveForReload(): void;
}

export interface LiveEvents {
  /** The open conversation's stream said it does not exist (any more). */
  onNotFound(conversationId: string): void;
}

export function createLiveConversation(
  ctx: ControllerContext,
  socket: Socket,
  { onNotFound }: LiveEvents,
): LiveConversation {
  const { store } = ctx;
  let stream: MessageStream | null = null;
  let lastCatchUp = 0;
  /** Events for messages not in the list yet: the reply to a send whose response is pending. */
  const early = new Map<string, StreamEvent[]>();

  function close() {
    stream?.close();
    stream = null;
    early.clear();
  }

  function follow(conversationId: string, resumeFrom: StreamPosition | null) {
    close();
    stream = openMessageStream(socket, {
      conversationId,
      resumeFrom,
      onEvent: (event) => onStreamEvent(conversationId, event),
      onError: (error) => onStreamError(conversationId, error),
    });
  }

  function onStreamEvent(conversationId: string, event: StreamEvent) {
    const state = store.get();
    if (state.activeId !== conversationId) return;
    const message = state.messages.find((m) => m.id === event.messageId);
    if (!message) {
      const queued = early.get(event.messageId);
      if (queued) queued.push(event);
      else early.set(event.messageId, [event]);
      // No send of ours is on its way here: another tab or client started this turn. Read the
      // conversation at the turn's start, and at its end in case that read failed.
      if (!ctx.inFlight.has(conversationId) && event.__typename !== 'TextDelta') {
        void refresh(conversationId);
      }
      return;
    }
    // A replay of a turn this page already holds in its final form.
    if (message.status !== 'STREAMING') return;
    if (event.__typename === 'TextDone' && event.text !== message.text) {
      // The deltas should add up to the final text; a difference means an event was lost or
      // repeated. The final text is shown either way.
      console.warn('Threadline: streamed text differs from the final text', {
        messageId: message.id,
      });
    }
    const next = applyStreamEvent(message, event);
    ctx.setMessages((messages) => messages.map((m) => (m.id === next.id ? next : m)));
    if (next.status !== 'STREAMING') onAnswerFinished(conversationId, next);
  }

  function onAnswerFinished(conversationId: string, message: Message) {
    ctx.dropStopNotice(conversationId);
    ctx.patchConversation(conversationId, {
      streaming: false,
      lastUpdate: new Date().toISOString(),
    });
    if (message.status === 'COMPLETE') ctx.announce('Answer complete.');
    else ctx.announce(message.error?.message ?? 'The answer is incomplete.');
  }

  function onStreamError(conversationId: string, error: ApiError) {
    stream = null;
    if (error.code === 'UNAUTHENTICATED') {
      ctx.showSignIn('Your token is no longer accepted.');
      return;
    }
    if (store.get().activeId !== conversationId) return;
    if (error.code === 'NOT_FOUND') {
      onNotFound(conversationId);
      return;
    }
    // The stored conversation has what the stream can no longer replay; then follow it anew.
    const catchUp = () => {
      void refresh(conversationId).then(() => {
        if (store.get().activeId === conversationId) follow(conversationId, null);
      });
    };
    const gap = error.code === 'REPLAY_GAP' || error.code === 'SUBSCRIBER_OVERFLOW';
    // Once per few seconds, so a gap that keeps coming back is shown instead of looping.
    if (gap && Date.now() - lastCatchUp > CATCH_UP_INTERVAL_MS) {
      lastCatchUp = Date.now();
      catchUp();
      return;
    }
    ctx.fail(error, catchUp);
  }

  function drainEarly(conversationId: string) {
    for (const [messageId, events] of early) {
      if (!store.get().messages.some((m) => m.id === messageId)) continue;
      early.delete(messageId);
      for (const event of events) onStreamEvent(conversationId, event);
    }
  }

  async function refresh(conversationId: string) {
    try {
      const { conversation } = await ctx.request(ConversationQuery, {
        id: conversationId,
        latest: MESSAGE_PAGE,
      });
      if (store.get().activeId !== conversationId || !conversation) return;
      const local = new Map(store.get().messages.map((m) => [m.id, m]));
      // While the server still says STREAMING, this page's copy is at least as new: ahead of
      // the stored checkpoint, or already finished by a TextDone the read did not see yet.
      const merged = conversation.messages.map((server) => {
        const mine = local.get(server.id);
        return mine && server.status === 'STREAMING' ? mine : server;
      });
      // A question still on its way is not stored yet, or is already under its client id.
      const sent = new Set(merged.map((m) => m.clientMessageId));
      const pending = store
        .get()
        .messages.filter((m) => isPending(m) && !sent.has(m.clientMessageId));
      const { messages: _messages, ...summary } = conversation;
      const shown = withEarlier(store.get().messages, [...merged, ...pending]);
      const { earlier } = store.get();
      store.set({
        messages: shown,
        // A read of earlier messages under way goes on; it checks that the list still joins.
        earlier: earlier === 'loading' ? earlier : earlierOf(summary.messageCount, shown),
        conversations: upsertConversation(store.get().conversations, summary),
      });
      if (!merged.some((m) => m.status === 'STREAMING')) ctx.dropStopNotice(conversationId);
      drainEarly(conversationId);
    } catch {
      // A refresh is a catch-up; the next event or reconnect tries again.
    }
  }

  return {
    follow,
    close,
    refresh,
    drainEarly,
    onAnswerFinished,
    saveForReload() {
      const state = store.get();
      const position = stream?.position();
      const live = state.messages.find((m) => m.status === 'STREAMING');
      if (!state.activeId || !position || !live || live.id !== position.messageId) return;
      saveResumePoint({ conversationId: state.activeId, ...position, text: live.text });
    },
  };
}
