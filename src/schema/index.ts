import { builder } from './builder.js';
import './scalars.js';
import './server-info.js';
import './user.js';
import './conversation.js';
import './conversation-list.js';
import './chat.js';

export const schema = builder.toSchema();
