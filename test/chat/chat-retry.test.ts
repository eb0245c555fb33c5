/**
 * Retrying a failed or stopped answer: the question is asked again without being stored twice,
 * the old answer is kept, and the upstream sees the question once.
 */
import { describe, expect, it } from 'vitest';
import { ConflictError, ValidationError } from '../../src/services/errors.js';
import { perTestChatFixture, stopAfterSomeText, userItem, waitFor } from '../helpers/chat.js';

const USER = 'alice';
const setup = perTestChatFixture();

describe('retry', () => {
  it('asks a failed question again, chained, keeping the failed answer and the question once', async () => {
    const f = await setup();
    const first = await f.service.send(USER, { text: 'First' });
    const id = first.conversation.data.id;
    const one = await f.settled(USER, id, first.assistantMessage.id);
    f.emulator.queueFault({ type: 'http_error', status: 503 });
    const second = await f.service.send(USER, { text: 'Second', conversationId: id });
    const failed = await f.settled(USER, id, second.assistantMessage.id);
    expect(failed.status).toBe('FAILED');

    const retried = await f.service.retry(USER, id);
    expect(retried.userMessage.id).toBe(second.userMessage.id);
    expect(retried.assistantMessage.id).not.toBe(failed.id);
    const answer = await f.settled(USER, id, retried.assistantMessage.id);
    expect(answer.status).toBe('COMPLETE');

    const stored = await f.store.getConversation(USER, id);
    expect(stored?.messages.map((m) => [m.role, m.status, m.text])).toEqual([
      ['user', 'COMPLETE', 'First'],
      ['assistant', 'COMPLETE', one.text],
      ['user', 'COMPLETE', 'Second'],
      ['assistant', 'FAILED', ''],
      ['assistant', 'COMPLETE', answer.text],
    ]);
    expect(stored?.last_response_id).toBe(answer.response_id);
    const last = f.emulator.requests().at(-1);
    expect(last?.previous_response_id).toBe(one.response_id);
    expect(last?.input).toEqual([userItem('Second')]);
  });

  it('sends the history before the question once when there is no chain to follow', async () => {
    const f = await setup({ config: { contextMode: 'replay' } });
    const first = await f.service.send(USER, { text: 'Hello' });
    const id = first.conversation.data.id;
    const one = await f.settled(USER, id, first.assistantMessage.id);
    f.emulator.queueFault({ type: 'drop_after', deltas: 3 });
    const second = await f.service.send(USER, { text: 'Again', conversationId: id });
    const failed = await f.settled(USER, id, second.assistantMessage.id);
    expect(failed.status).toBe('FAILED');
    expect(failed.text).not.toBe('');

    const retried = await f.service.retry(USER, id);
    await f.settled(USER, id, retried.assistantMessage.id);
    const input = f.emulator.requests().at(-1)?.input as Array<{ role: string }>;
    expect(input).toHaveLength(3);
    expect(input[0]).toEqual(userItem('Hello'));
    expect(input[1]).toMatchObject({ role: 'assistant', content: [{ text: one.text }] });
    expect(input[2]).toEqual(userItem('Again'));
  });

  it('gives later turns one answer to a retried question: the stopped try is left out', async () => {
    const f = await setup({ config: { contextMode: 'replay' }, emulator: { tokensPerSecond: 40 } });
    const sent = await f.service.send(USER, { text: 'Take your time' });
    const id = sent.conversation.data.id;
    await stopAfterSomeText(f, USER, id);
    f.emulator.setPacing({ tokensPerSecond: 0 });
    const retried = await f.service.retry(USER, id);
    const answer = await f.settled(USER, id, retried.assistantMessage.id);
    expect(answer.status).toBe('COMPLETE');

    const next = await f.service.send(USER, { text: 'And then?', conversationId: id });
    await f.settled(USER, id, next.assistantMessage.id);
    const input = f.emulator.requests().at(-1)?.input as Array<{ content: [{ text: string }] }>;
    expect(input.map((item) => item.content[0].text)).toEqual([
      'Take your time',
      answer.text,
      'And then?',
    ]);
  });

  it('retries again after a retry that failed too, asking the question once', async () => {
    const f = await setup();
    f.emulator.queueFault({ type: 'http_error', status: 503 });
    const sent = await f.service.send(USER, { text: 'Stubborn' });
    const id = sent.conversation.data.id;
    expect((await f.settled(USER, id, sent.assistantMessage.id)).status).toBe('FAILED');
    f.emulator.queueFault({ type: 'http_error', status: 503 });
    const again = await f.service.retry(USER, id);
    expect((await f.settled(USER, id, again.assistantMessage.id)).status).toBe('FAILED');

    const third = await f.service.retry(USER, id);
    expect(third.userMessage.id).toBe(sent.userMessage.id);
    const answer = await f.settled(USER, id, third.assistantMessage.id);
    expect(answer.status).toBe('COMPLETE');
    const stored = await f.store.getConversation(USER, id);
    expect(stored?.messages.map((m) => [m.role, m.status])).toEqual([
      ['user', 'COMPLETE'],
      ['assistant', 'FAILED'],
      ['assistant', 'FAILED'],
      ['assistant', 'COMPLETE'],
    ]);
    expect(f.emulator.requests().at(-1)?.input).toEqual([userItem('Stubborn')]);
  });

  it('refuses when the last answer completed, and while an answer streams', async () => {
    const f = await setup({ emulator: { tokensPerSecond: 20 } });
    const first = await f.service.send(USER, { text: 'Fine' });
    const id = first.conversation.data.id;
    await f.settled(USER, id, first.assistantMessage.id);
    await expect(f.service.retry(USER, id)).rejects.toBeInstanceOf(ValidationError);

    await f.service.send(USER, { text: 'Slow', conversationId: id });
    await expect(f.service.retry(USER, id)).rejects.toBeInstanceOf(ConflictError);
    const stopped = await f.service.stop(USER, id);
    expect(stopped?.status).toBe('INCOMPLETE');
    const retried = await f.service.retry(USER, id);
    expect(retried.userMessage.text).toBe('Slow');
  });

  it('lets a client that read the answer as FAILED retry at once, before the turn lets go', async () => {
    const f = await setup();
    f.emulator.queueFault({ type: 'http_error', status: 503 });
    const sent = await f.service.send(USER, { text: 'Quick' });
    const id = sent.conversation.data.id;
    // Poll the store as a client polling the API would, and retry the moment it says FAILED.
    await waitFor(
      async () => {
        const conversation = await f.store.getConversation(USER, id);
        return conversation?.messages.at(-1)?.status === 'FAILED' ? true : undefined;
      },
      { intervalMs: 0 },
    );
    const retried = await f.service.retry(USER, id);
    expect((await f.settled(USER, id, retried.assistantMessage.id)).status).toBe('COMPLETE');
  });
});
