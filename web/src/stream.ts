import type { ApiError } from './api/errors.js';
import { backoffDelay, type Socket } from './api/ws.js';
import type {
  MessageFieldsFragment,
  MessageStreamSubscription as MessageStreamResult,
  MessageStreamSubscriptionVariables,
} from './gql/graphql.js';
import { MessageStreamSubscription } from './graphql/operations.js';

export type StreamEvent = MessageStreamResult['messageStream'];

/** The last event applied: enough to resume a stream with no gap and no repeat. */
export interface StreamPosition {
  messageId: string;
  seq: number;
}

export interface MessageStreamOptions {
  conversationId: string;
  /** Resume after this event instead of replaying the latest turn from its start. */
  resumeFrom?: StreamPosition | null;
  onEvent(event: StreamEvent): void;
  onError(error: ApiError): void;
}

export interface MessageStream {
  position(): StreamPosition | null;
  close(): void;
}

/**
 * Follows one conversation's `messageStream`. Each event moves the position forward; the
 * subscription variables are updated in place, and graphql-ws sends that same object when it
 * resubscribes after a dropped socket, so the server replays exactly the events after it.
 * Events at or before the position (an overlapping replay) are dropped.
 */
export function openMessageStream(
  socket: Socket,
  { conversationId, resumeFrom = null, onEvent, onError }: MessageStreamOptions,
): MessageStream {
  let position = resumeFrom;
  const variables: MessageStreamSubscriptionVariables = {
    conversationId,
    after: position?.seq ?? null,
    messageId: position?.messageId ?? null,
  };
  let dispose = () => {};
  let closed = false;
  let restarts = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const start = () => {
    dispose = socket.subscribe(MessageStreamSubscription, variables, {
      next: ({ messageStream: event }) => {
        restarts = 0;
        if (position && event.messageId === position.messageId && event.seq <= position.seq) {
          return;
        }
        position = { messageId: event.messageId, seq: event.seq };
        variables.after = event.seq;
        variables.messageId = event.messageId;
        onEvent(event);
      },
      error: onError,
      // The stream never ends by itself: the server ended it, as it does when it shuts down.
      // Follow it again from the position; the socket reconnects once the server is back.
      complete: () => {
        if (!closed) timer = setTimeout(start, backoffDelay(restarts++));
      },
    });
  };
  start();
  return {
    position: () => position,
    close: () => {
      closed = true;
      clearTimeout(timer);
      dispose();
    },
  };
}

/** The message as it stands after `event`. */
export function applyStreamEvent(
  message: MessageFieldsFragment,
  event: StreamEvent,
): MessageFieldsFragment {
  switch (event.__typename) {
    case 'TextCreated':
      return { ...message, text: '', status: 'STREAMING', error: null };
    case 'TextDelta':
      return { ...message, text: message.text + event.delta, status: 'STREAMING' };
    case 'TextDone':
      return {
        ...message,
        text: event.text,
        status: 'COMPLETE',
        responseId: event.responseId,
        model: event.model,
        usage: event.usage ?? null,
        error: null,
      };
    case 'StreamError':
      return {
        ...message,
        text: event.partialText,
        status: event.status,
        error: { code: event.code, message: event.message, retryable: event.retryable },
      };
  }
}
