/**
 * A turn against every upstream fault, through the real SDK over HTTP: what is stored, what is
 * published, and that the chain only moves on a completed response.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import OpenAI from 'openai';
import { describe, expect, it, vi } from 'vitest';
import type { Fault } from '../../src/emulator/types.js';
import { FINAL_WRITE_RETRY_MS } from '../../src/services/chat/turn.js';
import { NotFoundError } from '../../src/services/errors.js';
import type { ChatEvent, MessageError, StoredMessage } from '../../src/services/types.js';
import {
  type ChatFixture,
  type ChatFixtureOptions,
  perTestChatFixture,
  sendAndSettle,
  waitFor,
} from '../helpers/chat.js';

const USER = 'alice';
const setup = perTestChatFixture();

const turn = (f: ChatFixture, text: string, conversationId?: string) =>
  sendAndSettle(f, USER, text, conversationId);

const words = (text: string) => text.trim().split(/\s+/).filter(Boolean).length;

/** Collects a conversation's events (from the latest turn on) until `stop` says so. */
async function collectUntil(
  f: ChatFixture,
  conversationId: string,
  stop: (events: ChatEvent[]) => boolean,
  username = USER,
): Promise<ChatEvent[]> {
  const events: ChatEvent[] = [];
  const stream = await f.service.subscribe(username, conversationId, {
    signal: AbortSignal.timeout(10_000),
  });
  for await (const event of stream) {
    events.push(event);
    if (stop(events)) break;
  }
  return events;
}
const deltaText = (events: ChatEvent[]) =>
  events.map((e) => (e.type === 'TEXT_DELTA' ? e.delta : '')).join('');

describe('upstream faults', () => {
  const cases: Array<{
    name: string;
    fault: Fault;
    config?: ChatFixtureOptions['config'];
    expected: { status: StoredMessage['status']; error: Partial<MessageError> };
    partialWords: number;
  }> = [
    {
      name: 'a 429 after the SDK retries -> RATE_LIMITED with retry-after',
      fault: { type: 'http_error', status: 429, retryAfterSeconds: 7 },
      expected: {
        status: 'FAILED',
        error: { code: 'RATE_LIMITED', retryable: true, retryAfterSeconds: 7 },
      },
      partialWords: 0,
    },
    {
      name: 'a 503 -> UPSTREAM_UNAVAILABLE',
      fault: { type: 'http_error', status: 503 },
      expected: { status: 'FAILED', error: { code: 'UPSTREAM_UNAVAILABLE', retryable: true } },
      partialWords: 0,
    },
    {
      name: 'response.failed -> RESPONSE_FAILED with the partial text',
      fault: { type: 'response_failed', afterDeltas: 3 },
      expected: { status: 'FAILED', error: { code: 'RESPONSE_FAILED', retryable: true } },
      partialWords: 3,
    },
    {
      name: 'response.incomplete -> INCOMPLETE',
      fault: { type: 'incomplete', afterDeltas: 4 },
      expected: { status: 'INCOMPLETE', error: { code: 'RESPONSE_INCOMPLETE', retryable: false } },
      partialWords: 4,
    },
    {
      name: 'an error event -> UPSTREAM_ERROR',
      fault: { type: 'error_event', afterDeltas: 2, code: 'invalid_prompt' },
      expected: { status: 'FAILED', error: { code: 'UPSTREAM_ERROR', retryable: false } },
      partialWords: 2,
    },
    {
      name: 'a nested error event (thrown by the SDK) -> UPSTREAM_ERROR, retryable server error',
      fault: { type: 'error_event', afterDeltas: 2, nested: true },
      expected: { status: 'FAILED', error: { code: 'UPSTREAM_ERROR', retryable: true } },
      partialWords: 2,
    },
    {
      name: 'a malformed frame -> STREAM_INTERRUPTED',
      fault: { type: 'malformed_sse', afterDeltas: 5 },
      expected: { status: 'FAILED', error: { code: 'STREAM_INTERRUPTED', retryable: true } },
      partialWords: 5,
    },
    {
      name: 'silence longer than the stream idle limit -> TIMEOUT',
      fault: { type: 'stall', afterDeltas: 2, ms: 5_000 },
      config: { streamIdleMs: 300 },
      expected: { status: 'FAILED', error: { code: 'TIMEOUT', retryable: true } },
      partialWords: 2,
    },
  ];

  for (const { name, fault, config, expected, partialWords } of cases) {
    it(name, async () => {
      const f = await setup({ config });
      const first = await turn(f, 'Start');
      const id = first.conversation.data.id;
      f.emulator.queueFault(fault);
      const { answer } = await turn(f, 'Go on', id);

      expect(answer).toMatchObject(expected);
      expect(words(answer.text)).toBe(partialWords);
      // Fixed wording per code: nothing of the upstream's error text reaches the user.
      expect(answer.error?.message).not.toMatch(/help\.openai\.com|invalid_prompt|server_error/);
      const conversation = await f.store.getConversation(USER, id);
      expect(conversation?.last_response_id).toBe(first.answer.response_id);
    });
  }

  it('lets a stream run past the idle limit while its events keep coming', async () => {
    // 20 deltas at 40 a second: about 500 ms in all, no gap near the 300 ms limit.
    const f = await setup({
      config: { streamIdleMs: 300 },
      emulator: { tokensPerSecond: 40, replyWords: 20 },
    });
    const started = performance.now();
    const { answer } = await turn(f, 'Take your time');
    expect(performance.now() - started).toBeGreaterThan(400);
    expect(answer.status).toBe('COMPLETE');
    expect(words(answer.text)).toBe(20);
  });

  it('waits out a silence longer than the request timeout inside a running stream', async () => {
    // A reasoning model may think for minutes between events; the request timeout only covers
    // the wait for the response to start.
    const f = await setup({ config: { timeoutMs: 300, streamIdleMs: 3_000 } });
    const first = await turn(f, 'Start');
    f.emulator.queueFault({ type: 'stall', afterDeltas: 2, ms: 800 });
    const { answer } = await turn(f, 'Think hard', first.conversation.data.id);
    expect(answer.status).toBe('COMPLETE');
    expect(words(answer.text)).toBe(20);
  });

  it('retries a 429 in the SDK and then succeeds', async () => {
    const f = await setup({ config: { maxRetries: 1 } });
    f.emulator.queueFault({ type: 'http_error', status: 429, retryAfterSeconds: 0 });
    const { answer } = await turn(f, 'Hello');
    expect(f.emulator.requests().map((r) => r.status)).toEqual([429, 200]);
    expect(answer.status).toBe('COMPLETE');
    expect(words(answer.text)).toBe(20);
  });

  it('keeps the partial text of a dropped connection, FAILED and retryable; the chain stays', async () => {
    const f = await setup();
    const first = await turn(f, 'Start');
    const id = first.conversation.data.id;
    f.emulator.queueFault({ type: 'drop_after', deltas: 5 });
    const sent = await f.service.send(USER, { text: 'Go on', conversationId: id });
    const events = await collectUntil(f, id, (e) => e.at(-1)?.type === 'STREAM_ERROR');
    const answer = await f.settled(USER, id, sent.assistantMessage.id);

    expect(answer).toMatchObject({
      status: 'FAILED',
      error: { code: 'STREAM_INTERRUPTED', retryable: true },
    });
    expect(words(answer.text)).toBe(5);
    expect(events.at(-1)).toMatchObject({
      type: 'STREAM_ERROR',
      code: 'STREAM_INTERRUPTED',
      partialText: answer.text,
      status: 'FAILED',
      retryable: true,
    });
    expect(deltaText(events)).toBe(answer.text);
    const conversation = await f.store.getConversation(USER, id);
    expect(conversation?.last_response_id).toBe(first.answer.response_id);

    // The next turn chains from the last completed response.
    const retry = await turn(f, 'Go on', id);
    expect(retry.answer.status).toBe('COMPLETE');
    expect(f.emulator.requests().at(-1)?.previous_response_id).toBe(first.answer.response_id);
  });

  it('stop aborts the upstream request and keeps the partial text as INCOMPLETE', async () => {
    const f = await setup({ emulator: { tokensPerSecond: 50, replyWords: 100 } });
    const sent = await f.service.send(USER, { text: 'Tell me everything' });
    const id = sent.conversation.data.id;
    const before = await collectUntil(f, id, (e) => words(deltaText(e)) >= 3);
    const stopped = await f.service.stop(USER, id);

    expect(stopped).toMatchObject({
      id: sent.assistantMessage.id,
      status: 'INCOMPLETE',
      error: { code: 'ABORTED', retryable: false },
    });
    const text = stopped?.text ?? '';
    expect(text.startsWith(deltaText(before))).toBe(true);
    expect(words(text)).toBeGreaterThanOrEqual(3);
    expect(words(text)).toBeLessThan(100);
    expect(await f.service.stop(USER, id)).toBeNull();

    // The emulator saw the client go away: it settled the response as interrupted.
    const upstream = new OpenAI({ apiKey: 'test', baseURL: f.emulator.baseURL, maxRetries: 0 });
    const responseId = stopped?.response_id;
    expect(responseId).toMatch(/^resp_/);
    const settled = await waitFor(async () => {
      const response = await upstream.responses.retrieve(responseId as string);
      return response.status === 'in_progress' ? undefined : response;
    });
    expect(settled.status).toBe('failed');
    const conversation = await f.store.getConversation(USER, id);
    expect(conversation?.last_response_id).toBeNull();
  });

  it('stops at once while the SDK waits out a retry-after, and the upstream is not asked again', async () => {
    const f = await setup({ config: { maxRetries: 2 } });
    f.emulator.queueFault({ type: 'http_error', status: 429, retryAfterSeconds: 3 });
    const sent = await f.service.send(USER, { text: 'Hello' });
    await waitFor(() => (f.emulator.requests().length === 1 ? true : undefined));
    const refused = performance.now();
    const stopped = await f.service.stop(USER, sent.conversation.data.id);
    // Against the 3 s the SDK sleeps before its next attempt.
    expect(performance.now() - refused).toBeLessThan(1_500);
    expect(stopped).toMatchObject({ status: 'INCOMPLETE', error: { code: 'ABORTED' } });
    // Past the moment that attempt was due: it was not made.
    await new Promise((resolve) => setTimeout(resolve, 3_500 - (performance.now() - refused)));
    expect(f.emulator.requests()).toHaveLength(1);
  });

  it('refuses a subscription whose conversation is deleted while it is being opened', async () => {
    const f = await setup();
    const { conversation } = await turn(f, 'Soon gone');
    const id = conversation.data.id;
    const read = f.store.getConversation.bind(f.store);
    // The deletion lands between the subscription's ownership check and its registration.
    vi.spyOn(f.store, 'getConversation').mockImplementationOnce(async (user, conversationId) => {
      const found = await read(user, conversationId);
      await f.service.remove(user, conversationId);
      return found;
    });
    await expect(f.service.subscribe(USER, id)).rejects.toBeInstanceOf(NotFoundError);
  });

  it('leaves no empty conversation behind when a send to a new one fails', async () => {
    const f = await setup();
    vi.spyOn(f.store, 'createConversation').mockRejectedValueOnce(new Error('I/O error'));
    await expect(f.service.send(USER, { text: 'Into a new conversation' })).rejects.toThrow();
    expect(await f.store.listConversations(USER)).toEqual([]);
  });

  it('writes a new conversation in one journal line with its question and answer', async () => {
    const f = await setup();
    const sent = await f.service.send(USER, { text: 'Into a new conversation' });
    const id = sent.conversation.data.id;
    const journal = await fs.readFile(path.join(f.dataDir, 'chats', `${USER}.journal`), 'utf8');
    // A crash keeps a line whole or drops it: the conversation never lands without its question.
    const first = journal.split('\n').find((line) => line.includes(id));
    const { conversation } = JSON.parse(first!);
    // Made when its question was asked, not a moment after.
    expect(conversation.data.created_at).toBe(conversation.messages[0].timestamp);
    expect(JSON.parse(first!)).toMatchObject({
      op: 'put',
      conversation: {
        data: { id },
        messages: [
          { role: 'user', text: 'Into a new conversation', status: 'COMPLETE' },
          { id: sent.assistantMessage.id, role: 'assistant', status: 'STREAMING' },
        ],
      },
    });
    await f.service.stop(USER, id);
  });

  it('checkpoints partial text while streaming, not only at the end', async () => {
    const f = await setup({
      config: { checkpointMs: 20 },
      emulator: { tokensPerSecond: 100, replyWords: 100 },
    });
    const sent = await f.service.send(USER, { text: 'Stream slowly' });
    const id = sent.conversation.data.id;
    const partial = await waitFor(async () => {
      const conversation = await f.store.getConversation(USER, id);
      const message = conversation?.messages.find((m) => m.id === sent.assistantMessage.id);
      return message?.status === 'STREAMING' && message.text !== '' ? message : undefined;
    });
    expect(words(partial.text)).toBeLessThan(100);
    await f.service.stop(USER, id);
  });

  it('shutdown ends open turns as INCOMPLETE and waits for their writes', async () => {
    const f = await setup({ emulator: { tokensPerSecond: 50, replyWords: 100 } });
    const sent = await f.service.send(USER, { text: 'Long answer please' });
    const id = sent.conversation.data.id;
    await collectUntil(f, id, (e) => e.some((event) => event.type === 'TEXT_DELTA'));
    await f.service.shutdown();
    const conversation = await f.store.getConversation(USER, id);
    expect(conversation?.messages.at(-1)).toMatchObject({
      status: 'INCOMPLETE',
      // The server stopped, not the model service's connection.
      error: {
        code: 'STREAM_INTERRUPTED',
        retryable: true,
        message: 'The server stopped while this answer was streaming.',
      },
    });
  });

  it('shutdown refuses a send that was on its way, so no turn outlives it', async () => {
    const f = await setup({ emulator: { tokensPerSecond: 50, replyWords: 100 } });
    const existing = await f.store.createConversation(USER, 'Racing');
    const id = existing.data.id;
    // Still inside `send` (its first await) when shutdown begins.
    const racing = f.service.send(USER, { text: 'Just in time?', conversationId: id });
    await f.service.shutdown();
    await expect(racing).rejects.toThrow('The server is shutting down');
    await new Promise((resolve) => setTimeout(resolve, 100));
    const conversation = await f.store.getConversation(USER, id);
    expect(conversation?.messages.filter((m) => m.status === 'STREAMING')).toEqual([]);
  });

  it('shutdown still answers a repeat of a send that landed, and refuses any new send', async () => {
    const f = await setup({ emulator: { tokensPerSecond: 50, replyWords: 100 } });
    const input = { text: 'Long answer please', clientMessageId: 'before-shutdown' };
    const sent = await f.service.send(USER, input);
    const id = sent.conversation.data.id;
    await collectUntil(f, id, (e) => e.some((event) => event.type === 'TEXT_DELTA'));
    const stopping = f.service.shutdown();
    // The response was lost: sent again, as a new chat and in the conversation it made.
    for (const repeat of [input, { ...input, conversationId: id }]) {
      const again = await f.service.send(USER, repeat);
      expect(again.conversation.data.id).toBe(id);
      expect(again.assistantMessage.id).toBe(sent.assistantMessage.id);
    }
    for (const other of [
      { text: 'Something new', clientMessageId: 'during-shutdown' },
      { text: 'Something new', conversationId: id },
    ]) {
      await expect(f.service.send(USER, other)).rejects.toThrow('The server is shutting down');
    }
    await stopping;
    expect((await f.store.listConversations(USER)).map((c) => c.data.id)).toEqual([id]);
    expect(f.emulator.requests()).toHaveLength(1);
  });

  it('recover() turns answers left STREAMING into INCOMPLETE', async () => {
    const f = await setup();
    const conversation = await f.store.createConversation('bob', 'Crashed');
    const id = conversation.data.id;
    await f.store.addMessage('bob', id, { role: 'user', text: 'Hi', status: 'COMPLETE' });
    const left = await f.store.addMessage('bob', id, {
      role: 'assistant',
      text: 'Half an ans',
      status: 'STREAMING',
    });
    const done = await turn(f, 'Unaffected');

    expect(await f.service.recover()).toBe(1);
    const after = await f.store.getConversation('bob', id);
    expect(after?.messages.find((m) => m.id === left.id)).toMatchObject({
      status: 'INCOMPLETE',
      text: 'Half an ans',
      error: { code: 'STREAM_INTERRUPTED', retryable: true },
    });
    const untouched = await f.store.getConversation(USER, done.conversation.data.id);
    expect(untouched?.messages.at(-1)?.status).toBe('COMPLETE');
    expect(await f.service.recover()).toBe(0);
  });

  it('recover() goes on past a user whose files cannot be read', async () => {
    const f = await setup();
    const conversation = await f.store.createConversation('bob', 'Crashed');
    await f.store.addMessage('bob', conversation.data.id, {
      role: 'assistant',
      text: 'Half',
      status: 'STREAMING',
    });
    // carol's snapshot is a folder: reading it fails, but not the start of everyone else.
    await fs.mkdir(path.join(f.dataDir, 'chats', 'carol.json'), { recursive: true });

    expect(await f.service.recover()).toBe(1);
    const after = await f.store.getConversation('bob', conversation.data.id);
    expect(after?.messages[0]?.status).toBe('INCOMPLETE');
    await expect(f.store.listConversations('carol')).rejects.toThrow();
  });

  it("recover() marks the answers of a user whose files are mended later, not this process's", async () => {
    const f = await setup({ recoverRetryMs: 300, lateSettleMs: [] });
    const crashed = await f.store.createConversation('carol', 'Crashed');
    const id = crashed.data.id;
    await f.store.addMessage('carol', id, { role: 'user', text: 'Hi', status: 'COMPLETE' });
    // Stored an hour ahead of this process's clock, as when the clock was set back since.
    await f.store.addMessage('carol', id, {
      role: 'assistant',
      text: 'Ha',
      status: 'STREAMING',
      timestamp: Date.now() / 1000 + 3_600,
    });
    const other = await f.store.createConversation('carol', 'Other');
    // carol's conversations cannot be listed until `mended`; her sends to one still work.
    let mended = false;
    const list = f.store.listConversations.bind(f.store);
    vi.spyOn(f.store, 'listConversations').mockImplementation(async (username) => {
      if (username === 'carol' && !mended) throw new Error('EIO: i/o error');
      return list(username);
    });
    expect(await f.service.recover()).toBe(0);

    // A turn of this process whose final write fails stays STREAMING, for the next start.
    f.emulator.setPacing({ tokensPerSecond: 20, replyWords: 4 });
    const own = await f.service.send('carol', { conversationId: other.data.id, text: 'Mine' });
    const ownId = own.assistantMessage.id;
    const update = f.store.updateMessage.bind(f.store);
    vi.spyOn(f.store, 'updateMessage').mockImplementation(async (...args) => {
      // Storage works again with the rest of carol's files; the answer is left as it was.
      if (args[2] === ownId && !mended) throw new Error('I/O error');
      return update(...args);
    });
    const events = await collectUntil(
      f,
      own.conversation.data.id,
      (received) => received.some((e) => e.type === 'STREAM_ERROR'),
      'carol',
    );
    expect(events.at(-1)).toMatchObject({ type: 'STREAM_ERROR', code: 'INTERNAL' });
    // A turn streams in the crashed conversation itself while a pass runs: both ends are kept.
    f.emulator.setPacing({ tokensPerSecond: 10, replyWords: 8 });
    const sent = await f.service.send('carol', { conversationId: id, text: 'Again?' });
    mended = true;

    await waitFor(async () => {
      const after = await f.store.getConversation('carol', id);
      return after?.messages[1]?.status === 'INCOMPLETE' || undefined;
    });
    expect((await f.store.getConversation('carol', id))?.messages[1]).toMatchObject({
      text: 'Ha',
      error: { code: 'STREAM_INTERRUPTED', retryable: true },
    });
    expect(await f.settled('carol', id, sent.assistantMessage.id)).toMatchObject({
      status: 'COMPLETE',
    });
    const ownStored = await f.store.getConversation('carol', own.conversation.data.id);
    expect(ownStored?.messages.at(-1)).toMatchObject({ id: ownId, status: 'STREAMING' });
  });

  it('tries the final write again when it fails, so the answer is stored whole', async () => {
    const f = await setup();
    const update = f.store.updateMessage.bind(f.store);
    const spy = vi
      .spyOn(f.store, 'updateMessage')
      .mockRejectedValueOnce(Object.assign(new Error('no space left'), { code: 'ENOSPC' }))
      .mockRejectedValueOnce(Object.assign(new Error('no space left'), { code: 'ENOSPC' }))
      .mockImplementation(update);
    const { answer, conversation } = await turn(f, 'Hello');
    expect(spy).toHaveBeenCalledTimes(3);
    expect(answer).toMatchObject({ status: 'COMPLETE', response_id: expect.any(String) });
    expect(words(answer.text)).toBe(20);
    const stored = await f.store.getConversation(USER, conversation.data.id);
    expect(stored?.last_response_id).toBe(answer.response_id);
  });

  it('stores an answer whose final write failed as interrupted, once storage works again', async () => {
    const f = await setup({ lateSettleMs: [50, 50] });
    const update = f.store.updateMessage.bind(f.store);
    const failing = Object.assign(new Error('no space left'), { code: 'ENOSPC' });
    const spy = vi.spyOn(f.store, 'updateMessage');
    // The four tries at the final write and the first later one fail; the second later one works.
    for (let i = 0; i < FINAL_WRITE_RETRY_MS.length + 2; i++) spy.mockRejectedValueOnce(failing);
    spy.mockImplementation(update);
    const sent = await f.service.send(USER, { text: 'Hello' });
    const id = sent.conversation.data.id;
    const events = await collectUntil(f, id, (received) =>
      received.some((e) => e.type === 'STREAM_ERROR'),
    );
    expect(events.at(-1)).toMatchObject({ type: 'STREAM_ERROR', code: 'INTERNAL' });
    await vi.waitFor(
      async () => {
        const stored = await f.store.getConversation(USER, id);
        expect(stored?.messages.at(-1)).toMatchObject({
          status: 'INCOMPLETE',
          error: { code: 'STREAM_INTERRUPTED', retryable: true },
        });
        expect(words(stored!.messages.at(-1)!.text)).toBe(20);
      },
      { timeout: 5_000 },
    );
    expect(spy).toHaveBeenCalledTimes(FINAL_WRITE_RETRY_MS.length + 3);
    // Interrupted, the answer can be asked again.
    await f.service.retry(USER, id);
  });

  it('makes a waiting later try at once when the server stops, storing the whole text', async () => {
    const f = await setup({ lateSettleMs: [60_000] });
    const failing = Object.assign(new Error('no space left'), { code: 'ENOSPC' });
    const spy = vi.spyOn(f.store, 'updateMessage');
    for (let i = 0; i < FINAL_WRITE_RETRY_MS.length + 1; i++) spy.mockRejectedValueOnce(failing);
    const sent = await f.service.send(USER, { text: 'Hello' });
    const id = sent.conversation.data.id;
    await collectUntil(f, id, (received) => received.some((e) => e.type === 'STREAM_ERROR'));
    const tries = spy.mock.calls.length;

    // Storage works again, and the server stops long before the try was due.
    await f.service.shutdown();
    expect(spy.mock.calls.length).toBe(tries + 1);
    const stored = await f.store.getConversation(USER, id);
    expect(stored?.messages.at(-1)).toMatchObject({
      status: 'INCOMPLETE',
      error: { code: 'STREAM_INTERRUPTED' },
    });
    // The text the clients were sent, not the last checkpoint's.
    expect(words(stored!.messages.at(-1)!.text)).toBe(20);
  });

  it('waits at shutdown for a later try at a failed final write that is under way', async () => {
    const f = await setup({ lateSettleMs: [50] });
    const update = f.store.updateMessage.bind(f.store);
    const failing = Object.assign(new Error('no space left'), { code: 'ENOSPC' });
    const spy = vi.spyOn(f.store, 'updateMessage');
    for (let i = 0; i < FINAL_WRITE_RETRY_MS.length + 1; i++) spy.mockRejectedValueOnce(failing);
    // The later try is slow: it is still under way when the server stops.
    spy.mockImplementation(async (...args) => {
      await new Promise((resolve) => setTimeout(resolve, 300));
      return update(...args);
    });
    const sent = await f.service.send(USER, { text: 'Hello' });
    const id = sent.conversation.data.id;
    await collectUntil(f, id, (received) => received.some((e) => e.type === 'STREAM_ERROR'));
    await vi.waitFor(() => expect(spy).toHaveBeenCalledTimes(FINAL_WRITE_RETRY_MS.length + 2));
    await f.service.shutdown();
    spy.mockRestore();
    const stored = await f.store.getConversation(USER, id);
    expect(stored?.messages.at(-1)?.status).toBe('INCOMPLETE');
  });

  it('reports INTERNAL when every final write fails; the answer is recovered at the next start', async () => {
    // No later tries: the server stops before storage works again.
    const f = await setup({ lateSettleMs: [] });
    vi.spyOn(f.store, 'updateMessage').mockRejectedValue(new Error('I/O error'));
    const sent = await f.service.send(USER, { text: 'Hello' });
    const events = await collectUntil(f, sent.conversation.data.id, (received) =>
      received.some((e) => e.type === 'TEXT_DONE' || e.type === 'STREAM_ERROR'),
    );
    expect(events.at(-1)).toMatchObject({ type: 'STREAM_ERROR', code: 'INTERNAL' });
    expect(f.store.updateMessage).toHaveBeenCalledTimes(FINAL_WRITE_RETRY_MS.length + 1);

    vi.mocked(f.store.updateMessage).mockRestore();
    expect(await f.service.recover()).toBe(1);
    const stored = await f.store.getConversation(USER, sent.conversation.data.id);
    expect(stored?.messages.at(-1)).toMatchObject({ status: 'INCOMPLETE' });
  });
});
