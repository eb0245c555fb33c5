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

async function importExport(mode: MigrationMode = 'migrate') {
  return runMigration({
    source: 'chatgpt',
    mode,
    dataDir: temp.path,
    sources: await chatGptSources(EXPORT, 'erin'),
    originals: [EXPORT],
    logger: silentLogger,
  });
}

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
    const report = await runMigration({
      source: 'chatgpt',
      mode: 'migrate',
      dataDir: temp.path,
      sources: await chatGptSources(file, 'erin'),
      originals: [file],
      logger: silentLogger,
    });
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
    const run = async (mode: MigrationMode) =>
      runMigration({
        source: 'chatgpt',
        mode,
        dataDir: temp.path,
        sources: await chatGptSources(file, 'erin'),
        originals: [file],
        logger: silentLogger,
      });
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
});
