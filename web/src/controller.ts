import { ApiError, toApiError } from './api/errors.js';
import type { Request } from './api/http.js';
import { backoffDelay, type ConnectionStatus, type Socket } from './api/ws.js';
import { clearToken, loadToken, saveToken } from './auth.js';
import {
  ConversationQuery,
  ConversationSummaryQuery,
  ConversationsQuery,
  DeleteConversationMutation,
  RenameConversationMutation,
  RetryResponseMutation,
  SendMessageMutation,
  SessionQuery,
  StopResponseMutation,
} from './graphql/operations.js';
import { saveResumePoint, takeResumePoint } from './resume.js';
import { readRoute, writeRoute } from './route.js';
import {
  type AppState,
  type ConversationSummary,
  type Message,
  upsertConversation,
} from './state.js';
import type { Store } from './store.js';
import {
  applyStreamEvent,
  type MessageStream,
  openMessageStream,
  type StreamEvent,
  type StreamPosition,
} from './stream.js';

export interface Actions {
  signIn(token: string): Promise<void>;
  signOut(): void;
  open(conversationId: string | null, history?: 'push' | 'replace'): Promise<void>;
  loadMoreConversations(): Promise<void>;
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

const PAGE_SIZE = 30;
/**
 * `list` with those of `incoming` it lacks appended. A copy already in the list is kept: it came
 * from the stream or a later read, so it is at least as new as a mutation's answer that was
 * slow to arrive (an empty STREAMING copy of an answer that may have finished since).
 */
function withNew(list: Message[], incoming: Message[]): Message[] {
  const known = new Set(list.map((m) => m.id));
  return [...list, ...incoming.filter((m) => !known.has(m.id))];
}

/**
 * A fresh id for a message to send. From getRandomValues, not randomUUID, which browsers only
 * offer in secure contexts (a server reached over plain HTTP at a LAN address is none).
 */
function newClientMessageId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return `web-${Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('')}`;
}

/** At most one automatic catch-up after a stream gap in this long. */
const CATCH_UP_INTERVAL_MS = 5_000;

const NEW_CONVERSATION = '';

/** The id of a question's bubble while its send is on its way. */
const PENDING_PREFIX = 'pending-';

/** How far the server's clock may be from the browser's when matching a conversation's time. */
const CLOCK_SKEW_MS = 5 * 60_000;

/** How often the sidebar reads a conversation left while its answer streamed. */
const WATCH_INTERVAL_MS = 3_000;

export function createController(
  store: Store<AppState>,
  request: Request,
  socket: Socket,
): Controller {
  let stream: MessageStream | null = null;
  let lastCatchUp = 0;
  /** Bumped on every open, so a slow load of a conversation left behind is dropped. */
  let openTicket = 0;
  /** Events for messages not in the list yet: the reply to a send whose response is pending. */
  const early = new Map<string, StreamEvent[]>();
  /**
   * Conversations with a send or retry on its way (NEW_CONVERSATION for a new chat): one at a
   * time in each, but another conversation may send meanwhile.
   */
  const inFlight = new Set<string>();
  /** The last send that failed, for a composer send of the same text to repeat. */
  let unsent: { key: string; text: string; clientMessageId: string } | null = null;
  let composer: ComposerText | null = null;
  /** Conversations this page is deleting: their stream's NOT_FOUND is expected. */
  const deletingHere = new Set<string>();
  /** Conversations left while an answer streamed: read until it ends (see `watch`). */
  const watched = new Map<string, ReturnType<typeof setTimeout>>();

  const announce = (text: string) => store.set({ announcement: text });

  /** Bumped at every sign-in and sign-out: a reply for the session before is dropped. */
  let session = 0;
  /** Bumped by every change of the list: a refresh read before one would undo it. */
  let listChanges = 0;
  store.subscribe((state, previous) => {
    if (state.conversations !== previous?.conversations) listChanges++;
  });

  function showSignIn(error: string | null) {
    session++;
    clearTimeout(startTimer);
    closeStream();
    unwatchAll();
    clearToken();
    store.set({ screen: 'sign-in', signInError: error, conversations: [], messages: [] });
  }

  /**
   * Keeps the sidebar true for a conversation whose answer streams while another is open: only
   * the open conversation is followed live, so this one is read now and then until its answer
   * has ended (and its "answering" dot can go out).
   */
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

  function unwatchAll() {
    for (const timer of watched.values()) clearTimeout(timer);
    watched.clear();
  }

  /** Signing out forgets the open conversation: the next user to sign in has other ones. */
  function signOut() {
    showSignIn(null);
    store.set({ activeId: null });
    writeRoute(null, 'replace');
  }

  function fail(error: unknown, retry?: () => void, stopOf?: string) {
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
  }

  function setMessages(update: (messages: Message[]) => Message[]) {
    store.set({ messages: update(store.get().messages) });
  }

  const summaryOf = (id: string) => store.get().conversations.find((c) => c.id === id);

  function patchConversation(id: string, patch: Partial<ConversationSummary>) {
    const { conversations } = store.get();
    const current = conversations.find((c) => c.id === id);
    if (current)
      store.set({ conversations: upsertConversation(conversations, { ...current, ...patch }) });
  }

  // ---- live stream of the open conversation ----

  function closeStream() {
    stream?.close();
    stream = null;
    early.clear();
  }

  function follow(conversationId: string, resumeFrom: StreamPosition | null) {
    closeStream();
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
      if (!inFlight.has(conversationId) && event.__typename !== 'TextDelta') {
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
    setMessages((messages) => messages.map((m) => (m.id === next.id ? next : m)));
    if (next.status !== 'STREAMING') onAnswerFinished(conversationId, next);
  }

  /** A Stop that failed is moot once the answer it was for has ended: its notice goes. */
  function dropStopNotice(conversationId: string) {
    if (store.get().notice?.stopOf === conversationId) store.set({ notice: null });
  }

  function onAnswerFinished(conversationId: string, message: Message) {
    dropStopNotice(conversationId);
    patchConversation(conversationId, { streaming: false, lastUpdate: new Date().toISOString() });
    if (message.status === 'COMPLETE') announce('Answer complete.');
    else announce(message.error?.message ?? 'The answer is incomplete.');
  }

  function onStreamError(conversationId: string, error: ApiError) {
    stream = null;
    if (error.code === 'UNAUTHENTICATED') return showSignIn('Your token is no longer accepted.');
    if (store.get().activeId !== conversationId) return;
    if (error.code === 'NOT_FOUND') {
      if (!deletingHere.has(conversationId)) void deletedElsewhere(conversationId);
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
    fail(error, catchUp);
  }

  /** The open conversation was deleted (in another tab or client): leave it, and say so. */
  async function deletedElsewhere(conversationId: string) {
    await forget(conversationId);
    fail(new ApiError('NOT_FOUND', 'That conversation was deleted.'));
  }

  /** Takes a deleted conversation off the list, and leaves it if it is open. */
  async function forget(conversationId: string) {
    store.set({
      conversations: store.get().conversations.filter((c) => c.id !== conversationId),
    });
    if (store.get().activeId === conversationId) await open(null, 'replace');
  }

  /** Applies queued early events to messages that are now in the list. */
  function drainEarly(conversationId: string) {
    for (const [messageId, events] of early) {
      if (!store.get().messages.some((m) => m.id === messageId)) continue;
      early.delete(messageId);
      for (const event of events) onStreamEvent(conversationId, event);
    }
  }

  /**
   * Reloads the open conversation's messages, keeping this page's copy of an answer the server
   * still has as streaming; answers the server has finished come from the server.
   */
  async function refresh(conversationId: string) {
    try {
      const { conversation } = await request(ConversationQuery, { id: conversationId });
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
        .messages.filter((m) => m.id.startsWith(PENDING_PREFIX) && !sent.has(m.clientMessageId));
      const { messages: _messages, ...summary } = conversation;
      store.set({
        messages: [...merged, ...pending],
        conversations: upsertConversation(store.get().conversations, summary),
      });
      if (!merged.some((m) => m.status === 'STREAMING')) dropStopNotice(conversationId);
      drainEarly(conversationId);
    } catch {
      // A refresh is a catch-up; the next event or reconnect tries again.
    }
  }

  // ---- actions ----

  /** A page of the list; null when the session changed while it was read. */
  async function conversationsPage(after: string | null) {
    const asked = session;
    const { conversations } = await request(ConversationsQuery, { first: PAGE_SIZE, after });
    if (asked !== session || store.get().screen !== 'chat') return null;
    return {
      nodes: conversations.edges.map((edge) => edge.node),
      pageInfo: conversations.pageInfo,
    };
  }

  /**
   * Answers streaming elsewhere (another tab, another client) are read until they end, so their
   * "answering" dot goes out; the open conversation's stream keeps it current.
   */
  function watchStreaming(nodes: ConversationSummary[]) {
    for (const node of nodes) {
      if (node.streaming && node.id !== store.get().activeId) watch(node.id);
    }
  }

  /**
   * The newest page again, merged into the list, when the tab is shown: names, new
   * conversations and deletions made elsewhere appear. The pages loaded after it stay.
   */
  async function refreshConversations() {
    if (store.get().screen !== 'chat' || store.get().loadingConversations) return;
    const changes = listChanges;
    try {
      const page = await conversationsPage(null);
      // A change made here meanwhile (a deletion, a rename, an answer ended) is newer.
      if (!page || changes !== listChanges) return;
      const { nodes, pageInfo } = page;
      watchStreaming(nodes);
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

  async function loadConversations(after: string | null) {
    store.set({ loadingConversations: true });
    try {
      const page = await conversationsPage(after);
      if (!page) return;
      const { nodes, pageInfo } = page;
      watchStreaming(nodes);
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

  /** Tries of a start that could not reach the server, and the timer of the next one. */
  let startTries = 0;
  let startTimer: ReturnType<typeof setTimeout> | undefined;
  /** The start under way: a Retry pressed meanwhile joins it rather than run a second. */
  let starting: Promise<void> | null = null;

  function start(): Promise<void> {
    starting ??= startOnce().finally(() => {
      starting = null;
    });
    return starting;
  }

  async function startOnce() {
    session++;
    clearTimeout(startTimer);
    if (!loadToken()) {
      store.set({ screen: 'sign-in', signInError: null });
      return;
    }
    try {
      const session = await request(SessionQuery, {});
      startTries = 0;
      store.set({
        screen: 'chat',
        signInError: null,
        notice: null,
        userName: session.me.name,
        offlineMode: session.serverInfo.offlineMode,
        defaultModel: session.serverInfo.model,
      });
      await loadConversations(null);
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
        fail(apiError, () => {
          store.set({ notice: null });
          void start();
        });
      }
      if (apiError.code === 'NETWORK') {
        startTimer = setTimeout(() => void start(), backoffDelay(startTries++));
      }
    }
  }

  async function open(conversationId: string | null, history: 'push' | 'replace' = 'push') {
    const ticket = ++openTicket;
    const left = store.get().activeId;
    if (left && left !== conversationId && summaryOf(left)?.streaming) watch(left);
    closeStream();
    writeRoute(conversationId, history);
    store.set({
      activeId: conversationId,
      messages: [],
      notice: null,
      drawerOpen: false,
      loadingMessages: conversationId !== null,
    });
    if (!conversationId) return;
    try {
      const { conversation } = await request(ConversationQuery, { id: conversationId });
      if (ticket !== openTicket) return;
      if (!conversation) {
        writeRoute(null, 'replace');
        store.set({
          activeId: null,
          loadingMessages: false,
          // Deleted elsewhere: it goes from the list too, or each click would say so again.
          conversations: store.get().conversations.filter((c) => c.id !== conversationId),
          notice: { code: 'NOT_FOUND', message: 'That conversation does not exist any more.' },
        });
        return;
      }
      const { messages: stored, ...summary } = conversation;
      const resume = takeResumePoint(conversationId);
      const resumable = stored.some((m) => m.id === resume?.messageId && m.status === 'STREAMING');
      const messages =
        resume && resumable
          ? stored.map((m) => (m.id === resume.messageId ? { ...m, text: resume.text } : m))
          : stored;
      store.set({
        messages,
        loadingMessages: false,
        conversations: upsertConversation(store.get().conversations, summary),
      });
      follow(conversationId, resume && resumable ? resume : null);
    } catch (error) {
      if (ticket !== openTicket) return;
      store.set({ loadingMessages: false });
      fail(error, () => void open(conversationId, 'replace'));
    }
  }

  function send(text: string): Promise<boolean> {
    return sendAs(text);
  }

  /**
   * Sends `text` under `given` or a client message id of its own: sent again with the same id
   * (Retry after a lost response), the server gives back the turn the first send started, if it
   * landed.
   */
  async function sendAs(text: string, given?: string): Promise<boolean> {
    const trimmed = text.trim();
    const before = store.get();
    const conversationId = before.activeId;
    const key = conversationId ?? NEW_CONVERSATION;
    const startedAt = Date.now();
    if (!trimmed || inFlight.has(key)) return false;
    // The same question sent again from the composer after a failed send may be a repeat of
    // one that landed unseen: it keeps that send's id, as Retry does.
    const repeat = unsent?.key === key && unsent.text === trimmed;
    const clientMessageId = given ?? (repeat ? unsent!.clientMessageId : newClientMessageId());
    const pendingId = `${PENDING_PREFIX}${startedAt}`;
    const pending: Message = {
      id: pendingId,
      role: 'USER',
      text: trimmed,
      status: 'COMPLETE',
      timestamp: new Date().toISOString(),
      responseId: null,
      model: null,
      clientMessageId,
      usage: null,
      error: null,
    };
    store.set({ notice: null, messages: [...before.messages, pending] });
    inFlight.add(key);
    try {
      const { sendMessage } = await request(SendMessageMutation, {
        input: { conversationId, text: trimmed, clientMessageId },
      });
      if (unsent?.clientMessageId === clientMessageId) unsent = null;
      const { conversation, userMessage, assistantMessage } = sendMessage;
      store.set({ conversations: upsertConversation(store.get().conversations, conversation) });
      // The user moved elsewhere meanwhile; the sidebar shows the new activity until it ends.
      if (store.get().activeId !== conversationId) {
        watch(conversation.id);
        return true;
      }
      setMessages((messages) =>
        withNew(
          messages.filter((m) => m.id !== pendingId),
          [userMessage, assistantMessage],
        ),
      );
      announce('Answer started.');
      if (conversationId === null) {
        store.set({ activeId: conversation.id });
        writeRoute(conversation.id, 'push');
        follow(conversation.id, null);
      } else {
        drainEarly(conversation.id);
      }
      return true;
    } catch (error) {
      setMessages((messages) => messages.filter((m) => m.id !== pendingId));
      // A request whose response was lost may still have landed: look before offering to send
      // the question a second time (in a new chat, that would make a second conversation).
      if (toApiError(error).code === 'NETWORK') {
        if (conversationId === null) {
          const made = await landedNew(clientMessageId, startedAt);
          if (made) {
            store.set({ conversations: upsertConversation(store.get().conversations, made) });
            if (store.get().activeId === null) await open(made.id, 'push');
            return true;
          }
        } else if (await landed(conversationId, before.messages.length, clientMessageId)) {
          return true;
        }
      }
      unsent = { key, text: trimmed, clientMessageId };
      fail(error, () => {
        // The composer was given the text back: sent from here, it would be sent twice.
        const took = composer?.take(trimmed) ?? false;
        void sendAs(trimmed, clientMessageId).then((accepted) => {
          if (!accepted && took) composer?.giveBack(text);
        });
      });
      return false;
    } finally {
      inFlight.delete(key);
    }
  }

  /** Whether the conversation, read again, holds the question sent as `clientMessageId`. */
  async function landed(
    conversationId: string,
    known: number,
    clientMessageId: string,
  ): Promise<boolean> {
    await refresh(conversationId);
    const state = store.get();
    if (state.activeId !== conversationId) return false;
    return state.messages.slice(known).some((m) => m.clientMessageId === clientMessageId);
  }

  /**
   * The conversation a lost send to a new chat made, if it made one: among the newest, one
   * created since the send began (server time, so with room for clock skew) whose first message
   * is the question sent as `clientMessageId`.
   */
  async function landedNew(
    clientMessageId: string,
    since: number,
  ): Promise<ConversationSummary | null> {
    try {
      const { conversations } = await request(ConversationsQuery, { first: 5, after: null });
      for (const { node } of conversations.edges) {
        if (Date.parse(node.createdAt) < since - CLOCK_SKEW_MS) continue;
        const { conversation } = await request(ConversationQuery, { id: node.id });
        const first = conversation?.messages[0];
        if (first?.clientMessageId === clientMessageId) return node;
      }
    } catch {
      // Unreachable still: the notice below offers to send again.
    }
    return null;
  }

  async function stop() {
    const { activeId } = store.get();
    if (!activeId) return;
    try {
      const { stopResponse } = await request(StopResponseMutation, { conversationId: activeId });
      if (store.get().activeId !== activeId) return;
      // Nothing was streaming any more: the answer ended in a way this page did not see.
      if (!stopResponse) return void (await refresh(activeId));
      setMessages((messages) =>
        messages.map((m) =>
          m.id === stopResponse.id && m.status === 'STREAMING' ? stopResponse : m,
        ),
      );
      if (stopResponse.status !== 'STREAMING') onAnswerFinished(activeId, stopResponse);
    } catch (error) {
      fail(error, () => void stop(), activeId);
    }
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
      announce(`Renamed to ${renameConversation.chatName}.`);
      return true;
    } catch (error) {
      fail(error, () => void rename(conversationId, chatName));
      return false;
    }
  }

  async function remove(conversationId: string): Promise<boolean> {
    // The server ends the conversation's stream (NOT_FOUND) before it answers the deletion.
    deletingHere.add(conversationId);
    try {
      await request(DeleteConversationMutation, { id: conversationId });
      await forget(conversationId);
      announce('Conversation deleted.');
      return true;
    } catch (error) {
      fail(error, () => void remove(conversationId));
      return false;
    } finally {
      deletingHere.delete(conversationId);
    }
  }

  /** Asks the question of the last, failed or stopped answer again; the old answer stays. */
  async function retryAnswer(messageId: string) {
    const { activeId, messages } = store.get();
    if (!activeId || inFlight.has(activeId) || messages.at(-1)?.id !== messageId) return;
    store.set({ notice: null });
    inFlight.add(activeId);
    try {
      const { retryResponse } = await request(RetryResponseMutation, { conversationId: activeId });
      if (store.get().activeId !== activeId) return;
      setMessages((list) => withNew(list, [retryResponse.assistantMessage]));
      patchConversation(activeId, { streaming: true });
      announce('Answer started.');
      drainEarly(activeId);
    } catch (error) {
      fail(error, () => {
        void retryAnswer(messageId);
      });
    } finally {
      inFlight.delete(activeId);
    }
  }

  let lastConnection: ConnectionStatus = 'idle';

  return {
    start,
    open,
    send,
    stop,
    rename,
    remove,
    retryAnswer,
    async signIn(token) {
      saveToken(token.trim());
      store.set({ screen: 'loading', signInError: null });
      await start();
    },
    signOut,
    refreshConversations,
    async loadMoreConversations() {
      const { nextCursor, loadingConversations } = store.get();
      if (!nextCursor || loadingConversations) return;
      try {
        await loadConversations(nextCursor);
      } catch (error) {
        fail(error);
      }
    },
    setDrawer(open) {
      store.set({ drawerOpen: open });
    },
    dismissNotice() {
      store.set({ notice: null });
    },
    saveForReload() {
      const state = store.get();
      const position = stream?.position();
      const live = state.messages.find((m) => m.status === 'STREAMING');
      if (!state.activeId || !position || !live || live.id !== position.messageId) return;
      saveResumePoint({ conversationId: state.activeId, ...position, text: live.text });
    },
    attachComposer(attached) {
      composer = attached;
    },
    setConnection(status) {
      const { activeId } = store.get();
      // Back after a drop: catch up on anything that ended while the socket was away.
      if (lastConnection === 'reconnecting' && status === 'connected' && activeId) {
        void refresh(activeId);
      }
      lastConnection = status;
      store.set({ connection: status });
    },
  };
}
