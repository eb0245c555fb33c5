/** Fields of the legacy data Threadline has no place for are kept, and verification checks them. */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/logger.js';
import { JsonConversationStore } from '../../src/services/conversation-store.js';
import { useTempDir } from '../helpers/temp-dir.js';
import { emptyLayout, migrate, storedConversations } from './support.js';

const temp = useTempDir('threadline-migrate-kept-');
const T = 1_700_000_000;

const message = (id: string, role: string, text: string, at: number, extra = {}) => ({
  id,
  object: 'thread.message',
  created_at: at,
  thread_id: 'thread_extra',
  role,
  content: [{ type: 'text', text: { value: text, annotations: [] } }],
  assistant_id: null,
  run_id: null,
  attachments: [],
  metadata: {},
  status: 'completed',
  ...extra,
});

async function layoutIn(root: string) {
  const layout = await emptyLayout(root);
  const entry = {
    data: { id: 'thread_extra', object: 'thread', created_at: T, metadata: {}, flagged: 1 },
    chat_name: 'Extra fields',
    last_update: T + 100,
    pinned: true,
    assistant_id: 'asst_custom',
    model: 'gpt-4o',
  };
  await writeFile(
    path.join(layout.legacyDir, 'alice.json'),
    JSON.stringify({ thread_extra: entry }),
  );
  const extra = { completed_at: T + 9, incomplete_at: null, custom_field: 'keep me' };
  await writeFile(
    path.join(layout.messagesDir, 'thread_extra.json'),
    JSON.stringify([
      message('msg_1', 'user', 'q', T + 1),
      message('msg_2', 'assistant', 'a', T + 2, extra),
    ]),
  );
  return layout;
}

describe('fields Threadline has no place for', () => {
  it('are kept in the metadata of the conversation and of the message', async () => {
    const layout = await layoutIn(temp.path);
    await migrate(layout);
    const stored = (await storedConversations(layout.dataDir, 'alice')).get('thread_extra')!;
    expect(stored.data.metadata.legacy_entry).toEqual({
      pinned: true,
      assistant_id: 'asst_custom',
      model: 'gpt-4o',
      data: { flagged: 1 },
    });
    expect(stored.messages[0]?.metadata).toBeUndefined();
    expect(stored.messages[1]?.metadata).toEqual({
      legacy_message: { completed_at: T + 9, incomplete_at: null, custom_field: 'keep me' },
    });
  });

  it('are missed by verification when the store lacks them, and brought back by a re-run', async () => {
    const layout = await layoutIn(temp.path);
    await migrate(layout);
    // As a migration that did not keep them left the conversation.
    const store = new JsonConversationStore({ dataDir: layout.dataDir, logger: silentLogger });
    const stored = (await store.getConversation('alice', 'thread_extra'))!;
    stored.data.metadata = { legacy_thread_id: 'thread_extra' };
    for (const kept of stored.messages) delete kept.metadata;
    await store.putConversations('alice', [stored]);
    await store.close();

    const verified = await migrate(layout, 'verify');
    expect(verified.verify?.problems).toEqual([
      expect.objectContaining({ messageId: null, reason: expect.stringMatching(/legacy_entry/) }),
      expect.objectContaining({
        messageId: 'msg_2',
        reason: expect.stringMatching(/legacy_message/),
      }),
    ]);

    const again = await migrate(layout);
    expect(again.totals).toMatchObject({ conversationsUpdated: 1, messagesAdded: 0 });
    expect((await migrate(layout, 'verify')).verify?.problems).toEqual([]);
    expect((await migrate(layout)).totals).toMatchObject({ conversationsUnchanged: 1 });
  });

  it('compare as the store holds them: a value JSON changes is stored once, then found', async () => {
    const layout = await emptyLayout(temp.path);
    // Written as text: -0 and 1e400 are what a JSON file may hold, and the store holds 0 and null.
    await writeFile(
      path.join(layout.legacyDir, 'alice.json'),
      `{"thread_z":{"data":{"id":"thread_z","object":"thread","created_at":${T}},"chat_name":"z","score":-0,"huge":1e400}}`,
    );
    await writeFile(
      path.join(layout.messagesDir, 'thread_z.json'),
      JSON.stringify([message('msg_1', 'user', 'q', T + 1, { thread_id: 'thread_z', weight: -0 })]),
    );
    expect((await migrate(layout)).totals).toMatchObject({ conversationsAdded: 1 });
    const stored = (await storedConversations(layout.dataDir, 'alice')).get('thread_z');
    expect(stored?.data.metadata.legacy_entry).toEqual({ score: 0, huge: null });
    const again = await migrate(layout);
    expect(again.totals).toMatchObject({ conversationsUpdated: 0, conversationsUnchanged: 1 });
    const verified = await migrate(layout, 'verify');
    expect(verified.verify?.problems).toEqual([]);
    expect(verified.status).toBe('complete');
  });
});
