/**
 * `sendMessage` with a `clientMessageId` can be repeated safely: a client that lost the
 * response sends again and gets the turn the first request started, with no second question,
 * answer or upstream request, whether the first landed a moment ago, is still streaming, made
 * a new conversation, or was handled before a restart.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { createApp } from '../../src/app.js';
import { silentLogger } from '../../src/logger.js';
import { type AppFixture, codes, createAppFixture, type ExecResult } from '../helpers/app.js';

const SEND = `mutation ($input: SendMessageInput!) { sendMessage(input: $input) {
  conversation { id messageCount } userMessage { id text } assistantMessage { id status } } }`;
const COUNT = '{ conversations { totalCount } }';
const GET = 'query ($id: ID!) { conversation(id: $id) { messages { id role text } } }';

let fx: AppFixture;
beforeAll(async () => {
  fx = await createAppFixture({ emulator: { replyWords: 8 } });
});
afterAll(() => fx.close());
afterEach(() => fx.emulator.reset());

type Sent = {
  sendMessage: {
    conversation: { id: string; messageCount: number };
    userMessage: { id: string; text: string };
    assistantMessage: { id: string; status: string };
  };
};

const send = (input: Record<string, unknown>) => fx.exec<Sent>(SEND, { input });

async function sent(input: Record<string, unknown>): Promise<Sent['sendMessage']> {
  const result = await send(input);
  expect(result.errors).toBeUndefined();
  return result.data!.sendMessage;
}

const totalCount = async () => (await fx.exec(COUNT)).data?.conversations.totalCount as number;

describe('a repeated sendMessage with the same clientMessageId', () => {
  it('returns the first turn in an existing conversation instead of asking again', async () => {
    const first = await sent({ text: 'Hello', clientMessageId: 'm-hello-1' });
    const conversationId = first.conversation.id;
    await fx.settled('alice', conversationId, first.assistantMessage.id);
    const asked = fx.emulator.requests().length;

    const next = { conversationId, text: 'And then?', clientMessageId: 'm-then-2' };
    const once = await sent(next);
    const again = await sent(next);
    expect(again.userMessage.id).toBe(once.userMessage.id);
    expect(again.assistantMessage.id).toBe(once.assistantMessage.id);
    await fx.settled('alice', conversationId, once.assistantMessage.id);
    const messages = (await fx.exec(GET, { id: conversationId })).data?.conversation.messages;
    expect(messages.map((m: { text: string; role: string }) => m.role)).toEqual([
      'USER',
      'ASSISTANT',
      'USER',
      'ASSISTANT',
    ]);
    expect(fx.emulator.requests().length).toBe(asked + 1);
  });

  it('returns the turn still streaming, where a second send would meet CONFLICT', async () => {
    fx.emulator.setPacing({ tokensPerSecond: 20, replyWords: 40 });
    const once = await sent({ text: 'Slowly', clientMessageId: 'slow-1' });
    const again = await sent({
      conversationId: once.conversation.id,
      text: 'Slowly',
      clientMessageId: 'slow-1',
    });
    expect(again.assistantMessage).toEqual({ id: once.assistantMessage.id, status: 'STREAMING' });
    const other = await send({ conversationId: once.conversation.id, text: 'Another' });
    expect(codes(other)).toEqual(['CONFLICT']);
    await fx.exec('mutation ($id: ID!) { stopResponse(conversationId: $id) { id } }', {
      id: once.conversation.id,
    });
  });

  it('makes one new conversation, also when the repeat arrives before the first is done', async () => {
    const before = await totalCount();
    const input = { text: 'Start something', clientMessageId: 'new-chat-1' };
    const [a, b] = await Promise.all([sent(input), sent(input)]);
    const c = await sent(input);
    expect(new Set([a, b, c].map((r) => r.conversation.id)).size).toBe(1);
    expect(new Set([a, b, c].map((r) => r.assistantMessage.id)).size).toBe(1);
    expect(await totalCount()).toBe(before + 1);
    await fx.settled('alice', a.conversation.id, a.assistantMessage.id);
    expect(fx.emulator.requests().length).toBe(1);
  });

  it('is refused with BAD_USER_INPUT when the text differs, and the id is checked', async () => {
    const first = await sent({ text: 'One text', clientMessageId: 'reused-1' });
    await fx.settled('alice', first.conversation.id, first.assistantMessage.id);
    const reused = await send({
      conversationId: first.conversation.id,
      text: 'Another text',
      clientMessageId: 'reused-1',
    });
    expect(codes(reused)).toEqual(['BAD_USER_INPUT']);
    const reusedNew = await send({ text: 'Yet another text', clientMessageId: 'new-chat-1' });
    expect(codes(reusedNew)).toEqual(['BAD_USER_INPUT']);
    for (const clientMessageId of ['', 'has space', 'x'.repeat(129), 'naïve']) {
      expect(codes(await send({ text: 'Hi', clientMessageId }))).toEqual(['BAD_USER_INPUT']);
    }
    // Without an id, the same text twice is two questions, as before.
    const plain = { conversationId: first.conversation.id, text: 'Twice' };
    const one = await sent(plain);
    await fx.settled('alice', first.conversation.id, one.assistantMessage.id);
    const two = await sent(plain);
    expect(two.userMessage.id).not.toBe(one.userMessage.id);
    await fx.settled('alice', first.conversation.id, two.assistantMessage.id);
  });

  it('reads no other conversation to tell a new chat from a repeat', async () => {
    // Conversations started today: a new chat's first send must not read each of them.
    const store = fx.app.services.store;
    for (let i = 0; i < 30; i++) {
      const made = await store.createConversation('alice', `Today ${i}`);
      await store.addMessages('alice', made.data.id, [
        { role: 'user', text: `Question ${i}` },
        { role: 'assistant', text: `Answer ${i}` },
      ]);
    }
    const reads = vi.spyOn(store, 'getConversation');
    try {
      const made = await sent({ text: 'A new chat among many', clientMessageId: 'among-many' });
      const firstReads = reads.mock.calls.length;
      await sent({ text: 'A new chat among many', clientMessageId: 'among-many' });
      // The payload's read; the repeat reads the one conversation it finds.
      expect(firstReads).toBeLessThanOrEqual(2);
      expect(reads.mock.calls.length - firstReads).toBe(1);
      await fx.settled('alice', made.conversation.id, made.assistantMessage.id);
    } finally {
      reads.mockRestore();
    }
  });

  it("keeps each user's ids apart", async () => {
    const mine = await sent({ text: 'Shared id', clientMessageId: 'same-id' });
    const theirs = await fx.exec<Sent>(
      SEND,
      { input: { text: 'Shared id', clientMessageId: 'same-id' } },
      fx.tokens.bob,
    );
    expect(theirs.errors).toBeUndefined();
    expect(theirs.data?.sendMessage.conversation.id).not.toBe(mine.conversation.id);
    await fx.settled('alice', mine.conversation.id, mine.assistantMessage.id);
    const bobs = theirs.data!.sendMessage;
    await fx.settled('bob', bobs.conversation.id, bobs.assistantMessage.id);
  });
});

it('recognises a repeat after a restart, from what is stored', async () => {
  const restarted = await createAppFixture({ emulator: { replyWords: 8 } });
  let second: Awaited<ReturnType<typeof createApp>> | null = null;
  try {
    const exec = async (input: Record<string, unknown>, app = restarted.app) => {
      const response = await app.yoga.fetch('http://localhost/graphql', {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          authorization: `Bearer ${restarted.tokens.alice}`,
        },
        body: JSON.stringify({ query: SEND, variables: { input } }),
      });
      return (await response.json()) as ExecResult<Sent>;
    };
    const input = { text: 'Before the restart', clientMessageId: 'restart-1' };
    const first = (await exec(input)).data!.sendMessage;
    await restarted.settled('alice', first.conversation.id, first.assistantMessage.id);
    await restarted.app.stop();

    second = await createApp(restarted.config, {
      logger: silentLogger,
      responsesBaseURL: restarted.emulator.baseURL,
      responsesApiKey: 'test-key',
      offline: true,
      webDistDir: path.join(restarted.dataDir, 'no-web-dist'),
    });
    await second.start();
    const again = await exec(input, second);
    expect(again.errors).toBeUndefined();
    expect(again.data?.sendMessage.conversation.id).toBe(first.conversation.id);
    expect(again.data?.sendMessage.assistantMessage).toEqual({
      id: first.assistantMessage.id,
      status: 'COMPLETE',
    });
    expect(restarted.emulator.requests().length).toBe(1);
  } finally {
    await second?.stop();
    await restarted.emulator.close();
    await fs.rm(restarted.dataDir, { recursive: true, force: true });
  }
});
