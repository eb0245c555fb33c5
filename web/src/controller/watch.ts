import { ConversationSummaryQuery } from '../graphql/operations.js';
import { type ConversationSummary, upsertConversation } from '../state.js';
import type { ControllerContext } from './context.js';

/** How often the sidebar reads a conversation left while its answer streamed. */
const WATCH_INTERVAL_MS = 3_000;

/**
 * Keeps the sidebar true for conversations whose answer streams while another is open: only
 * the open conversation is followed live, so these are read now and then until their answer
 * has ended (and their "answering" dot can go out).
 */
export interface Watcher {
  watch(conversationId: string): void;
  /**
   * Watches those of `nodes` streaming elsewhere (another tab, another client); the open
   * conversation's stream keeps it current.
   */
  watchStreaming(nodes: ConversationSummary[]): void;
  unwatchAll(): void;
}

export function createWatcher({ store, request }: ControllerContext): Watcher {
  const watched = new Map<string, ReturnType<typeof setTimeout>>();

  function watch(conversationId: string) {
    if (watched.has(conversationId)) return;
    const poll = async () => {
      watched.delete(conversationId);
      // Open again: its stream keeps it current.
      if (store.get().activeId === conversationId || store.get().screen !== 'chat') return;
      let streaming = true;
      try {
        const { conversation } = await request(ConversationSummaryQuery, { id: conversationId });
        if (store.get().screen !== 'chat') return;
        const { conversations } = store.get();
        store.set({
          conversations: conversation
            ? upsertConversation(conversations, conversation)
            : conversations.filter((c) => c.id !== conversationId),
        });
        streaming = conversation?.streaming ?? false;
      } catch {
        // Read again at the next interval.
      }
      if (streaming) watch(conversationId);
    };
    watched.set(conversationId, setTimeout(poll, WATCH_INTERVAL_MS));
  }

  return {
    watch,
    watchStreaming(nodes) {
      for (const node of nodes) {
        if (node.streaming && node.id !== store.get().activeId) watch(node.id);
      }
    },
    unwatchAll() {
      for (const timer of watched.values()) clearTimeout(timer);
      watched.clear();
    },
  };
}
