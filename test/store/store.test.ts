import { promises as fs } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { silentLogger } from '../../src/logger.js';
import { JsonConversationStore } from '../../src/services/conversation-store.js';
import { ConflictError, NotFoundError } from '../../src/services/errors.js';
import { newConversationId, newMessageId } from '../../src/services/store/ids.js';
import type { StoredConversation } from '../../src/services/types.js';
import { useTempDir } from '../helpers/temp-dir.js';

const temp = useTempDir();
const stores: JsonConversationStore[] = [];
afterEach(async () => {
  await Promise.all(stores.splice(0).map((store) => store.close()));
});

async function openStore(): Promise<JsonConversationStore> {
  const store = new JsonConversationStore({ dataDir: temp.path, logger: silentLogger });
  stores.push(store);
  await store.open();
  return store;
}

/** An open store with one conversation of alice's whose assistant answer is streaming. */
async function streamingAnswer(title: string) {
  const store = await openStore();
  const { data } = await store.createConversation('alice', title);
  const answer = await store.addMessage('alice', data.id, {
    role: 'assistant',
    text: '',
    status: 'STREAMING',
  });
  return { store, data, answer, journal: path.join(temp.path, 'chats', 'alice.journal') };
}

describe('JsonConversationStore CRUD', () => {
  it('creates, reads, updates and deletes conversations and messages', async () => {
    const store = await openStore();
    const created = await store.createConversation('alice', 'First chat', {
      metadata: { source: 'test' },
    });
    expect(created.data.id).toMatch(/^conv_[0-9a-f]{24}$/);
    expect(created).toMatchObject({
      data: { object: 'conversation', metadata: { source: 'test' } },
      chat_name: 'First chat',
      messages: [],
      last_response_id: null,
    });
    expect(created.last_update).toBe(created.data.created_at);
    const id = created.data.id;

    const question = await store.addMessage('alice', id, { role: 'user', text: 'Hi?' });
    expect(question.id).toMatch(/^m_[0-9a-f]{24}$/);
    expect(question.response_id).toBeNull();
    const answer = await store.addMessage('alice', id, {
      role: 'assistant',
      text: '',
      status: 'STREAMING',
      timestamp: question.timestamp + 1,
    });
    const done = await store.updateMessage('alice', id, answer.id, {
      text: 'Hello!',
      status: 'COMPLETE',
      response_id: 'resp_1',
      usage: { input_tokens: 3, output_tokens: 2, reasoning_tokens: 0, total_tokens: 5 },
    });
    expect(done).toMatchObject({ id: answer.id, role: 'assistant', text: 'Hello!' });
    await store.updateConversationMetadata('alice', id, { last_response_id: 'resp_1' });
    expect(await store.getLastResponseId('alice', id)).toBe('resp_1');

    const renamed = await store.renameConversation('alice', id, 'Greetings');
    expect(renamed.chat_name).toBe('Greetings');

    const read = await store.getConversation('alice', id);
    expect(read?.last_update).toBe(answer.timestamp);
    expect(read?.messages.map((m) => [m.role, m.text, m.status])).toEqual([
      ['user', 'Hi?', undefined],
      ['assistant', 'Hello!', 'COMPLETE'],
    ]);

    expect(await store.deleteConversation('alice', id)).toBe(true);
    expect(await store.deleteConversation('alice', id)).toBe(false);
    expect(await store.getConversation('alice', id)).toBeNull();
    expect(await store.listConversations('alice')).toEqual([]);
  });

  it('moves last_response_id forward when a message carries a response id', async () => {
    const store = await openStore();
    const { data } = await store.createConversation('alice', 'c');
    await store.addMessage('alice', data.id, {
      role: 'assistant',
      text: 'x',
      response_id: 'resp_9',
    });
    expect(await store.getLastResponseId('alice', data.id)).toBe('resp_9');
    await store.addMessage('alice', data.id, { role: 'user', text: 'y' });
    expect(await store.getLastResponseId('alice', data.id)).toBe('resp_9');
  });

  it('throws NotFoundError for unknown conversations and messages, ConflictError for duplicates', async () => {
    const store = await openStore();
    const { data } = await store.createConversation('alice', 'c', { id: 'thread_abc' });
    expect(data.id).toBe('thread_abc');
    const message = { role: 'user' as const, text: 'x' };
    await expect(store.addMessage('alice', 'missing', message)).rejects.toThrow(NotFoundError);
    await expect(store.updateMessage('alice', 'thread_abc', 'm_none', {})).rejects.toThrow(
      NotFoundError,
    );
    await expect(store.renameConversation('alice', 'missing', 'n')).rejects.toThrow(NotFoundError);
    await expect(store.updateConversationMetadata('bob', 'thread_abc', {})).rejects.toThrow(
      NotFoundError,
    );
    await expect(store.getLastResponseId('alice', 'missing')).rejects.toThrow(NotFoundError);
    await expect(store.createConversation('alice', 'again', { id: 'thread_abc' })).rejects.toThrow(
      ConflictError,
    );
    const added = await store.addMessage('alice', 'thread_abc', { ...message, id: 'm_1' });
    await expect(
      store.addMessage('alice', 'thread_abc', { ...message, id: added.id }),
    ).rejects.toThrow(ConflictError);
    expect(await store.getConversation('bob', 'thread_abc')).toBeNull();
  });

  it('lists newest last_update first, then by id, with message counts and no messages', async () => {
    const store = await openStore();
    for (const [id, at] of [
      ['b', 10],
      ['a', 10],
      ['c', 30],
      ['d', 5],
    ] as const) {
      await store.createConversation('alice', `chat ${id}`, { id, createdAt: at });
    }
    await store.addMessage('alice', 'd', { role: 'user', text: 'late', timestamp: 20 });
    const list = await store.listConversations('alice');
    expect(list.map((c) => [c.data.id, c.last_update, c.message_count])).toEqual([
      ['c', 30, 0],
      ['d', 20, 1],
      ['a', 10, 0],
      ['b', 10, 0],
    ]);
    expect(list[0]).not.toHaveProperty('messages');
  });

  it('returns copies that do not alias its state, and copies what it is given', async () => {
    const store = await openStore();
    const metadata = { tags: ['x'] };
    const created = await store.createConversation('alice', 'c', { metadata });
    metadata.tags.push('changed by caller');
    created.chat_name = 'mutated';
    const message = await store.addMessage('alice', created.data.id, { role: 'user', text: 'a' });
    message.text = 'mutated';
    const read = await store.getConversation('alice', created.data.id);
    read?.messages.push({ ...message, id: 'm_fake' });
    (await store.listConversations('alice'))[0]!.data.metadata.injected = true;

    const again = await store.getConversation('alice', created.data.id);
    expect(again?.chat_name).toBe('c');
    expect(again?.data.metadata).toEqual({ tags: ['x'] });
    expect(again?.messages.map((m) => m.text)).toEqual(['a']);
  });

  it('puts whole conversations, replacing existing ones, and lists users', async () => {
    const store = await openStore();
    const conversation = (id: string, texts: string[]): StoredConversation => ({
      data: { id, created_at: 1, metadata: { imported: true }, object: 'conversation' },
      chat_name: `imported ${id}`,
      last_update: 2,
      messages: texts.map((text, i) => ({
        id: `m${i}`,
        role: i % 2 === 0 ? 'user' : 'assistant',
        text,
        timestamp: 1 + i,
        response_id: null,
      })),
      last_response_id: null,
    });
    await store.putConversations('carol', [conversation('thread_1', ['a', 'b', 'c'])]);
    await store.putConversations('carol', [
      conversation('thread_1', ['only']),
      conversation('thread_2', ['x']),
    ]);
    await store.createConversation('dave', 'd');
    expect((await store.getConversation('carol', 'thread_1'))?.messages.map((m) => m.text)).toEqual(
      ['only'],
    );
    expect(await store.getConversation('carol', 'thread_2')).toEqual(
      conversation('thread_2', ['x']),
    );
    expect(await store.listUsers()).toEqual(['carol', 'dave']);
  });

  it('creates no file for a user who only reads', async () => {
    const store = await openStore();
    expect(await store.listConversations('nobody')).toEqual([]);
    expect(await store.getConversation('nobody', 'c1')).toBeNull();
    expect(await fs.readdir(path.join(temp.path, 'chats'))).toEqual([]);
    expect(await store.listUsers()).toEqual([]);
  });

  it('generates distinct ids in the documented shapes', () => {
    const ids = new Set(Array.from({ length: 1000 }, () => newConversationId()));
    expect(ids.size).toBe(1000);
    expect(newMessageId()).toMatch(/^m_[0-9a-f]{24}$/);
  });
});

describe('the file on disk', () => {
  it('is the seed format after close(): keys and nesting exactly', async () => {
    const store = await openStore();
    const { data } = await store.createConversation('alice', 'Chat');
    await store.addMessage('alice', data.id, { role: 'user', text: 'Q', timestamp: 100 });
    await store.addMessage('alice', data.id, {
      role: 'assistant',
      text: 'A',
      timestamp: 101,
      response_id: 'resp_1',
      status: 'COMPLETE',
      usage: { input_tokens: 1, output_tokens: 1, reasoning_tokens: 0, total_tokens: 2 },
      model: 'o1-mini',
    });
    await store.close();

    const file = path.join(temp.path, 'chats', 'alice.json');
    const raw = JSON.parse(await fs.readFile(file, 'utf8')) as Record<string, unknown>;
    expect(Object.keys(raw)).toEqual([data.id]);
    const conversation = raw[data.id] as Record<string, unknown>;
    expect(Object.keys(conversation)).toEqual([
      'data',
      'chat_name',
      'last_update',
      'messages',
      'last_response_id',
    ]);
    expect(Object.keys(conversation.data as object)).toEqual([
      'id',
      'created_at',
      'metadata',
      'object',
    ]);
    expect(conversation).toMatchObject({
      data: { id: data.id, object: 'conversation', metadata: {} },
      chat_name: 'Chat',
      last_update: 101,
      last_response_id: 'resp_1',
    });
    const [user, assistant] = conversation.messages as Record<string, unknown>[];
    expect(Object.keys(user!)).toEqual(['id', 'role', 'text', 'timestamp', 'response_id']);
    expect(user).toMatchObject({ role: 'user', text: 'Q', timestamp: 100, response_id: null });
    expect(Object.keys(assistant!)).toEqual([
      'id',
      'role',
      'text',
      'timestamp',
      'response_id',
      'status',
      'usage',
      'model',
    ]);
    // The journal was folded in; what is left is only the last compaction's input.
    await expect(fs.access(path.join(temp.path, 'chats', 'alice.journal'))).rejects.toThrow();
    await expect(fs.access(path.join(temp.path, '.lock'))).rejects.toThrow();
  });
});

describe('entries the old app wrote, in a file migrated in place', () => {
  it('lists and continues a thread entry and one that failed to convert, keeping the file as it was', async () => {
    const file = path.join(temp.path, 'chats', 'alice.json');
    await fs.mkdir(path.dirname(file), { recursive: true });
    const legacy = {
      thread_old: {
        data: { id: 'thread_old', object: 'thread', created_at: 1_700_000_000, metadata: {} },
        chat_name: 'Old thread',
        last_update: 1_700_000_100,
      },
      // What a thread that failed to convert (no creation time) looks like after a run.
      thread_bad: { data: { id: 'thread_bad' }, last_update: 1_700_000_050, messages: [] },
      // An entry with no thread object, or no id in it.
      thread_nodata: { chat_name: 'No data', last_update: 1_700_000_010 },
      thread_noid: { data: { created_at: 1_700_000_000 }, last_update: 1_700_000_005 },
    };
    await fs.writeFile(file, JSON.stringify(legacy));
    const store = await openStore();

    const listed = await store.listConversations('alice');
    expect(listed.map((c) => [c.data.id, c.chat_name, c.data.created_at, c.last_update])).toEqual([
      ['thread_old', 'Old thread', 1_700_000_000, 1_700_000_100],
      ['thread_bad', 'Untitled chat', 1_700_000_050, 1_700_000_050],
      ['thread_nodata', 'No data', 1_700_000_010, 1_700_000_010],
      ['thread_noid', 'Untitled chat', 1_700_000_000, 1_700_000_005],
    ]);
    expect(await store.getConversation('alice', 'thread_bad')).toMatchObject({
      data: { created_at: 1_700_000_050, metadata: {} },
      messages: [],
      last_response_id: null,
    });
    await store.close();
    // Only read: the file keeps the entries as the old app wrote them, for the migration.
    expect(JSON.parse(await fs.readFile(file, 'utf8'))).toEqual(legacy);

    const again = await openStore();
    await again.addMessage('alice', 'thread_noid', { role: 'user', text: 'Hello?' });
    await again.addMessage('alice', 'thread_old', { role: 'user', text: 'Still here?' });
    const continued = await again.getConversation('alice', 'thread_old');
    expect(continued?.messages.map((m) => m.text)).toEqual(['Still here?']);
    expect(continued?.last_response_id).toBeNull();
  });
});

describe("the seed design's format, written by hand", () => {
  it('reads messages without ids under ids that stay the same, and keeps them at the next fold', async () => {
    const file = path.join(temp.path, 'chats', 'alice.json');
    await fs.mkdir(path.dirname(file), { recursive: true });
    const seed = {
      conv_1: {
        data: { id: 'conv_1', created_at: 1_700_000_000, metadata: {}, object: 'conversation' },
        chat_name: 'From the design',
        last_update: 1_700_000_100,
        messages: [
          { role: 'user', text: 'Hello', timestamp: 1_700_000_000, response_id: null },
          { role: 'assistant', text: 'Hi!', timestamp: 1_700_000_001, response_id: 'resp_1' },
        ],
        last_response_id: 'resp_1',
      },
    };
    await fs.writeFile(file, JSON.stringify(seed));
    const idsOf = async (store: JsonConversationStore) =>
      ((await store.getConversation('alice', 'conv_1'))?.messages ?? []).map((m) => m.id);

    const first = await openStore();
    const ids = await idsOf(first);
    expect(ids).toHaveLength(2);
    expect(new Set(ids).size).toBe(2);
    for (const id of ids) expect(id).toMatch(/^[A-Za-z0-9_-]{1,128}$/);
    await first.updateMessage('alice', 'conv_1', ids[1]!, { text: 'Hi there!' });
    await first.close();

    const again = await openStore();
    expect(await idsOf(again)).toEqual(ids);
    const read = await again.getConversation('alice', 'conv_1');
    expect(read?.messages.map((m) => m.text)).toEqual(['Hello', 'Hi there!']);
  });

  it('takes a file whose messages are not objects for a damaged one', async () => {
    const file = path.join(temp.path, 'chats', 'alice.json');
    await fs.mkdir(path.dirname(file), { recursive: true });
    await fs.writeFile(file, JSON.stringify({ c: { data: { id: 'c' }, messages: [null] } }));
    const store = await openStore();
    expect(await store.listConversations('alice')).toEqual([]);
    const aside = (await fs.readdir(path.dirname(file))).filter((n) => n.includes('.corrupt-'));
    expect(aside).toHaveLength(1);
  });
});

describe('addMessages', () => {
  it('journals a question and its answer after one header, in order', async () => {
    const store = await openStore();
    const { data } = await store.createConversation('alice', 'Turn');
    const journal = path.join(temp.path, 'chats', 'alice.journal');
    const linesBefore = (await fs.readFile(journal, 'utf8')).split('\n').filter(Boolean).length;
    const [question, answer] = await store.addMessages('alice', data.id, [
      { role: 'user', text: 'Why?', status: 'COMPLETE', timestamp: 10 },
      { role: 'assistant', text: '', status: 'STREAMING', timestamp: 11, response_id: null },
    ]);
    const written = (await fs.readFile(journal, 'utf8')).split('\n').filter(Boolean);
    // The header (last_update of the answer), then both messages in order.
    const added = written.slice(linesBefore).map((line) => JSON.parse(line));
    expect(added.map((op) => op.op === 'msg' && op.message.id)).toEqual([
      false,
      question!.id,
      answer!.id,
    ]);
    const stored = await store.getConversation('alice', data.id);
    expect(stored?.messages.map((m) => m.text)).toEqual(['Why?', '']);
    expect(stored?.last_update).toBe(11);
  });

  it('writes nothing when one of the ids already exists', async () => {
    const store = await openStore();
    const { data } = await store.createConversation('alice', 'Turn');
    const first = await store.addMessage('alice', data.id, {
      role: 'user',
      text: 'one',
      timestamp: 1,
    });
    await expect(
      store.addMessages('alice', data.id, [
        { role: 'user', text: 'two', timestamp: 2 },
        { id: first.id, role: 'assistant', text: 'dup', timestamp: 3 },
      ]),
    ).rejects.toBeInstanceOf(ConflictError);
    const stored = await store.getConversation('alice', data.id);
    expect(stored?.messages.map((m) => m.text)).toEqual(['one']);
  });
});

describe('updateMessage with the conversation header', () => {
  it('stores the answer and moves the chain in one journal append', async () => {
    const store = await openStore();
    const { data } = await store.createConversation('alice', 'Chain', { createdAt: 100 });
    await store.updateConversationMetadata('alice', data.id, { metadata: { keep: true } });
    const answer = await store.addMessage('alice', data.id, {
      role: 'assistant',
      text: '',
      status: 'STREAMING',
    });
    const journal = path.join(temp.path, 'chats', 'alice.journal');
    const before = (await fs.readFile(journal, 'utf8')).trim().split('\n').length;
    const { opens } = await countingOpens(journal, () =>
      store.updateMessage(
        'alice',
        data.id,
        answer.id,
        { text: 'Done.', status: 'COMPLETE', response_id: 'resp_9' },
        { last_response_id: 'resp_9', last_update: 200 },
      ),
    );
    expect(opens).toBe(1);
    const added = (await fs.readFile(journal, 'utf8')).trim().split('\n').slice(before);
    expect(added.map((line) => JSON.parse(line).op)).toEqual(['msg', 'conv']);

    await store.close();
    const read = await (await openStore()).getConversation('alice', data.id);
    expect(read).toMatchObject({
      last_response_id: 'resp_9',
      last_update: 200,
      chat_name: 'Chain',
      data: { metadata: { keep: true } },
    });
    expect(read?.messages[0]).toMatchObject({ text: 'Done.', status: 'COMPLETE' });
  });

  it('finishing a checkpointed answer journals only the text after the checkpoints', async () => {
    const { store, data, answer, journal } = await streamingAnswer('Tail');
    const saved = 'y'.repeat(5_000);
    await store.appendMessageText('alice', data.id, answer.id, 0, saved);
    const lines = async () => (await fs.readFile(journal, 'utf8')).trim().split('\n');
    const before = (await lines()).length;
    await store.updateMessage('alice', data.id, answer.id, {
      text: `${saved} the end.`,
      status: 'COMPLETE',
      response_id: 'resp_1',
    });
    const [finish] = (await lines()).slice(before).map((line) => JSON.parse(line));
    expect(finish).toMatchObject({ op: 'msgtail', from: saved.length, text: ' the end.' });
    expect(finish.message).not.toHaveProperty('text');
    expect(finish.message).toMatchObject({ id: answer.id, status: 'COMPLETE' });

    // A text that does not keep the stored start is written whole.
    const other = await store.addMessage('alice', data.id, { role: 'assistant', text: 'draft' });
    await store.updateMessage('alice', data.id, other.id, { text: 'final' });
    expect(JSON.parse((await lines()).at(-1) as string)).toMatchObject({
      op: 'msg',
      message: { id: other.id, text: 'final' },
    });

    const expected = [`${saved} the end.`, 'final'];
    const texts = async (s: typeof store) =>
      (await s.getConversation('alice', data.id))?.messages.map((m) => m.text);
    expect(await texts(store)).toEqual(expected);
    // A second reader loads the file as a restart after a crash would: the journal replayed.
    const replayed = new JsonConversationStore({ dataDir: temp.path, logger: silentLogger });
    expect(await texts(replayed)).toEqual(expected);
    await store.close();
    // And from the snapshot close() folds the journal into.
    expect(await texts(await openStore())).toEqual(expected);
  });
});

describe('appendMessageText', () => {
  it('journals only the new piece, and a reopened store reads the whole text', async () => {
    const { store, data, answer, journal } = await streamingAnswer('Streaming');
    const before = (await fs.stat(journal)).size;
    const long = 'x'.repeat(5_000);
    await store.appendMessageText('alice', data.id, answer.id, 0, long);
    await store.appendMessageText('alice', data.id, answer.id, long.length, ' and more');
    // A retried piece that overlaps the last one.
    await store.appendMessageText('alice', data.id, answer.id, long.length + 4, ' more!');
    const lastLine = (await fs.readFile(journal, 'utf8')).trim().split('\n').at(-1) as string;
    expect(JSON.parse(lastLine)).toEqual({
      op: 'text',
      conv: data.id,
      id: answer.id,
      from: long.length + 4,
      text: ' more!',
    });
    // Three pieces cost about the text once, not the text three times.
    expect((await fs.stat(journal)).size - before).toBeLessThan(long.length + 500);
    const expected = `${long} and more!`;
    expect((await store.getConversation('alice', data.id))?.messages[0]?.text).toBe(expected);

    await store.close();
    const reopened = await openStore();
    const read = await reopened.getConversation('alice', data.id);
    expect(read?.messages[0]).toMatchObject({ id: answer.id, text: expected, status: 'STREAMING' });
  });

  it('refuses a gap, a bad offset and unknown ids, writing nothing', async () => {
    const store = await openStore();
    const { data } = await store.createConversation('alice', 'Streaming');
    const answer = await store.addMessage('alice', data.id, { role: 'assistant', text: 'ab' });
    await expect(store.appendMessageText('alice', data.id, answer.id, 3, 'c')).rejects.toThrow(
      ConflictError,
    );
    await expect(store.appendMessageText('alice', data.id, answer.id, -1, 'c')).rejects.toThrow(
      /non-negative integer/,
    );
    await expect(store.appendMessageText('alice', data.id, 'm_none', 0, 'c')).rejects.toThrow(
      NotFoundError,
    );
    expect((await store.getConversation('alice', data.id))?.messages[0]?.text).toBe('ab');
  });

  it('writes the pieces of many answers made in one tick as one append; a bad one fails alone', async () => {
    const store = await openStore();
    const answers: Array<{ conversationId: string; messageId: string }> = [];
    for (let i = 0; i < 5; i++) {
      const { data } = await store.createConversation('alice', `Streaming ${i}`);
      const answer = await store.addMessage('alice', data.id, { role: 'assistant', text: '' });
      answers.push({ conversationId: data.id, messageId: answer.id });
    }
    const journal = path.join(temp.path, 'chats', 'alice.journal');
    const { result: outcomes, opens } = await countingOpens(journal, () =>
      Promise.allSettled([
        ...answers.map(({ conversationId, messageId }, i) =>
          store.appendMessageText('alice', conversationId, messageId, 0, `answer ${i}`),
        ),
        // Two pieces of one answer in the same tick, the second continuing the first.
        store.appendMessageText('alice', answers[0]!.conversationId, answers[0]!.messageId, 8, '!'),
        // A gap: refused on its own.
        store.appendMessageText(
          'alice',
          answers[1]!.conversationId,
          answers[1]!.messageId,
          99,
          '?',
        ),
      ]),
    );
    expect(outcomes.map((outcome) => outcome.status)).toEqual([
      ...answers.map(() => 'fulfilled'),
      'fulfilled',
      'rejected',
    ]);
    expect((outcomes.at(-1) as PromiseRejectedResult).reason).toBeInstanceOf(ConflictError);
    // One append (one open of the journal), not one per piece.
    expect(opens).toBe(1);
    const lines = (await fs.readFile(journal, 'utf8')).trim().split('\n').slice(-6);
    expect(lines.map((line) => JSON.parse(line).text)).toEqual([
      'answer 0',
      'answer 1',
      'answer 2',
      'answer 3',
      'answer 4',
      '!',
    ]);
    const texts = await Promise.all(
      answers.map(
        async ({ conversationId }) =>
          (await store.getConversation('alice', conversationId))?.messages[0]?.text,
      ),
    );
    expect(texts).toEqual(['answer 0!', 'answer 1', 'answer 2', 'answer 3', 'answer 4']);
  });
});

/** Runs `action` and counts how often it opened `file`: one open is one journal append. */
async function countingOpens<T>(file: string, action: () => Promise<T>) {
  const opened = vi.spyOn(fs, 'open');
  try {
    const result = await action();
    return { result, opens: opened.mock.calls.filter(([name]) => name === file).length };
  } finally {
    opened.mockRestore();
  }
}
