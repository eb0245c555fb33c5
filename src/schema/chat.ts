import { requireUser } from '../context.js';
import type {
  ChatEvent,
  SendResult,
  StreamErrorEvent,
  TextCreatedEvent,
  TextDeltaEvent,
  TextDoneEvent,
} from '../services/types.js';
import { builder } from './builder.js';
import { ConversationRef } from './conversation.js';
import { watchAuthorization } from './live.js';
import { MessageRef, MessageStatusEnum, UsageRef } from './message.js';

const SendMessageInput = builder.inputType('SendMessageInput', {
  fields: (t) => ({
    conversationId: t.id({ description: 'Omitted: a new conversation is started' }),
    text: t.string({ required: true }),
    chatName: t.string({ description: 'Name of a new conversation; default: start of the text' }),
    clientMessageId: t.string({
      description:
        "The client's own id for this message (1-128 printable ASCII characters, no spaces, unique per message). A send repeated with the same id, after a lost response, returns the turn the first one started instead of asking again; BAD_USER_INPUT if the text differs. Matched in the conversation named, or, for a new conversation, among those made in the last day.",
    }),
  }),
});

const SendMessagePayloadRef = builder.objectRef<SendResult>('SendMessagePayload').implement({
  fields: (t) => ({
    conversation: t.field({ type: ConversationRef, resolve: (result) => result.conversation }),
    userMessage: t.field({ type: MessageRef, resolve: (result) => result.userMessage }),
    assistantMessage: t.field({
      type: MessageRef,
      description: 'STREAMING at first; follow it with `messageStream`',
      resolve: (result) => result.assistantMessage,
    }),
  }),
});

function streamEvent<T extends ChatEvent>(name: string, description: string) {
  return builder.objectRef<T>(name).implement({
    description,
    fields: (t) => ({
      conversationId: t.id({ resolve: (event) => event.conversationId }),
      messageId: t.id({ resolve: (event) => event.messageId }),
      seq: t.int({
        description:
          'Numbered per message from 1; resubscribe with the last one as `after` and its `messageId`',
        resolve: (event) => event.seq,
      }),
    }),
  });
}

const TextCreated = streamEvent<TextCreatedEvent>('TextCreated', 'The answer has started.');
const TextDelta = streamEvent<TextDeltaEvent>('TextDelta', 'More text of the answer.');
const TextDone = streamEvent<TextDoneEvent>('TextDone', 'The answer is complete.');
const StreamError = streamEvent<StreamErrorEvent>('StreamError', 'The answer ended early.');

builder.objectFields(TextDelta, (t) => ({ delta: t.exposeString('delta') }));
builder.objectFields(TextDone, (t) => ({
  text: t.exposeString('text'),
  responseId: t.exposeString('responseId'),
  usage: t.field({ type: UsageRef, nullable: true, resolve: (event) => event.usage }),
  model: t.exposeString('model'),
}));
builder.objectFields(StreamError, (t) => ({
  code: t.exposeString('code'),
  message: t.exposeString('message'),
  partialText: t.exposeString('partialText'),
  retryable: t.exposeBoolean('retryable'),
  retryAfterSeconds: t.exposeInt('retryAfterSeconds', { nullable: true }),
  status: t.field({ type: MessageStatusEnum, resolve: (event) => event.status }),
}));

const EVENT_TYPES = {
  TEXT_CREATED: TextCreated,
  TEXT_DELTA: TextDelta,
  TEXT_DONE: TextDone,
  STREAM_ERROR: StreamError,
} as const;

const MessageStreamEvent = builder.unionType('MessageStreamEvent', {
  types: [TextCreated, TextDelta, TextDone, StreamError],
  resolveType: (event: ChatEvent) => EVENT_TYPES[event.type],
});

builder.mutationFields((t) => ({
  sendMessage: t.field({
    type: SendMessagePayloadRef,
    description: 'Stores the message and starts the answer; returns before the answer is done.',
    args: { input: t.arg({ type: SendMessageInput, required: true }) },
    resolve: (_root, { input }, context) =>
      context.services.chat.send(requireUser(context), {
        conversationId: input.conversationId == null ? null : String(input.conversationId),
        text: input.text,
        chatName: input.chatName,
        clientMessageId: input.clientMessageId,
      }),
  }),
  retryResponse: t.field({
    type: SendMessagePayloadRef,
    description:
      'Asks again the question whose answer (the last message) failed or was stopped; the old answer is kept and a new one starts.',
    args: { conversationId: t.arg.id({ required: true }) },
    resolve: (_root, args, context) =>
      context.services.chat.retry(requireUser(context), String(args.conversationId)),
  }),
  stopResponse: t.field({
    type: MessageRef,
    nullable: true,
    description: 'Stops the answer in progress (its partial text is kept); null if none was.',
    args: { conversationId: t.arg.id({ required: true }) },
    resolve: (_root, args, context) =>
      context.services.chat.stop(requireUser(context), String(args.conversationId)),
  }),
}));

builder.subscriptionField('messageStream', (t) =>
  t.field({
    type: MessageStreamEvent,
    description:
      'Replays the latest answer from `after` (of message `messageId`, then later answers whole), then goes live until the client leaves.',
    args: {
      conversationId: t.arg.id({ required: true }),
      after: t.arg.int(),
      messageId: t.arg.id(),
    },
    subscribe: async (_root, args, context) => {
      const stop = new AbortController();
      // An SSE client that leaves while the stream is being opened gets no `return()` from
      // yoga for the stream that opens after it left: its request's signal ends it instead.
      const leave = () => stop.abort('client left');
      context.signal?.addEventListener('abort', leave, { once: true });
      if (context.signal?.aborted) leave();
      const watched = watchAuthorization(stop, context);
      const ended = () => {
        context.signal?.removeEventListener('abort', leave);
        watched();
      };
      try {
        return await context.services.chat.subscribe(
          requireUser(context),
          String(args.conversationId),
          {
            after: args.after,
            messageId: args.messageId == null ? null : String(args.messageId),
            signal: stop.signal,
            onEnd: ended,
          },
        );
      } catch (error) {
        ended();
        throw error;
      }
    },
    resolve: (event) => event,
  }),
);
