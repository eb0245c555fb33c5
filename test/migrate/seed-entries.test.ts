/** Index entries the old app already keeps in the seed's new format, messages in the entry. */
import { readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/logger.js';
import { assistantsSources } from '../../src/migrate/sources.js';
import { JsonConversationStore } from '../../src/services/conversation-store.js';
import { useTempDir } from '../helpers/temp-dir.js';
import { emptyLayout, migrate, storedConversations, writeLegacy } from './support.js';

const temp = useTempDir('threadline-migrate-seed-');
const T = 1_700_000_000;

const text = (value: string) => [{ type: 'text', text: { value, annotations: [] } }];

/** A message of a thread's export. */
const exported = (id: string, at: number, role: string, value: string) => ({
  id,
  created_at: at,
  role,
  content: text(value),
});

/** A message an index entry keeps itself, without an id (as the old app wrote them). */
const local = (role: string, value: string, at: number) => ({
  role,
  text: value,
  timestamp: at,
  response_id: null,
});

/** The index entry of thread `thread_x`, keeping `messages` itself. */
const threadX = (
  lastUpdate: number,
  messages: unknown[],
  lastResponseId: string | null = null,
) => ({
  data: { id: 'thread_x', object: 'thread', created_at: T, metadata: {} },
  chat_name: 'X',
  last_update: lastUpdate,
  messages,
  last_response_id: lastResponseId,
});

/** Fields only the old app's copies carry; `EXPORT_X` has some only its copies carry. */
const FILES = [{ file_id: 'file-1' }];
const NOTES = [{ type: 'note', text: 'kept by the app' }];
const EXPORT_X = [
  { ...exported('msg_1', T + 1, 'user', 'hello'), metadata: { source: 'api' } },
  { ...exported('msg_2', T + 2, 'assistant', 'hi there'), completed_at: T + 2 },
  exported('msg_3', T + 3, 'user', 'thanks'),
];
/** Each message of `EXPORT_X`, less its id, with what the entry's copy of it carries. */
const MERGED = [
  {
    role: 'user',
    text: 'hello',
    timestamp: T + 1,
    response_id: null,
    status: 'COMPLETE',
    metadata: { client: 'web', legacy_metadata: { source: 'api' } },
    attachments: FILES,
  },
  {
    role: 'assistant',
    text: 'hi there',
    timestamp: T + 2,
    response_id: 'resp_2',
    status: 'COMPLETE',
    metadata: { legacy_message: { completed_at: T + 2 } },
    annotations: NOTES,
  },
  { role: 'user', text: 'thanks', timestamp: T + 3, response_id: null, status: 'COMPLETE' },
];

const INDEX = {
  thread_old: {
    data: { id: 'thread_old', object: 'thread', created_at: T, metadata: {} },
    chat_name: 'Old thread',
    last_update: T,
  },
  conv_local1: {
    data: { id: 'conv_local1', created_at: T + 50, metadata: {}, object: 'conversation' },
    chat_name: 'Seed-format chat',
    last_update: T + 60,
    messages: [
      { role: 'user', text: 'question kept locally', timestamp: T + 51, response_id: null },
      { role: 'assistant', text: 'answer kept locally', timestamp: T + 52, response_id: 'resp_a' },
      { role: 'robot', text: 'not a role the store knows', timestamp: T + 53, response_id: null },
    ],
    last_response_id: 'resp_a',
  },
  thread_local2: {
    data: { id: 'thread_local2', created_at: T + 70, metadata: {}, object: 'conversation' },
    chat_name: 'Seed-format chat on a thread id',
    last_update: T + 80,
    messages: [
      { role: 'user', text: 'another local question', timestamp: T + 71, response_id: null },
    ],
    last_response_id: null,
  },
};

async function layoutIn(root: string, legacyDir?: string) {
  const layout = await emptyLayout(root, legacyDir);
  const page = {
    object: 'list',
    has_more: false,
    data: [exported('msg_o1', T + 1, 'user', 'old')],
  };
  await writeLegacy(layout, INDEX, {
    thread_old: page,
    thread_local2: [exported('msg_l1', T + 75, 'assistant', 'a')],
  });
  return layout;
}

const texts = (conversation: { messages: Array<{ text: string }> } | undefined) =>
  conversation?.messages.map((message) => message.text);

describe('index entries in the new format', () => {
  it('are migrated with their messages, each bad message reported, and found again by a re-run', async () => {
    const layout = await layoutIn(temp.path);
    const report = await migrate(layout);

    const alice = await storedConversations(layout.dataDir, 'alice');
    expect(texts(alice.get('conv_local1'))).toEqual([
      'question kept locally',
      'answer kept locally',
    ]);
    expect(alice.get('conv_local1')).toMatchObject({
      chat_name: 'Seed-format chat',
      last_response_id: 'resp_a',
      data: { created_at: T + 50, metadata: { legacy_thread_id: 'conv_local1' } },
    });
    // A thread the app kept locally keeps those messages beside its export's.
    expect(texts(alice.get('thread_local2'))).toEqual(['another local question', 'a']);
    expect(texts(alice.get('thread_old'))).toEqual(['old']);
    expect(report.failures).toEqual([
      {
        user: 'alice',
        file: path.join(layout.legacyDir, 'alice.json'),
        thread: 'conv_local1',
        reason: expect.stringMatching(/: Invalid message role "robot", so it is not migrated$/),
      },
    ]);
    expect(report.totals).toMatchObject({ threads: 3, conversationsAdded: 3, messagesAdded: 5 });

    const again = await migrate(layout);
    expect(again.totals).toMatchObject({ conversationsUnchanged: 3, messagesAdded: 0 });
    const verified = await migrate(layout, 'verify');
    expect(verified.verify).toMatchObject({ checkedMessages: 5, problems: [] });
  });

  it('in place, are read as they are stored and change nothing', async () => {
    const root = temp.path;
    const layout = await layoutIn(root, path.join(root, 'data', 'chats'));
    const first = await migrate(layout);
    // The store already holds the entry in the new format: only the threads are sources.
    expect(first.totals).toMatchObject({ threads: 2, messagesAdded: 2 });
    const alice = await storedConversations(layout.dataDir, 'alice');
    // The store's own document: what it holds stays, the message it cannot take included.
    expect(texts(alice.get('conv_local1'))).toHaveLength(3);
    expect(texts(alice.get('thread_local2'))).toEqual(['another local question', 'a']);

    const again = await migrate(layout);
    expect(again.totals).toMatchObject({ conversationsAdded: 0, conversationsUpdated: 0 });
    expect((await migrate(layout, 'verify')).verify?.problems).toEqual([]);
  });

  it("in place, the store's own conversations are not sources: a deleted one stays deleted", async () => {
    const root = temp.path;
    const layout = await layoutIn(root, path.join(root, 'data', 'chats'));
    await migrate(layout);
    let store = new JsonConversationStore({ dataDir: layout.dataDir, logger: silentLogger });
    await store.open();
    const kept = await store.createConversation('alice', 'kept', {
      messages: [{ role: 'user', text: 'keep this' }],
    });
    const gone = await store.createConversation('alice', 'secret', {
      messages: [{ role: 'user', text: 'please forget this' }],
    });
    await store.close();
    // Deleted by a server killed before its fold: the deletion is only in the journal.
    store = new JsonConversationStore({ dataDir: layout.dataDir, logger: silentLogger });
    expect(await store.deleteConversation('alice', gone.data.id)).toBe(true);

    const again = await migrate(layout);
    const alice = await storedConversations(layout.dataDir, 'alice');
    expect(alice.has(gone.data.id)).toBe(false);
    expect(again.totals).toMatchObject({
      threads: 2,
      conversationsAdded: 0,
      conversationsUpdated: 0,
    });
    expect(alice.get(kept.data.id)?.data.metadata).toEqual({});
    expect(alice.get('conv_local1')?.data.metadata).toEqual({});
  });

  it("take a local copy without an id as the thread's message when role and text agree, at most a second apart", async () => {
    const layout = await emptyLayout(temp.path);
    const entry = threadX(T + 4, [
      local('user', 'hello', T + 1),
      // Kept edited in place of its copy of msg_2.
      local('assistant', 'hi there, edited', T + 2),
      local('user', 'asked after the switch', T + 3),
      { ...local('user', 'kept with its id', T + 1), id: 'msg_own' },
    ]);
    await writeLegacy(
      layout,
      { thread_x: entry },
      {
        thread_x: [
          exported('msg_1', T + 1, 'user', 'hello'),
          exported('msg_2', T + 2, 'assistant', 'hi there'),
        ],
      },
    );
    const report = await migrate(layout);
    const thread = (await storedConversations(layout.dataDir, 'alice')).get('thread_x');
    expect(thread?.messages.map((message) => [message.id.split('_')[0], message.text])).toEqual([
      ['msg', 'hello'],
      ['msg', 'kept with its id'],
      ['msg', 'hi there'],
      ['m', 'asked after the switch'],
    ]);
    expect(thread?.messages[0]?.id).toBe('msg_1');
    // At the second of a message of the thread, but another text: reported, not migrated twice.
    expect(report.failures).toEqual([
      expect.objectContaining({
        thread: 'thread_x',
        reason: expect.stringMatching(
          /^message m_\w+ of the index entry \(assistant, at 1700000002\) may be a copy/,
        ),
      }),
    ]);
    expect((await migrate(layout)).totals).toMatchObject({ conversationsUnchanged: 1 });
  });

  it("keep a local copy and the thread's message as one, whichever run saw which", async () => {
    const layout = await emptyLayout(temp.path);
    const entry = threadX(T + 2, [
      local('user', 'hello', T + 1),
      local('assistant', 'hi there', T + 2),
    ]);
    await writeLegacy(layout, { thread_x: entry });
    const theExport = [
      exported('msg_1', T + 1, 'user', 'hello'),
      exported('msg_2', T + 2, 'assistant', 'hi there'),
    ];
    const texts = async () =>
      (await storedConversations(layout.dataDir, 'alice'))
        .get('thread_x')
        ?.messages.map((message) => message.text);
    // Each message is found under its other copy's id, as the run found it.
    const verified = async () => (await migrate(layout, 'verify')).verify?.problems;
    // The local copies first (no export yet), then the export: the same two messages.
    await migrate(layout);
    await writeLegacy(layout, { thread_x: entry }, { thread_x: theExport });
    expect((await migrate(layout)).totals).toMatchObject({ messagesAdded: 0 });
    expect(await texts()).toEqual(['hello', 'hi there']);
    expect(await verified()).toEqual([]);
    // The other way round: the export first, then a run without it.
    await rm(layout.dataDir, { recursive: true });
    await migrate(layout);
    await rm(path.join(layout.messagesDir, 'thread_x.json'));
    expect((await migrate(layout)).totals).toMatchObject({ messagesAdded: 0 });
    expect(await texts()).toEqual(['hello', 'hi there']);
    expect(await verified()).toEqual([]);
  });

  it("keep on the thread's message what only its local copy carries", async () => {
    const layout = await emptyLayout(temp.path);
    const entry = threadX(
      T + 3,
      [
        { ...local('user', 'hello', T + 1), metadata: { client: 'web' }, attachments: FILES },
        { ...local('assistant', 'hi there', T + 2), response_id: 'resp_2', annotations: NOTES },
        { ...local('user', 'thanks', T + 3), id: 'msg_3', pinned: true },
      ],
      'resp_2',
    );
    await writeLegacy(layout, { thread_x: entry }, { thread_x: EXPORT_X });
    await migrate(layout);
    const thread = (await storedConversations(layout.dataDir, 'alice')).get('thread_x');
    expect(thread?.messages).toEqual([
      { id: 'msg_1', ...MERGED[0] },
      { id: 'msg_2', ...MERGED[1] },
      { id: 'msg_3', ...MERGED[2], pinned: true },
    ]);
    // The chain the entry kept still ends at a message of the conversation.
    expect(thread?.last_response_id).toBe('resp_2');
    expect((await migrate(layout, 'verify')).verify?.problems).toEqual([]);
    expect((await migrate(layout)).totals).toMatchObject({ conversationsUnchanged: 1 });
  });

  it('keep what either copy of a message carries, whichever run saw which', async () => {
    const layout = await emptyLayout(temp.path);
    const entry = threadX(T + 2, [
      { ...local('user', 'hello', T + 1), metadata: { client: 'web' }, attachments: FILES },
      { ...local('assistant', 'hi there', T + 2), response_id: 'resp_2', annotations: NOTES },
    ]);
    // A local copy stored first keeps its lack of a status, which reads as finished.
    const fields = async () =>
      (await storedConversations(layout.dataDir, 'alice'))
        .get('thread_x')
        ?.messages.map(({ id: _id, status = 'COMPLETE', ...rest }) => ({ ...rest, status }));
    const settled = async () => {
      expect(await fields()).toEqual(MERGED.slice(0, 2));
      expect((await migrate(layout, 'verify')).verify?.problems).toEqual([]);
      expect((await migrate(layout)).totals).toMatchObject({ conversationsUnchanged: 1 });
    };
    // The export first (the entry holding no messages yet), then the local copies alone.
    await writeLegacy(layout, { thread_x: threadX(T + 2, []) }, { thread_x: EXPORT_X.slice(0, 2) });
    await migrate(layout);
    await rm(path.join(layout.messagesDir, 'thread_x.json'));
    await writeLegacy(layout, { thread_x: entry });
    // Not yet in the store: reported, until a run adds them.
    expect((await migrate(layout, 'verify')).verify?.problems.map((p) => p.reason)).toEqual([
      "the message's other fields are not in the store (attachments, metadata.client): run the migration again",
      "the message's other fields are not in the store (response_id, annotations): run the migration again",
    ]);
    expect((await migrate(layout)).totals).toMatchObject({ messagesAdded: 0 });
    await settled();
    // The local copies first, then the export beside them.
    await rm(layout.dataDir, { recursive: true });
    await migrate(layout);
    await writeLegacy(layout, { thread_x: entry }, { thread_x: EXPORT_X.slice(0, 2) });
    expect((await migrate(layout)).totals).toMatchObject({ messagesAdded: 0 });
    await settled();
  });

  it("keep the kept copy's outcome: a finished message gains no error from an unfinished copy", async () => {
    const layout = await emptyLayout(temp.path);
    const error = { code: 'STREAM_INTERRUPTED', message: 'cut off', retryable: true };
    const cut = { status: 'INCOMPLETE', error };
    const entry = threadX(T + 4, [
      { ...local('assistant', 'hi there', T + 2), ...cut, response_id: 'resp_2' },
      { ...local('assistant', 'sure', T + 4), ...cut, id: 'msg_4', model: 'gpt-4o' },
    ]);
    const theExport = [
      exported('msg_2', T + 2, 'assistant', 'hi there'),
      exported('msg_4', T + 4, 'assistant', 'sure'),
    ];
    const messages = async () =>
      (await storedConversations(layout.dataDir, 'alice')).get('thread_x')?.messages;
    const settled = async () => {
      expect((await migrate(layout, 'verify')).verify?.problems).toEqual([]);
      expect((await migrate(layout)).totals).toMatchObject({ conversationsUnchanged: 1 });
    };
    await writeLegacy(layout, { thread_x: entry }, { thread_x: theExport });
    await migrate(layout);
    const finished = { role: 'assistant', status: 'COMPLETE' };
    expect(await messages()).toEqual([
      { ...finished, id: 'msg_2', text: 'hi there', timestamp: T + 2, response_id: 'resp_2' },
      {
        ...finished,
        id: 'msg_4',
        text: 'sure',
        timestamp: T + 4,
        response_id: null,
        model: 'gpt-4o',
      },
    ]);
    await settled();
    // A message stored finished stays so beside an unfinished copy, and gains nothing of how
    // that copy ended.
    await rm(layout.dataDir, { recursive: true });
    await rm(path.join(layout.messagesDir, 'thread_x.json'));
    await writeLegacy(layout, {
      thread_x: threadX(T + 2, [local('assistant', 'hi there', T + 2)]),
    });
    await migrate(layout);
    const unfinished = { status: 'incomplete', incomplete_details: { reason: 'max_tokens' } };
    await writeLegacy(
      layout,
      { thread_x: threadX(T + 2, []) },
      { thread_x: [{ ...exported('msg_2', T + 2, 'assistant', 'hi there'), ...unfinished }] },
    );
    expect((await migrate(layout)).totals).toMatchObject({ conversationsUnchanged: 1 });
    expect(await messages()).toEqual([
      { id: expect.any(String), ...local('assistant', 'hi there', T + 2) },
    ]);
    await settled();
  });

  it('finish a local copy stored unfinished once the thread has it finished, under its id', async () => {
    const layout = await emptyLayout(temp.path);
    const error = { code: 'STREAM_INTERRUPTED', message: 'cut off', retryable: true };
    const entry = threadX(T + 2, [
      local('user', 'hello', T + 1),
      { ...local('assistant', 'hi there', T + 2.3), status: 'INCOMPLETE', error, model: 'gpt-4o' },
    ]);
    await writeLegacy(layout, { thread_x: entry });
    await migrate(layout);
    const messages = async () =>
      (await storedConversations(layout.dataDir, 'alice')).get('thread_x')?.messages;
    const ids = (await messages())?.map((message) => message.id);
    // The entry now keeps no messages: what the stored copy alone carries stays.
    await writeLegacy(
      layout,
      { thread_x: threadX(T + 2, []) },
      {
        thread_x: [
          exported('msg_1', T + 1, 'user', 'hello'),
          exported('msg_2', T + 2, 'assistant', 'hi there'),
        ],
      },
    );
    const report = await migrate(layout);
    expect(report.totals).toMatchObject({ messagesAdded: 0, messagesCompleted: 1 });
    expect((await messages())?.[1]).toEqual({
      id: ids?.[1],
      role: 'assistant',
      text: 'hi there',
      timestamp: T + 2,
      response_id: null,
      status: 'COMPLETE',
      model: 'gpt-4o',
    });
    expect((await migrate(layout, 'verify')).verify?.problems).toEqual([]);
    expect((await migrate(layout)).totals).toMatchObject({ conversationsUnchanged: 1 });
  });

  it('find nothing lacking in a local copy stored without a status, which reads as finished', async () => {
    const layout = await emptyLayout(temp.path);
    const entry = threadX(T + 1, [local('user', 'hello', T + 1)]);
    await writeLegacy(layout, { thread_x: entry });
    await migrate(layout);
    await writeLegacy(
      layout,
      { thread_x: entry },
      { thread_x: [exported('msg_1', T + 1, 'user', 'hello')] },
    );
    expect((await migrate(layout, 'verify')).verify?.problems).toEqual([]);
    expect((await migrate(layout)).totals).toMatchObject({ conversationsUnchanged: 1 });
  });

  it('take a local copy up to a second off for the thread message, each repeat for its own', async () => {
    const layout = await emptyLayout(temp.path);
    // The entry's times to the millisecond, or rounded; the export's cut to whole seconds.
    const entry = threadX(T + 9, [
      local('user', 'hello', T + 1.6),
      local('assistant', 'hi there', T + 3),
      local('user', 'ok', T + 4.7),
      local('user', 'ok', T + 5.2),
      // Sent once more, after the switch: a message the thread does not have.
      local('user', 'ok', T + 9),
    ]);
    const theExport = [
      exported('msg_1', T + 1, 'user', 'hello'),
      exported('msg_2', T + 2, 'assistant', 'hi there'),
      exported('msg_3', T + 4, 'user', 'ok'),
      exported('msg_4', T + 5, 'user', 'ok'),
    ];
    const texts = ['hello', 'hi there', 'ok', 'ok', 'ok'];
    const settled = async () => {
      const thread = (await storedConversations(layout.dataDir, 'alice')).get('thread_x');
      expect(thread?.messages.map((message) => message.text)).toEqual(texts);
      expect((await migrate(layout, 'verify')).verify?.problems).toEqual([]);
      expect((await migrate(layout)).totals).toMatchObject({ conversationsUnchanged: 1 });
    };
    await writeLegacy(layout, { thread_x: entry }, { thread_x: theExport });
    const report = await migrate(layout);
    expect(report.failures).toEqual([]);
    const thread = (await storedConversations(layout.dataDir, 'alice')).get('thread_x');
    expect(thread?.messages.slice(0, 4).map((message) => message.id)).toEqual([
      'msg_1',
      'msg_2',
      'msg_3',
      'msg_4',
    ]);
    await settled();
    // Then a run without the export: the local copies are the messages stored.
    await rm(path.join(layout.messagesDir, 'thread_x.json'));
    expect((await migrate(layout)).totals).toMatchObject({ messagesAdded: 0 });
    await settled();
    // The local copies first, then the export beside them.
    await rm(layout.dataDir, { recursive: true });
    await migrate(layout);
    await writeLegacy(layout, { thread_x: entry }, { thread_x: theExport });
    expect((await migrate(layout)).totals).toMatchObject({ messagesAdded: 0 });
    await settled();
  });

  it('add a message the thread gained beside a copy an earlier release stored twice', async () => {
    const layout = await emptyLayout(temp.path);
    const entry = threadX(T + 2, [local('user', 'ok', T + 1.4)]);
    await writeLegacy(layout, { thread_x: entry });
    await migrate(layout);
    // As that release left it: the thread's copy stored beside the entry's, 0.4 s apart.
    const store = new JsonConversationStore({ dataDir: layout.dataDir, logger: silentLogger });
    const stored = (await store.getConversation('alice', 'thread_x'))!;
    stored.messages.unshift({
      id: 'msg_1',
      role: 'user',
      text: 'ok',
      timestamp: T + 1,
      response_id: null,
      status: 'COMPLETE',
    });
    await store.putConversations('alice', [stored]);
    await store.close();
    // The export now holds the same text sent again a second later.
    await writeLegacy(
      layout,
      { thread_x: entry },
      {
        thread_x: [exported('msg_1', T + 1, 'user', 'ok'), exported('msg_9', T + 2, 'user', 'ok')],
      },
    );
    expect((await migrate(layout)).totals).toMatchObject({ messagesAdded: 1 });
    const thread = (await storedConversations(layout.dataDir, 'alice')).get('thread_x');
    expect(thread?.messages.map((message) => [message.id, message.timestamp])).toEqual([
      ['msg_1', T + 1],
      [expect.stringMatching(/^m_/), T + 1.4],
      ['msg_9', T + 2],
    ]);
    expect((await migrate(layout, 'verify')).verify?.problems).toEqual([]);
    expect((await migrate(layout)).totals).toMatchObject({ conversationsUnchanged: 1 });
  });

  it('let a local copy with the id of a thread message stand for no id-less copy too', async () => {
    const layout = await emptyLayout(temp.path);
    const entry = threadX(
      T + 1,
      [{ ...local('user', 'ok', T + 1), id: 'msg_1' }, local('user', 'ok', T + 1)],
      'resp_old',
    );
    await writeLegacy(
      layout,
      { thread_x: entry },
      {
        thread_x: [
          exported('msg_1', T + 1, 'user', 'ok'),
          exported('msg_2', T + 2, 'assistant', 'a reply'),
        ],
      },
    );
    const report = await migrate(layout);
    // The second "ok" is not taken for msg_1: msg_1 has its copy, so it is another message.
    expect(report.failures).toEqual([]);
    const thread = (await storedConversations(layout.dataDir, 'alice')).get('thread_x');
    expect(thread?.messages.map((message) => message.text)).toEqual(['ok', 'ok', 'a reply']);
    // The entry's chain never saw msg_2.
    expect(thread?.last_response_id).toBeNull();
  });

  it('keep a local message sent within a second of one the thread has a copy of', async () => {
    const layout = await emptyLayout(temp.path);
    const entry = threadX(T + 2, [
      local('user', 'first', T + 1.2),
      local('user', 'second', T + 1.9),
    ]);
    const theExport = [exported('msg_1', T + 1, 'user', 'first')];
    const settled = async () => {
      const thread = (await storedConversations(layout.dataDir, 'alice')).get('thread_x');
      expect(thread?.messages.map((message) => message.text)).toEqual(['first', 'second']);
      expect((await migrate(layout, 'verify')).verify?.problems).toEqual([]);
      expect((await migrate(layout)).totals).toMatchObject({ conversationsUnchanged: 1 });
    };
    await writeLegacy(layout, { thread_x: entry }, { thread_x: theExport });
    expect((await migrate(layout)).failures).toEqual([]);
    await settled();
    // The local copies first, then the export beside them.
    await rm(layout.dataDir, { recursive: true });
    await rm(path.join(layout.messagesDir, 'thread_x.json'));
    await migrate(layout);
    await writeLegacy(layout, { thread_x: entry }, { thread_x: theExport });
    expect((await migrate(layout)).totals).toMatchObject({ messagesAdded: 0 });
    await settled();
  });

  it("are read and converted when their user's turn comes, not held from the listing on", async () => {
    const layout = await layoutIn(temp.path);
    const sources = await assistantsSources({ legacyDir: layout.legacyDir });
    expect(sources.users.map((source) => [source.user, source.threads])).toEqual([['alice', 3]]);
    // The listing keeps counts and names only: what the index holds at the user's turn is read.
    const index = path.join(layout.legacyDir, 'alice.json');
    const changed = JSON.parse(await readFile(index, 'utf8'));
    changed.conv_local1.messages[0].text = 'edited since the listing';
    await writeFile(index, JSON.stringify(changed));
    const batch = await sources.users[0]!.read(() => {});
    const local = batch.conversations.find((item) => item.legacyId === 'conv_local1');
    expect(local?.conversation.messages[0]?.text).toBe('edited since the listing');
  });

  it('under a thread id keep their last_response_id while the thread adds no message', async () => {
    const layout = await layoutIn(temp.path);
    const seed = (id: string) => ({
      data: { id, created_at: T, metadata: {}, object: 'conversation' },
      chat_name: id,
      last_update: T + 2,
      messages: [
        { role: 'user', text: 'q', timestamp: T + 1, response_id: null },
        { role: 'assistant', text: 'a', timestamp: T + 2, response_id: 'resp_9' },
      ],
      last_response_id: 'resp_9',
    });
    await writeLegacy(
      layout,
      { thread_chain: seed('thread_chain'), thread_older: seed('thread_older') },
      // Its export: the same question, and an older message the chain never saw.
      {
        thread_older: [
          exported('msg_0', T, 'user', 'before the switch'),
          exported('msg_1', T + 1, 'user', 'q'),
        ],
      },
    );
    await migrate(layout);
    const alice = await storedConversations(layout.dataDir, 'alice');
    expect(alice.get('thread_chain')?.last_response_id).toBe('resp_9');
    expect(texts(alice.get('thread_older'))).toEqual(['before the switch', 'q', 'a']);
    expect(alice.get('thread_older')?.last_response_id).toBeNull();
    // The chain kept is not held twice; one dropped is kept with the entry's other fields.
    expect(alice.get('thread_chain')?.data.metadata).not.toHaveProperty('legacy_entry');
    expect(alice.get('thread_older')?.data.metadata.legacy_entry).toEqual({
      last_response_id: 'resp_9',
    });
    expect((await migrate(layout, 'verify')).verify?.problems).toEqual([]);
    expect((await migrate(layout)).totals).toMatchObject({ conversationsUnchanged: 2 });
  });

  it('find nothing missing where an earlier release also kept the chain under legacy_entry', async () => {
    const layout = await layoutIn(temp.path);
    await writeLegacy(layout, {
      thread_chain: {
        data: { id: 'thread_chain', created_at: T, metadata: {}, object: 'conversation' },
        chat_name: 'c',
        last_update: T + 2,
        pinned: true,
        messages: [
          { role: 'user', text: 'q', timestamp: T + 1, response_id: null },
          { role: 'assistant', text: 'a', timestamp: T + 2, response_id: 'resp_9' },
        ],
        last_response_id: 'resp_9',
      },
    });
    await migrate(layout);
    // As that release stored it: the chain both in the conversation and with the other fields.
    const store = new JsonConversationStore({ dataDir: layout.dataDir, logger: silentLogger });
    await store.open();
    await store.updateConversationMetadata('alice', 'thread_chain', {
      metadata: {
        legacy_thread_id: 'thread_chain',
        legacy_entry: { pinned: true, last_response_id: 'resp_9' },
      },
    });
    await store.close();
    expect((await migrate(layout, 'verify')).verify?.problems).toEqual([]);
    expect((await migrate(layout)).totals).toMatchObject({ conversationsUnchanged: 1 });
  });
});
