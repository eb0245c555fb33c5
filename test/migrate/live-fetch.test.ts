import { copyFile, mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { LegacyThreadMessage } from '../../src/emulator/types.js';
import { createThreadFetcher } from '../../src/migrate/live-fetch.js';
import { startTestEmulator, type TestEmulator } from '../helpers/emulator.js';
import { useTempDir } from '../helpers/temp-dir.js';
import { copyFixtures, migrate, storedConversations } from './support.js';

const temp = useTempDir('threadline-fetch-');
let upstream: TestEmulator;
beforeEach(async () => {
  upstream = await startTestEmulator();
});
afterEach(() => upstream.close());

const T = 1_700_000_000;
/** More than two pages of the largest size the API serves. */
const long: LegacyThreadMessage[] = Array.from({ length: 250 }, (_, i) => ({
  id: `msg_${String(i).padStart(4, '0')}`,
  created_at: T + i,
  role: i % 2 === 0 ? 'user' : 'assistant',
  content:
    i === 1
      ? [
          { type: 'text', text: { value: 'Here is the chart.', annotations: [] } },
          { type: 'image_file', image_file: { file_id: 'file-chart' } },
        ]
      : `message ${i}`,
}));

const entry = (id: string, name: string) => ({
  data: { id, object: 'thread', created_at: T, metadata: {} },
  chat_name: name,
  last_update: T,
});

/** Dave's index of `threads`, with the fixtures' exports of those threads only. */
async function layoutFor(threads: Record<string, unknown>) {
  const layout = await copyFixtures(temp.path);
  const legacyDir = path.join(temp.path, 'only-dave');
  await mkdir(legacyDir);
  await writeFile(path.join(legacyDir, 'dave.json'), JSON.stringify(threads));
  const messagesDir = path.join(temp.path, 'only-dave-messages');
  await mkdir(messagesDir);
  for (const id of Object.keys(threads)) {
    const file = `${id}.json`;
    await copyFile(path.join(layout.messagesDir, file), path.join(messagesDir, file)).catch(
      () => {},
    );
  }
  return { ...layout, legacyDir, messagesDir };
}

describe('live fetch through the openai SDK', () => {
  it('follows has_more across pages, oldest first, and keeps non-text parts', async () => {
    upstream.emulator.seedThread('thread_live', long);
    const fetchThread = createThreadFetcher(upstream.client);

    const { messages, problems } = await fetchThread('thread_live');

    expect(problems).toEqual([]);
    expect(messages.map((m) => m.id)).toEqual(long.map((m) => m.id));
    expect(messages[1]?.content).toEqual(long[1]?.content);
  });

  it('keeps the order of messages of one second as the API lists them', async () => {
    upstream.emulator.seedThread('thread_tie', [
      { id: 'msg_zAsk', created_at: T, role: 'user', content: 'question' },
      { id: 'msg_aAnswer', created_at: T, role: 'assistant', content: 'answer' },
    ]);
    const { messages } = await createThreadFetcher(upstream.client)('thread_tie');
    expect(messages.map((m) => m.id)).toEqual(['msg_zAsk', 'msg_aAnswer']);
  });

  it("keeps the fetch's copy of a message the export caught unfinished", async () => {
    upstream.emulator.seedThread('thread_both', [
      { id: 'msg_q', created_at: T, role: 'user', content: 'question' },
      { id: 'msg_a', created_at: T + 1, role: 'assistant', content: 'the whole answer' },
    ]);
    const layout = await layoutFor({ thread_both: entry('thread_both', 'Both') });
    const text = (value: string) => [{ type: 'text', text: { value, annotations: [] } }];
    await writeFile(
      path.join(layout.messagesDir, 'thread_both.json'),
      JSON.stringify([
        { id: 'msg_q', created_at: T, role: 'user', content: text('question') },
        {
          id: 'msg_a',
          created_at: T + 1,
          role: 'assistant',
          status: 'in_progress',
          content: text('the who'),
        },
      ]),
    );
    await migrate(layout, 'migrate', { fetchThread: createThreadFetcher(upstream.client) });
    const both = (await storedConversations(layout.dataDir, 'dave')).get('thread_both')!;
    expect(both.messages.map((m) => [m.text, m.status])).toEqual([
      ['question', 'COMPLETE'],
      ['the whole answer', 'COMPLETE'],
    ]);
  });

  it('migrates fetched threads, completes a cut-short export and reports a failed fetch', async () => {
    upstream.emulator.seedThread('thread_live', long);
    // The full thread whose export (in the fixtures) holds only its last two messages.
    upstream.emulator.seedThread('thread_incomplete', [
      { id: 'msg_i0a', created_at: T + 399, role: 'user', content: 'before the export' },
      { id: 'msg_i0b', created_at: T + 400, role: 'assistant', content: 'also before' },
      { id: 'msg_i1', created_at: T + 401, role: 'user', content: 'early question' },
      { id: 'msg_i2', created_at: T + 402, role: 'assistant', content: 'later answer' },
    ]);
    const layout = await layoutFor({
      thread_live: entry('thread_live', 'Live'),
      thread_incomplete: entry('thread_incomplete', 'Cut short'),
      thread_gone: entry('thread_gone', 'Deleted upstream'),
    });

    const report = await migrate(layout, 'migrate', {
      fetchThread: createThreadFetcher(upstream.client),
    });

    const dave = await storedConversations(layout.dataDir, 'dave');
    expect(dave.get('thread_live')?.messages).toHaveLength(250);
    expect(dave.get('thread_live')?.messages[1]).toMatchObject({
      text: 'Here is the chart.\n\n[image: file-chart]',
      metadata: { legacy_content: long[1]?.content },
    });
    expect(dave.get('thread_incomplete')?.messages.map((m) => m.id)).toEqual([
      'msg_i0a',
      'msg_i0b',
      'msg_i1',
      'msg_i2',
    ]);
    // Still a conversation, so a later run can fill it in.
    expect(dave.get('thread_gone')?.messages).toEqual([]);
    expect(report.failures).toEqual([
      {
        user: 'dave',
        file: null,
        thread: 'thread_gone',
        reason: expect.stringMatching(/^fetch failed: 404 No thread found/),
      },
    ]);
    expect(report.status).toBe('partial');

    // Once the thread can be fetched, a re-run fills it in and nothing else.
    upstream.emulator.seedThread('thread_gone', long.slice(0, 3));
    const again = await migrate(layout, 'migrate', {
      fetchThread: createThreadFetcher(upstream.client),
    });
    expect(again.status).toBe('complete');
    expect(again.totals).toMatchObject({ conversationsUpdated: 1, messagesAdded: 3 });
  });
});
