import type { ServerInfo } from '../context.js';
import { requireUser } from '../context.js';
import { builder } from './builder.js';

const ServerInfoRef = builder.objectRef<ServerInfo>('ServerInfo').implement({
  description: 'How this server answers: the model, and whether it runs offline.',
  fields: (t) => ({
    offlineMode: t.exposeBoolean('offlineMode', {
      description: 'True when answers come from the built-in emulator instead of a real model',
    }),
    model: t.exposeString('model'),
    contextMode: t.exposeString('contextMode', {
      description: '"chain" (previous_response_id) or "replay" (full history on every turn)',
    }),
  }),
});

builder.queryField('serverInfo', (t) =>
  t.field({
    type: ServerInfoRef,
    resolve: (_root, _args, context) => {
      requireUser(context);
      return context.server;
    },
  }),
);
