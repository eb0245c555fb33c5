import { requireUser } from '../context.js';
import { nameMatcher } from '../services/chat/name-search.js';
import { builder } from './builder.js';
import { ConversationRef, type ConversationShape } from './conversation.js';
import { encodeCursor, paginate } from './pagination.js';

const ConversationEdgeRef = builder.objectRef<ConversationShape>('ConversationEdge').implement({
  fields: (t) => ({
    cursor: t.string({ resolve: (c) => encodeCursor(c) }),
    node: t.field({ type: ConversationRef, resolve: (c) => c }),
  }),
});

const PageInfoRef = builder
  .objectRef<{
    hasNextPage: boolean;
    hasPreviousPage: boolean;
    startCursor: string | null;
    endCursor: string | null;
  }>('PageInfo')
  .implement({
    fields: (t) => ({
      hasNextPage: t.exposeBoolean('hasNextPage'),
      hasPreviousPage: t.exposeBoolean('hasPreviousPage'),
      startCursor: t.exposeString('startCursor', { nullable: true }),
      endCursor: t.exposeString('endCursor', { nullable: true }),
    }),
  });

const ConversationConnectionRef = builder
  .objectRef<{
    edges: ConversationShape[];
    pageInfo: typeof PageInfoRef.$inferType;
    totalCount: number;
  }>('ConversationConnection')
  .implement({
    fields: (t) => ({
      edges: t.field({ type: [ConversationEdgeRef], resolve: (page) => page.edges }),
      pageInfo: t.field({ type: PageInfoRef, resolve: (page) => page.pageInfo }),
      totalCount: t.exposeInt('totalCount'),
    }),
  });

builder.queryField('conversations', (t) =>
  t.field({
    type: ConversationConnectionRef,
    description: 'Newest first. `first` defaults to 20 and is capped at 100.',
    args: {
      first: t.arg.int(),
      after: t.arg.string(),
      search: t.arg.string({
        description:
          'Only those whose name holds this, in any case and with or without accents (at most as long as a chat name may be; empty: all)',
      }),
    },
    resolve: async (_root, args, context) => {
      // Who asks before what: a stranger's bad search is UNAUTHENTICATED, as any operation.
      const username = requireUser(context);
      const matches = nameMatcher(args.search, context.config.maxChatNameChars);
      const listed = await context.services.store.listConversations(username);
      const all = matches ? listed.filter((c) => matches(c.chat_name)) : listed;
      const page = paginate(all, args.first, args.after);
      const first = page.nodes[0];
      const last = page.nodes.at(-1);
      return {
        edges: page.nodes,
        totalCount: all.length,
        pageInfo: {
          hasNextPage: page.hasNextPage,
          hasPreviousPage: page.hasPreviousPage,
          startCursor: first ? encodeCursor(first) : null,
          endCursor: last ? encodeCursor(last) : null,
        },
      };
    },
  }),
);
