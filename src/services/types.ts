/**
 * Domain types shared by the services. The stored shapes are the seed's per-user JSON format
 * (snake_case keys, Unix-second times); `id`, `status`, `usage`, `model`, `error` and
 * `metadata` on messages are additions, never renames.
 */

export type Role = 'user' | 'assistant';

export type MessageStatus = 'COMPLETE' | 'STREAMING' | 'INCOMPLETE' | 'FAILED';

export interface Usage {
  input_tokens: number;
  output_tokens: number;
  reasoning_tokens: number;
  total_tokens: number;
}

/** Why a turn did not complete, kept on the assistant message. */
export interface MessageError {
  code: ChatErrorCode;
  message: string;
  retryable: boolean;
  /** For RATE_LIMITED: how long the upstream asked to wait, when it said. */
  retryAfterSeconds?: number;
}

export interface StoredMessage {
  id: string;
  role: Role;
  text: string;
  /** Unix seconds (fractional allowed), as in the legacy file. */
  timestamp: number;
  response_id: string | null;
  status?: MessageStatus;
  usage?: Usage;
  /** The model that answered (after any fallback). */
  model?: string;
  error?: MessageError;
  /** Anything else worth keeping, e.g. a migrated message's original content parts. */
  metadata?: Record<string, unknown>;
}

export interface ConversationData {
  id: string;
  created_at: number;
  metadata: Record<string, unknown>;
  object: 'conversation';
}

export interface StoredConversation {
  data: ConversationData;
  chat_name: string;
  last_update: number;
  messages: StoredMessage[];
  last_response_id: string | null;
}

/** A conversation without its messages, for listings. */
export type ConversationSummary = Omit<StoredConversation, 'messages'> & {
  message_count: number;
  /** Some message is still STREAMING. */
  streaming: boolean;
};

export interface NewMessage {
  role: Role;
  text: string;
  id?: string;
  timestamp?: number;
  response_id?: string | null;
  status?: MessageStatus;
  usage?: Usage;
  model?: string;
  error?: MessageError;
  metadata?: Record<string, unknown>;
}

export type MessagePatch = Partial<Omit<StoredMessage, 'id' | 'role'>>;

export interface ConversationPatch {
  chat_name?: string;
  last_update?: number;
  last_response_id?: string | null;
  metadata?: Record<string, unknown>;
}

export interface CreateConversationOptions {
  id?: string;
  createdAt?: number;
  metadata?: Record<string, unknown>;
  /** Its first messages, stored with it in one durable write. */
  messages?: readonly NewMessage[];
  /** Refused (QUOTA_EXCEEDED) when the user holds this many already; checked with the insert. */
  maxConversations?: number;
}

/** The seed's ConversationManager. Every method validates usernames and ids. */
export interface ConversationStore {
  /** Takes the data-directory lock. */
  open(): Promise<void>;
  /** Flushes every pending write and releases the lock. */
  close(): Promise<void>;
  createConversation(
    username: string,
    chatName: string,
    options?: CreateConversationOptions,
  ): Promise<StoredConversation>;
  getConversation(username: string, conversationId: string): Promise<StoredConversation | null>;
  /** Newest `last_update` first. */
  listConversations(username: string): Promise<ConversationSummary[]>;
  addMessage(username: string, conversationId: string, message: NewMessage): Promise<StoredMessage>;
  /** Appends messages in order as one durable write. */
  addMessages(
    username: string,
    conversationId: string,
    messages: readonly NewMessage[],
  ): Promise<StoredMessage[]>;
  /**
   * Replaces the given fields of a message; with `header`, also sets those header fields of
   * its conversation, in the same durable write (an answer and the chain moving to it).
   */
  updateMessage(
    username: string,
    conversationId: string,
    messageId: string,
    patch: MessagePatch,
    header?: ConversationPatch,
  ): Promise<StoredMessage>;
  /** Streaming checkpoint: text becomes its first `from` characters + `text`. */
  appendMessageText(
    username: string,
    conversationId: string,
    messageId: string,
    from: number,
    text: string,
  ): Promise<void>;
  getLastResponseId(username: string, conversationId: string): Promise<string | null>;
  updateConversationMetadata(
    username: string,
    conversationId: string,
    patch: ConversationPatch,
  ): Promise<StoredConversation>;
  renameConversation(
    username: string,
    conversationId: string,
    chatName: string,
  ): Promise<StoredConversation>;
  deleteConversation(username: string, conversationId: string): Promise<boolean>;
  /** Inserts or replaces whole conversations (migration); one atomic write per call. */
  putConversations(username: string, conversations: StoredConversation[]): Promise<void>;
  /** Every username with a file in the data directory. */
  listUsers(): Promise<string[]>;
}

// ---- Chat events: what a turn streams to subscribers (the seed's text_created/delta/done) ----

export type ChatErrorCode =
  | 'RATE_LIMITED'
  | 'UPSTREAM_UNAVAILABLE'
  | 'UPSTREAM_ERROR'
  | 'RESPONSE_FAILED'
  | 'RESPONSE_INCOMPLETE'
  | 'STREAM_INTERRUPTED'
  | 'TIMEOUT'
  | 'ABORTED'
  | 'MODEL_UNAVAILABLE'
  | 'INTERNAL';

interface ChatEventBase {
  conversationId: string;
  messageId: string;
  /** Numbered per assistant message, from 1. */
  seq: number;
}

export interface TextCreatedEvent extends ChatEventBase {
  type: 'TEXT_CREATED';
}
export interface TextDeltaEvent extends ChatEventBase {
  type: 'TEXT_DELTA';
  delta: string;
}
export interface TextDoneEvent extends ChatEventBase {
  type: 'TEXT_DONE';
  text: string;
  responseId: string;
  usage: Usage | null;
  model: string;
}
export interface StreamErrorEvent extends ChatEventBase {
  type: 'STREAM_ERROR';
  code: ChatErrorCode;
  message: string;
  partialText: string;
  retryable: boolean;
  /** For RATE_LIMITED: how long the upstream asked to wait, when it said. */
  retryAfterSeconds?: number;
  /** Final status of the message: INCOMPLETE (stopped, max tokens) or FAILED. */
  status: 'INCOMPLETE' | 'FAILED';
}

export type ChatEvent = TextCreatedEvent | TextDeltaEvent | TextDoneEvent | StreamErrorEvent;

// ---- The chat service: what the GraphQL layer calls ----

export interface SendInput {
  /** Omitted: a new conversation is created. */
  conversationId?: string | null;
  text: string;
  /** Name for a new conversation; defaults to the start of the text. */
  chatName?: string | null;
  /**
   * The client's own id for this message: a send repeated with it returns the turn the first
   * one started instead of asking again (see chat/idempotency.ts).
   */
  clientMessageId?: string | null;
}

export interface SendResult {
  conversation: StoredConversation;
  userMessage: StoredMessage;
  assistantMessage: StoredMessage;
}

export interface SubscribeOptions {
  /** Replay only events with a greater seq. */
  after?: number | null;
  /** The message `after` refers to; later turns are replayed whole. Default: the latest turn. */
  messageId?: string | null;
  /** Ends the stream; a DomainError as the abort's reason ends it with that error. */
  signal?: AbortSignal;
  /** Called once when the stream ends, however it ends (including before `subscribe` returns). */
  onEnd?: () => void;
}

export interface ChatService {
  send(username: string, input: SendInput): Promise<SendResult>;
  /**
   * Asks the question of a FAILED or INCOMPLETE last answer again; the old answer is kept and a
   * new one follows it. ValidationError when the last message is not such an answer.
   */
  retry(username: string, conversationId: string): Promise<SendResult>;
  /** Aborts the open turn; the partial text stays as INCOMPLETE. Null when nothing was open. */
  stop(username: string, conversationId: string): Promise<StoredMessage | null>;
  /** A new, empty conversation; without a name (or with a blank one) it is "New chat". */
  create(username: string, chatName?: string | null): Promise<StoredConversation>;
  /** Renames the conversation; NotFoundError unless the user owns it. */
  rename(username: string, conversationId: string, chatName: string): Promise<StoredConversation>;
  /** Deletes the conversation, stopping its answer and ending its streams; false if none. */
  remove(username: string, conversationId: string): Promise<boolean>;
  /** Throws NotFoundError unless the user owns the conversation. */
  subscribe(
    username: string,
    conversationId: string,
    options?: SubscribeOptions,
  ): Promise<AsyncIterable<ChatEvent>>;
  /** At start-up: messages left STREAMING by a crash become INCOMPLETE. Returns how many. */
  recover(): Promise<number>;
  /** Aborts open turns and waits until their final writes are done. */
  shutdown(): Promise<void>;
}
