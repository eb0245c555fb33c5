/** How a client is told of the limits on one user: a stable code, the limit, what to wait for. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AppFixture, createAppFixture } from '../helpers/app.js';

const SEND = `mutation ($text: String!) { sendMessage(input: { text: $text }) {
  conversation { id } assistantMessage { id } } }`;

let fx: AppFixture;

beforeAll(async () => {
  fx = await createAppFixture({ config: { maxAnswersPerHour: 1, maxConversationsPerUser: 2 } });
});
afterAll(() => fx.close());

describe('answer limits', () => {
  it("refuses a send past the user's hour with RATE_LIMITED, the limit and when to try again", async () => {
    const sent = await fx.exec(SEND, { text: 'One' });
    expect(sent.errors).toBeUndefined();
    const { conversation, assistantMessage } = sent.data!.sendMessage;
    await fx.settled('alice', conversation.id, assistantMessage.id);

    const refused = await fx.exec(SEND, { text: 'Two' });
    expect(refused.data).toBeNull();
    const [error] = refused.errors ?? [];
    expect(refused.errors).toHaveLength(1);
    expect(error).toMatchObject({
      path: ['sendMessage'],
      extensions: { code: 'RATE_LIMITED', limit: 1, period: 'HOUR' },
    });
    // An hour less the moments since the first send, in whole seconds rounded up.
    const wait = error?.extensions?.retryAfterSeconds as number;
    expect(wait).toBeGreaterThan(3_590);
    expect(wait).toBeLessThanOrEqual(3_600);
    expect(error?.message).toBe(`Too many answers this hour (at most 1): try again in ${wait} s`);
    expect(Object.keys(error?.extensions ?? {}).sort()).toEqual([
      'code',
      'limit',
      'period',
      'retryAfterSeconds',
    ]);
    // Bob's hour is his own.
    expect((await fx.exec(SEND, { text: 'Mine' }, fx.tokens.bob)).errors).toBeUndefined();
  });
});

describe('conversation limit', () => {
  it('refuses a conversation past the most a user may hold with QUOTA_EXCEEDED and the limit', async () => {
    const CREATE = 'mutation { createConversation(chatName: "Kept") { id } }';
    const carol = await fx.app.services.users.add('carol');
    for (let i = 0; i < 2; i++) expect((await fx.exec(CREATE, {}, carol)).errors).toBeUndefined();
    const refused = await fx.exec(CREATE, {}, carol);
    expect(refused.errors).toEqual([
      expect.objectContaining({
        message: 'You have 2 conversations, the most allowed is 2: delete some to start another',
        extensions: { code: 'QUOTA_EXCEEDED', limit: 2 },
      }),
    ]);
  });
});
