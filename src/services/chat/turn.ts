/**
 * One chat turn after the messages are stored: open the upstream stream (chained, or with the
 * full history when there is no usable chain), publish its events, checkpoint the partial text,
 * and write the outcome before announcing it. Never throws.
 */
import type { Config } from '../../config.js';
import type { Logger } from '../../logger.js';
import { NotFoundError } from '../errors.js';
import {
  isPreviousResponseNotFound,
  type ResponseStream,
  type ResponsesClient,
} from '../responses-client.js';
import type { ChatEventPayload, TurnPublisher } from '../stream-hub.js';
import { type ProcessedEvent, StreamEventProcessor } from '../stream-processor.js';
import type { ConversationStore, MessageError, StoredConversation } from '../types.js';
import type { ChainHealth } from './chain-health.js';
import { type CheckpointClock, Checkpointer } from './checkpointer.js';
import { historyItems, userItem } from './context-builder.js';
import {
  failureFromError,
  SERVER_STOPPED_MESSAGE,
  type TurnFailure,
  turnFailure,
} from './error-mapping.js';
import { pausable } from './pausable.js';

/** Why a turn's controller was aborted. */
export type AbortReason = 'stop' | 'shutdown';

export interface TurnInput {
  config: Config;
  store: ConversationStore;
  responses: ResponsesClient;
  logger: Logger;
  now: () => number;
  username: string;
  /** The conversation as it was before this turn's messages were added. */
  conversation: StoredConversation;
  text: string;
  assistantMessageId: string;
  publisher: TurnPublisher;
  signal: AbortSignal;
  /** Shared by the turns of one server: whether chaining works with this upstream. */
  chain: ChainHealth;
  /** Shared by the turns of one server: when partial text is saved. */
  checkpoints: CheckpointClock;
  /**
   * Called once the outcome is stored and before it is published, so that a client reacting
   * to the final event can start the next turn at once.
   */
  onSettled: () => void;
  /**
   * Runs `work` after the pause of later try `attempt` at storing an answer whose final write
   * failed (see `LATE_SETTLE_MS`); false when there is no such try or the server is stopping.
   */
  later(work: () => Promise<void>, attempt: number): boolean;
}

type Outcome = Extract<ProcessedEvent, { type: 'TEXT_DONE' | 'STREAM_ERROR' }>;

export async function runTurn(turn: TurnInput): Promise<void> {
  const { store, logger, username, assistantMessageId: messageId } = turn;
  const conversationId = turn.conversation.data.id;
  const processor = new StreamEventProcessor();
  const checkpointer = new Checkpointer(
    turn.checkpoints,
    (piece, from) => store.appendMessageText(username, conversationId, messageId, from, piece),
    (error) => logger.warn('checkpoint write failed', { conversationId, messageId, error }),
  );
  let model: string | null = null;
  let outcome: Outcome | undefined;
  try {
    const stream = await openStream(turn);
    model = stream.model;
    const events = pausable(stream.events);
    let first = true;
    // A callback, not a generator: no extra promise per delta on the hot path.
    await processor.run(events, (event) => {
      if (event.type === 'TEXT_CREATED') {
        turn.publisher.publish({ type: 'TEXT_CREATED' });
      } else if (event.type === 'TEXT_DELTA') {
        turn.publisher.publish(event);
        checkpointer.append(event.delta);
        // The first delta is the one a user waits for: its frame goes out before the rest of
        // the read is parsed, rather than with it.
        if (first) {
          first = false;
          events.pauseBeforeNext();
        }
      } else {
        outcome = event;
      }
    });
  } catch (error) {
    outcome = { type: 'STREAM_ERROR', failure: failureFromError(error, 'request'), ...noResponse };
  } finally {
    await checkpointer.close();
  }
  outcome ??= {
    type: 'STREAM_ERROR',
    failure: turnFailure('INTERNAL', 'no outcome'),
    ...noResponse,
  };
  if (outcome.type === 'STREAM_ERROR' && turn.signal.aborted) {
    outcome = { ...outcome, failure: abortFailure(turn.signal.reason) };
  }

  const settled = outcome;
  if (settled.type === 'STREAM_ERROR') logFailure(turn, settled.failure);
  try {
    const final = await withRetries(turn, () =>
      settled.type === 'TEXT_DONE'
        ? complete(turn, settled, model)
        : fail(turn, settled, processor.text, model),
    );
    turn.onSettled();
    turn.publisher.publish(final);
  } catch (error) {
    turn.onSettled();
    logger.error('could not store the end of a turn', { conversationId, messageId, error });
    const failure = turnFailure('INTERNAL', String(error));
    turn.publisher.publish({ type: 'STREAM_ERROR', ...publicFailure(failure, processor.text) });
    settleLater(turn, processor.text);
  }
}

/** Later tries at storing an answer whose final write failed: 10 s, 1 min, 5 min, 15 min. */
export const LATE_SETTLE_MS = [10_000, 60_000, 300_000, 900_000] as const;

/**
 * Stores the answer as interrupted (as `recover` does at the next start) once storage works
 * again, so that it does not stay STREAMING, blocking the conversation, until a restart.
 */
function settleLater(turn: TurnInput, text: string, attempt = 0): void {
  const ids = { conversationId: turn.conversation.data.id, messageId: turn.assistantMessageId };
  const write = () =>
    turn.store.updateMessage(turn.username, ids.conversationId, ids.messageId, {
      text,
      status: 'INCOMPLETE',
      error: {
        code: 'STREAM_INTERRUPTED',
        message: 'The end of this answer could not be stored.',
        retryable: true,
      },
    });
  turn.later(() => {
    return write().then(
      () => turn.logger.info('stored an interrupted answer after its final write failed', ids),
      (error: unknown) => {
        // Deleted meanwhile: nothing left to store.
        if (error instanceof NotFoundError) return;
        turn.logger.warn('storing an interrupted answer failed again', { ...ids, error });
        settleLater(turn, text, attempt + 1);
      },
    );
  }, attempt);
}

/**
 * Pauses before each new attempt at the final write. A write that fails leaves nothing of itself
 * behind, so trying again is safe; a passing fault (a full disk being cleared, a busy file system)
 * then costs the answer's text nothing but a short wait for its final event.
 */
export const FINAL_WRITE_RETRY_MS = [100, 500, 2_000] as const;

async function withRetries<T>(turn: TurnInput, write: () => Promise<T>): Promise<T> {
  for (const pause of FINAL_WRITE_RETRY_MS) {
    try {
      return await write();
    } catch (error) {
      turn.logger.warn('storing the end of a turn failed; trying again', {
        conversationId: turn.conversation.data.id,
        messageId: turn.assistantMessageId,
        retryInMs: pause,
        error,
      });
      await new Promise((resolve) => setTimeout(resolve, pause));
    }
  }
  return write();
}

const noResponse = { responseId: null, usage: null } as const;

async function openStream(turn: TurnInput): Promise<ResponseStream> {
  const { config, responses, conversation, text, signal } = turn;
  const newItem = userItem(text);
  const chainFrom =
    config.contextMode === 'chain' && turn.chain.usable ? conversation.last_response_id : null;
  if (chainFrom) {
    // The stored answer the chain ends at; -1 when none has its id, so what it holds is unknown.
    const end = conversation.messages.findLastIndex((m) => m.response_id === chainFrom);
    try {
      // The turns since then (a stopped answer, a failed one's question) the chain never saw:
      // sent with it, they give the model the same context the full history would.
      const unseen = end < 0 ? [] : historyItems(conversation.messages.slice(end + 1));
      const stream = await responses.stream({
        input: [...unseen, newItem],
        previousResponseId: chainFrom,
        signal,
      });
      turn.chain.found();
      return stream;
    } catch (error) {
      if (!isPreviousResponseNotFound(error)) throw error;
      turn.logger.info('previous response expired; resending the full history', {
        conversationId: conversation.data.id,
        previousResponseId: chainFrom,
      });
      const answered = conversation.messages[end];
      if (answered && turn.chain.missing(turn.now() - answered.timestamp)) {
        turn.logger.warn(
          'the model service does not keep responses; sending full histories for 10 minutes (CONTEXT_MODE=replay makes it permanent)',
          { previousResponseId: chainFrom },
        );
      }
    }
  }
  return responses.stream({ input: [...historyItems(conversation.messages), newItem], signal });
}

async function complete(
  turn: TurnInput,
  done: Extract<Outcome, { type: 'TEXT_DONE' }>,
  requestedModel: string | null,
): Promise<ChatEventPayload> {
  const { store, username, assistantMessageId } = turn;
  const conversationId = turn.conversation.data.id;
  const model = done.model || requestedModel || turn.config.model;
  // One write: the chain moves exactly when the answer it points at is stored. In replay mode
  // the upstream keeps no response, so there is no chain to move (nor one to find after a
  // switch to chain mode).
  const chainTo = turn.config.contextMode === 'chain' ? done.responseId : null;
  await store.updateMessage(
    username,
    conversationId,
    assistantMessageId,
    {
      text: done.text,
      status: 'COMPLETE',
      response_id: done.responseId,
      model,
      ...(done.usage ? { usage: done.usage } : {}),
    },
    { last_response_id: chainTo, last_update: turn.now() },
  );
  return {
    type: 'TEXT_DONE',
    text: done.text,
    responseId: done.responseId,
    usage: done.usage,
    model,
  };
}

async function fail(
  turn: TurnInput,
  outcome: Extract<Outcome, { type: 'STREAM_ERROR' }>,
  partialText: string,
  model: string | null,
): Promise<ChatEventPayload> {
  const { failure } = outcome;
  const conversationId = turn.conversation.data.id;
  await turn.store.updateMessage(turn.username, conversationId, turn.assistantMessageId, {
    text: partialText,
    status: failure.status,
    error: messageError(failure),
    ...(outcome.responseId ? { response_id: outcome.responseId } : {}),
    ...(outcome.usage ? { usage: outcome.usage } : {}),
    ...(model ? { model } : {}),
  });
  return { type: 'STREAM_ERROR', ...publicFailure(failure, partialText) };
}

function logFailure(turn: TurnInput, failure: TurnFailure): void {
  turn.logger[failure.code === 'ABORTED' ? 'info' : 'warn']('turn did not complete', {
    conversationId: turn.conversation.data.id,
    messageId: turn.assistantMessageId,
    code: failure.code,
    detail: failure.detail,
  });
}

function messageError({ code, message, retryable, retryAfterSeconds }: TurnFailure): MessageError {
  return {
    code,
    message,
    retryable,
    ...(retryAfterSeconds === undefined ? {} : { retryAfterSeconds }),
  };
}

function publicFailure(failure: TurnFailure, partialText: string) {
  return { ...messageError(failure), partialText, status: failure.status } as const;
}

function abortFailure(reason: unknown): TurnFailure {
  if (reason !== 'shutdown') return turnFailure('ABORTED', 'stopped by the user');
  const failure = turnFailure('STREAM_INTERRUPTED', 'the server shut down during the turn', {
    status: 'INCOMPLETE',
  });
  // Not the model service's connection, as the code's usual message says.
  return { ...failure, message: SERVER_STOPPED_MESSAGE };
}
