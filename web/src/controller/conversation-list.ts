import { ApiError } from '../api/errors.js';
import {
  ConversationsQuery,
  DeleteConversationMutation,
  RenameConversationMutation,
} from '../graphql/operations.js';
import { upsertConversation, withoutConversation } from '../state.js';
import type { ControllerContext } from './context.js';
import type { Open } from './open.js';
import type { Watcher } from './watch.js';

const PAGE_SIZE = 30;

/** The conversation list: its pages, bringing it up to date, and renames and deletions. */
export interface ConversationList {
  /** The page after `after`, or the first one (replacing the list) for null. */
  load(after: string | null): Promise<void>;
  loadMore(): Promise<void>;
  /**
   * The newest page again, merged into the list, when the tab is shown: names, new
   * conversations and deletions made elsewhere appear. The pages loaded after it stay.
   */
  refresh(): Promise<void>;
  rename(conversationId: string, chatName: string): Promise<boolean>;
  remove(conversationId: string): Promise<boolean>;
  /** The open conversation was deleted (unless by this page): leave it, and say so. */
  deletedElsewhere(conversationId: string): Promise<void>;
}

export function createConversationList(
  ctx: ControllerContext,
  watcher: Watcher,
  open: Open,
): ConversationList {
  const { store, request } = ctx;
  /** Conversations this page is deleting: their stream's NOT_FOUND is expected. */
  const deletingHere = new Set<string>();
  /** Bumped by every change of the list: a refresh read before one would undo it. */
  let changes = 0;
  store.subscribe((state, previous) => {
    if (state.conversations !== previous?.conversations) changes++;
  });

  /** A page of the list; null when the session changed while it was read. */
  async function page(after: string | null) {
    const asked = ctx.session;
    const { conversations } = await request(ConversationsQuery, { first: PAGE_SIZE, after });
    if (asked !== ctx.session || store.get().screen !== 'chat') return null;
    return {
      nodes: conversations.edges.map((edge) => edge.node),
      pageInfo: conversations.pageInfo,
    };
  }

  async function load(after: string | null) {
    store.set({ loadingConversations: true });
    try {
      const read = await page(after);
      if (!read) return;
      const { nodes, pageInfo } = read;
      watcher.watchStreaming(nodes);
      let list = after ? store.get().conversations : [];
      for (const node of nodes) list = upsertConversation(list, node);
      store.set({
        conversations: list,
        nextCursor: pageInfo.hasNextPage ? (pageInfo.endCursor ?? null) : null,
      });
    } finally {
      store.set({ loadingConversations: false });
    }
  }

  async function refresh() {
    if (store.get().screen !== 'chat' || store.get().loadingConversations) return;
    const before = changes;
    try {
      const read = await page(null);
      // A change made here meanwhile (a deletion, a rename, an answer ended) is newer.
      if (!read || before !== changes) return;
      const { nodes, pageInfo } = read;
      watcher.watchStreaming(nodes);
      const fresh = new Set(nodes.map((node) => node.id));
      // Newer than the page's oldest and not on it: deleted since (the open one goes when read).
      const oldest = pageInfo.hasNextPage ? Date.parse(nodes.at(-1)?.lastUpdate ?? '') : -Infinity;
      const { activeId, conversations } = store.get();
      let list = conversations.filter(
        (c) => fresh.has(c.id) || c.id === activeId || !(Date.parse(c.lastUpdate) > oldest),
      );
      for (const node of nodes) list = upsertConversation(list, node);
      store.set({ conversations: list });
    } catch {
      // The next time the tab is shown tries again.
    }
  }

  /** Takes a deleted conversation off the list, and leaves it if it is open. */
  async function forget(conversationId: string) {
    store.set(withoutConversation(store.get(), conversationId));
    if (store.get().activeId === conversationId) await open(null, 'replace');
  }

  async function rename(conversationId: string, chatName: string): Promise<boolean> {
    try {
      const { renameConversation } = await request(RenameConversationMutation, {
        id: conversationId,
        chatName,
      });
      store.set({
        conversations: upsertConversation(store.get().conversations, renameConversation),
      });
      ctx.announce(`Renamed to ${renameConversation.chatName}.`);
      return true;
    } catch (error) {
      ctx.fail(error, () => void rename(conversationId, chatName));
      return false;
    }
  }

  async function remove(conversationId: string): Promise<boolean> {
    // The server ends the conversation's stream (NOT_FOUND) before it answers the deletion.
    deletingHere.add(conversationId);
    try {
      await request(DeleteConversationMutation, { id: conversationId });
      await forget(conversationId);
      ctx.announce('Conversation deleted.');
      return true;
    } catch (error) {
      ctx.fail(error, () => void remove(conversationId));
      return false;
    } finally {
      deletingHere.delete(conversationId);
    }
  }

  return {
    load,
    async loadMore() {
      const { nextCursor, loadingConversations } = store.get();
      if (!nextCursor || loadingConversations) return;
      try {
        await load(nextCursor);
      } catch (error) {
        ctx.fail(error);
      }
    },
    refresh,
    rename,
    remove,
    async deletedElsewhere(conversationId) {
      if (deletingHere.has(conversationId)) return;
      await forget(conversationId);
      ctx.fail(new ApiError('NOT_FOUND', 'That conversation was deleted.'));
    },
  };
}
