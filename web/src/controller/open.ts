import { ConversationQuery } from '../graphql/operations.js';
import { takeResumePoint } from '../resume.js';
import { writeRoute } from '../route.js';
import { upsertConversation, withoutConversation } from '../state.js';
import type { ControllerContext } from './context.js';
import { earlierOf, MESSAGE_PAGE } from './earlier.js';
import type { LiveConversation } from './live.js';
import type { Watcher } from './watch.js';

/** Shows a conversation (null: a new chat), reads it and follows its stream. */
export type Open = (conversationId: string | null, history?: 'push' | 'replace') => Promise<void>;

export function createOpen(ctx: ControllerContext, live: LiveConversation, watcher: Watcher): Open {
  const { store } = ctx;
  /** Bumped on every open, so a slow load of a conversation left behind is dropped. */
  let ticket = 0;

  return async function open(conversationId, history = 'push') {
    const mine = ++ticket;
    const left = store.get().activeId;
    const leftSummary = left ? store.get().conversations.find((c) => c.id === left) : undefined;
    // Its answer goes on streaming with no stream followed: the sidebar reads it until it ends.
    if (left && left !== conversationId && leftSummary?.streaming) watcher.watch(left);
    live.close();
    writeRoute(conversationId, history);
    store.set({
      activeId: conversationId,
      messages: [],
      earlier: 'none',
      notice: null,
      drawerOpen: false,
      loadingMessages: conversationId !== null,
    });
    if (!conversationId) return;
    try {
      const { conversation } = await ctx.request(ConversationQuery, {
        id: conversationId,
        latest: MESSAGE_PAGE,
      });
      if (mine !== ticket) return;
      if (!conversation) {
        writeRoute(null, 'replace');
        store.set({
          activeId: null,
          loadingMessages: false,
          // Deleted elsewhere: it goes from the list too, or each click would say so again.
          ...withoutConversation(store.get(), conversationId),
          notice: { code: 'NOT_FOUND', message: 'That conversation does not exist any more.' },
        });
        return;
      }
      const { messages: stored, ...summary } = conversation;
      // A reload in the middle of an answer goes on from the text it had shown.
      const resume = takeResumePoint(conversationId);
      const resumable = stored.some((m) => m.id === resume?.messageId && m.status === 'STREAMING');
      const messages =
        resume && resumable
          ? stored.map((m) => (m.id === resume.messageId ? { ...m, text: resume.text } : m))
          : stored;
      store.set({
        messages,
        earlier: earlierOf(summary.messageCount, messages),
        loadingMessages: false,
        conversations: upsertConversation(store.get().conversations, summary),
      });
      live.follow(conversationId, resume && resumable ? resume : null);
    } catch (error) {
      if (mine !== ticket) return;
      store.set({ loadingMessages: false });
      ctx.fail(error, () => void open(conversationId, 'replace'));
    }
  };
}
