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
 * text. Failed answers and empty ones are left out, and so is an answer cut short that a later
 * try of the same question (`retryResponse`) replaced: the model sees one answer to it.
 */
export function historyItems(messages: readonly StoredMessage[]): ResponseInputItem[] {
  const items: ResponseInputItem[] = [];
  // Read from the end: whether a usable answer to the same question follows this one.
  let answeredLater = false;
  for (let i = messages.length - 1; i >= 0; i--) {
    const message = messages[i] as StoredMessage;
    const status = message.status ?? 'COMPLETE';
    const usable = status === 'COMPLETE' || (status === 'INCOMPLETE' && message.text !== '');
    if (!usable || message.text === '') continue;
    if (message.role === 'user') {
      answeredLater = false;
      items.push(userItem(message.text));
      continue;
    }
    // Complete answers in a row (a migrated run wrote several) all stay.
    if (answeredLater && status !== 'COMPLETE') continue;
    answeredLater = true;
    items.push(assistantItem(message.text));
  }
  return items.reverse();
}
