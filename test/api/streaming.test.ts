import { promises as fs } from 'node:fs';
import path from 'node:path';
import { type Client, createClient } from 'graphql-ws';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import WebSocket from 'ws';
import { type AppFixture, codes, createAppFixture, type ExecResult, sse } from '../helpers/app.js';
import { waitFor } from '../helpers/chat.js';

const STREAM = `subscription ($conversationId: ID!, $after: Int, $messageId: ID) {
  messageStream(conversationId: $conversationId, after: $after, messageId: $messageId) {
    __typename
    ... on TextCreated { conversationId messageId seq }
    ... on TextDelta { conversationId messageId seq delta }
    ... on TextDone { conversationId messageId seq text responseId model usage { totalTokens } }
    ... on StreamError { conversationId messageId seq code message partialText retryable status }
  }
}`;
const SEND = `mutation ($input: SendMessageInput!) { sendMessage(input: $input) {
  conversation { id } assistantMessage { id } } }`;
const CREATE = 'mutation { createConversation(chatName: "Live") { id } }';

interface StreamEvent {
  __typename: string;
  conversationId: string;
  messageId: string;
  seq: number;
  delta?: string;
  text?: string;
}

let fx: AppFixture;
let url: string;
const clients: Client[] = [];

beforeAll(async () => {
  fx = await createAppFixture({
    emulator: { replyWords: 30 },
    app: { authRecheckMs: 50, wsInitTimeoutMs: 200 },
  });
  url = await fx.start();
});
afterEach(async () => {
  await Promise.all(clients.splice(0).map((client) => client.dispose()));
  fx.emulator.setPacing({ tokensPerSecond: 0, replyWords: 30 });
});
afterAll(() => fx.close());

function wsClient(connectionParams?: Record<string, unknown>): Client {
  const client = createClient({
    url: `${url.replace(/^http/, 'ws')}/graphql`,
    webSocketImpl: WebSocket,
    retryAttempts: 0,
    connectionParams,
  });
  clients.push(client);
  return client;
}

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

/**
 * A new conversation followed over graphql-ws, with an answer started in it: returns once the
 * stream's first event (TextCreated) proves it live.
 */
async function liveAnswer(token: string, text: string) {
  const conversationId = await createConversation(token);
  const results = wsClient(bearer(token)).iterate({
    query: STREAM,
    variables: { conversationId },
  }) as AsyncIterableIterator<ExecResult>;
  await send(token, { conversationId, text });
  expect((await results.next()).value?.data?.messageStream.__typename).toBe('TextCreated');
  return { conversationId, results };
}

/** Reads a stream the server ends: the types of its events, and the errors it ended with. */
async function drain(results: AsyncIterable<ExecResult>) {
  const types: string[] = [];
  try {
    for await (const result of results) types.push(result.data?.messageStream.__typename);
  } catch (errors) {
    return { types, errors };
  }
  return { types, errors: null };
}

/** Sends over real HTTP, as a separate client would. */
async function send(token: string, input: Record<string, unknown>) {
  const response = await fetch(`${url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ query: SEND, variables: { input } }),
  });
  const result = (await response.json()) as ExecResult;
  expect(result.errors).toBeUndefined();
  return result.data?.sendMessage as {
    conversation: { id: string };
    assistantMessage: { id: string };
  };
}

async function createConversation(token = fx.tokens.alice): Promise<string> {
  return (await fx.exec(CREATE, {}, token)).data?.createConversation.id;
}

/** Reads events until TextDone/StreamError (or `stopAfter` events), then leaves. */
async function collect(results: AsyncIterable<ExecResult>, stopAfter = Number.POSITIVE_INFINITY) {
  const events: StreamEvent[] = [];
  for await (const result of results) {
    expect(result.errors).toBeUndefined();
    const event = result.data?.messageStream as StreamEvent;
    events.push(event);
    if (events.length >= stopAfter) break;
    if (event.__typename === 'TextDone' || event.__typename === 'StreamError') break;
  }
  return events;
}

/** TextCreated, deltas, TextDone with consecutive seqs, whose deltas add up to the final text. */
async function expectWholeAnswer(events: StreamEvent[], conversationId: string, messageId: string) {
  expect(events.map((event) => event.seq)).toEqual(events.map((_, index) => index + 1));
  expect(events[0]?.__typename).toBe('TextCreated');
  const done = events.at(-1);
  expect(done?.__typename).toBe('TextDone');
  const deltas = events.filter((event) => event.__typename === 'TextDelta');
  expect(deltas.length).toBeGreaterThan(0);
  for (const event of events) expect(event).toMatchObject({ conversationId, messageId });
  const stored = await fx.settled('alice', conversationId, messageId);
  expect(deltas.map((event) => event.delta).join('')).toBe(done?.text);
  expect(done?.text).toBe(stored.text);
  expect(stored.text.trim().split(/\s+/)).toHaveLength(30);
}

describe('messageStream over graphql-ws', () => {
  it('streams TextCreated, the deltas and TextDone whose text equals the stored message', async () => {
    const conversationId = await createConversation();
    const client = wsClient(bearer(fx.tokens.alice));
    const results = client.iterate({ query: STREAM, variables: { conversationId } });
    const collecting = collect(results as AsyncIterable<ExecResult>);
    const { assistantMessage } = await send(fx.tokens.alice, { conversationId, text: 'Hello' });
    await expectWholeAnswer(await collecting, conversationId, assistantMessage.id);
  });

  it('streams several answers at once on one socket, each whole and in order', async () => {
    // Paced, so the answers interleave and their frames share socket writes.
    fx.emulator.setPacing({ tokensPerSecond: 200, replyWords: 30 });
    const client = wsClient(bearer(fx.tokens.alice));
    const conversationIds = await Promise.all([1, 2, 3, 4].map(() => createConversation()));
    const collecting = conversationIds.map((conversationId) =>
      collect(
        client.iterate({
          query: STREAM,
          variables: { conversationId },
        }) as AsyncIterable<ExecResult>,
      ),
    );
    // The subscriptions are open once a later operation on the same socket has answered.
    await client.iterate({ query: '{ me { name } }' }).next();
    const sent = await Promise.all(
      conversationIds.map((conversationId) =>
        send(fx.tokens.alice, { conversationId, text: 'Together' }),
      ),
    );
    for (const [i, conversationId] of conversationIds.entries()) {
      const messageId = sent[i]?.assistantMessage.id as string;
      await expectWholeAnswer(
        await (collecting[i] as Promise<StreamEvent[]>),
        conversationId,
        messageId,
      );
    }
  });

  it('resumes after a dropped connection with no gap and no duplicate', async () => {
    fx.emulator.setPacing({ tokensPerSecond: 40, replyWords: 30 });
    const conversationId = await createConversation();
    const { assistantMessage } = await send(fx.tokens.alice, { conversationId, text: 'Go on' });

    const first = wsClient(bearer(fx.tokens.alice));
    const before = await collect(
      first.iterate({ query: STREAM, variables: { conversationId } }) as AsyncIterable<ExecResult>,
      4,
    );
    await first.dispose();
    const last = before.at(-1) as StreamEvent;
    expect(last.__typename).toBe('TextDelta');
    const stored = await fx.app.services.store.getConversation('alice', conversationId);
    expect(stored?.messages.at(-1)?.status).toBe('STREAMING');

    const second = wsClient(bearer(fx.tokens.alice));
    const after = await collect(
      second.iterate({
        query: STREAM,
        variables: { conversationId, after: last.seq, messageId: last.messageId },
      }) as AsyncIterable<ExecResult>,
    );
    expect(after[0]?.seq).toBe(last.seq + 1);
    await expectWholeAnswer([...before, ...after], conversationId, assistantMessage.id);
  });

  it("refuses another user's conversation with NOT_FOUND", async () => {
    const bobs = await createConversation(fx.tokens.bob);
    const client = wsClient(bearer(fx.tokens.alice));
    const results = client.iterate({ query: STREAM, variables: { conversationId: bobs } });
    const first = (await results.next()).value as ExecResult;
    expect(codes(first)).toEqual(['NOT_FOUND']);
  });

  it('closes a connection whose token is wrong (4403) and refuses operations without one', async () => {
    const conversationId = await createConversation();
    const wrong = wsClient({ authorization: 'Bearer nope' });
    await expect(
      wrong.iterate({ query: STREAM, variables: { conversationId } }).next(),
    ).rejects.toMatchObject({ code: 4403 });

    const anonymous = wsClient();
    const result = await anonymous.iterate({ query: STREAM, variables: { conversationId } }).next();
    expect(codes(result.value as ExecResult)).toEqual(['UNAUTHENTICATED']);
  });

  it('reads the connection token under any case of its name, and a null one as none', async () => {
    const me = (client: Client) =>
      client
        .iterate({ query: '{ me { name } }' })
        .next()
        .then((r) => r.value as ExecResult);
    // As HTTP header names are.
    const upper = wsClient({ Authorization: `Bearer ${fx.tokens.alice}` });
    expect((await me(upper)).data).toEqual({ me: { name: 'alice' } });
    const wrong = wsClient({ AUTHORIZATION: 'Bearer nope' });
    await expect(me(wrong)).rejects.toMatchObject({ code: 4403 });
    const none = wsClient({ authorization: null });
    expect(codes(await me(none))).toEqual(['UNAUTHENTICATED']);
  });

  it('answers a refused operation with a coded error and keeps the socket for the others', async () => {
    const client = wsClient(bearer(fx.tokens.alice));
    // graphql-ws's client throws the errors of an `error` message.
    const run = (query: string, operationName?: string) =>
      client
        .iterate({ query, operationName })
        .next()
        .then(
          () => ['no error'],
          (errors: Array<{ extensions?: { code?: string } }>) =>
            errors.map((error) => error.extensions?.code),
        );
    const aliases = Array.from({ length: 20 }, (_, i) => `a${i}: me { name }`).join(' ');
    expect(await run(`{ ${aliases} }`)).toEqual(['GRAPHQL_VALIDATION_FAILED']);
    // Over the cost limit: a full page of conversations with their messages' every field.
    const heavy = `{ conversations(first: 100) { edges { node { id chatName createdAt lastUpdate
      messages { id role text status timestamp responseId model usage { inputTokens outputTokens
      totalTokens } error { code message retryable } } } } } }`;
    expect(await run(heavy)).toEqual(['GRAPHQL_VALIDATION_FAILED']);
    expect(await run('{ me { nope } }')).toEqual(['GRAPHQL_VALIDATION_FAILED']);
    expect(await run('{ me { name }')).toEqual(['GRAPHQL_PARSE_FAILED']);
    // The code the same request gets over HTTP.
    const twoOperations = 'query A { me { name } } query B { me { name } }';
    expect(await run(twoOperations)).toEqual(['OPERATION_RESOLUTION_FAILURE']);
    expect(await run(twoOperations, 'C')).toEqual(['OPERATION_RESOLUTION_FAILURE']);
    // Over the body limit, as HTTP answers 413: this operation alone, not the socket (1009).
    expect(await run(`{ me { name } } # ${'x'.repeat(1_100_000)}`)).toEqual(['BAD_REQUEST']);
    const fine = await client.iterate({ query: '{ me { name } }' }).next();
    expect((fine.value as ExecResult).data).toEqual({ me: { name: 'alice' } });
  });

  it('gives a refusal the same extensions over WebSocket as over HTTP', async () => {
    const client = wsClient(bearer(fx.tokens.alice));
    const overWs = async (query: string, variables?: Record<string, unknown>) => {
      try {
        const result = await client.iterate({ query, variables }).next();
        return (result.value as ExecResult).errors?.map((error) => error.extensions);
      } catch (errors) {
        // An `error` message: refused before the operation ran.
        return (errors as Array<{ extensions?: unknown }>).map((error) => error.extensions);
      }
    };
    const tokens = `{ me { ${'name '.repeat(3_000)} } }`;
    const refusals: Array<[string, Record<string, unknown>?]> = [
      ['{ me { name }'],
      ['{ me { nope } }'],
      [tokens],
      ['query ($first: Int) { conversations(first: $first) { totalCount } }', { first: 'ten' }],
      ['query ($id: ID!) { conversation(id: $id) { id } }', {}],
      ['query ($id: ID!) { conversation(id: $id) { id } }', { id: 'not/an/id' }],
      ['mutation { renameConversation(id: "nope", chatName: "x") { id } }'],
      // No operation, and an unused fragment: the missing operation is what both report.
      ['fragment F on Query { me { name } }'],
    ];
    const seen: string[] = [];
    for (const [query, variables] of refusals) {
      const overHttp = (await fx.exec(query, variables)).errors?.map((error) => error.extensions);
      expect(await overWs(query, variables), query.slice(0, 50)).toEqual(overHttp);
      seen.push(String(overHttp?.[0]?.code));
    }
    expect(seen).toEqual([
      'GRAPHQL_PARSE_FAILED',
      'GRAPHQL_VALIDATION_FAILED',
      'GRAPHQL_PARSE_FAILED',
      'BAD_USER_INPUT',
      'BAD_USER_INPUT',
      'BAD_USER_INPUT',
      'NOT_FOUND',
      'OPERATION_RESOLUTION_FAILURE',
    ]);
  });

  it('closes a connection with no detail when its token cannot be checked', async () => {
    const file = path.join(fx.dataDir, 'users.json');
    const users = await fs.readFile(file);
    await fs.writeFile(file, '{oops');
    try {
      await new Promise((resolve) => setTimeout(resolve, 150));
      const client = wsClient(bearer(fx.tokens.alice));
      const closed = await client
        .iterate({ query: '{ me { name } }' })
        .next()
        .catch((event: { code: number; reason: string }) => event);
      expect(closed).toMatchObject({ code: 4500, reason: 'Internal server error' });
    } finally {
      await fs.writeFile(file, users);
    }
  });

  it('closes a socket that never sends connection_init (4408)', async () => {
    const socket = new WebSocket(`${url.replace(/^http/, 'ws')}/graphql`, 'graphql-transport-ws');
    const code = await new Promise<number>((resolve) => socket.on('close', resolve));
    expect(code).toBe(4408);
  });

  it("accepts the token in the operation's extensions.headers, as GraphiQL sends it", async () => {
    const result = await wsClient()
      .iterate({
        query: '{ me { name } }',
        extensions: { headers: { Authorization: `Bearer ${fx.tokens.bob}` } },
      })
      .next();
    expect((result.value as ExecResult).data).toEqual({ me: { name: 'bob' } });
  });

  it('keeps a stream open while its token cannot be checked for a moment', async () => {
    fx.emulator.setPacing({ tokensPerSecond: 20, replyWords: 30 });
    const { results } = await liveAnswer(fx.tokens.alice, 'Keep going');
    const file = path.join(fx.dataDir, 'users.json');
    const users = await fs.readFile(file);
    await fs.writeFile(file, '{oops');
    // Several token checks (every 50 ms) meet the broken file.
    await new Promise((resolve) => setTimeout(resolve, 300));
    await fs.writeFile(file, users);
    const events = await collect(results);
    expect(events.at(-1)?.__typename).toBe('TextDone');
  });

  it('ends open streams with NOT_FOUND when their conversation is deleted', async () => {
    fx.emulator.setPacing({ tokensPerSecond: 20, replyWords: 200 });
    const { conversationId, results } = await liveAnswer(fx.tokens.alice, 'A long one');
    const deleted = await fx.exec('mutation ($id: ID!) { deleteConversation(id: $id) }', {
      id: conversationId,
    });
    expect(deleted.data).toEqual({ deleteConversation: true });
    expect((await drain(results)).errors).toMatchObject([{ extensions: { code: 'NOT_FOUND' } }]);
    // An idle conversation's stream ends too.
    const idle = await createConversation();
    const waiting = wsClient(bearer(fx.tokens.alice))
      .iterate({ query: STREAM, variables: { conversationId: idle } })
      .next()
      .catch((errors: unknown) => errors);
    await new Promise((resolve) => setTimeout(resolve, 50));
    await fx.exec('mutation ($id: ID!) { deleteConversation(id: $id) }', { id: idle });
    expect(await waiting).toMatchObject([{ extensions: { code: 'NOT_FOUND' } }]);
  });

  it('ends an open subscription once its token is removed', async () => {
    fx.emulator.setPacing({ tokensPerSecond: 20, replyWords: 200 });
    const token = await fx.app.services.users.add('dave');
    const { results } = await liveAnswer(token, 'A long one');
    await fx.app.services.users.remove('dave');
    const { types, errors } = await drain(results);
    // It ended early (a 200-word answer at 20 words/s would take 10 s), without an answer,
    // and said why.
    expect(types).not.toContain('TextDone');
    expect(types.length).toBeLessThan(100);
    expect(errors).toMatchObject([{ extensions: { code: 'UNAUTHENTICATED' } }]);
  });
});

describe('messageStream over SSE', () => {
  it('streams the whole answer to a client that subscribed after sendMessage returned', async () => {
    const { conversation, assistantMessage } = await send(fx.tokens.alice, { text: 'Over SSE' });
    const events = await collect(
      sse(`${url}/graphql`, STREAM, { conversationId: conversation.id }, fx.tokens.alice),
    );
    await expectWholeAnswer(events, conversation.id, assistantMessage.id);
  });

  it('ends a stream whose client left while it was being opened', async () => {
    const conversationId = await createConversation();
    const chat = fx.app.services.chat;
    const subscribe = chat.subscribe.bind(chat);
    let ended = false;
    // Opening is slow here, so the client is gone before the stream exists.
    const slow = vi.spyOn(chat, 'subscribe').mockImplementation(async (user, id, options = {}) => {
      await new Promise((resolve) => setTimeout(resolve, 300));
      return subscribe(user, id, {
        ...options,
        onEnd: () => {
          ended = true;
          options.onEnd?.();
        },
      });
    });
    try {
      const controller = new AbortController();
      const events = sse(
        `${url}/graphql`,
        STREAM,
        { conversationId },
        fx.tokens.alice,
        controller.signal,
      );
      const first = events.next().catch(() => null);
      setTimeout(() => controller.abort(), 100);
      await first;
      await waitFor(() => (ended ? true : undefined));
    } finally {
      slow.mockRestore();
    }
  });

  it("refuses another user's conversation with NOT_FOUND", async () => {
    const bobs = await createConversation(fx.tokens.bob);
    const first = await sse(
      `${url}/graphql`,
      STREAM,
      { conversationId: bobs },
      fx.tokens.alice,
    ).next();
    expect(codes(first.value as ExecResult)).toEqual(['NOT_FOUND']);
  });
});
