import { clientMessageIdOf } from '../services/chat/idempotency.js';
import type { MessageError, StoredMessage, Usage } from '../services/types.js';
import { builder } from './builder.js';

export const RoleEnum = builder.enumType('Role', {
  values: { USER: { value: 'user' }, ASSISTANT: { value: 'assistant' } } as const,
});

export const MessageStatusEnum = builder.enumType('MessageStatus', {
  values: {
    COMPLETE: { description: 'The whole answer (or a user message)' },
    STREAMING: { description: 'The answer is still arriving' },
    INCOMPLETE: { description: 'Stopped, interrupted or cut short; the partial text is kept' },
    FAILED: { description: 'The model service failed; see `error`' },
  } as const,
});

export const UsageRef = builder.objectRef<Usage>('Usage').implement({
  fields: (t) => ({
    inputTokens: t.exposeInt('input_tokens'),
    outputTokens: t.exposeInt('output_tokens'),
    reasoningTokens: t.exposeInt('reasoning_tokens'),
    totalTokens: t.exposeInt('total_tokens'),
  }),
});

const MessageErrorRef = builder.objectRef<MessageError>('MessageError').implement({
  description: 'Why an answer did not complete.',
  fields: (t) => ({
    code: t.exposeString('code', { description: 'e.g. RATE_LIMITED, ABORTED, RESPONSE_FAILED' }),
    message: t.exposeString('message'),
    retryable: t.exposeBoolean('retryable'),
    retryAfterSeconds: t.exposeInt('retryAfterSeconds', {
      nullable: true,
      description: 'For RATE_LIMITED: how long the model service asked to wait',
    }),
  }),
});

export const MessageRef = builder.objectRef<StoredMessage>('Message').implement({
  fields: (t) => ({
    id: t.exposeID('id'),
    role: t.field({ type: RoleEnum, resolve: (message) => message.role }),
    text: t.exposeString('text'),
    // Legacy and migrated messages carry no status: they are complete.
    status: t.field({
      type: MessageStatusEnum,
      resolve: (message) => message.status ?? 'COMPLETE',
    }),
    timestamp: t.field({ type: 'DateTime', resolve: (message) => message.timestamp }),
    responseId: t.string({ nullable: true, resolve: (message) => message.response_id }),
    usage: t.field({ type: UsageRef, nullable: true, resolve: (message) => message.usage }),
    model: t.string({ nullable: true, resolve: (message) => message.model }),
    error: t.field({ type: MessageErrorRef, nullable: true, resolve: (message) => message.error }),
    clientMessageId: t.string({
      nullable: true,
      description: 'For a question: the id its `sendMessage` gave, if it gave one',
      resolve: (message) => clientMessageIdOf(message.metadata),
    }),
  }),
});
