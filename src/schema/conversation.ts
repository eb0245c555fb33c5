import { type Context, requireUser } from '../context.js';
import { NotFoundError } from '../services/errors.js';
import { validateId } from '../services/store/validate.js';
import type { StoredConversation, StoredMessage } from '../services/types.js';
import { builder } from './builder.js';
import { MessageRef } from './message.js';
import { MAX_MESSAGE_PAGE, messagePage } from './message-page.js';

/** A full conversation, or a listing's summary whose messages are loaded when asked for. */
export type ConversationShape = Omit<StoredConversation, 'messages'> & {
  messages?: StoredMessage[];
  message_count?: number;
  streaming?: boolean;
};

async function messagesOf(conversation: ConversationShape, context: Context) {
  if (conversation.messages) return conversation.messages;
  const full = await context.services.store.getConversation(
    requireUser(context),
    conversation.data.id,
  );
  return full?.messages ?? [];
}

/** A conversation's `id` argument, named as such in a refusal. */
const idArg = (id: string | number) => validateId(String(id), 'conversation id', 'id');

export const ConversationRef = builder.objectRef<ConversationShape>('Conversation').implement({
  fields: (t) => ({
    id: t.id({ resolve: (c) => c.data.id }),
    chatName: t.exposeString('chat_name'),
    createdAt: t.field({ type: 'DateTime', resolve: (c) => c.data.created_at }),
    lastUpdate: t.field({ type: 'DateTime', resolve: (c) => c.last_update }),
    lastResponseId: t.string({ nullable: true, resolve: (c) => c.last_response_id }),
    messages: t.field({
      type: [MessageRef],
      // Not `last`: the cost limit multiplies a field's cost by a literal `last`, and would
      // refuse a page of messages it lets through whole.
      description:
        'Oldest first; `latest` and `before` read a long conversation a page at a time from its end.',
      args: {
        latest: t.arg.int({
          description: `At most this many, the newest of those asked for (0-${MAX_MESSAGE_PAGE}); all when omitted`,
        }),
        before: t.arg.id({
          description:
            'Only the messages before this one (an id of this conversation): the page before one read',
        }),
      },
      resolve: async (c, args, context) =>
        messagePage(await messagesOf(c, context), {
          latest: args.latest,
          before: args.before == null ? null : String(args.before),
        }),
    }),
    messageCount: t.int({
      resolve: async (c, _args, context) =>
        c.message_count ?? (await messagesOf(c, context)).length,
    }),
    streaming: t.boolean({
      description: 'An answer is still arriving in this conversation',
      resolve: async (c, _args, context) =>
        c.streaming ?? (await messagesOf(c, context)).some((m) => m.status === 'STREAMING'),
    }),
  }),
});

builder.queryField('conversation', (t) =>
  t.field({
    type: ConversationRef,
    nullable: true,
    description: 'Null unless the caller owns it.',
    args: { id: t.arg.id({ required: true }) },
    resolve: (_root, args, context) =>
      context.services.store.getConversation(requireUser(context), idArg(args.id)),
  }),
);

builder.mutationFields((t) => ({
  createConversation: t.field({
    type: ConversationRef,
    args: { chatName: t.arg.string() },
    resolve: (_root, args, context) =>
      context.services.chat.create(requireUser(context), args.chatName),
  }),
  renameConversation: t.field({
    type: ConversationRef,
    args: { id: t.arg.id({ required: true }), chatName: t.arg.string({ required: true }) },
    resolve: (_root, args, context) =>
      context.services.chat.rename(requireUser(context), idArg(args.id), args.chatName),
  }),
  deleteConversation: t.boolean({
    description:
      'Stops an answer still streaming, then deletes the conversation; its open streams end with NOT_FOUND.',
    args: { id: t.arg.id({ required: true }) },
    resolve: async (_root, args, context) => {
      const deleted = await context.services.chat.remove(requireUser(context), idArg(args.id));
      if (!deleted) throw new NotFoundError();
      return true;
    },
  }),
}));
