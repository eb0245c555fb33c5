import type { Request } from './api/http.js';
import type { ConnectionStatus, Socket } from './api/ws.js';
import { createAnswerActions } from './controller/answer.js';
import { createContext } from './controller/context.js';
import { createConversationList } from './controller/conversation-list.js';
import { createShowEarlier } from './controller/earlier.js';
import { createLiveConversation } from './controller/live.js';
import { createOpen } from './controller/open.js';
import { createSearch } from './controller/search.js';
import { createSender } from './controller/send.js';
import { createSession } from './controller/session.js';
import { createWatcher } from './controller/watch.js';
import type { AppState } from './state.js';
import type { Store } from './store.js';

export interface Actions {
  signIn(token: string): Promise<void>;
  signOut(): void;
  open(conversationId: string | null, history?: 'push' | 'replace'): Promise<void>;
  loadMoreConversations(): Promise<void>;
  /** Reads the open conversation's messages before the first shown. */
  showEarlier(): Promise<void>;
  /** Searches the conversation list by name (empty: the whole list again). */
  search(text: string): void;
  /** Resolves false when the message was not accepted (the notice says why). */
  send(text: string): Promise<boolean>;
  stop(): Promise<void>;
  rename(conversationId: string, chatName: string): Promise<boolean>;
  remove(conversationId: string): Promise<boolean>;
  retryAnswer(messageId: string): Promise<void>;
  setDrawer(open: boolean): void;
  dismissNotice(): void;
}

export interface Controller extends Actions {
  start(): Promise<void>;
  /** Keeps the state of a streaming answer for the reload that follows. */
  saveForReload(): void;
  setConnection(status: ConnectionStatus): void;
  /** Brings the list up to date with changes made elsewhere. */
  refreshConversations(): Promise<void>;
  /** The composer, which holds a failed send's text given back for editing. */
  attachComposer(composer: ComposerText): void;
}

export interface ComposerText {
  /** Empties the composer if it holds `text` (trimmed); whether it did. */
  take(text: string): boolean;
  /** Puts `text` back if the composer is empty. */
  giveBack(text: string): void;
}

/**
 * The app's actions on the store and the server. Each concern is a part under `controller/`;
 * this wires them together. The parts that call each other both ways (the session ends from any
 * of them and stops them all; a stream finds its conversation deleted) are wired through
 * callbacks that run only once every part is built.
 */
export function createController(
  store: Store<AppState>,
  request: Request,
  socket: Socket,
): Controller {
  const ctx = createContext(store, request, (error) => session.showSignIn(error));
  const watcher = createWatcher(ctx);
  const live = createLiveConversation(ctx, socket, {
    onNotFound: (conversationId) => void list.deletedElsewhere(conversationId),
  });
  const open = createOpen(ctx, live, watcher);
  const list = createConversationList(ctx, watcher, open);
  const sender = createSender(ctx, live, watcher, open);
  const answer = createAnswerActions(ctx, live);
  const session = createSession(ctx, { live, watcher, list, open });

  let lastConnection: ConnectionStatus = 'idle';

  return {
    start: session.start,
    signIn: session.signIn,
    signOut: session.signOut,
    open,
    loadMoreConversations: list.loadMore,
    showEarlier: createShowEarlier(ctx),
    search: createSearch(ctx),
    refreshConversations: list.refresh,
    rename: list.rename,
    remove: list.remove,
    send: sender.send,
    attachComposer: sender.attachComposer,
    stop: answer.stop,
    retryAnswer: answer.retryAnswer,
    saveForReload: live.saveForReload,
    setConnection(status) {
      const { activeId } = store.get();
      // Back after a drop: catch up on anything that ended while the socket was away.
      if (lastConnection === 'reconnecting' && status === 'connected' && activeId) {
        void live.refresh(activeId);
      }
      lastConnection = status;
      store.set({ connection: status });
    },
    setDrawer(shown) {
      store.set({ drawerOpen: shown });
    },
    dismissNotice() {
      store.set({ notice: null });
    },
  };
}
