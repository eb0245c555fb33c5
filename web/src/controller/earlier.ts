import { EarlierMessagesQuery } from '../graphql/operations.js';
import { type AppState, isPending, type Message } from '../state.js';
import type { ControllerContext } from './context.js';

/** Messages read at a time: a long conversation opens at its newest and is read back on demand. */
export const MESSAGE_PAGE = 100;

/** Whether a conversation of `messageCount` stored messages has more than the `shown` ones. */
export function earlierOf(messageCount: number, shown: Message[]): AppState['earlier'] {
  return messageCount > shown.filter((m) => !isPending(m)).length ? 'more' : 'none';
}

/**
 * A re-read's newest `page` after the earlier messages this page had read before it: kept while
 * the page joins up with them, dropped (to be read again on demand) when it does not.
 */
export function withEarlier(shown: Message[], page: Message[]): Message[] {
  const first = page[0];
  const at = first ? shown.findIndex((m) => m.id === first.id) : -1;
  return at > 0 ? [...shown.slice(0, at), ...page] : page;
}

/** Reads the page of messages before the first shown, and puts it in front. */
export function createShowEarlier(ctx: ControllerContext): () => Promise<void> {
  const { store } = ctx;
  return async function showEarlier() {
    const { activeId, messages, earlier } = store.get();
    const first = messages[0];
    if (!activeId || !first || isPending(first) || earlier !== 'more') return;
    store.set({ earlier: 'loading' });
    try {
      const { conversation } = await ctx.request(EarlierMessagesQuery, {
        id: activeId,
        before: first.id,
        latest: MESSAGE_PAGE,
      });
      const now = store.get();
      if (now.activeId !== activeId) return;
      if (!conversation) {
        // Deleted elsewhere: its stream says so and the conversation closes.
        store.set({ earlier: 'none' });
        return;
      }
      // A read of the newest page meanwhile that did not join up with this one: the list
      // starts elsewhere now, and is read back from there.
      const joined = now.messages[0]?.id === first.id;
      const shown = joined ? [...conversation.messages, ...now.messages] : now.messages;
      store.set({ messages: shown, earlier: earlierOf(conversation.messageCount, shown) });
      const read = conversation.messages.length;
      if (joined) ctx.announce(`${read} earlier ${read === 1 ? 'message' : 'messages'} shown`);
    } catch (error) {
      if (store.get().activeId !== activeId) return;
      store.set({ earlier: 'more' });
      ctx.fail(error, () => void showEarlier());
    }
  };
}
