/**
 * The seed's CompatibilityLayer: the stored (seed-format) conversation turned into the shapes
 * clients read, and detection of legacy Assistants-era entries so they are never taken for
 * conversations of the new format.
 */
import { isRecord } from './guards.js';
import type {
  MessageError,
  MessageStatus,
  Role,
  StoredConversation,
  StoredMessage,
  Usage,
} from './types.js';

export interface FormattedMessage {
  id: string;
  role: Role;
  text: string;
  /** Messages written before statuses existed are complete. */
  status: MessageStatus;
  timestamp: number;
  responseId: string | null;
  usage: Usage | null;
  model: string | null;
  error: MessageError | null;
}

export interface ConversationMetadata {
  id: string;
  chatName: string;
  createdAt: number;
  lastUpdate: number;
  lastResponseId: string | null;
  messageCount: number;
}

/** The seed's format_message_list. */
export function formatMessageList(conversation: StoredConversation): FormattedMessage[] {
  return conversation.messages.map(formatMessage);
}

export function formatMessage(message: StoredMessage): FormattedMessage {
  return {
    id: message.id,
    role: message.role,
    text: message.text,
    status: message.status ?? 'COMPLETE',
    timestamp: message.timestamp,
    responseId: message.response_id ?? null,
    usage: message.usage ?? null,
    model: message.model ?? null,
    error: message.error ?? null,
  };
}

/** The seed's format_conversation_metadata. */
export function formatConversationMetadata(
  conversation: Omit<StoredConversation, 'messages'> & { messages?: unknown[] },
): ConversationMetadata {
  return {
    id: conversation.data.id,
    chatName: conversation.chat_name,
    createdAt: conversation.data.created_at,
    lastUpdate: conversation.last_update,
    lastResponseId: conversation.last_response_id ?? null,
    messageCount: conversation.messages?.length ?? 0,
  };
}

/**
 * An Assistants-era index entry: `data` is an OpenAI thread object and the messages lived on
 * the server, so there is no local `messages` array. Such entries must go through migration.
 */
export function isLegacyThreadEntry(entry: unknown): boolean {
  if (!isRecord(entry) || !isRecord(entry.data)) return false;
  const { object, id } = entry.data;
  return (
    object === 'thread' &&
    typeof id === 'string' &&
    id.startsWith('thread_') &&
    !Array.isArray(entry.messages)
  );
}
