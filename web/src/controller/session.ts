import { toApiError } from '../api/errors.js';
import { backoffDelay } from '../api/ws.js';
import { clearToken, loadToken, saveToken } from '../auth.js';
import { SessionQuery } from '../graphql/operations.js';
import { readRoute, writeRoute } from '../route.js';
import type { ControllerContext } from './context.js';
import type { ConversationList } from './conversation-list.js';
import type { LiveConversation } from './live.js';
import type { Open } from './open.js';
import type { Watcher } from './watch.js';

/** Signing in and out, and the start that reads who is signed in and their conversations. */
export interface Session {
  start(): Promise<void>;
  signIn(token: string): Promise<void>;
  /** Signing out forgets the open conversation: the next user to sign in has other ones. */
  signOut(): void;
  showSignIn(error: string | null): void;
}

export interface SessionParts {
  live: LiveConversation;
  watcher: Watcher;
  list: ConversationList;
  open: Open;
}

export function createSession(
  ctx: ControllerContext,
  { live, watcher, list, open }: SessionParts,
): Session {
  const { store } = ctx;
  /** Tries of a start that could not reach the server, and the timer of the next one. */
  let startTries = 0;
  let startTimer: ReturnType<typeof setTimeout> | undefined;
  /** The start under way: a Retry pressed meanwhile joins it rather than run a second. */
  let starting: Promise<void> | null = null;

  function showSignIn(error: string | null) {
    ctx.session++;
    clearTimeout(startTimer);
    live.close();
    watcher.unwatchAll();
    clearToken();
    store.set({
      screen: 'sign-in',
      signInError: error,
      conversations: [],
      search: '',
      searchResults: null,
      searchMore: false,
      messages: [],
      earlier: 'none',
    });
  }

  function start(): Promise<void> {
    starting ??= startOnce().finally(() => {
      starting = null;
    });
    return starting;
  }

  async function startOnce() {
    ctx.session++;
    clearTimeout(startTimer);
    if (!loadToken()) {
      store.set({ screen: 'sign-in', signInError: null });
      return;
    }
    try {
      const { me, serverInfo } = await ctx.request(SessionQuery, {});
      startTries = 0;
      store.set({
        screen: 'chat',
        signInError: null,
        notice: null,
        userName: me.name,
        offlineMode: serverInfo.offlineMode,
        defaultModel: serverInfo.model,
      });
      await list.load(null);
      await open(readRoute(), 'replace');
    } catch (error) {
      const apiError = toApiError(error);
      if (apiError.code === 'UNAUTHENTICATED') {
        showSignIn('That token was not accepted. Check it and try again.');
        return;
      }
      // Nothing is known yet: the list stays "loading" (not "no conversations"). A server out
      // of reach is tried again by itself (sooner with the notice's Retry); any other failure
      // waits for Retry. A try that fails as the last did leaves its notice, and any focus on
      // it, as it is.
      store.set({ screen: 'chat', loadingConversations: true });
      const shown = store.get().notice;
      if (shown?.code !== apiError.code || shown.message !== apiError.message) {
        ctx.fail(apiError, () => {
          store.set({ notice: null });
          void start();
        });
      }
      if (apiError.code === 'NETWORK') {
        startTimer = setTimeout(() => void start(), backoffDelay(startTries++));
      }
    }
  }

  return {
    start,
    async signIn(token) {
      saveToken(token.trim());
      store.set({ screen: 'loading', signInError: null });
      await start();
    },
    signOut() {
      showSignIn(null);
      store.set({ activeId: null });
      writeRoute(null, 'replace');
    },
    showSignIn,
  };
}
