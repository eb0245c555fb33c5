import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { type AppFixture, codes, createAppFixture, type ExecResult } from '../helpers/app.js';
import { waitFor } from '../helpers/chat.js';

const CONVERSATION_FIELDS =
  'id chatName createdAt lastUpdate lastResponseId messageCount streaming';
const MESSAGE_FIELDS = `id role text status timestamp responseId model
  usage { inputTokens outputTokens reasoningTokens totalTokens } error { code message retryable }`;

const CREATE = `mutation ($chatName: String) { createConversation(chatName: $chatName) { ${CONVERSATION_FIELDS} } }`;
const GET = `query ($id: ID!) { conversation(id: $id) { ${CONVERSATION_FIELDS} messages { ${MESSAGE_FIELDS} } } }`;
const LIST = `query ($first: Int, $after: String) { conversations(first: $first, after: $after) {
  totalCount edges { cursor node { id chatName } } pageInfo { hasNextPage hasPreviousPage startCursor endCursor } } }`;
const ROWS = `{ conversations(first: 100) { edges { node { id messageCount streaming } } } }`;
const RENAME = `mutation ($id: ID!, $chatName: String!) { renameConversation(id: $id, chatName: $chatName) { id chatName } }`;
const DELETE = 'mutation ($id: ID!) { deleteConversation(id: $id) }';
const SEND = `mutation ($input: SendMessageInput!) { sendMessage(input: $input) {
  conversation { ${CONVERSATION_FIELDS} } userMessage { ${MESSAGE_FIELDS} } assistantMessage { ${MESSAGE_FIELDS} } } }`;
const STOP = `mutation ($id: ID!) { stopResponse(conversationId: $id) { ${MESSAGE_FIELDS} } }`;
const RETRY = `mutation ($id: ID!) { retryResponse(conversationId: $id) {
  userMessage { ${MESSAGE_FIELDS} } assistantMessage { ${MESSAGE_FIELDS} } } }`;

let fx: AppFixture;

beforeAll(async () => {
  fx = await createAppFixture({ config: { maxMessageChars: 1_000, maxChatNameChars: 40 } });
});
afterAll(() => fx.close());

async function create(token = fx.tokens.alice, chatName = 'A chat'): Promise<string> {
  const result = await fx.exec(CREATE, { chatName }, token);
  expect(result.errors).toBeUndefined();
  return result.data?.createConversation.id;
}

describe('authentication', () => {
  const operations: Array<[string, Record<string, unknown>]> = [
    ['{ me { name } }', {}],
    ['{ serverInfo { offlineMode } }', {}],
    ['{ conversations { totalCount } }', {}],
    ['query ($s: String) { conversations(search: $s) { totalCount } }', { s: 'x'.repeat(500) }],
    ['query ($id: ID!) { conversation(id: $id) { id } }', { id: 'abc' }],
    [CREATE, {}],
    [RENAME, { id: 'abc', chatName: 'x' }],
    [DELETE, { id: 'abc' }],
    [SEND, { input: { text: 'hi' } }],
    [STOP, { id: 'abc' }],
    [RETRY, { id: 'abc' }],
  ];

  it.each(operations)('%s needs a valid token', async (query, variables) => {
    const alice = fx.tokens.alice;
    const nearlyAlice = alice.slice(0, -1) + (alice.endsWith('A') ? 'B' : 'A');
    for (const token of [null, 'not-a-real-token', nearlyAlice]) {
      const result = await fx.exec(query, variables, token);
      expect(codes(result)).toEqual(['UNAUTHENTICATED']);
    }
  });

  it('accepts only the Bearer scheme', async () => {
    const response = await fx.app.yoga.fetch('http://localhost/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Basic ${fx.tokens.alice}` },
      body: JSON.stringify({ query: '{ me { name } }' }),
    });
    expect(codes(await response.json())).toEqual(['UNAUTHENTICATED']);
  });

  it('me names the caller; serverInfo describes the server', async () => {
    expect((await fx.exec('{ me { name } }', {}, fx.tokens.bob)).data).toEqual({
      me: { name: 'bob' },
    });
    const info = await fx.exec('{ serverInfo { offlineMode model contextMode } }');
    expect(info.data?.serverInfo).toEqual({
      offlineMode: true,
      model: fx.config.model,
      contextMode: 'chain',
    });
  });
});

describe('conversations', () => {
  it('creates, reads, renames and deletes a conversation', async () => {
    const created = await fx.exec(CREATE, { chatName: '  Trip plans ' });
    const conversation = created.data?.createConversation;
    expect(conversation).toMatchObject({
      chatName: 'Trip plans',
      messageCount: 0,
      streaming: false,
    });
    expect(conversation.createdAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);

    const read = await fx.exec(GET, { id: conversation.id });
    expect(read.data?.conversation).toMatchObject({ id: conversation.id, messages: [] });

    const renamed = await fx.exec(RENAME, { id: conversation.id, chatName: 'Holiday' });
    expect(renamed.data?.renameConversation).toEqual({ id: conversation.id, chatName: 'Holiday' });

    expect((await fx.exec(DELETE, { id: conversation.id })).data).toEqual({
      deleteConversation: true,
    });
    expect((await fx.exec(GET, { id: conversation.id })).data).toEqual({ conversation: null });
    expect(codes(await fx.exec(DELETE, { id: conversation.id }))).toEqual(['NOT_FOUND']);
  });

  it('names a conversation "New chat" by default and checks chat names', async () => {
    expect((await fx.exec(CREATE, {})).data?.createConversation.chatName).toBe('New chat');
    expect(codes(await fx.exec(CREATE, { chatName: 'x'.repeat(41) }))).toEqual(['BAD_USER_INPUT']);
    const id = await create();
    expect(codes(await fx.exec(RENAME, { id, chatName: '   ' }))).toEqual(['BAD_USER_INPUT']);
    expect(codes(await fx.exec(RENAME, { id, chatName: 'y'.repeat(41) }))).toEqual([
      'BAD_USER_INPUT',
    ]);
    // Characters, not UTF-16 code units: 40 emoji fit a 40-character limit.
    const emoji = '😀'.repeat(40);
    expect((await fx.exec(RENAME, { id, chatName: emoji })).data?.renameConversation).toEqual({
      id,
      chatName: emoji,
    });
    const refused = await fx.exec(RENAME, { id, chatName: 'Two\nlines' });
    expect(refused.errors?.[0]?.extensions).toEqual({ code: 'BAD_USER_INPUT', field: 'chatName' });
    // A refused id is named as the argument it came in.
    for (const query of [GET, DELETE]) {
      const badId = await fx.exec(query, { id: 'not/an/id' });
      expect(badId.errors?.[0]?.extensions).toEqual({ code: 'BAD_USER_INPUT', field: 'id' });
    }
  });

  it("never shows or changes another user's conversation", async () => {
    const bobs = await create(fx.tokens.bob, 'Private');
    expect((await fx.exec(GET, { id: bobs })).data).toEqual({ conversation: null });
    expect(codes(await fx.exec(RENAME, { id: bobs, chatName: 'Mine now' }))).toEqual(['NOT_FOUND']);
    expect(codes(await fx.exec(DELETE, { id: bobs }))).toEqual(['NOT_FOUND']);
    expect(codes(await fx.exec(STOP, { id: bobs }))).toEqual(['NOT_FOUND']);
    expect(codes(await fx.exec(RETRY, { id: bobs }))).toEqual(['NOT_FOUND']);
    expect(codes(await fx.exec(SEND, { input: { conversationId: bobs, text: 'hi' } }))).toEqual([
      'NOT_FOUND',
    ]);
    const list = await fx.exec(LIST, { first: 100 });
    expect(
      list.data?.conversations.edges.map((e: { node: { id: string } }) => e.node.id),
    ).not.toContain(bobs);

    const stillBobs = await fx.exec(GET, { id: bobs }, fx.tokens.bob);
    expect(stillBobs.data?.conversation).toMatchObject({ chatName: 'Private', messageCount: 0 });
  });

  it('pages newest first with opaque cursors, without gaps or repeats', async () => {
    const carol = await fx.app.services.users.add('carol');
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push(await create(carol, `chat ${i}`));

    const seen: string[] = [];
    let after: string | null = null;
    for (let page = 0; page < 5; page++) {
      const result: ExecResult = await fx.exec(LIST, { first: 2, after }, carol);
      const connection = result.data?.conversations;
      expect(connection.totalCount).toBe(5);
      expect(connection.pageInfo.hasPreviousPage).toBe(page > 0);
      seen.push(...connection.edges.map((edge: { node: { id: string } }) => edge.node.id));
      after = connection.pageInfo.endCursor;
      if (!connection.pageInfo.hasNextPage) break;
    }
    expect(seen).toEqual([...ids].reverse());

    expect(codes(await fx.exec(LIST, { after: 'garbage' }, carol))).toEqual(['BAD_USER_INPUT']);
    expect(codes(await fx.exec(LIST, { first: -1 }, carol))).toEqual(['BAD_USER_INPUT']);
  });
});

describe('searching conversations by name', () => {
  const SEARCH = `query ($search: String, $first: Int, $after: String) {
    conversations(search: $search, first: $first, after: $after) {
      totalCount edges { node { chatName } } pageInfo { hasNextPage endCursor } } }`;

  it('finds by any part of the name, in any case, with or without accents, page by page', async () => {
    const dora = await fx.app.services.users.add('dora');
    for (const name of ['Résumé tips', 'Holiday plans', 'RESUME draft', 'Cover letter']) {
      await create(dora, name);
    }
    const names = async (variables: Record<string, unknown>) => {
      const result = await fx.exec(SEARCH, variables, dora);
      expect(result.errors).toBeUndefined();
      const { totalCount, edges } = result.data!.conversations;
      return {
        totalCount,
        names: edges.map((e: { node: { chatName: string } }) => e.node.chatName),
      };
    };
    // Newest first, as the whole list.
    expect(await names({ search: 'resume' })).toEqual({
      totalCount: 2,
      names: ['RESUME draft', 'Résumé tips'],
    });
    expect(await names({ search: 'SUMÉ   T' })).toEqual({ totalCount: 1, names: ['Résumé tips'] });
    expect(await names({ search: 'nothing like it' })).toEqual({ totalCount: 0, names: [] });
    // Empty or only space: every conversation.
    expect((await names({ search: '  ' })).totalCount).toBe(4);
    expect((await names({ search: null })).totalCount).toBe(4);
    // A page of the matches, then the next from its cursor.
    const first = await fx.exec(SEARCH, { search: 'e', first: 2 }, dora);
    const { edges, pageInfo } = first.data!.conversations;
    expect(edges).toHaveLength(2);
    expect(pageInfo.hasNextPage).toBe(true);
    const rest = await names({ search: 'e', first: 2, after: pageInfo.endCursor });
    expect(edges.map((e: { node: { chatName: string } }) => e.node.chatName)).toEqual([
      'Cover letter',
      'RESUME draft',
    ]);
    // "Holiday plans" holds no e.
    expect(rest).toEqual({ totalCount: 3, names: ['Résumé tips'] });
  });

  it('refuses a search longer than a chat name may be (40 here), naming it', async () => {
    expect((await fx.exec(SEARCH, { search: 'x'.repeat(40) })).errors).toBeUndefined();
    const result = await fx.exec(SEARCH, { search: 'x'.repeat(41) });
    expect(result.errors?.map((e) => [e.extensions?.code, e.extensions?.field])).toEqual([
      ['BAD_USER_INPUT', 'search'],
    ]);
  });
});

describe('a page of messages', () => {
  const PAGE = `query ($id: ID!, $latest: Int, $before: ID) { conversation(id: $id) {
    messageCount messages(latest: $latest, before: $before) { text } } }`;

  async function fiveMessages(): Promise<{ id: string; ids: string[] }> {
    const id = await create();
    const ids: string[] = [];
    for (const text of ['m1', 'm2', 'm3', 'm4', 'm5']) {
      const role = ids.length % 2 === 0 ? 'user' : 'assistant';
      ids.push((await fx.app.services.store.addMessage('alice', id, { role, text })).id);
    }
    return { id, ids };
  }

  const texts = async (variables: Record<string, unknown>) => {
    const result = await fx.exec(PAGE, variables);
    expect(result.errors).toBeUndefined();
    const { messages, messageCount } = result.data!.conversation;
    // The count is the whole conversation's, whatever the page.
    expect(messageCount).toBe(5);
    return (messages as Array<{ text: string }>).map((m) => m.text);
  };

  it('reads a conversation from its end, a page at a time, oldest first in each', async () => {
    const { id, ids } = await fiveMessages();
    expect(await texts({ id })).toEqual(['m1', 'm2', 'm3', 'm4', 'm5']);
    expect(await texts({ id, latest: 2 })).toEqual(['m4', 'm5']);
    expect(await texts({ id, latest: 2, before: ids[3] })).toEqual(['m2', 'm3']);
    expect(await texts({ id, latest: 2, before: ids[1] })).toEqual(['m1']);
    expect(await texts({ id, latest: 2, before: ids[0] })).toEqual([]);
    expect(await texts({ id, before: ids[2] })).toEqual(['m1', 'm2']);
    expect(await texts({ id, latest: 0 })).toEqual([]);
    expect(await texts({ id, latest: 1_000 })).toHaveLength(5);
    // A literal page is not costed as that many copies of the selection (as `first` is).
    const literal = await fx.exec(
      `query ($id: ID!) { conversation(id: $id) { messages(latest: 1000) { ${MESSAGE_FIELDS} } } }`,
      { id },
    );
    expect(literal.errors).toBeUndefined();
    expect(literal.data?.conversation.messages).toHaveLength(5);
  });

  it('refuses a page size out of range, or a message of another conversation, naming the argument', async () => {
    const { id } = await fiveMessages();
    const other = await fiveMessages();
    const refusal = async (variables: Record<string, unknown>) => {
      const result = await fx.exec(PAGE, { id, ...variables });
      return result.errors?.map((e) => [e.extensions?.code, e.extensions?.field]);
    };
    expect(await refusal({ latest: -1 })).toEqual([['BAD_USER_INPUT', 'latest']]);
    expect(await refusal({ latest: 1_001 })).toEqual([['BAD_USER_INPUT', 'latest']]);
    expect(await refusal({ before: other.ids[2] })).toEqual([['BAD_USER_INPUT', 'before']]);
    expect(await refusal({ before: 'nope' })).toEqual([['BAD_USER_INPUT', 'before']]);
  });

  it('pages each conversation of a listing alike', async () => {
    const { id } = await fiveMessages();
    const result = await fx.exec(
      '{ conversations(first: 100) { edges { node { id messages(latest: 1) { text } } } } }',
    );
    const node = result.data?.conversations.edges.find(
      (edge: { node: { id: string } }) => edge.node.id === id,
    )?.node;
    expect(node.messages).toEqual([{ text: 'm5' }]);
  });
});

describe('sendMessage and stopResponse', () => {
  it('stores the message, streams the answer and completes it', async () => {
    const sent = await fx.exec(SEND, { input: { text: 'Tell me about tides' } });
    expect(sent.errors).toBeUndefined();
    const { conversation, userMessage, assistantMessage } = sent.data!.sendMessage;
    expect(conversation.chatName).toBe('Tell me about tides');
    expect(userMessage).toMatchObject({
      role: 'USER',
      text: 'Tell me about tides',
      status: 'COMPLETE',
    });
    expect(assistantMessage).toMatchObject({ role: 'ASSISTANT', status: 'STREAMING', text: '' });

    const stored = await fx.settled('alice', conversation.id, assistantMessage.id);
    // The chain moves forward right after the answer is written.
    const read = await waitFor(async () => {
      const result = await fx.exec(GET, { id: conversation.id });
      return result.data?.conversation.lastResponseId ? result : undefined;
    });
    const answer = read.data?.conversation.messages[1];
    expect(answer).toMatchObject({
      id: assistantMessage.id,
      status: 'COMPLETE',
      text: stored.text,
    });
    expect(answer.text.split(' ').length).toBeGreaterThan(5);
    expect(answer.responseId).toMatch(/^resp_/);
    expect(answer.usage.totalTokens).toBeGreaterThan(0);
    expect(read.data?.conversation).toMatchObject({
      messageCount: 2,
      streaming: false,
      lastResponseId: answer.responseId,
    });
  });

  it('refuses empty and too long text, and an empty conversation id', async () => {
    expect(codes(await fx.exec(SEND, { input: { text: '  ' } }))).toEqual(['BAD_USER_INPUT']);
    const before = (await fx.app.services.store.listConversations('alice')).length;
    expect(codes(await fx.exec(SEND, { input: { conversationId: '', text: 'Hi' } }))).toEqual([
      'BAD_USER_INPUT',
    ]);
    expect(await fx.app.services.store.listConversations('alice')).toHaveLength(before);
    const long = await fx.exec(SEND, { input: { text: 'x'.repeat(1_001) } });
    expect(long.errors?.[0]?.extensions).toEqual({
      code: 'BAD_USER_INPUT',
      field: 'text',
      maxMessageChars: 1_000,
    });
    expect(codes(await fx.exec(SEND, { input: { text: 'Hi\u0000' } }))).toEqual(['BAD_USER_INPUT']);
    expect(await fx.app.services.store.listConversations('alice')).toHaveLength(before);
  });

  it('caps a literal first at 100 as it caps a variable, before the cost limit counts it', async () => {
    const literal = await fx.exec(
      '{ conversations(first: 1000) { totalCount edges { node { id } } } }',
    );
    expect(literal.errors).toBeUndefined();
    const asVariable = await fx.exec(LIST, { first: 1000 });
    expect(literal.data?.conversations.edges).toHaveLength(
      asVariable.data?.conversations.edges.length,
    );
    expect(literal.data?.conversations.edges.length).toBeLessThanOrEqual(100);
    // Commas and comments are whitespace; a literal beyond any Int is still refused.
    const spelled = await fx.exec(
      '{ conversations(first #page\n :, 1000) { totalCount edges { node { id } } } }',
    );
    expect(spelled.errors).toBeUndefined();
    const huge = await fx.exec('{ conversations(first: 99999999999) { totalCount } }');
    expect(huge.errors?.[0]?.extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
    // A literal within the page size is left as it is.
    const two = await fx.exec('{ conversations(first: 2) { edges { node { id } } } }');
    expect(two.data?.conversations.edges.length).toBeLessThanOrEqual(2);
  });

  it('names the input in extensions.field when a variable has the wrong type or is missing', async () => {
    const fieldOf = async (query: string, variables: Record<string, unknown>) =>
      (await fx.exec(query, variables)).errors?.[0]?.extensions;
    expect(await fieldOf(SEND, { input: { text: 5 } })).toEqual({
      code: 'BAD_USER_INPUT',
      field: 'text',
    });
    expect(await fieldOf(SEND, { input: { chatName: 'x' } })).toEqual({
      code: 'BAD_USER_INPUT',
      field: 'text',
    });
    expect(await fieldOf(SEND, {})).toEqual({ code: 'BAD_USER_INPUT', field: 'input' });
    expect(await fieldOf(GET, { id: { a: 1 } })).toEqual({ code: 'BAD_USER_INPUT', field: 'id' });
  });

  it('refuses a second turn while one streams; stop keeps the partial answer', async () => {
    fx.emulator.setPacing({ tokensPerSecond: 20, replyWords: 200 });
    try {
      const sent = await fx.exec(SEND, { input: { text: 'A long answer please' } });
      const { conversation, assistantMessage } = sent.data!.sendMessage;
      const again = await fx.exec(SEND, {
        input: { conversationId: conversation.id, text: 'More' },
      });
      expect(codes(again)).toEqual(['CONFLICT']);
      expect((await fx.exec(GET, { id: conversation.id })).data?.conversation.streaming).toBe(true);
      // A listing row says so too, from the summary alone.
      const streamingRow = async () =>
        (await fx.exec(ROWS)).data?.conversations.edges.find(
          (edge: { node: { id: string } }) => edge.node.id === conversation.id,
        )?.node;
      const loads = vi.spyOn(fx.app.services.store, 'getConversation');
      const row = await streamingRow();
      const loaded = loads.mock.calls.length;
      loads.mockRestore();
      expect(row).toMatchObject({ streaming: true, messageCount: 2 });
      // Rows are answered from the listing's summaries, not by loading each conversation.
      expect(loaded).toBe(0);

      const stopped = await fx.exec(STOP, { id: conversation.id });
      expect(stopped.data?.stopResponse).toMatchObject({
        id: assistantMessage.id,
        status: 'INCOMPLETE',
      });
      const stored = await fx.settled('alice', conversation.id, assistantMessage.id);
      expect(stopped.data?.stopResponse.text).toBe(stored.text);
      expect(stored.text.split(' ').length).toBeLessThan(200);

      expect((await fx.exec(STOP, { id: conversation.id })).data).toEqual({ stopResponse: null });
      expect(await streamingRow()).toMatchObject({ streaming: false, messageCount: 2 });
    } finally {
      fx.emulator.setPacing({ tokensPerSecond: 0, replyWords: 12 });
    }
  });
});

describe('retryResponse', () => {
  it('asks the question of a failed answer again without storing it twice', async () => {
    fx.emulator.queueFault({ type: 'http_error', status: 500 });
    const sent = await fx.exec(SEND, { input: { text: 'Try me' } });
    const { conversation, userMessage, assistantMessage } = sent.data!.sendMessage;
    const failed = await fx.settled('alice', conversation.id, assistantMessage.id);
    expect(failed.status).toBe('FAILED');

    const retried = await fx.exec(RETRY, { id: conversation.id });
    expect(retried.errors).toBeUndefined();
    expect(retried.data?.retryResponse.userMessage.id).toBe(userMessage.id);
    const next = retried.data?.retryResponse.assistantMessage;
    expect(next).toMatchObject({ role: 'ASSISTANT', status: 'STREAMING' });
    const answer = await fx.settled('alice', conversation.id, next.id);
    expect(answer.status).toBe('COMPLETE');

    const read = await fx.exec(GET, { id: conversation.id });
    const messages = read.data?.conversation.messages as Array<{ role: string; status: string }>;
    expect(messages.map((m) => `${m.role} ${m.status}`)).toEqual([
      'USER COMPLETE',
      'ASSISTANT FAILED',
      'ASSISTANT COMPLETE',
    ]);
    // Nothing left to retry once the last answer is complete.
    expect(codes(await fx.exec(RETRY, { id: conversation.id }))).toEqual(['BAD_USER_INPUT']);
  });
});
