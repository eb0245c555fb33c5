import { describe, expect, it } from 'vitest';
import {
  formatConversationMetadata,
  formatMessageList,
  isLegacyThreadEntry,
} from '../../src/services/compat.js';
import type { StoredConversation } from '../../src/services/types.js';

const conversation: StoredConversation = {
  data: { id: 'conv_1', created_at: 1700000000, metadata: {}, object: 'conversation' },
  chat_name: 'Greetings',
  last_update: 1700000100,
  last_response_id: 'resp_2',
  messages: [
    { id: 'm_1', role: 'user', text: 'Hi', timestamp: 1700000000, response_id: null },
    {
      id: 'm_2',
      role: 'assistant',
      text: 'Hello',
      timestamp: 1700000001,
      response_id: 'resp_2',
      status: 'COMPLETE',
      model: 'o1-mini',
      usage: { input_tokens: 3, output_tokens: 2, reasoning_tokens: 1, total_tokens: 5 },
    },
  ],
};

describe('CompatibilityLayer', () => {
  it('formats messages, treating status-less (older) messages as complete', () => {
    expect(formatMessageList(conversation)).toEqual([
      {
        id: 'm_1',
        role: 'user',
        text: 'Hi',
        status: 'COMPLETE',
        timestamp: 1700000000,
        responseId: null,
        usage: null,
        model: null,
        error: null,
      },
      {
        id: 'm_2',
        role: 'assistant',
        text: 'Hello',
        status: 'COMPLETE',
        timestamp: 1700000001,
        responseId: 'resp_2',
        usage: { input_tokens: 3, output_tokens: 2, reasoning_tokens: 1, total_tokens: 5 },
        model: 'o1-mini',
        error: null,
      },
    ]);
  });

  it('formats conversation metadata', () => {
    expect(formatConversationMetadata(conversation)).toEqual({
      id: 'conv_1',
      chatName: 'Greetings',
      createdAt: 1700000000,
      lastUpdate: 1700000100,
      lastResponseId: 'resp_2',
      messageCount: 2,
    });
  });

  it('recognises legacy thread entries and nothing else', () => {
    const legacy = {
      data: { id: 'thread_abc', created_at: 1, metadata: {}, object: 'thread' },
      chat_name: 'Old chat',
      last_update: 1,
    };
    expect(isLegacyThreadEntry(legacy)).toBe(true);
    expect(isLegacyThreadEntry(conversation)).toBe(false);
    // Already migrated: it has local messages.
    expect(isLegacyThreadEntry({ ...legacy, messages: [] })).toBe(false);
    expect(isLegacyThreadEntry({ ...legacy, data: { ...legacy.data, id: 'conv_1' } })).toBe(false);
    expect(isLegacyThreadEntry(null)).toBe(false);
    expect(isLegacyThreadEntry('thread_abc')).toBe(false);
    expect(isLegacyThreadEntry({ data: null })).toBe(false);
  });
});
