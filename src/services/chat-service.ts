/**
 * One chat turn from start to finish (ARCHITECTURE.md, "One chat turn"): `send` validates,
 * stores the user message and an empty STREAMING answer, and returns; the turn runs on in the
 * background (`chat/turn.ts`) until it completes, fails, or is stopped.
 */
import type { Config } from '../config.js';
import { type Logger, silentLogger } from '../logger.js';
import { AnswerQuota } from './chat/answer-quota.js';
import { AnswerRate } from './chat/answer-rate.js';
import { ChainHealth } from './chat/chain-health.js';
import { defaultChatName, NEW_CHAT_NAME } from './chat/chat-name.js';
import { CheckpointClock } from './chat/checkpointer.js';
import {
  clientMessageMetadata,
  RepeatedSends,
  validateClientMessageId,
} from './chat/idempotency.js';
import { checkChatName, checkMessageText } from './chat/input-text.js';
import { InterruptedAnswers } from './chat/recovery.js';
import { type AbortReason, LATE_SETTLE_MS, runTurn } from './chat/turn.js';
import {
  ConflictError,
  NotFoundError,
  UpstreamUnavailableError,
  ValidationError,
} from './errors.js';
import { ownerKey } from './owner-key.js';
import type { ResponsesClient } from './responses-client.js';
import { newConversationId } from './store/ids.js';
import { validateId } from './store/validate.js';
import type { StreamHub } from './stream-hub.js';
import type {
  ChatService,
  ConversationStore,
  NewMessage,
  SendInput,
  SendResult,
  StoredConversation,
  StoredMessage,
} from './types.js';

export interface ChatServiceDeps {
  config: Config;
  store: ConversationStore;
  responses: ResponsesClient;
  hub: StreamHub;
  logger?: Logger;
  /** Unix seconds. */
  now?: () => number;
  /** See `LATE_SETTLE_MS`. */
  lateSettleMs?: readonly number[];
  /** How often `recover` tries again the users whose files could not be read. @default 30_000 */
  recoverRetryMs?: number;
}

/** What a turn starts from: the conversation as it was, or one to make; and its question. */
type TurnPlan = ({ before: StoredConversation } | { create: { chatName: string } }) & {
  question: { text: string; stored?: StoredMessage; metadata?: Record<string, unknown> };
};

interface OpenTurn {
  controller: AbortController;
  /** Set once the messages are stored. */
  messageId: string | null;
  /** Settles after the turn's final write. */
  done: Promise<void>;
}

export function createChatService(deps: ChatServiceDeps): ChatService {
  const { config, store, responses, hub } = deps;
  const logger = deps.logger ?? silentLogger;
  const now = deps.now ?? (() => Date.now() / 1000);
  const open = new Map<string, OpenTurn>();
  const repeats = new RepeatedSends(store, now);
  const chain = new ChainHealth();
  const checkpoints = new CheckpointClock(config.checkpointMs);
  const answers = new AnswerQuota(config.maxAnswersPerUser);
  const hourly = new AnswerRate(config.maxAnswersPerHour);
  let closing = false;
  const lateSettleMs = deps.lateSettleMs ?? LATE_SETTLE_MS;
  // Later tries at failed final writes, waiting, with their work (see `later`).
  const lateTimers = new Map<NodeJS.Timeout, () => Promise<void>>();
  const lateWrites = new Set<Promise<void>>();
  const turnKey = ownerKey;
  const interrupted = new InterruptedAnswers({
    store,
    logger,
    retryMs: deps.recoverRetryMs ?? 30_000,
    liveAnswer: (username, conversationId) =>
      open.get(turnKey(username, conversationId))?.messageId,
  });

  async function ownConversation(username: string, id: string): Promise<StoredConversation> {
    const conversation = await store.getConversation(username, id);
    if (!conversation) throw new NotFoundError();
    return conversation;
  }

  async function send(username: string, input: SendInput): Promise<SendResult> {
    const { text, chatName } = validate(input, config);
    // An empty id is a mistake, not a request for a new conversation.
    if (input.conversationId === '') {
      throw new ValidationError('conversationId must not be empty', { field: 'conversationId' });
    }
    const conversationId = input.conversationId ?? null;
    const clientMessageId = validateClientMessageId(input.clientMessageId);
    if (clientMessageId === null) return sendOnce(username, conversationId, text, chatName, null);
    // A repeat of a send that landed gets its turn even while the server shuts down.
    return repeats.once(username, { conversationId, id: clientMessageId, text }, () =>
      sendOnce(username, conversationId, text, chatName, clientMessageId),
    );
  }

  async function sendOnce(
    username: string,
    conversationId: string | null,
    text: string,
    chatName: string | null,
    clientMessageId: string | null,
  ): Promise<SendResult> {
    if (closing) throw new UpstreamUnavailableError('The server is shutting down');
    const metadata = clientMessageId ? clientMessageMetadata(clientMessageId) : undefined;
    const question = { text, metadata };
    if (conversationId === null) {
      // Made with its first messages in one write: a crash never leaves it behind, empty.
      const name = chatName ?? defaultChatName(text, config.maxChatNameChars);
      return startTurn(username, newConversationId(), async () => ({
        create: { chatName: name },
        question,
      }));
    }
    return startTurn(username, conversationId, async () => ({
      // Read once no other turn can run here: the one before may have moved the chain.
      before: await ownConversation(username, conversationId),
      question,
    }));
  }

  async function retry(username: string, conversationId: string): Promise<SendResult> {
    return startTurn(username, conversationId, async () => {
      const conversation = await ownConversation(username, conversationId);
      const question = retryableQuestion(conversation.messages);
      // The failed answer stays (nothing is lost); the new answer follows it and the turn sees
      // the history as it was before the question, so the question is sent once.
      const before = { ...conversation, messages: conversation.messages.slice(0, question) };
      const stored = conversation.messages[question]!;
      return { before, question: { text: stored.text, stored } };
    });
  }

  /**
   * Waits for the open turn when its outcome is already stored: a client that read the answer
   * as FAILED or COMPLETE must be able to go on, even in the moment before the turn lets go.
   */
  async function settledTurn(username: string, conversationId: string, key: string) {
    const turn = open.get(key);
    if (!turn?.messageId) return;
    const conversation = await store.getConversation(username, conversationId);
    const message = conversation?.messages.findLast((m) => m.id === turn.messageId);
    if (message && message.status !== 'STREAMING') await turn.done;
  }

  /**
   * Reserves the conversation's one open turn, stores the question (unless `prepare` says it is
   * stored already) and the STREAMING answer in one durable write, and runs the turn in the
   * background.
   */
  async function startTurn(
    username: string,
    conversationId: string,
    prepare: () => Promise<TurnPlan>,
  ): Promise<SendResult> {
    const key = turnKey(username, conversationId);
    await settledTurn(username, conversationId, key);
    // Here, after the awaits since `send` or `retry` began: `shutdown` only stops turns it sees.
    if (closing) throw new UpstreamUnavailableError('The server is shutting down');
    if (open.has(key)) {
      throw new ConflictError('An answer is still streaming in this conversation', {
        conversationId,
      });
    }
    const giveBack = answers.take(username);
    let unspend = () => {};
    // Reserved before the first await below, so a concurrent send sees the conflict.
    const reserved = reserve(key);
    const { turn } = reserved;
    const finish = () => {
      reserved.finish();
      giveBack();
    };

    try {
      const plan = await prepare();
      // Taken once the send is known to be good (no await since the checks): a send refused
      // meanwhile neither holds it nor hides its own refusal behind RATE_LIMITED.
      unspend = hourly.take(username);
      const { question } = plan;
      const messages: NewMessage[] = [
        ...(question.stored
          ? []
          : [
              {
                role: 'user' as const,
                text: question.text,
                status: 'COMPLETE' as const,
                timestamp: now(),
                metadata: question.metadata,
              },
            ]),
        { role: 'assistant', text: '', status: 'STREAMING', timestamp: now(), response_id: null },
      ];
      const { before, added } = await storeTurn(username, conversationId, plan, messages);
      const userMessage = question.stored ?? added[0]!;
      const assistantMessage = added.at(-1)!;
      turn.messageId = assistantMessage.id;
      interrupted.stored(username, assistantMessage.id);
      const publisher = hub.openTurn(username, conversationId, assistantMessage.id);
      runTurn({
        config,
        store,
        responses,
        logger,
        now,
        username,
        conversation: before,
        text: question.text,
        assistantMessageId: assistantMessage.id,
        publisher,
        signal: turn.controller.signal,
        chain,
        checkpoints,
        onSettled: finish,
        later,
      })
        .catch((error: unknown) => logger.error('turn crashed', { conversationId, error }))
        .finally(finish);
      // Read after the upstream request is on its way: the caller's payload is not urgent.
      const current =
        (await store.getConversation(username, conversationId).catch(() => null)) ?? before;
      return { conversation: current, userMessage, assistantMessage };
    } catch (error) {
      finish();
      // Refused or not stored: the model was not asked, so the hour's answer is not spent.
      unspend();
      throw error;
    }
  }

  /** Stores a turn's first messages: in a new conversation, made with them, or after `before`. */
  async function storeTurn(
    username: string,
    conversationId: string,
    plan: TurnPlan,
    messages: NewMessage[],
  ): Promise<{ before: StoredConversation; added: StoredMessage[] }> {
    if ('before' in plan) {
      const added = await store.addMessages(username, conversationId, messages);
      return { before: plan.before, added };
    }
    const created = await store.createConversation(username, plan.create.chatName, {
      id: conversationId,
      // Made when its question was: never after it (a repeat's lookup counts on that order).
      createdAt: messages[0]?.timestamp ?? now(),
      metadata: plan.question.metadata,
      messages,
      maxConversations: config.maxConversationsPerUser,
    });
    const { created_at } = created.data;
    const before = { ...created, messages: [], last_update: created_at, last_response_id: null };
    return { before, added: created.messages };
  }

  async function stop(username: string, conversationId: string): Promise<StoredMessage | null> {
    await ownConversation(username, conversationId);
    const turn = open.get(turnKey(username, conversationId));
    if (!turn) return null;
    turn.controller.abort('stop' satisfies AbortReason);
    await turn.done;
    const conversation = await ownConversation(username, conversationId);
    return conversation.messages.find((message) => message.id === turn.messageId) ?? null;
  }

  /**
   * Deletes a conversation: an answer in flight is stopped first, no new one can start while it
   * is deleted, and its open streams end with NOT_FOUND. False when there was none.
   */
  async function remove(username: string, conversationId: string): Promise<boolean> {
    await ownConversation(username, conversationId);
    const key = turnKey(username, conversationId);
    for (let turn = open.get(key); turn; turn = open.get(key)) {
      turn.controller.abort('stop' satisfies AbortReason);
      await turn.done;
    }
    // Held from here, with no await before it, so a send meanwhile meets CONFLICT.
    const { finish } = reserve(key);
    try {
      const deleted = await store.deleteConversation(username, conversationId);
      if (deleted) {
        hub.endStreams(username, conversationId, new NotFoundError('The conversation was deleted'));
      }
      return deleted;
    } finally {
      finish();
    }
  }

  /** Takes the conversation's one turn; `finish` gives it back and settles `turn.done`. */
  function reserve(key: string): { turn: OpenTurn; finish: () => void } {
    let release = () => {};
    const turn: OpenTurn = {
      controller: new AbortController(),
      messageId: null,
      done: new Promise<void>((resolve) => {
        release = resolve;
      }),
    };
    open.set(key, turn);
    const finish = () => {
      if (open.get(key) === turn) open.delete(key);
      release();
    };
    return { turn, finish };
  }

  /**
   * See `TurnInput.later`. A try still waiting at shutdown is made at once instead: it holds
   * the whole text, which the next start's `recover` would not have (only the last checkpoint).
   */
  function later(work: () => Promise<void>, attempt: number): boolean {
    const pause = lateSettleMs[attempt];
    if (pause === undefined || closing) return false;
    const timer = setTimeout(() => {
      lateTimers.delete(timer);
      runLate(work);
    }, pause);
    timer.unref();
    lateTimers.set(timer, work);
    return true;
  }

  /** Shutdown waits for a write under way: the store closes after it, not during it. */
  function runLate(work: () => Promise<void>): void {
    const running = work()
      .catch(() => {})
      .finally(() => lateWrites.delete(running));
    lateWrites.add(running);
  }

  async function shutdown(): Promise<void> {
    closing = true;
    const recovering = interrupted.close();
    for (const [timer, work] of lateTimers) {
      clearTimeout(timer);
      runLate(work);
    }
    lateTimers.clear();
    const turns = [...open.values()];
    for (const turn of turns) turn.controller.abort('shutdown' satisfies AbortReason);
    await Promise.all([...turns.map((turn) => turn.done), ...lateWrites, recovering]);
  }

  return {
    send,
    retry,
    stop,
    remove,
    recover: () => interrupted.recover(),
    shutdown,
    async create(username, chatName) {
      const name = optionalChatName(chatName, config) ?? NEW_CHAT_NAME;
      return store.createConversation(username, name, {
        maxConversations: config.maxConversationsPerUser,
      });
    },
    rename: (username, conversationId, chatName) =>
      store.renameConversation(
        username,
        conversationId,
        checkChatName(chatName, config.maxChatNameChars),
      ),
    async subscribe(username, conversationId, options = {}) {
      // A negative seq is no position in any stream; it would read as a replay gap.
      if (options.after != null && (!Number.isSafeInteger(options.after) || options.after < 0)) {
        throw new ValidationError('after must be a seq of 0 or more', { field: 'after' });
      }
      // No id of this form was ever given: a replay gap would send the client to read again.
      if (options.messageId != null) validateId(options.messageId, 'message id');
      const conversation = await ownConversation(username, conversationId);
      // Not an answer here (another conversation's, a question): as a replay gap it would send
      // the client to read the conversation again, where it would not find it either.
      const { messageId } = options;
      if (messageId != null && !isAnswerIn(conversation, messageId)) {
        throw new ValidationError('messageId is not an answer in this conversation', {
          field: 'messageId',
        });
      }
      const events = hub.subscribe(username, conversationId, options);
      // A deletion that ended the conversation's streams while the first read was under way
      // missed this one: read again now that it is registered (a later deletion ends it).
      const still = await store.getConversation(username, conversationId).catch(async (error) => {
        await events.return?.();
        throw error;
      });
      if (!still) {
        await events.return?.();
        throw new NotFoundError();
      }
      return events;
    },
  };
}

function isAnswerIn(conversation: StoredConversation, messageId: string): boolean {
  return conversation.messages.some((m) => m.id === messageId && m.role === 'assistant');
}

function validate(input: SendInput, config: Config): { text: string; chatName: string | null } {
  const text = checkMessageText(
    typeof input.text === 'string' ? input.text : '',
    config.maxMessageChars,
  );
  return { text, chatName: optionalChatName(input.chatName, config) };
}

/** A name given, checked; null for none or a blank one (the caller's default applies). */
function optionalChatName(chatName: string | null | undefined, config: Config): string | null {
  return chatName?.trim() ? checkChatName(chatName, config.maxChatNameChars) : null;
}

/**
 * The index of the question to ask again: the last message must be an answer that failed or
 * was cut short. Earlier tries of the same question, failed or cut short too, may stand between
 * it and the user message it answers.
 */
function retryableQuestion(messages: readonly StoredMessage[]): number {
  let question = messages.length - 1;
  while (question >= 0 && isUnfinishedAnswer(messages[question])) question--;
  if (question === messages.length - 1 || messages[question]?.role !== 'user') {
    throw new ValidationError('Only the last answer can be retried, once it failed or stopped');
  }
  return question;
}

function isUnfinishedAnswer(message: StoredMessage | undefined): boolean {
  const status = message?.status ?? 'COMPLETE';
  return message?.role === 'assistant' && (status === 'FAILED' || status === 'INCOMPLETE');
}
