/**
 * Property tests over every GraphQL input: whatever a client sends, it gets data or errors with
 * a stable `extensions.code` (never a masked internal error, a path or a stack), text it stored
 * comes back unchanged, and the server keeps serving.
 */
import fc from 'fast-check';
import type { Client } from 'graphql-ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AppFixture, createAppFixture, type ExecResult } from '../helpers/app.js';
import { wsClient } from './lib/gql.js';
import { answerProblems, hostileId, hostileText } from './lib/hostile.js';

const RUNS = 60;

let fx: AppFixture;
let url: string;
let client: Client;
/** A conversation of alice's with one finished turn, for inputs that need a real id. */
let realId: string;
let questionId: string;

beforeAll(async () => {
  fx = await createAppFixture({ emulator: { replyWords: 3 } });
  url = await fx.start();
  client = wsClient(url, fx.tokens.alice);
  const sent = await fx.exec(
    'mutation { sendMessage(input: { text: "hello" }) { conversation { id } userMessage { id } assistantMessage { id } } }',
  );
  realId = sent.data?.sendMessage.conversation.id;
  questionId = sent.data?.sendMessage.userMessage.id;
  await fx.settled('alice', realId, sent.data?.sendMessage.assistantMessage.id);
});
afterAll(async () => {
  await client.dispose();
  await fx.close();
});

const idOrReal = fc.oneof(
  hostileId,
  fc.constant(null).map(() => realId),
);

function expectClean(result: ExecResult) {
  expect(answerProblems(result, [fx.dataDir])).toEqual([]);
}

async function expectServing() {
  expect((await fetch(`${url}/healthz`)).status).toBe(200);
  expect((await fx.exec('{ me { name } }')).data).toEqual({ me: { name: 'alice' } });
}

describe('hostile GraphQL inputs', () => {
  it('sendMessage: stores the exact text or refuses with a code', async () => {
    let stored = 0;
    await fc.assert(
      fc.asyncProperty(
        // Half hostile, half odd but valid (any graphemes), so that storing is tried often.
        fc.oneof(hostileText, fc.string({ unit: 'grapheme', minLength: 1, maxLength: 200 })),
        fc.option(hostileId, { nil: undefined, freq: 2 }),
        fc.option(hostileText, { nil: undefined, freq: 2 }),
        async (text, conversationId, chatName) => {
          const result = await fx.exec(
            `mutation ($input: SendMessageInput!) { sendMessage(input: $input) {
              conversation { id chatName } userMessage { text } assistantMessage { id } } }`,
            { input: { text, conversationId, chatName } },
          );
          expectClean(result);
          const payload = result.data?.sendMessage;
          if (payload) {
            stored++;
            expect(payload.userMessage.text).toBe(text);
            const saved = await fx.app.services.store.getConversation(
              'alice',
              payload.conversation.id,
            );
            expect(saved?.messages.find((m) => m.role === 'user')?.text).toBe(text);
            await fx.settled('alice', payload.conversation.id, payload.assistantMessage.id);
          }
        },
      ),
      { numRuns: RUNS },
    );
    // Not only refusals: odd but valid text was stored and read back unchanged (about 11 of
    // the 60 runs are expected to be storable; two or more is all but certain).
    expect(stored).toBeGreaterThan(1);
    await expectServing();
  });

  it('createConversation and renameConversation: store the trimmed name or refuse', async () => {
    await fc.assert(
      fc.asyncProperty(hostileText, idOrReal, async (name, id) => {
        const created = await fx.exec(
          'mutation ($name: String) { createConversation(chatName: $name) { chatName } }',
          { name },
        );
        expectClean(created);
        const renamed = await fx.exec(
          'mutation ($id: ID!, $name: String!) { renameConversation(id: $id, chatName: $name) { id chatName } }',
          { id, name },
        );
        expectClean(renamed);
        const after = renamed.data?.renameConversation;
        if (after) expect(after.chatName).toBe(name.trim());
      }),
      { numRuns: RUNS },
    );
    await expectServing();
  });

  it('conversation, deleteConversation, stopResponse, retryResponse: NOT_FOUND or BAD_USER_INPUT', async () => {
    await fc.assert(
      fc.asyncProperty(hostileId, async (id) => {
        const read = await fx.exec('query ($id: ID!) { conversation(id: $id) { id } }', { id });
        expectClean(read);
        expect(read.data?.conversation ?? null).toBeNull();
        for (const query of [
          'mutation ($id: ID!) { deleteConversation(id: $id) }',
          'mutation ($id: ID!) { stopResponse(conversationId: $id) { id } }',
          'mutation ($id: ID!) { retryResponse(conversationId: $id) { conversation { id } } }',
        ]) {
          const result = await fx.exec(query, { id });
          expectClean(result);
          expect(result.errors?.length).toBeGreaterThan(0);
        }
      }),
      { numRuns: RUNS },
    );
    // The real conversation survived every one of them.
    expect((await fx.exec(`{ conversation(id: "${realId}") { id } }`)).data).toEqual({
      conversation: { id: realId },
    });
    await expectServing();
  });

  it('conversations(first, after): a page or a coded error', async () => {
    const first = fc.oneof(
      fc.integer(),
      fc.constantFrom(0, -1, 2 ** 31 - 1, -(2 ** 31), 2 ** 31, 2 ** 53, 1.5, Number.NaN),
      fc.constant(undefined),
    );
    const after = fc.oneof(hostileText, fc.base64String(), fc.constant(undefined));
    await fc.assert(
      fc.asyncProperty(fc.oneof(first, hostileText), after, async (n, cursor) => {
        const result = await fx.exec(
          'query ($n: Int, $after: String) { conversations(first: $n, after: $after) { totalCount edges { cursor } } }',
          { n, after: cursor },
        );
        expectClean(result);
      }),
      { numRuns: RUNS },
    );
    await expectServing();
  });

  it('messageStream(conversationId, after, messageId): events or a coded error', async () => {
    const after = fc.oneof(fc.integer(), fc.constantFrom(-1, 0, 2 ** 31 - 1), fc.constant(null));
    await fc.assert(
      fc.asyncProperty(
        idOrReal,
        after,
        fc.option(hostileId),
        async (conversationId, n, messageId) => {
          const iterator = client.iterate({
            query: `subscription ($c: ID!, $after: Int, $m: ID) {
            messageStream(conversationId: $c, after: $after, messageId: $m) { __typename } }`,
            variables: { c: conversationId, after: n, m: messageId },
          });
          // A valid subscription with nothing to replay waits for the next turn: that is fine.
          // graphql-ws rejects with the errors when the operation is refused outright.
          const first = await Promise.race([
            iterator.next().catch((errors: unknown) => ({ value: { errors } })),
            new Promise<null>((resolve) => setTimeout(() => resolve(null), 100)),
          ]);
          await iterator.return?.();
          if (first?.value) expectClean(first.value as ExecResult);
        },
      ),
      { numRuns: RUNS },
    );
    await expectServing();
  });

  it('refuses a negative `after`, or a `messageId` that is no answer of the conversation, as BAD_USER_INPUT, not a replay gap', async () => {
    const refusal = (variables: Record<string, unknown>) =>
      client
        .iterate({
          query:
            'subscription ($c: ID!, $after: Int, $m: ID) { messageStream(conversationId: $c, after: $after, messageId: $m) { __typename } }',
          variables: { c: realId, ...variables },
        })
        .next()
        .then(
          (result) => (result.value as ExecResult | undefined)?.errors,
          (errors: unknown) => errors,
        );
    for (const [variables, field] of [
      [{ after: -1 }, 'after'],
      [{ m: '' }, 'messageId'],
      [{ m: '../../x' }, 'messageId'],
      [{ m: 'x'.repeat(300) }, 'messageId'],
      // An id, but of no answer here: reading the conversation again would not find it.
      [{ m: 'm_000000000000000000000000' }, 'messageId'],
      [{ m: questionId }, 'messageId'],
    ] as const) {
      expect(await refusal(variables)).toEqual([
        expect.objectContaining({
          extensions: expect.objectContaining({ code: 'BAD_USER_INPUT', field }),
        }),
      ]);
    }
  });

  it('gives variables that cannot be coerced the code BAD_USER_INPUT', async () => {
    for (const [query, variables] of [
      ['query ($n: Int) { conversations(first: $n) { totalCount } }', { n: 'ten' }],
      ['query ($n: Int) { conversations(first: $n) { totalCount } }', { n: 2 ** 40 }],
      ['query ($id: ID!) { conversation(id: $id) { id } }', { id: null }],
      ['query ($id: ID!) { conversation(id: $id) { id } }', { id: { $gt: '' } }],
      ['mutation ($i: SendMessageInput!) { sendMessage(input: $i) { __typename } }', { i: {} }],
    ] as const) {
      const result = await fx.exec(query, variables);
      expect(result.errors?.map((error) => error.extensions?.code)).toEqual(['BAD_USER_INPUT']);
      expectClean(result);
    }
  });
});
