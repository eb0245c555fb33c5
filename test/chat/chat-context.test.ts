/**
 * Context continuity through the real SDK against the emulator: chaining by
 * previous_response_id, the full-history fallback when the chain expired, replay mode, and the
 * model fallback. Assertions read the emulator's request log.
 */
import { describe, expect, it } from 'vitest';
import { defaultChatName } from '../../src/services/chat/chat-name.js';
import { checkChatName } from '../../src/services/chat/input-text.js';
import {
  ConflictError,
  NotFoundError,
  QuotaExceededError,
  RateLimitedError,
  ValidationError,
} from '../../src/services/errors.js';
import { newConversationId } from '../../src/services/store/ids.js';
import {
  assistantItem,
  type ChatFixture,
  perTestChatFixture,
  sendAndSettle,
  stopAfterSomeText,
  userItem,
  waitFor,
} from '../helpers/chat.js';

const USER = 'alice';
const setup = perTestChatFixture();

const turn = (f: ChatFixture, text: string, conversationId?: string) =>
  sendAndSettle(f, USER, text, conversationId);

describe('context continuity', () => {
  it('chains a three-turn conversation by previous_response_id, sending only the new text', async () => {
    const f = await setup();
    const one = await turn(f, 'First question');
    const id = one.conversation.data.id;
    const two = await turn(f, 'Second question', id);
    const three = await turn(f, 'Third question', id);

    const requests = f.emulator.requests();
    expect(requests.map((r) => r.previous_response_id)).toEqual([
      null,
      one.answer.response_id,
      two.answer.response_id,
    ]);
    expect(requests.map((r) => r.input)).toEqual([
      [userItem('First question')],
      [userItem('Second question')],
      [userItem('Third question')],
    ]);
    // o1-family models take no instructions or sampling parameters.
    expect(requests.every((r) => r.instructions === null && r.model === 'o1-mini')).toBe(true);

    for (const { answer } of [one, two, three]) {
      expect(answer).toMatchObject({ status: 'COMPLETE', model: 'o1-mini' });
      expect(answer.response_id).toMatch(/^resp_/);
      const usage = answer.usage;
      expect(usage?.reasoning_tokens).toBeGreaterThan(0);
      // Output tokens include the reasoning; the visible part is the 20-word reply.
      expect((usage?.output_tokens ?? 0) - (usage?.reasoning_tokens ?? 0)).toBe(20);
      expect(usage?.total_tokens).toBe((usage?.input_tokens ?? 0) + (usage?.output_tokens ?? 0));
    }
    // The upstream saw the whole conversation through the chain.
    expect(three.answer.text).toContain('Turn 3 of our conversation (5 messages in view)');
    const stored = await f.store.getConversation(USER, id);
    expect(stored?.last_response_id).toBe(three.answer.response_id);
    expect(stored?.messages.map((m) => [m.role, m.status])).toEqual([
      ['user', 'COMPLETE'],
      ['assistant', 'COMPLETE'],
      ['user', 'COMPLETE'],
      ['assistant', 'COMPLETE'],
      ['user', 'COMPLETE'],
      ['assistant', 'COMPLETE'],
    ]);
  });

  it('falls back to the full history when the chain expired, then chains again', async () => {
    const f = await setup();
    const one = await turn(f, 'Remember the number 7');
    const id = one.conversation.data.id;
    f.emulator.expire(one.answer.response_id ?? undefined);
    const two = await turn(f, 'Which number?', id);
    const three = await turn(f, 'And now?', id);

    expect(two.answer.status).toBe('COMPLETE');
    expect(two.answer.text).toContain('Turn 2 of our conversation (3 messages in view)');
    const [, rejected, resent, chained] = f.emulator.requests();
    expect(rejected).toMatchObject({ status: 400, previous_response_id: one.answer.response_id });
    expect(resent).toMatchObject({ status: 200, previous_response_id: null });
    expect(resent?.input).toEqual([
      userItem('Remember the number 7'),
      assistantItem(one.answer.text),
      userItem('Which number?'),
    ]);
    expect(chained).toMatchObject({ previous_response_id: two.answer.response_id });
    expect(chained?.input).toEqual([userItem('And now?')]);
    expect(three.answer.text).toContain('Turn 3 of our conversation (5 messages in view)');
  });

  it('sends what the chain never saw with it: a stopped answer, and the question of a failed one', async () => {
    const f = await setup({ emulator: { tokensPerSecond: 400, replyWords: 200 } });
    const one = await turn(f, 'Write a long poem');
    const id = one.conversation.data.id;
    // Stopped after some text: the chain still ends at the first answer.
    await f.service.send(USER, { text: 'Another, about the sea', conversationId: id });
    const stopped = await stopAfterSomeText(f, USER, id);
    // Failed before any text: its question is kept, the empty answer is not sent.
    f.emulator.queueFault({ type: 'http_error', status: 503 });
    const failed = await turn(f, 'Now about the moon', id);
    expect(failed.answer.status).toBe('FAILED');
    const three = await turn(f, 'Make it shorter', id);

    const last = f.emulator.requests().at(-1);
    expect(last?.previous_response_id).toBe(one.answer.response_id);
    expect(last?.input).toEqual([
      userItem('Another, about the sea'),
      assistantItem(stopped?.text ?? ''),
      userItem('Now about the moon'),
      userItem('Make it shorter'),
    ]);
    // The same six messages the full history would give.
    expect(three.answer.text).toContain('Turn 4 of our conversation (6 messages in view)');
  });

  it('stops asking for chains once fresh responses keep going missing upstream', async () => {
    const f = await setup();
    // An upstream that keeps no responses: each one is gone as soon as the turn is over.
    const forgetful = async (text: string, conversationId?: string) => {
      const result = await turn(f, text, conversationId);
      f.emulator.expire(result.answer.response_id ?? undefined);
      return result;
    };
    const one = await forgetful('One');
    const id = one.conversation.data.id;
    await forgetful('Two', id);
    await forgetful('Three', id);
    const four = await forgetful('Four', id);
    expect(four.answer.status).toBe('COMPLETE');

    // Two and Three try the chain and resend; after two fresh misses, Four sends the history
    // straight away.
    const requests = f.emulator.requests();
    expect(requests.map((r) => [r.previous_response_id !== null, r.status])).toEqual([
      [false, 200],
      [true, 400],
      [false, 200],
      [true, 400],
      [false, 200],
      [false, 200],
    ]);
    expect(requests.at(-1)?.input).toHaveLength(7);
  });

  it('always sends the full history in replay mode, and stores nothing upstream', async () => {
    const f = await setup({ config: { contextMode: 'replay' } });
    const one = await turn(f, 'Hello');
    const two = await turn(f, 'Again', one.conversation.data.id);

    const requests = f.emulator.requests();
    expect(requests.map((r) => [r.previous_response_id, r.store])).toEqual([
      [null, false],
      [null, false],
    ]);
    expect(requests[1]?.input).toEqual([
      userItem('Hello'),
      assistantItem(one.answer.text),
      userItem('Again'),
    ]);
    expect(two.answer.text).toContain('Turn 2 of our conversation (3 messages in view)');
    // Nothing to chain from: a switch to chain mode starts from the full history.
    const stored = await f.store.getConversation(USER, one.conversation.data.id);
    expect(stored?.last_response_id).toBeNull();
    expect(two.answer.response_id).toMatch(/^resp_/);
  });

  it('falls back to the next model when the model is not found, and records which answered', async () => {
    const f = await setup({ config: { model: 'o1-mini', fallbackModels: ['gpt-4o-mini'] } });
    f.emulator.queueFault({ type: 'model_not_found', model: 'o1-mini' });
    const { answer } = await turn(f, 'Hi');
    expect(f.emulator.requests().map((r) => [r.model, r.status])).toEqual([
      ['o1-mini', 404],
      ['gpt-4o-mini', 200],
    ]);
    expect(answer).toMatchObject({ status: 'COMPLETE', model: 'gpt-4o-mini' });
  });

  it('fails with MODEL_UNAVAILABLE when no model is available', async () => {
    const f = await setup({ config: { fallbackModels: ['gpt-4o-mini'] } });
    f.emulator.queueFault({ type: 'model_not_found', count: 2 });
    const { answer } = await turn(f, 'Hi');
    expect(answer).toMatchObject({
      status: 'FAILED',
      text: '',
      error: { code: 'MODEL_UNAVAILABLE', retryable: false },
    });
  });
});

describe('send', () => {
  it('stores the user message before the upstream call and returns at once', async () => {
    const f = await setup({ emulator: { tokensPerSecond: 50 } });
    const sent = await f.service.send(USER, { text: '  What is a monad?  ' });
    expect(sent.userMessage).toMatchObject({ role: 'user', status: 'COMPLETE' });
    expect(sent.assistantMessage).toMatchObject({
      role: 'assistant',
      status: 'STREAMING',
      text: '',
    });
    expect(sent.conversation.chat_name).toBe('What is a monad?');
    const stored = await f.store.getConversation(USER, sent.conversation.data.id);
    expect(stored?.messages.map((m) => m.id)).toEqual([
      sent.userMessage.id,
      sent.assistantMessage.id,
    ]);
    await f.service.stop(USER, sent.conversation.data.id);
  });

  it('refuses a second turn while one is streaming in the same conversation', async () => {
    const f = await setup({ emulator: { tokensPerSecond: 50 } });
    const first = await f.service.send(USER, { text: 'Tell me a long story' });
    const id = first.conversation.data.id;
    await expect(f.service.send(USER, { text: 'And another', conversationId: id })).rejects.toThrow(
      ConflictError,
    );
    // Other conversations are not blocked.
    const other = await f.service.send(USER, { text: 'Unrelated' });
    expect(other.conversation.data.id).not.toBe(id);
    await f.service.stop(USER, id);
    await f.service.stop(USER, other.conversation.data.id);
    f.emulator.setPacing({ tokensPerSecond: 0 });
    const after = await turn(f, 'Now it is my turn', id);
    expect(after.answer.status).toBe('COMPLETE');
  });

  it("refuses an answer past the user's limit of answers at once, until one ends", async () => {
    const f = await setup({ config: { maxAnswersPerUser: 2 }, emulator: { tokensPerSecond: 50 } });
    const first = await f.service.send(USER, { text: 'One' });
    const second = await f.service.send(USER, { text: 'Two' });
    const refused = f.service.send(USER, { text: 'Three' });
    await expect(refused).rejects.toThrow(RateLimitedError);
    await expect(refused).rejects.toMatchObject({ code: 'RATE_LIMITED', details: { limit: 2 } });
    // A second answer in the same conversation is still a conflict, not a matter of the limit.
    const id = first.conversation.data.id;
    await expect(f.service.send(USER, { text: 'Again', conversationId: id })).rejects.toThrow(
      ConflictError,
    );
    // The refused send stored nothing; another user has slots of their own.
    expect(await f.store.listConversations(USER)).toHaveLength(2);
    const bob = await f.service.send('bob', { text: 'Mine' });
    await f.service.stop(USER, id);
    const third = await f.service.send(USER, { text: 'Three' });
    for (const [user, sent] of [
      [USER, second],
      [USER, third],
      ['bob', bob],
    ] as const) {
      await f.service.stop(user, sent.conversation.data.id);
    }
    // Stopped answers gave their slots back, and so do finished ones: the third in a row runs.
    f.emulator.setPacing({ tokensPerSecond: 0 });
    for (const text of ['Four', 'Five', 'Six']) {
      expect((await turn(f, text)).answer.status).toBe('COMPLETE');
    }
  });

  it("refuses an answer past the user's answers in an hour; refusals and failed sends spend none", async () => {
    const f = await setup({
      config: { maxAnswersPerHour: 2, maxAnswersPerUser: 1 },
      emulator: { tokensPerSecond: 50 },
    });
    // Refused before the model is asked: not the hour's answers.
    await expect(f.service.send(USER, { text: 'Hi', conversationId: 'nope' })).rejects.toThrow(
      NotFoundError,
    );
    const first = await f.service.send(USER, { text: 'One' });
    await expect(f.service.send(USER, { text: 'Two' })).rejects.toMatchObject({
      code: 'RATE_LIMITED',
      details: { limit: 1 },
    });
    await stopAfterSomeText(f, USER, first.conversation.data.id);
    f.emulator.setPacing({ tokensPerSecond: 0 });
    await turn(f, 'Two');
    const refused = f.service.send(USER, { text: 'Three' });
    await expect(refused).rejects.toThrow(RateLimitedError);
    const { details } = (await refused.catch((error: unknown) => error)) as RateLimitedError;
    expect(details).toMatchObject({ limit: 2, period: 'HOUR' });
    // Half an hour each, less the moments this test took.
    expect(details?.retryAfterSeconds).toBeGreaterThan(1_790);
    expect(details?.retryAfterSeconds).toBeLessThanOrEqual(1_800);
    // A retry asks the model again, so it is refused too; nothing was stored or asked.
    await expect(f.service.retry(USER, first.conversation.data.id)).rejects.toThrow(
      RateLimitedError,
    );
    expect(await f.store.listConversations(USER)).toHaveLength(2);
    expect(f.emulator.requests()).toHaveLength(2);
    // Another user has an hour of their own.
    expect((await sendAndSettle(f, 'bob', 'Mine')).answer.status).toBe('COMPLETE');
  });

  it('refuses a new conversation past the most a user may hold, however it is made, one place at a time', async () => {
    const f = await setup({ config: { maxConversationsPerUser: 3 } });
    const first = await turn(f, 'One');
    await f.service.create(USER, 'Two');
    // Two makes at once for the last place: one is let through.
    const raced = await Promise.allSettled([
      f.service.create(USER, 'Three'),
      f.service.send(USER, { text: 'Three too' }),
    ]);
    expect(raced.map((r) => r.status).sort()).toEqual(['fulfilled', 'rejected']);
    const refused = raced.find((r) => r.status === 'rejected') as PromiseRejectedResult;
    expect(refused.reason).toMatchObject({
      code: 'QUOTA_EXCEEDED',
      details: { limit: 3 },
      message: 'You have 3 conversations, the most allowed is 3: delete some to start another',
    });
    await expect(f.service.send(USER, { text: 'Four' })).rejects.toThrow(QuotaExceededError);
    await expect(f.service.create(USER)).rejects.toThrow(QuotaExceededError);
    const held = await f.store.listConversations(USER);
    expect(held).toHaveLength(3);
    await waitFor(async () =>
      (await f.store.listConversations(USER)).every((c) => !c.streaming) ? true : undefined,
    );
    // The conversations held go on; another user has places of their own.
    expect((await turn(f, 'Still here', first.conversation.data.id)).answer.status).toBe(
      'COMPLETE',
    );
    await f.service.create('bob', 'Mine');
    // A place comes back with a deletion.
    await f.service.remove(USER, first.conversation.data.id);
    expect((await turn(f, 'Five')).answer.status).toBe('COMPLETE');
    // The model was asked only for the answers of sends let through.
    const sendWon = raced[1]?.status === 'fulfilled';
    expect(f.emulator.requests()).toHaveLength(sendWon ? 4 : 3);
  });

  it('lets a new conversation through while another is being written, when both fit', async () => {
    const f = await setup({ config: { maxConversationsPerUser: 3 } });
    await f.service.create(USER, 'One');
    let settled = false;
    const second = f.service.create(USER, 'Two').finally(() => {
      settled = true;
    });
    // The store shows a change before it is durable: wait for that moment.
    for (let i = 0; i < 10_000 && !settled; i++) {
      if ((await f.store.listConversations(USER)).length === 2) break;
      await new Promise((resolve) => setImmediate(resolve));
    }
    expect(settled).toBe(false);
    // Two held and none other on its way: a third fits.
    await expect(f.service.create(USER, 'Three')).resolves.toMatchObject({
      chat_name: 'Three',
    });
    await second;
    expect(await f.store.listConversations(USER)).toHaveLength(3);
  });

  it("spends the hour's answer only on a send that passed its checks, and keeps a refusal's own code", async () => {
    const f = await setup({ config: { maxAnswersPerHour: 1 } });
    // A send bound to fail does not hold the last answer while it is checked.
    const [lost, good] = await Promise.allSettled([
      f.service.send(USER, { conversationId: newConversationId(), text: 'Lost' }),
      f.service.send(USER, { text: 'Fine' }),
    ]);
    expect(lost).toMatchObject({ status: 'rejected', reason: { code: 'NOT_FOUND' } });
    expect(good.status).toBe('fulfilled');
    // With the hour used up, a conversation that does not exist is still NOT_FOUND.
    await expect(
      f.service.send(USER, { conversationId: newConversationId(), text: 'Lost again' }),
    ).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it('validates input and ownership', async () => {
    const f = await setup({ config: { maxMessageChars: 10, maxChatNameChars: 5 } });
    await expect(f.service.send(USER, { text: '   ' })).rejects.toThrow(ValidationError);
    await expect(f.service.send(USER, { text: 'x'.repeat(11) })).rejects.toThrow(ValidationError);
    await expect(f.service.send(USER, { text: 'ok', chatName: 'toolong' })).rejects.toThrow(
      ValidationError,
    );
    const { conversation } = await turn(f, 'mine');
    await expect(
      f.service.send('bob', { text: 'hi', conversationId: conversation.data.id }),
    ).rejects.toThrow(NotFoundError);
    await expect(f.service.stop('bob', conversation.data.id)).rejects.toThrow(NotFoundError);
    await expect(f.service.subscribe('bob', conversation.data.id)).rejects.toThrow(NotFoundError);
    expect(f.emulator.requests()).toHaveLength(1);
  });
});

describe('defaultChatName', () => {
  it('is the first message, cut at a word boundary when long', () => {
    expect(defaultChatName('  What is\n a monad?  ')).toBe('What is a monad?');
    expect(defaultChatName('Tell me everything you know about the tides of the North Sea')).toBe(
      'Tell me everything you know about the…',
    );
  });

  it('is "New chat" for a message with nothing a name may hold, never an empty name', () => {
    expect(defaultChatName('\u202e\u2066 \u2069\n')).toBe('New chat');
  });

  it('never cuts a character in half', () => {
    const name = defaultChatName(`${'Q'.repeat(39)}😀 and then some more words`);
    expect(name).toBe(`${'Q'.repeat(39)}😀…`);
    // A lone surrogate would not survive a round trip through UTF-8.
    expect(Buffer.from(name, 'utf8').toString('utf8')).toBe(name);
  });

  it('stays within the longest chat name configured, its "…" included', () => {
    expect(defaultChatName('Explain tides in two sentences please', 10)).toBe('Explain…');
    expect(defaultChatName('Supercalifragilistic', 10)).toBe('Supercali…');
    expect(defaultChatName('Short one', 10)).toBe('Short one');
    expect(defaultChatName('Hello', 1)).toBe('H');
    // Nothing a rename to the same name would be refused for.
    const name = defaultChatName('Hi \u202eevil\u0007 \ud800there');
    expect(name).toBe('Hi evil there');
    expect(checkChatName(name, 200)).toBe(name);
    expect(defaultChatName('😀 smile', 2)).toBe('😀…');
  });
});
