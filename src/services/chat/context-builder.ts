/**
 * What a turn sends upstream: when chaining from the previous response, the messages the chain
 * has not seen followed by the new user text; otherwise the conversation's local history
 * followed by it.
 */
import type { ResponseInputItem } from 'openai/resources/responses/responses';
import type { StoredMessage } from '../types.js';

export function userItem(text: string): ResponseInputItem {
  return { type: 'message', role: 'user', content: [{ type: 'input_text', text }] };
}

function assistantItem(text: string): ResponseInputItem {
  // The API takes prior answers as assistant messages with `output_text` parts; the SDK types
  // only describe that shape for output messages that carry the upstream's ids, which a
  // locally stored (or migrated) answer does not have.
  return {
    type: 'message',
    role: 'assistant',
    content: [{ type: 'output_text', text, annotations: [] }],
  } as unknown as ResponseInputItem;
}

/**
 * The messages worth sending as context: complete ones, and answers cut short that still have
 * text. Failed answers and empty ones are left out.
 */
export function historyItems(messages: readonly StoredMessage[]): ResponseInputItem[] {
  const items: ResponseInputItem[] = [];
  for (const message of messages) {
    const status = message.status ?? 'COMPLETE';
    const usable = status === 'COMPLETE' || (status === 'INCOMPLETE' && message.text !== '');
    if (!usable || message.text === '') continue;
    items.push(message.role === 'user' ? userItem(message.text) : assistantItem(message.text));
  }
  return items;
}
