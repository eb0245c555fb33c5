import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/logger.js';
import { runMigration } from '../../src/migrate/run.js';
import { chatGptSources } from '../../src/migrate/sources.js';
import type { MigrationMode } from '../../src/migrate/types.js';
import { useTempDir } from '../helpers/temp-dir.js';
import { FIXTURES, storedConversations } from './support.js';

const temp = useTempDir('threadline-chatgpt-');
const EXPORT = path.join(FIXTURES, 'chatgpt', 'conversations.json');
const PORTS = '5f0c1e2a-1111-4c3b-9d7e-aaaaaaaaaaaa';

/** Imports (or verifies) the export `file` for erin. */
async function importFile(file: string, mode: MigrationMode = 'migrate') {
  return runMigration({
    source: 'chatgpt',
    mode,
    dataDir: temp.path,
    sources: await chatGptSources(file, 'erin'),
    originals: [file],
    logger: silentLogger,
  });
}

const importExport = (mode?: MigrationMode) => importFile(EXPORT, mode);

describe('ChatGPT export import', () => {
  it('imports the visible branch of each conversation, with non-text parts kept', async () => {
    const report = await importExport();

    const erin = await storedConversations(temp.path, 'erin');
    const ports = erin.get(PORTS)!;
    expect(ports.chat_name).toBe('Tidal ports');
    expect(ports.data.metadata).toEqual({ chatgpt_conversation_id: PORTS });
    expect(ports.last_response_id).toBeNull();
    // The regenerated answer and the abandoned follow-up are on other branches.
    expect(ports.messages.map((m) => [m.id, m.role, m.text])).toEqual([
      ['u1', 'user', 'Name three tidal ports.'],
      ['a1b', 'assistant', 'Saint-Malo, Bristol, Anchorage.'],
      ['u2', 'user', '[image: file-harbour]\n\nWhich one is this?'],
      ['a2', 'assistant', 'That looks like Saint-Malo.'],
    ]);
    expect(ports.messages[1]?.model).toBe('gpt-4o');
    expect(ports.messages[2]?.metadata?.chatgpt_content).toMatchObject({
      content_type: 'multimodal_text',
    });
    // No title: named after its first question.
    expect(erin.get('5f0c1e2a-2222-4c3b-9d7e-bbbbbbbbbbbb')?.chat_name).toBe('Short one');

    expect(report.failures).toEqual([
      {
        user: 'erin',
        file: EXPORT,
        thread: '5f0c1e2a-3333-4c3b-9d7e-cccccccccccc',
        reason: 'current_node does not name a node of the mapping',
      },
    ]);
    // The hidden system node.
    expect(report.totals).toMatchObject({
      conversationsAdded: 2,
      messagesAdded: 6,
      skippedMessages: 1,
    });
  });

  it("keeps uploads and citations: a placeholder per file, and the export's own records", async () => {
    const node = (id: string, parent: string | null, message: unknown) => ({
      id,
      message,
      parent,
      children: [],
    });
    const message = (id: string, role: string, parts: string[], metadata: unknown) => ({
      id,
      author: { role },
      create_time: 1_700_006_000,
      content: { content_type: 'text', parts },
      metadata,
    });
    const attachments = [{ id: 'file-1', name: 'report.pdf', mime_type: 'application/pdf' }];
    // An uploaded image: in the parts as an asset pointer, and among the attachments.
    const image = { id: 'file-2', name: 'harbour.png', mime_type: 'image/png' };
    const pointer = { content_type: 'image_asset_pointer', asset_pointer: 'file-service://file-2' };
    const citations = [{ start_ix: 0, end_ix: 4, metadata: { url: 'https://example.com' } }];
    const file = path.join(temp.path, 'uploads.json');
    await writeFile(
      file,
      JSON.stringify([
        {
          title: 'Uploads',
          create_time: 1_700_006_000,
          id: 'conv-uploads',
          current_node: 'p',
          mapping: {
            r: node('r', null, null),
            u: node('u', 'r', message('u', 'user', [''], { attachments })),
            a: node('a', 'u', message('a', 'assistant', ['Read it.'], { citations })),
            p: node('p', 'a', {
              ...message('p', 'user', [], { attachments: [image] }),
              content: { content_type: 'multimodal_text', parts: [pointer, 'And this?'] },
            }),
          },
        },
      ]),
    );
    const report = await importFile(file);
    const [upload, answer, picture] = (await storedConversations(temp.path, 'erin')).get(
      'conv-uploads',
    )!.messages;
    expect(upload).toMatchObject({
      text: '[file: report.pdf]',
      metadata: { chatgpt_attachments: attachments },
    });
    expect(answer).toMatchObject({ text: 'Read it.', metadata: { chatgpt_citations: citations } });
    expect(picture?.text).toBe('[image: file-2]\n\nAnd this?');
    expect(report.totals).toMatchObject({ messagesAdded: 3, skippedMessages: 0, nonTextParts: 2 });
  });

  it('imports once: a second run and a verification find everything in place', async () => {
    await importExport();
    const again = await importExport();
    expect(again.totals).toMatchObject({ conversationsAdded: 0, conversationsUpdated: 0 });
    const verified = await importExport('verify');
    expect(verified.verify).toEqual({
      checkedConversations: 2,
      deletedConversations: 0,
      checkedMessages: 6,
      problems: [],
    });
  });

  it('merges two copies of one conversation in an export, losing neither', async () => {
    const copy = (message: string, text: string, at: number) => ({
      id: 'conv-d',
      title: 'Listed twice',
      create_time: 1_700_000_000,
      current_node: message,
      mapping: {
        root: { message: null, parent: null },
        [message]: {
          parent: 'root',
          message: {
            id: message,
            author: { role: 'user' },
            create_time: at,
            content: { content_type: 'text', parts: [text] },
          },
        },
      },
    });
    const file = path.join(temp.path, 'twice.json');
    await writeFile(file, JSON.stringify([copy('x1', 'First copy', 10), copy('y1', 'Second', 20)]));
    const run = (mode: MigrationMode) => importFile(file, mode);
    const report = await run('migrate');
    expect(report.totals).toMatchObject({ conversationsAdded: 1, messagesAdded: 2 });
    const stored = (await storedConversations(temp.path, 'erin')).get('conv-d');
    expect(stored?.messages.map((m) => m.text)).toEqual(['First copy', 'Second']);
    const verified = await run('verify');
    expect(verified.verify?.problems).toEqual([]);
    expect(verified.verify?.checkedMessages).toBe(2);
    // Run again, the conversation counts once, unchanged.
    expect((await run('dry-run')).totals).toMatchObject({
      conversationsAdded: 0,
      conversationsUpdated: 0,
      conversationsUnchanged: 1,
    });
  });
  describe('an edited or regenerated branch', () => {
    const message = (id: string, role: string, text: string, at: number) => ({
      id,
      author: { role },
      create_time: at,
      content: { content_type: 'text', parts: [text] },
    });
    // The tree as ChatGPT keeps it: the question u1 was edited into e1, which has its own answer.
    const nodes: Record<string, { parent: string | null; message: unknown }> = {
      root: { parent: null, message: null },
      sys: { parent: 'root', message: { ...message('sys', 'system', 'Be brief.', 1), id: 'sys' } },
      u1: { parent: 'sys', message: message('u1', 'user', 'Old question', 10) },
      a1: { parent: 'u1', message: message('a1', 'assistant', 'Old answer', 11) },
      e1: { parent: 'sys', message: message('e1', 'user', 'Edited question', 20) },
      b1: { parent: 'e1', message: message('b1', 'assistant', 'Edited answer', 21) },
      e2: { parent: 'b1', message: message('e2', 'user', 'Edited follow-up', 30) },
      b2: { parent: 'e2', message: message('b2', 'assistant', 'Edited follow-up answer', 31) },
      u2: { parent: 'a1', message: message('u2', 'user', 'Old follow-up', 40) },
      a2: { parent: 'u2', message: message('a2', 'assistant', 'Old follow-up answer', 41) },
    };
    /** An export holding the nodes named, showing the branch that ends at `current`. */
    const exportOf = async (name: string, current: string, held: string[]) => {
      const file = path.join(temp.path, `${name}.json`);
      const mapping = Object.fromEntries(held.map((id) => [id, nodes[id]]));
      await writeFile(
        file,
        JSON.stringify([
          { id: 'conv-e', title: 'Edits', create_time: 5, current_node: current, mapping },
        ]),
      );
      return (mode?: MigrationMode) => importFile(file, mode);
    };
    const texts = (conversation: { messages: { text: string }[] } | undefined) =>
      conversation?.messages.map((m) => m.text);
    const FORK = 'conv-e_e1';

    it('keeps the branch imported before and imports the edited branch whole beside it', async () => {
      const first = await exportOf('first', 'a1', ['root', 'sys', 'u1', 'a1']);
      await first();
      const original = (await storedConversations(temp.path, 'erin')).get('conv-e');
      expect(texts(original)).toEqual(['Old question', 'Old answer']);

      const edited = await exportOf('edited', 'b1', ['root', 'sys', 'u1', 'a1', 'e1', 'b1']);
      const report = await edited();
      expect(report.totals).toMatchObject({
        conversationsAdded: 1,
        conversationsUpdated: 0,
        conversationsUnchanged: 0,
        messagesAdded: 2,
      });
      expect(report.users[0]?.changes).toEqual([
        expect.objectContaining({
          action: 'add',
          conversationId: FORK,
          chatName: 'Edits (edited)',
          messagesAdded: 2,
        }),
      ]);
      let erin = await storedConversations(temp.path, 'erin');
      expect(erin.size).toBe(2);
      expect(erin.get('conv-e')).toEqual(original);
      const fork = erin.get(FORK);
      expect(fork?.chat_name).toBe('Edits (edited)');
      expect(fork?.data.metadata).toMatchObject({ chatgpt_conversation_id: 'conv-e' });
      expect(fork?.messages.map((m) => [m.id, m.text])).toEqual([
        ['e1', 'Edited question'],
        ['b1', 'Edited answer'],
      ]);
      expect((await edited('verify')).verify?.problems).toEqual([]);

      // The edited branch continued: its conversation gains the new turn.
      const continued = await exportOf('continued', 'b2', [...Object.keys(nodes)]);
      const third = await continued();
      expect(third.totals).toMatchObject({
        conversationsAdded: 0,
        conversationsUpdated: 1,
        conversationsUnchanged: 0,
        messagesAdded: 2,
      });
      erin = await storedConversations(temp.path, 'erin');
      expect(erin.size).toBe(2);
      expect(erin.get('conv-e')).toEqual(original);
      expect(texts(erin.get(FORK))).toEqual([
        'Edited question',
        'Edited answer',
        'Edited follow-up',
        'Edited follow-up answer',
      ]);
      // Again: nothing changes, and everything is found.
      const again = await continued();
      expect(again.totals).toMatchObject({
        conversationsAdded: 0,
        conversationsUpdated: 0,
        conversationsUnchanged: 1,
      });
      expect(await storedConversations(temp.path, 'erin')).toEqual(erin);
      expect((await continued('verify')).verify).toMatchObject({
        checkedConversations: 1,
        checkedMessages: 4,
        problems: [],
      });

      // Back on the old branch, which went on: the original conversation gains its new turn.
      const back = await exportOf('back', 'a2', [...Object.keys(nodes)]);
      const fourth = await back();
      expect(fourth.totals).toMatchObject({
        conversationsAdded: 0,
        conversationsUpdated: 1,
        messagesAdded: 2,
      });
      expect(fourth.users[0]?.changes[0]?.conversationId).toBe('conv-e');
      erin = await storedConversations(temp.path, 'erin');
      expect(erin.size).toBe(2);
      expect(texts(erin.get('conv-e'))).toEqual([
        'Old question',
        'Old answer',
        'Old follow-up',
        'Old follow-up answer',
      ]);
      expect(texts(erin.get(FORK))).toHaveLength(4);
      expect((await back('verify')).verify?.problems).toEqual([]);
      expect((await back()).totals).toMatchObject({ conversationsUnchanged: 1 });
    });

    it('gives a branch edited again a conversation of its own too', async () => {
      await (await exportOf('first', 'a1', ['root', 'sys', 'u1', 'a1']))();
      await (
        await exportOf(
          'edited',
          'b2',
          Object.keys(nodes).filter((id) => id !== 'u2'),
        )
      )();
      // The follow-up on the edited branch is edited in turn: e3 beside e2.
      nodes.e3 = { parent: 'b1', message: message('e3', 'user', 'Second edit', 50) };
      try {
        const again = await exportOf('again', 'e3', [...Object.keys(nodes)]);
        const report = await again();
        expect(report.users[0]?.changes).toEqual([
          expect.objectContaining({ action: 'add', conversationId: 'conv-e_e3', messagesAdded: 3 }),
        ]);
        const erin = await storedConversations(temp.path, 'erin');
        expect(erin.size).toBe(3);
        expect(texts(erin.get('conv-e_e3'))).toEqual([
          'Edited question',
          'Edited answer',
          'Second edit',
        ]);
        expect(texts(erin.get(FORK))).toHaveLength(4);
        expect((await again('verify')).verify?.problems).toEqual([]);
        expect((await again()).totals).toMatchObject({
          conversationsAdded: 0,
          conversationsUpdated: 0,
          conversationsUnchanged: 1,
        });
      } finally {
        delete nodes.e3;
      }
    });

    it('imports two copies of one conversation that show different branches apart', async () => {
      const copy = (current: string) => ({
        id: 'conv-e',
        title: 'Edits',
        create_time: 5,
        current_node: current,
        mapping: nodes,
      });
      const file = path.join(temp.path, 'copies.json');
      await writeFile(file, JSON.stringify([copy('a1'), copy('b1')]));
      const run = (mode?: MigrationMode) => importFile(file, mode);
      expect((await run()).totals).toMatchObject({ conversationsAdded: 2, messagesAdded: 4 });
      const erin = await storedConversations(temp.path, 'erin');
      expect(texts(erin.get('conv-e'))).toEqual(['Old question', 'Old answer']);
      expect(texts(erin.get(FORK))).toEqual(['Edited question', 'Edited answer']);
      expect((await run('verify')).verify?.problems).toEqual([]);
      expect((await run()).totals).toMatchObject({
        conversationsAdded: 0,
        conversationsUpdated: 0,
        conversationsUnchanged: 2,
      });
    });
  });
});
