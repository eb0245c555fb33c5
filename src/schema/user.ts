import { requireUser } from '../context.js';
import { builder } from './builder.js';

const UserRef = builder.objectRef<{ name: string }>('User').implement({
  fields: (t) => ({ name: t.exposeString('name') }),
});

builder.queryField('me', (t) =>
  t.field({
    type: UserRef,
    description: 'The caller, as identified by the token.',
    resolve: (_root, _args, context) => ({ name: requireUser(context) }),
  }),
);
