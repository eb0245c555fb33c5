import { ConversationsQuery } from '../graphql/operations.js';
import type { ControllerContext } from './context.js';

/** Typing pauses this long before the server is asked: not a request per key. */
const SEARCH_DELAY_MS = 200;

/** The most matches shown; the server's largest page. */
const SEARCH_PAGE = 100;

/** Searches the conversation list by name, as the reader types. */
export function createSearch(ctx: ControllerContext): (text: string) => void {
  const { store } = ctx;
  let timer: ReturnType<typeof setTimeout> | undefined;
  /** Bumped at every keystroke: the answer for a query typed over is dropped. */
  let ticket = 0;

  return function search(text) {
    clearTimeout(timer);
    const mine = ++ticket;
    // The session the text was typed in: a sign-out during the pause must not send it.
    const asked = ctx.session;
    const query = text.trim();
    store.set({ search: text });
    if (!query) {
      store.set({ searchResults: null, searchMore: false });
      return;
    }
    timer = setTimeout(async () => {
      if (asked !== ctx.session) return;
      try {
        const { conversations } = await ctx.request(ConversationsQuery, {
          first: SEARCH_PAGE,
          after: null,
          search: query,
        });
        if (mine !== ticket || asked !== ctx.session) return;
        const found = conversations.edges.map((edge) => edge.node);
        store.set({ searchResults: found, searchMore: conversations.pageInfo.hasNextPage });
        const count = conversations.pageInfo.hasNextPage ? `Over ${found.length}` : found.length;
        ctx.announce(`${count || 'No'} ${found.length === 1 ? 'chat matches' : 'chats match'}.`);
      } catch (error) {
        if (mine === ticket && asked === ctx.session) ctx.fail(error, () => search(text));
      }
    }, SEARCH_DELAY_MS);
  };
}
