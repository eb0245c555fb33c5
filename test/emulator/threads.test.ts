import OpenAI from 'openai';
import type { Message } from 'openai/resources/beta/threads/messages';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { LegacyThreadMessage } from '../../src/emulator/types.js';
import { startTestEmulator, type TestEmulator } from '../helpers/emulator.js';

let upstream: TestEmulator;
beforeEach(async () => {
  upstream = await startTestEmulator();
});
afterEach(() => upstream.close());

/** 45 messages, one second apart, alternating user and assistant. */
const conversation: LegacyThreadMessage[] = Array.from({ length: 45 }, (_, i) => ({
  id: `msg_${String(i).padStart(3, '0')}`,
  created_at: 1_700_000_000 + i,
  role: i % 2 === 0 ? 'user' : 'assistant',
  content: `message ${i}`,
}));

async function listAll(threadId: string, query: { order?: 'asc' | 'desc'; limit?: number }) {
  const messages: Message[] = [];
  for await (const message of upstream.client.beta.threads.messages.list(threadId, query)) {
    messages.push(message);
  }
  return messages;
}

describe('legacy thread messages', () => {
  it('pages through a thread with the SDK, newest first by default', async () => {
    upstream.emulator.seedThread('thread_a', conversation);

    const messages = await listAll('thread_a', { limit: 10 });

    expect(messages.map((m) => m.id)).toEqual(conversation.map((m) => m.id).reverse());
    expect(messages[0]).toEqual({
      id: 'msg_044',
      object: 'thread.message',
      created_at: 1_700_000_044,
      thread_id: 'thread_a',
      role: 'user',
      content: [{ type: 'text', text: { value: 'message 44', annotations: [] } }],
      assistant_id: null,
      run_id: null,
      attachments: [],
      metadata: {},
      status: 'completed',
      completed_at: 1_700_000_044,
      incomplete_at: null,
      incomplete_details: null,
    });
    // The SDK followed `after` page by page until has_more was false.
    const first = await upstream.client.beta.threads.messages.list('thread_a', { limit: 10 });
    const sizes: number[] = [];
    for await (const page of first.iterPages()) sizes.push(page.data.length);
    expect(sizes).toEqual([10, 10, 10, 10, 5]);
  });

  it('honours order=asc, limit and the after/before cursors', async () => {
    upstream.emulator.seedThread('thread_b', conversation);
    const asc = await listAll('thread_b', { order: 'asc', limit: 7 });
    expect(asc.map((m) => m.created_at)).toEqual(conversation.map((m) => m.created_at));

    const page = await upstream.client.beta.threads.messages.list('thread_b', {
      order: 'asc',
      limit: 3,
      after: 'msg_040',
    });
    expect(page.data.map((m) => m.id)).toEqual(['msg_041', 'msg_042', 'msg_043']);
    expect(page.has_more).toBe(true);

    const end = await upstream.client.beta.threads.messages.list('thread_b', {
      order: 'asc',
      after: 'msg_043',
    });
    expect(end.data.map((m) => m.id)).toEqual(['msg_044']);
    expect(end.has_more).toBe(false);

    const before = await upstream.client.beta.threads.messages.list('thread_b', {
      order: 'asc',
      limit: 2,
      before: 'msg_010',
    });
    expect(before.data.map((m) => m.id)).toEqual(['msg_008', 'msg_009']);
  });

  it('keeps non-text content parts as seeded', async () => {
    const parts = [
      { type: 'text', text: { value: 'see image', annotations: [] } },
      { type: 'image_file', image_file: { file_id: 'file_1', detail: 'auto' } },
    ];
    upstream.emulator.seedThread('thread_c', [{ role: 'user', content: parts }]);
    const page = await upstream.client.beta.threads.messages.list('thread_c');
    expect(page.data[0]?.content).toEqual(parts);
    expect(page.data[0]?.id).toMatch(/^msg_[0-9a-f]{24}$/);
  });

  it('answers an unknown thread with a 404 and bad queries with a 400', async () => {
    await expect(upstream.client.beta.threads.messages.list('thread_none')).rejects.toBeInstanceOf(
      OpenAI.NotFoundError,
    );
    upstream.emulator.seedThread('thread_d', conversation.slice(0, 2));
    const bad = await fetch(`${upstream.baseURL}/threads/thread_d/messages?limit=500`);
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({
      error: { param: 'limit', type: 'invalid_request_error' },
    });
    const order = await fetch(`${upstream.baseURL}/threads/thread_d/messages?order=up`);
    expect(order.status).toBe(400);
  });

  it('is seeded over HTTP too', async () => {
    const seeded = await fetch(`${upstream.origin}/__emulator/threads/thread_e`, {
      method: 'POST',
      body: JSON.stringify({ messages: conversation.slice(0, 3) }),
    });
    expect(seeded.status).toBe(200);
    expect((await listAll('thread_e', { order: 'asc' })).map((m) => m.id)).toEqual([
      'msg_000',
      'msg_001',
      'msg_002',
    ]);
    const invalid = await fetch(`${upstream.origin}/__emulator/threads/thread_f`, {
      method: 'POST',
      body: JSON.stringify([{ role: 'robot' }]),
    });
    expect(invalid.status).toBe(400);
  });
});
