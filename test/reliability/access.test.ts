/**
 * Access: revoked tokens over HTTP, SSE and WebSocket (also while a subscription is open), every
 * operation with another user's ids, and usernames crafted to leave the data directory.
 * Tokens do not expire on their own; removing the user (`threadline users remove`) is how a
 * token is revoked, so "expired" and "removed" are the same case here.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AppFixture, codes, createAppFixture, type ExecResult } from '../helpers/app.js';
import { operation, post, Recorder, SEND, STREAM, wsClient } from './lib/gql.js';

let fx: AppFixture;
let url: string;
/** Alice's conversation with one finished answer, and the text only she wrote. */
let alices: { conversationId: string; messageId: string; secret: string };

beforeAll(async () => {
  fx = await createAppFixture({ app: { authRecheckMs: 100 }, emulator: { replyWords: 200 } });
  url = await fx.start();
  const secret = 'alice-only-secret-4411';
  const sent = await fx.exec(
    `mutation ($text: String!) { sendMessage(input: { text: $text, chatName: "Alice's" }) {
      conversation { id } assistantMessage { id } } }`,
    { text: secret },
  );
  const conversationId = sent.data?.sendMessage.conversation.id;
  const messageId = sent.data?.sendMessage.assistantMessage.id;
  await fx.settled('alice', conversationId, messageId);
  alices = { conversationId, messageId, secret };
});
afterAll(() => fx.close());

/** Opens an SSE subscription and returns the HTTP status and the first chunk of events. */
async function sseFirst(token: string | null, variables: Record<string, unknown>) {
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    accept: 'text/event-stream',
  };
  if (token) headers.authorization = `Bearer ${token}`;
  const controller = new AbortController();
  const response = await fetch(`${url}/graphql`, {
    method: 'POST',
    headers,
    body: JSON.stringify({ query: STREAM, variables }),
    signal: controller.signal,
  });
  const reader = response.body?.getReader();
  const first = reader ? new TextDecoder().decode((await reader.read()).value) : '';
  controller.abort();
  return { status: response.status, first };
}

describe('revoked and bad tokens', () => {
  it('refuses a removed token over HTTP, SSE and WebSocket', async () => {
    const token = await fx.app.services.users.add('carol');
    expect((await post(url, token, '{ me { name } }')).data).toEqual({ me: { name: 'carol' } });
    await fx.app.services.users.remove('carol');

    expect(codes(await post(url, token, '{ me { name } }'))).toEqual(['UNAUTHENTICATED']);
    const sse = await sseFirst(token, { conversationId: alices.conversationId });
    expect(sse.first).toContain('UNAUTHENTICATED');
    expect(sse.first).not.toContain(alices.secret);
    const client = wsClient(url, token);
    await expect(operation(client, '{ me { name } }')).rejects.toMatchObject({ code: 4403 });
    await client.dispose();
  });

  it('refuses missing and malformed tokens over SSE and WebSocket', async () => {
    for (const token of [null, 'x'.repeat(600), `${fx.tokens.alice} extra`, '%00']) {
      const sse = await sseFirst(token, { conversationId: alices.conversationId });
      expect(sse.first, String(token).slice(0, 20)).toContain('UNAUTHENTICATED');
    }
    for (const authorization of ['Bearer nope', `Basic ${fx.tokens.alice}`, 'Bearer', 42]) {
      const socket = wsClient(url, null, { connectionParams: { authorization } });
      const result = await operation(socket, '{ me { name } }').catch((error) => error);
      // Refused at connection time (4403), or per operation when the header is not a token.
      expect(result.code === 4403 || codes(result as ExecResult)[0] === 'UNAUTHENTICATED').toBe(
        true,
      );
      await socket.dispose();
    }
  });

  it.each(['ws', 'sse'] as const)(
    'ends an idle %s subscription once its token is removed',
    async (transport) => {
      const name = `idle-${transport}`;
      const token = await fx.app.services.users.add(name);
      const { data } = await post(url, token, 'mutation { createConversation { id } }');
      const conversationId = data?.createConversation.id as string;
      let ended: Promise<unknown>;
      let dispose = async () => {};
      if (transport === 'ws') {
        const client = wsClient(url, token);
        dispose = async () => {
          await client.dispose();
        };
        const iterator = client.iterate({ query: STREAM, variables: { conversationId } });
        ended = (async () => {
          for await (const _ of iterator) {
            // Nothing is streaming; any event would be a failure below.
          }
        })();
        // The socket is open before the token goes.
        await operation(client, '{ me { name } }');
      } else {
        const controller = new AbortController();
        dispose = async () => controller.abort();
        const response = await fetch(`${url}/graphql`, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            accept: 'text/event-stream',
            authorization: `Bearer ${token}`,
          },
          body: JSON.stringify({ query: STREAM, variables: { conversationId } }),
          signal: controller.signal,
        });
        ended = response.text();
      }
      try {
        expect(await withTimeout(ended, 300)).toBe('timeout');
        await fx.app.services.users.remove(name);
        // authRecheckMs is 100: the stream ends well within the timeout.
        await expect(withTimeout(ended, 5_000)).resolves.not.toBe('timeout');
      } finally {
        await dispose();
      }
    },
  );

  it('refuses new operations on a socket whose token was removed', async () => {
    const token = await fx.app.services.users.add('dora');
    const client = wsClient(url, token);
    try {
      const { data } = await operation(client, 'mutation { createConversation { id } }');
      // An open subscription keeps this one socket open for the operations that follow.
      const recorder = new Recorder(client, data?.createConversation.id);
      expect((await operation(client, '{ me { name } }')).data).toEqual({ me: { name: 'dora' } });
      await fx.app.services.users.remove('dora');
      expect(codes((await operation(client, '{ me { name } }')) as ExecResult)).toEqual([
        'UNAUTHENTICATED',
      ]);
      recorder.close();
    } finally {
      await client.dispose();
    }
  });
});

describe("another user's ids", () => {
  const id = () => alices.conversationId;
  const operations: Array<[string, string, () => Record<string, unknown>]> = [
    [
      'conversation',
      'query ($id: ID!) { conversation(id: $id) { id messages { text } } }',
      () => ({ id: id() }),
    ],
    [
      'renameConversation',
      'mutation ($id: ID!) { renameConversation(id: $id, chatName: "mine") { id } }',
      () => ({ id: id() }),
    ],
    [
      'deleteConversation',
      'mutation ($id: ID!) { deleteConversation(id: $id) }',
      () => ({ id: id() }),
    ],
    [
      'stopResponse',
      'mutation ($id: ID!) { stopResponse(conversationId: $id) { text } }',
      () => ({ id: id() }),
    ],
    [
      'retryResponse',
      'mutation ($id: ID!) { retryResponse(conversationId: $id) { userMessage { text } } }',
      () => ({ id: id() }),
    ],
    ['sendMessage', SEND, () => ({ input: { conversationId: id(), text: 'let me in' } })],
  ];

  it.each(operations)('%s answers NOT_FOUND (or null) and no data', async (_name, query, vars) => {
    const result = await fx.exec(query, vars(), fx.tokens.bob);
    const text = JSON.stringify(result);
    expect(text).not.toContain(alices.secret);
    if (_name === 'conversation') expect(result.data).toEqual({ conversation: null });
    else expect(codes(result)).toEqual(['NOT_FOUND']);
  });

  it('messageStream answers NOT_FOUND over WS and SSE, also via a messageId of hers', async () => {
    const bobs = (await fx.exec('mutation { createConversation { id } }', {}, fx.tokens.bob)).data
      ?.createConversation.id;
    const client = wsClient(url, fx.tokens.bob);
    try {
      const theirs = await operation(client, STREAM, { conversationId: id() });
      expect(codes(theirs as ExecResult)).toEqual(['NOT_FOUND']);
      // His own conversation, her message id: nothing of hers is replayed.
      const recorder = new Recorder(client, bobs);
      await new Promise((resolve) => setTimeout(resolve, 300));
      recorder.close();
      expect(JSON.stringify(recorder.events)).not.toContain(alices.secret);
      expect(recorder.events.filter((e) => e.messageId === alices.messageId)).toEqual([]);
    } finally {
      await client.dispose();
    }
    const sse = await sseFirst(fx.tokens.bob, { conversationId: id() });
    expect(sse.first).toContain('NOT_FOUND');
  });

  it('lists none of her conversations and leaves hers untouched', async () => {
    const list = await fx.exec(
      '{ conversations { edges { node { id chatName } } } }',
      {},
      fx.tokens.bob,
    );
    expect(JSON.stringify(list)).not.toContain(id());
    const hers = await fx.app.services.store.getConversation('alice', id());
    expect(hers?.chat_name).toBe("Alice's");
    expect(hers?.messages.map((m) => m.text)).toContain(alices.secret);
  });
});

describe('usernames crafted to leave the data directory', () => {
  const hostile = [
    '../evil',
    '..',
    '.hidden',
    'a/b',
    'a\\b',
    '/etc/passwd',
    'x\u0000y',
    'a..b',
    '-rf',
    ' ',
    'a'.repeat(65),
    'ünïcode',
    'con\n',
  ];

  it.each(hostile)('the store and the users service refuse %j', async (name) => {
    await expect(fx.app.services.users.add(name)).rejects.toMatchObject({ code: 'BAD_USER_INPUT' });
    await expect(fx.app.services.store.createConversation(name, 'x')).rejects.toMatchObject({
      code: 'BAD_USER_INPUT',
    });
    await expect(fx.app.services.store.listConversations(name)).rejects.toMatchObject({
      code: 'BAD_USER_INPUT',
    });
  });

  it('the users CLI refuses them with exit 1 and writes nothing outside the data dir', async () => {
    const root = await fs.mkdtemp(path.join(os.tmpdir(), 'threadline-users-'));
    const dataDir = path.join(root, 'data');
    try {
      for (const name of ['../evil', 'a/../../b', '.hidden']) {
        const run = promisify(execFile)(
          process.execPath,
          ['--import', 'tsx', 'src/main.ts', 'users', 'add', name, '--data-dir', dataDir],
          { cwd: process.cwd() },
        );
        await expect(run).rejects.toMatchObject({ code: 1 });
      }
      expect(await fs.readdir(root)).toEqual([]);
    } finally {
      await fs.rm(root, { recursive: true, force: true });
    }
  });
});

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T | 'timeout'> {
  return Promise.race([
    promise.catch(() => undefined as T),
    new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), ms)),
  ]);
}
