import { ValidationError } from '../errors.js';
import { isUnixTime } from '../guards.js';
import type {
  ConversationData,
  ConversationPatch,
  MessagePatch,
  NewMessage,
  StoredConversation,
  StoredMessage,
} from '../types.js';
import { readableHeader } from './document.js';
import type { ConversationHeader } from './journal.js';
import { cloneJson } from './json-clone.js';
import { validateId } from './validate.js';

/*
 * Builds and checks the records the store writes. Anything that would make a journal line
 * unreadable on replay (a non-numeric time, a non-string name) is refused here, before it is
 * applied or written.
 */

const ROLES = new Set(['user', 'assistant']);
const OPTIONAL_KEYS = ['status', 'usage', 'model', 'error', 'metadata'] as const;
const PATCHABLE_KEYS = ['text', 'timestamp', 'response_id', ...OPTIONAL_KEYS] as const;

export function requireText(value: unknown, what: string): asserts value is string {
  if (typeof value !== 'string') throw new ValidationError(`The ${what} must be a string`);
}

export function requireTime(value: unknown, what: string): asserts value is number {
  if (!isUnixTime(value)) {
    throw new ValidationError(`The ${what} must be a number of Unix seconds a date can hold`);
  }
}

export function requireResponseId(value: unknown): asserts value is string | null {
  if (value !== null && typeof value !== 'string') {
    throw new ValidationError('A response id must be a string or null');
  }
}

export function requireObject(value: unknown, what: string): asserts value is object {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new ValidationError(`The ${what} must be an object`);
  }
}

/** What the store refuses in a message, thrown as a ValidationError; the message otherwise. */
export function checkMessage(message: StoredMessage): StoredMessage {
  validateId(message.id, 'message id');
  if (!ROLES.has(message.role)) {
    throw new ValidationError(`Invalid message role ${JSON.stringify(message.role)}`);
  }
  requireText(message.text, 'message text');
  requireTime(message.timestamp, 'message timestamp');
  requireResponseId(message.response_id);
  return message;
}

/** A stored message in the file's key order, copied so the caller's object is not shared. */
export function buildMessage(input: NewMessage, id: string, defaultTime: number): StoredMessage {
  const message: StoredMessage = {
    id,
    role: input.role,
    text: input.text,
    timestamp: input.timestamp ?? defaultTime,
    response_id: input.response_id ?? null,
  };
  for (const key of OPTIONAL_KEYS) {
    if (input[key] !== undefined) Object.assign(message, { [key]: cloneJson(input[key]) });
  }
  return checkMessage(message);
}

/** A new message with the patch's defined fields; `id` and `role` never change. */
export function patchMessage(current: StoredMessage, patch: MessagePatch): StoredMessage {
  const message = { ...current };
  for (const key of PATCHABLE_KEYS) {
    if (patch[key] !== undefined) Object.assign(message, { [key]: cloneJson(patch[key]) });
  }
  return checkMessage(message);
}

/** The caller's `metadata`, copied before the change is queued. */
export function copyMetadata(patch: ConversationPatch | undefined) {
  return patch?.metadata === undefined ? undefined : cloneJson(patch.metadata);
}

/**
 * The conversation's header with the patch's defined fields; `metadata` replaces
 * `data.metadata` as a whole.
 */
export function patchedHeader(
  conversation: StoredConversation,
  patch: ConversationPatch,
  metadata: ReturnType<typeof copyMetadata>,
): ConversationHeader {
  const current = readableHeader(conversation);
  return buildHeader(
    metadata === undefined ? current.data : { ...current.data, metadata },
    patch.chat_name ?? current.chat_name,
    patch.last_update ?? current.last_update,
    patch.last_response_id === undefined ? current.last_response_id : patch.last_response_id,
  );
}

/** A conversation header in the file's key order. */
export function buildHeader(
  data: ConversationData,
  chatName: string,
  lastUpdate: number,
  lastResponseId: string | null,
): ConversationHeader {
  validateId(data.id, 'conversation id');
  requireTime(data.created_at, 'creation time');
  requireObject(data.metadata, 'metadata');
  requireText(chatName, 'chat name');
  requireTime(lastUpdate, 'last update time');
  requireResponseId(lastResponseId);
  return {
    data: {
      id: data.id,
      created_at: data.created_at,
      metadata: data.metadata,
      object: 'conversation',
    },
    chat_name: chatName,
    last_update: lastUpdate,
    last_response_id: lastResponseId,
  };
}

/** Checks a whole conversation given for import; returns it in the file's key order. */
export function checkConversation(conversation: StoredConversation): StoredConversation {
  requireObject(conversation, 'conversation');
  requireObject(conversation.data, 'conversation data');
  const header = buildHeader(
    conversation.data,
    conversation.chat_name,
    conversation.last_update,
    conversation.last_response_id,
  );
  const id = header.data.id;
  if (!Array.isArray(conversation.messages)) {
    throw new ValidationError(`Conversation ${id} has no messages array`);
  }
  const seen = new Set<string>();
  for (const message of conversation.messages) {
    requireObject(message, 'message');
    checkMessage(message);
    if (seen.has(message.id)) {
      throw new ValidationError(`Conversation ${id} has message ${message.id} twice`);
    }
    seen.add(message.id);
  }
  return { ...header, messages: conversation.messages };
}
