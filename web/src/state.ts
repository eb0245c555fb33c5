import type { ApiErrorCode } from './api/errors.js';
import type { ConnectionStatus } from './api/ws.js';
import type { ConversationSummaryFragment, MessageFieldsFragment } from './gql/graphql.js';

export type Message = MessageFieldsFragment;
export type ConversationSummary = ConversationSummaryFragment;

/** A failed action shown inline, with what a Retry would do. */
export interface Notice {
  code: ApiErrorCode;
  message: string;
  retry?: () => void;
  /** The conversation whose answer a failed Stop was for: the notice goes when it ends. */
  stopOf?: string;
}

export interface AppState {
  screen: 'loading' | 'sign-in' | 'chat';
  signInError: string | null;
  userName: string | null;
  offlineMode: boolean;
  defaultModel: string | null;
  conversations: ConversationSummary[];
  /** Cursor for the next page of conversations; null when all are loaded. */
  nextCursor: string | null;
  loadingConversations: boolean;
  /** What the conversation list is searched for, as typed; empty: no search. */
  search: string;
  /** The newest conversations whose name matches `search`; null until read, or not searching. */
  searchResults: ConversationSummary[] | null;
  /** More match than `searchResults` holds. */
  searchMore: boolean;
  /** The open conversation; null for a new, not yet sent chat. */
  activeId: string | null;
  messages: Message[];
  loadingMessages: boolean;
  /** Messages before the first of `messages`: none, more the server has, or being read. */
  earlier: 'none' | 'more' | 'loading';
  notice: Notice | null;
  connection: ConnectionStatus;
  browserOnline: boolean;
  drawerOpen: boolean;
  /** Text for screen readers, announced politely when it changes. */
  announcement: string;
  /**
   * Questions sent from this page, counted: a change moves the message log's tab stop to the
   * newest turn (one asked in another tab does not), even when no frame drew the question
   * before the server's answer replaced it.
   */
  sentQuestions: number;
}

export const initialState: AppState = {
  screen: 'loading',
  signInError: null,
  userName: null,
  offlineMode: false,
  defaultModel: null,
  conversations: [],
  nextCursor: null,
  loadingConversations: false,
  search: '',
  searchResults: null,
  searchMore: false,
  activeId: null,
  messages: [],
  loadingMessages: false,
  earlier: 'none',
  notice: null,
  connection: 'idle',
  browserOnline: true,
  drawerOpen: false,
  announcement: '',
  sentQuestions: 0,
};

/** The id of a question's bubble while its send is on its way. */
const PENDING_PREFIX = 'pending-';

export const pendingId = (startedAt: number) => `${PENDING_PREFIX}${startedAt}`;

export const isPending = (message: Message) => message.id.startsWith(PENDING_PREFIX);

export function isStreaming(state: AppState): boolean {
  return state.messages.some((message) => message.status === 'STREAMING');
}

/** Newest activity first, as the server lists them. */
export function sortConversations(conversations: ConversationSummary[]): ConversationSummary[] {
  return [...conversations].sort((a, b) => Date.parse(b.lastUpdate) - Date.parse(a.lastUpdate));
}

/** The list and the search's matches without a conversation that is gone. */
export function withoutConversation(
  state: Pick<AppState, 'conversations' | 'searchResults'>,
  id: string,
): Pick<AppState, 'conversations' | 'searchResults'> {
  return {
    conversations: state.conversations.filter((c) => c.id !== id),
    searchResults: state.searchResults?.filter((c) => c.id !== id) ?? null,
  };
}

export function upsertConversation(
  conversations: ConversationSummary[],
  conversation: ConversationSummary,
): ConversationSummary[] {
  const others = conversations.filter((c) => c.id !== conversation.id);
  return sortConversations([conversation, ...others]);
}
