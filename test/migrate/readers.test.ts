import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { convertChatGptConversation } from '../../src/migrate/chatgpt.js';
import { renderContent } from '../../src/migrate/content-parts.js';
import { convertThread } from '../../src/migrate/convert.js';
import {
  listLegacyIndexFiles,
  parseThreadEntry,
  readLegacyIndex,
} from '../../src/migrate/legacy-index.js';
import { foldCopies, mergeConversation } from '../../src/migrate/merge.js';
import { readMessageExport } from '../../src/migrate/message-export.js';
import type { StoredConversation, StoredMessage } from '../../src/services/types.js';
import { FIXTURES } from './support.js';

const messagesDir = path.join(FIXTURES, 'messages');
const indexFile = (user: string) => path.join(FIXTURES, 'chats', `${user}.json`);

async function idsOf(threadId: string) {
  const saved = await readMessageExport(messagesDir, threadId);
  return saved?.messages.map((message) => message.id);
}

describe('message exports', () => {
  it('reads every saved shape oldest first', async () => {
    expect(await idsOf('thread_single')).toEqual(['msg_s1', 'msg_s2']);
    expect(await idsOf('thread_bare')).toEqual(['msg_b1', 'msg_b2']);
    // Two pages, each newest first, saved newest page first.
    expect(await idsOf('thread_pages')).toEqual(['msg_p0', 'msg_p1', 'msg_p2', 'msg_p3', 'msg_p4']);
    // Newest first; two messages of the same second keep the order the API listed them in.
    expect(await idsOf('thread_newest')).toEqual(['msg_n1', 'msg_n2a', 'msg_n2b', 'msg_n3']);
  });

  it('orders messages of one second as the API listed them, not by their random ids', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'threadline-export-'));
    try {
      const message = (id: string, created_at: number, role: string) => ({
        id,
        object: 'thread.message',
        created_at,
        role,
        content: [{ type: 'text', text: { value: id, annotations: [] } }],
      });
      // Newest first, as the API lists by default: the answer came after the question.
      const page = (data: unknown[], has_more: boolean) => ({ object: 'list', data, has_more });
      await writeFile(
        path.join(dir, 'thread_tie.json'),
        JSON.stringify([
          page(
            [message('msg_aAnswer2', 300, 'assistant'), message('msg_zAsk2', 300, 'user')],
            false,
          ),
          page([message('msg_aAnswer', 200, 'assistant'), message('msg_zAsk', 200, 'user')], true),
        ]),
      );
      // A second split over two pages: newest page first, each page newest first.
      await writeFile(
        path.join(dir, 'thread_split.json'),
        JSON.stringify([
          page([message('msg_3', 6, 'user'), message('msg_2', 5, 'assistant')], true),
          page([message('msg_1', 5, 'user')], false),
        ]),
      );
      await writeFile(
        path.join(dir, 'thread_bare_tie.json'),
        JSON.stringify([
          message('msg_zAsk', 200, 'user'),
          message('msg_aAnswer', 200, 'assistant'),
        ]),
      );
      const ids = async (id: string) =>
        (await readMessageExport(dir, id))?.messages.map((m) => m.id);
      expect(await ids('thread_tie')).toEqual([
        'msg_zAsk',
        'msg_aAnswer',
        'msg_zAsk2',
        'msg_aAnswer2',
      ]);
      expect(await ids('thread_split')).toEqual(['msg_1', 'msg_2', 'msg_3']);
      // A bare array is taken in the order it is given.
      expect(await ids('thread_bare_tie')).toEqual(['msg_zAsk', 'msg_aAnswer']);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('of two copies of one message, keeps the finished one, or else the one with more text', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'threadline-export-'));
    try {
      const answer = (value: string, status: string) => ({
        id: 'msg_a1',
        object: 'thread.message',
        created_at: 200,
        role: 'assistant',
        status,
        content: [{ type: 'text', text: { value, annotations: [] } }],
      });
      const question = {
        ...answer('What is it?', 'completed'),
        id: 'msg_q1',
        created_at: 100,
        role: 'user',
      };
      const page = (data: unknown[]) => ({ object: 'list', data, has_more: false });
      // The same thread saved twice: first while the answer was still being written.
      const pages = (...answers: unknown[]) => answers.map((a) => page([a, question]));
      const texts = async (id: string, ...answers: unknown[]) => {
        await writeFile(path.join(dir, `${id}.json`), JSON.stringify(pages(...answers)));
        const saved = await readMessageExport(dir, id);
        return saved?.messages.map((m) => [m.id, m.status, renderContent(m.content, null).text]);
      };
      const whole = ['msg_a1', 'completed', 'The answer is 42.'];
      expect(
        await texts(
          'thread_a',
          answer('The answer', 'in_progress'),
          answer('The answer is 42.', 'completed'),
        ),
      ).toEqual([['msg_q1', 'completed', 'What is it?'], whole]);
      expect(
        await texts(
          'thread_b',
          answer('The answer is 42.', 'completed'),
          answer('The', 'in_progress'),
        ),
      ).toEqual([['msg_q1', 'completed', 'What is it?'], whole]);
      expect(
        await texts('thread_c', answer('The', 'in_progress'), answer('The answer', 'incomplete')),
      ).toEqual([
        ['msg_q1', 'completed', 'What is it?'],
        ['msg_a1', 'incomplete', 'The answer'],
      ]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('keeps the messages of an export whose pages all say has_more, and says it is incomplete', async () => {
    const saved = await readMessageExport(messagesDir, 'thread_incomplete');
    expect(saved?.messages.map((message) => message.id)).toEqual(['msg_i1', 'msg_i2']);
    expect(saved?.problems).toEqual([expect.stringMatching(/^export is incomplete/)]);
    const complete = await readMessageExport(messagesDir, 'thread_pages');
    expect(complete?.problems).toEqual([]);
  });

  it('returns null for a thread with no export and throws a reason for a corrupt one', async () => {
    expect(await readMessageExport(messagesDir, 'thread_noexport')).toBeNull();
    await expect(readMessageExport(messagesDir, 'thread_corrupt')).rejects.toThrow(
      /not valid JSON/,
    );
  });
});

describe('thread indexes', () => {
  it('reads each entry on its own: a bad entry costs only that thread', async () => {
    const index = await readLegacyIndex('alice', indexFile('alice'));
    expect(index.threads.map((thread) => thread.threadId)).toHaveLength(8);
    expect(index.failures).toEqual([
      {
        user: 'alice',
        file: indexFile('alice'),
        thread: 'thread_badentry',
        reason: 'data.created_at is not a time in Unix seconds',
      },
    ]);
    const bare = index.threads.find((thread) => thread.threadId === 'thread_bare');
    expect(bare).toMatchObject({ chatName: 'Bare array', metadata: { topic: 'tides' } });
  });

  it('reads null as absent, and refuses a time no date can hold', () => {
    const data = { id: 'thread_n', created_at: 1_700_000_000 };
    expect(parseThreadEntry('thread_n', { data, chat_name: null, last_update: null })).toEqual({
      threadId: 'thread_n',
      createdAt: 1_700_000_000,
      chatName: '',
      lastUpdate: 1_700_000_000,
      metadata: {},
      toolResources: null,
    });
    expect(parseThreadEntry('thread_n', { data: { created_at: 1e16 } })).toBe(
      'data.created_at is not a time in Unix seconds',
    );
    expect(parseThreadEntry('thread_n', { data, last_update: -1e13 })).toBe(
      'last_update is not a time in Unix seconds',
    );
  });

  it('refuses a key that is not an id before it names a file or a request', () => {
    const data = { created_at: 1_700_000_000 };
    const reason =
      'key is not a thread id (thread_ then letters, digits, "_" or "-", 128 in all at most)';
    for (const key of [
      'thread_/../../outside/x',
      'thread_a b',
      `thread_${'x'.repeat(122)}`,
      'run_1',
    ]) {
      expect(parseThreadEntry(key, { data })).toBe(reason);
    }
    expect(parseThreadEntry(`thread_${'x'.repeat(121)}`, { data })).toMatchObject({
      createdAt: 1_700_000_000,
    });
  });

  it('names a chat with a blank name after its first question, never cutting an emoji', () => {
    const thread = {
      threadId: 'thread_e',
      createdAt: 1_700_000_000,
      chatName: '   ',
      lastUpdate: 1_700_000_000,
      metadata: {},
      toolResources: null,
    };
    const question = `${'Q'.repeat(39)}😀😀 and more`;
    const message = {
      id: 'msg_e1',
      created_at: 1_700_000_001,
      role: 'user' as const,
      content: [{ type: 'text', text: { value: question, annotations: [] } }],
    };
    const name = convertThread(thread, [message]).conversation.chat_name;
    expect(name).toBe(`${'Q'.repeat(39)}😀…`);
  });

  it('reports a corrupt index file as one failure with no threads', async () => {
    const index = await readLegacyIndex('carol', indexFile('carol'));
    expect(index.threads).toEqual([]);
    expect(index.failures).toEqual([
      expect.objectContaining({
        user: 'carol',
        thread: null,
        reason: expect.stringMatching(/JSON/),
      }),
    ]);
  });

  it('lists index files reached through a symbolic link, and reads files that start with a BOM', async () => {
    const root = await mkdtemp(path.join(os.tmpdir(), 'threadline-index-'));
    try {
      const dir = path.join(root, 'chats');
      await mkdir(dir);
      const bom = '\uFEFF';
      const index = { thread_x: { data: { id: 'thread_x', object: 'thread', created_at: 1 } } };
      await writeFile(path.join(root, 'dave.json'), bom + JSON.stringify(index));
      await symlink(path.join(root, 'dave.json'), path.join(dir, 'dave.json'));
      await writeFile(path.join(dir, 'erin.json'), JSON.stringify(index));
      await mkdir(path.join(dir, 'folder.json'));
      const files = await listLegacyIndexFiles(dir);
      expect(files.map((file) => file.user)).toEqual(['dave', 'erin']);
      const read = await readLegacyIndex('dave', files[0]!.file);
      expect(read).toMatchObject({ failures: [], threads: [{ threadId: 'thread_x' }] });

      const page = { object: 'list', has_more: false, data: [] as unknown[] };
      page.data.push({ id: 'msg_1', created_at: 2, role: 'user', content: [] });
      await writeFile(path.join(root, 'thread_x.json'), bom + JSON.stringify(page));
      expect((await readMessageExport(root, 'thread_x'))?.messages.map((m) => m.id)).toEqual([
        'msg_1',
      ]);
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });
});

describe('ChatGPT conversations', () => {
  it('dates a conversation without create_time by its first dated message', () => {
    const node = (parent: string, id: string, role: string, at: number, text: string) => ({
      parent,
      message: {
        id,
        author: { role },
        create_time: at,
        content: { content_type: 'text', parts: [text] },
      },
    });
    const converted = convertChatGptConversation({
      id: 'c1',
      title: 'No date',
      current_node: 'm2',
      mapping: {
        root: { message: null, parent: null },
        m1: node('root', 'm1', 'user', 1_700_100_000, 'Hello'),
        m2: node('m1', 'm2', 'assistant', 1_700_100_005, 'Hi'),
      },
    });
    expect(typeof converted).toBe('object');
    const { conversation } = converted as Exclude<typeof converted, string>;
    expect(conversation.data.created_at).toBe(1_700_100_000);
    expect(conversation.last_update).toBe(1_700_100_005);
  });
});

describe('conversion of non-text content', () => {
  it('writes readable placeholders and keeps the original parts in the message metadata', async () => {
    const index = await readLegacyIndex('alice', indexFile('alice'));
    const thread = index.threads.find((t) => t.threadId === 'thread_parts')!;
    const saved = await readMessageExport(messagesDir, 'thread_parts');
    const migrated = convertThread(thread, saved!.messages);
    const [image, citation, plot] = migrated.conversation.messages;

    expect(image?.text).toBe('What is in this picture?\n\n[image: file-img1]\n\n[file: file-doc1]');
    expect(image?.metadata?.legacy_content).toEqual(saved!.messages[0]!.content);
    expect(image?.metadata?.attachments).toEqual([
      { file_id: 'file-doc1', tools: [{ type: 'file_search' }] },
    ]);
    expect(citation?.text).toBe('A harbour at low tide.【4:0†source】\n[citation: file-doc1]');
    expect(citation?.metadata).toMatchObject({
      legacy_content: saved!.messages[1]!.content,
      assistant_id: 'asst_legacy',
      run_id: 'run_1',
    });
    expect(plot?.text).toBe(
      '[image: file-plot]\n\nDownload the data: sandbox:/mnt/data/tides.csv\n[file: file-csv]',
    );
    // image + attachment, one citation, image + file path.
    expect(migrated.nonTextParts).toBe(5);
  });

  it('keeps a plain text message as it was, without copying its content', async () => {
    const index = await readLegacyIndex('alice', indexFile('alice'));
    const thread = index.threads.find((t) => t.threadId === 'thread_single')!;
    const saved = await readMessageExport(messagesDir, 'thread_single');
    const [question] = convertThread(thread, saved!.messages).conversation.messages;
    expect(question).toEqual({
      id: 'msg_s1',
      role: 'user',
      text: 'What is a tide?',
      timestamp: 1_700_000_001,
      response_id: null,
      status: 'COMPLETE',
    });
  });
});

describe('merging into a stored conversation', () => {
  const message = (id: string, timestamp: number, text = id): StoredMessage => ({
    id,
    role: 'user',
    text,
    timestamp,
    response_id: null,
    status: 'COMPLETE',
  });
  const conversation = (messages: StoredMessage[]): StoredConversation => ({
    data: { id: 'thread_g', created_at: 10, metadata: {}, object: 'conversation' },
    chat_name: 'Gap',
    last_update: 11,
    messages,
    last_response_id: null,
  });

  it('puts a recovered message where the source has it among messages of its second', () => {
    const stored = conversation([message('e0', 10), message('e2', 11)]);
    const source = conversation([message('e0', 10), message('e1', 11), message('e2', 11)]);
    const merged = mergeConversation(stored, source);
    expect(merged.messagesAdded).toBe(1);
    expect(merged.conversation.messages.map((m) => m.id)).toEqual(['e0', 'e1', 'e2']);

    // Two copies of one conversation in a source fold into one, counting shared parts once.
    const copy = { legacyId: 'thread_g', indexOnly: false, nonTextParts: 1, skippedMessages: 2 };
    const folded = foldCopies([
      { ...copy, conversation: stored },
      { ...copy, conversation: source },
    ]);
    expect(folded).toHaveLength(1);
    expect(folded[0]).toMatchObject({ nonTextParts: 1, skippedMessages: 2 });
    expect(folded[0]?.conversation.messages.map((m) => m.id)).toEqual(['e0', 'e1', 'e2']);
  });

  it('finds a copy stored under another id up to a second off, each repeat for its own', () => {
    // One "ok" sent twice in a row, stored with times one source rounded up.
    const stored = conversation([message('m_1', 11, 'ok'), message('m_2', 12, 'ok')]);
    const source = conversation([
      message('msg_1', 10.4, 'ok'),
      message('msg_2', 11.2, 'ok'),
      // Further off, or of another text: other messages.
      message('msg_3', 13.5, 'ok'),
      message('msg_4', 12, 'okay'),
    ]);
    const merged = mergeConversation(stored, source);
    expect(merged.messagesAdded).toBe(2);
    expect(merged.conversation.messages.map((m) => m.id)).toEqual(['m_1', 'm_2', 'msg_4', 'msg_3']);
    expect(mergeConversation(merged.conversation, source).action).toBe('unchanged');
  });
});
