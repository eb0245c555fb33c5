import { toApiError } from '../api/errors.js';
import type { Request } from '../api/http.js';
import {
  type AppState,
  type ConversationSummary,
  type Message,
  upsertConversation,
} from '../state.js';
import type { Store } from '../store.js';

/**
 * What the parts of the controller share: the store, the server, the state more than one part
 * reads or changes, and the small store updates they all make.
 */
export interface ControllerContext {
  readonly store: Store<AppState>;
  readonly request: Request;
  /** Bumped at every sign-in and sign-out: a reply for the session before is dropped. */
  session: number;
  /**
   * Conversations with a send or retry on its way (`NEW_CONVERSATION` for a new chat): one at
   * a time in each, but another conversation may send meanwhile. The stream reads it to tell a
   * turn of ours from one another tab or client started.
   */
  readonly inFlight: Set<string>;
  /** Text for screen readers. */
  announce(text: string): void;
  /** Shows a failed action's notice, with `retry` if worth trying again; a refused token signs out. */
  fail(error: unknown, retry?: () => void, stopOf?: string): void;
  /** Ends the session at the sign-in screen, `error` saying why (null for a plain sign-out). */
  showSignIn(error: string | null): void;
  setMessages(update: (messages: Message[]) => Message[]): void;
  /** Changes a conversation the list holds; one it does not hold stays out. */
  patchConversation(id: string, patch: Partial<ConversationSummary>): void;
  /** A Stop that failed is moot once the answer it was for has ended: its notice goes. */
  dropStopNotice(conversationId: string): void;
}

export const NEW_CONVERSATION = '';

/**
 * `showSignIn` stops every part (the stream, the watches, a start's retries), so the one who
 * builds the parts supplies it; the parts call it only once all are built.
 */
export function createContext(
  store: Store<AppState>,
  request: Request,
  showSignIn: (error: string | null) => void,
): ControllerContext {
  const announce = (text: string) => store.set({ announcement: text });
  return {
    store,
    request,
    session: 0,
    inFlight: new Set(),
    announce,
    showSignIn,
    fail(error, retry, stopOf) {
      const apiError = toApiError(error);
      if (apiError.code === 'UNAUTHENTICATED') {
        showSignIn('Your token is no longer accepted. Paste a valid token to continue.');
        return;
      }
      store.set({
        notice: {
          code: apiError.code,
          message: apiError.message,
          retry: apiError.retryable ? retry : undefined,
          stopOf,
        },
      });
      announce(apiError.message);
    },
    setMessages(update) {
      store.set({ messages: update(store.get().messages) });
    },
    patchConversation(id, patch) {
      const { conversations } = store.get();
      const current = conversations.find((c) => c.id === id);
      if (current) {
        store.set({ conversations: upsertConversation(conversations, { ...current, ...patch }) });
      }
    },
    dropStopNotice(conversationId) {
      if (store.get().notice?.stopOf === conversationId) store.set({ notice: null });
    },
  };
}
